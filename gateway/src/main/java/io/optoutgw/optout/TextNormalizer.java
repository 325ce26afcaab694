package io.optoutgw.optout;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Keyword normalisation (docs/domain.md "Keywords"): Unicode NFKC (UAX #15), accents removed
 * (NFD, then non-spacing / enclosing marks and format characters dropped), upper case in
 * {@link Locale#ROOT}, anything but letters and digits trimmed at both ends, and runs of
 * whitespace, '-' and '_' inside collapsed to one space.
 */
final class TextNormalizer {

    private TextNormalizer() {}

    /** Normalises any text; returns "" when nothing but punctuation/space is left. */
    static String normalize(String raw) {
        if (isAscii(raw)) {
            return collapse(raw, Integer.MAX_VALUE, true);
        }
        String upper = stripMarks(raw).toUpperCase(Locale.ROOT);
        upper = Normalizer.normalize(upper, Normalizer.Form.NFC); // recompose e.g. Hangul jamo
        return collapse(upper, Integer.MAX_VALUE, false);
    }

    /**
     * The first steps of {@link #normalize} without the change of case and the trimming: NFKC,
     * accents removed, recomposed (NFC). "Répondez ＡＲＲÊＴ" becomes "Repondez ARRET", so a
     * reader can still tell the words written in capitals. ASCII text comes back as it is.
     */
    static String fold(String raw) {
        if (isAscii(raw)) {
            return raw;
        }
        return Normalizer.normalize(stripMarks(raw), Normalizer.Form.NFC);
    }

    /** NFKC, then NFD with non-spacing and enclosing marks and format characters dropped. */
    private static String stripMarks(String raw) {
        String s = Normalizer.normalize(raw, Normalizer.Form.NFKC);
        s = Normalizer.normalize(s, Normalizer.Form.NFD);
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            int type = Character.getType(cp);
            if (type != Character.NON_SPACING_MARK && type != Character.ENCLOSING_MARK && type != Character.FORMAT) {
                sb.appendCodePoint(cp);
            }
        }
        return sb.toString();
    }

    /**
     * The normal form of an ASCII text, or {@code null} as soon as it would be longer than
     * {@code limit} chars. ASCII is invariant under NFKC and NFD, so this equals {@link #normalize}.
     */
    static String normalizeAscii(String raw, int limit) {
        return collapse(raw, limit, true);
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** Letters and digits (code points) in {@code s}. */
    static int lettersAndDigits(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLetterOrDigit(cp)) {
                n++;
            }
        }
        return n;
    }

    static boolean isSeparator(char c) {
        if (c == ' ' || c == '-' || c == '_') {
            return true;
        }
        if (c < 0x80) {
            // the ASCII whitespace of Character.isWhitespace; '-' and '_' are ASCII's only dash
            // and connector punctuation
            return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
        }
        if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
            return true;
        }
        int type = Character.getType(c);
        return type == Character.DASH_PUNCTUATION || type == Character.CONNECTOR_PUNCTUATION;
    }

    private static String collapse(CharSequence s, int limit, boolean asciiUpper) {
        int start = 0;
        int end = s.length();
        while (start < end) {
            int cp = Character.codePointAt(s, start);
            if (Character.isLetterOrDigit(cp)) {
                break;
            }
            start += Character.charCount(cp);
        }
        while (end > start) {
            int cp = Character.codePointBefore(s, end);
            if (Character.isLetterOrDigit(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        StringBuilder sb = new StringBuilder(Math.min(end - start, limit));
        boolean pendingSpace = false;
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (isSeparator(c)) {
                pendingSpace = true;
                continue;
            }
            if (pendingSpace) {
                sb.append(' ');
                pendingSpace = false;
            }
            sb.append(asciiUpper && c >= 'a' && c <= 'z' ? (char) (c - 32) : c);
            if (sb.length() > limit) {
                return null;
            }
        }
        return sb.toString();
    }

    /**
     * Splits a normalised text into clauses (at . , ; : ! ?) of word tokens. Apostrophes are
     * removed so that contractions become one token (DON'T -> DONT, M'ENVOYER -> MENVOYER); any
     * other character that is not a letter or digit separates tokens.
     */
    static List<List<String>> clauses(String normalized) {
        List<List<String>> clauses = new ArrayList<>();
        List<String> current = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < normalized.length(); i++) {
            char c = normalized.charAt(i);
            if (c == '\'' || c == '\u2019' || c == '\u2018' || c == '\u02BC' || c == '`') {
                continue;
            }
            if (isAsciiLetterOrDigit(c) || (c >= 0x80 && (Character.isLetterOrDigit(c) || Character.isSurrogate(c)))) {
                word.append(c);
                continue;
            }
            flush(word, current);
            if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?') {
                if (!current.isEmpty()) {
                    clauses.add(current);
                    current = new ArrayList<>();
                }
            }
        }
        flush(word, current);
        if (!current.isEmpty()) {
            clauses.add(current);
        }
        return clauses;
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    private static void flush(StringBuilder word, List<String> clause) {
        if (word.length() > 0) {
            clause.add(word.toString());
            word.setLength(0);
        }
    }
}
