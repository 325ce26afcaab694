package io.optoutgw.optout;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Splits ASCII texts into clauses of words for {@link MatchMode#PHRASE} without building a string
 * per word: a word that is one of a fixed set (every word a keyword, phrase, politeness, negation
 * or condition list contains) comes back as that set's own instance, any other word as
 * {@link #OTHER}. For the phrase rules, which only ever compare words with those lists, OTHER
 * behaves as the word it stands for: it is in none of them.
 *
 * <p>Same clauses and words as {@link TextNormalizer#clauses} (apostrophes removed, letters
 * upper-cased, split at every other character that is not a letter or digit, clauses ended by
 * . , ; : ! ?), for ASCII text only. Immutable and thread-safe.
 */
final class AsciiWords {

    /** Stands for any word outside the set; equal to no word a text can contain. */
    static final String OTHER = "\u0000";

    private final String[] slots;
    private final int mask;

    AsciiWords(Set<String> words) {
        int size = Integer.highestOneBit(Math.max(8, words.size() * 4) - 1) << 1;
        slots = new String[size];
        mask = size - 1;
        for (String w : words) {
            int i = spread(w.hashCode()) & mask;
            while (slots[i] != null && !slots[i].equals(w)) {
                i = (i + 1) & mask;
            }
            slots[i] = w;
        }
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }

    private static boolean isApostrophe(char c) {
        return c == '\'' || c == '`';
    }

    private static boolean isWordChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    private static char upper(char c) {
        return c >= 'a' && c <= 'z' ? (char) (c - 32) : c;
    }

    /** The clauses of ASCII {@code text}, each a list of words (set instances or {@link #OTHER}). */
    List<List<String>> clauses(String text) {
        List<List<String>> clauses = new ArrayList<>();
        List<String> current = new ArrayList<>();
        int start = -1; // first char of the word being read, or -1
        int hash = 0;
        int length = 0;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ' ';
            if (isApostrophe(c)) {
                continue;
            }
            if (isWordChar(c)) {
                if (start < 0) {
                    start = i;
                }
                hash = 31 * hash + upper(c); // String.hashCode of the upper-cased word
                length++;
                continue;
            }
            if (start >= 0) {
                current.add(find(text, start, i, length, hash));
                start = -1;
                hash = 0;
                length = 0;
            }
            if ((c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?') && !current.isEmpty()) {
                clauses.add(current);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            clauses.add(current);
        }
        return clauses;
    }

    /** The set's word equal to {@code text[from, to)} upper-cased without apostrophes, or OTHER. */
    private String find(String text, int from, int to, int length, int hash) {
        for (int i = spread(hash) & mask; slots[i] != null; i = (i + 1) & mask) {
            String w = slots[i];
            if (w.length() == length && w.hashCode() == hash && sameWord(w, text, from, to)) {
                return w;
            }
        }
        return OTHER;
    }

    private static boolean sameWord(String word, String text, int from, int to) {
        int k = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (!isApostrophe(c) && word.charAt(k++) != upper(c)) {
                return false;
            }
        }
        return true;
    }
}
