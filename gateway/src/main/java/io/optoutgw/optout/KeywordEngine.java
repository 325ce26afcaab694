package io.optoutgw.optout;

import io.optoutgw.config.Keyword;
import io.optoutgw.config.MatchMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Recognises opt-out, opt-in and help keywords in mobile-originated text (docs/domain.md
 * "Keywords": CTIA, CWTA, FCC 24-24). In {@link MatchMode#EXACT} the whole normalised message must
 * be a keyword; {@link MatchMode#PHRASE} first does the same, then accepts an opt-out keyword
 * wrapped in politeness words and the revocation wordings of {@link RevocationPhrases}.
 * Thread-safe and immutable; everything is precomputed at construction.
 */
public final class KeywordEngine {

    /**
     * NFKC can fold up to three letters into one (Hangul L+V+T jamo); no normalisation step
     * removes letters otherwise, so a text with more than this many letters per keyword char
     * cannot normalise to a keyword.
     */
    private static final int MAX_LETTER_SHRINK = 3;

    private final MatchMode mode;
    private final Map<String, KeywordMatch> exact;
    private final int maxKeywordLength;
    /** Words in the longest keyword (normalised, split at spaces). */
    private final int maxKeywordWords;
    /**
     * Phrase mode: a one-word message that is a slip of a single-word opt-out keyword ("STOPP",
     * "SOTP", "UNSUBSRIBE") to that keyword's match; see {@link #typos}.
     */
    private final Map<String, KeywordMatch> typos;
    /** Every word the phrase rules compare with, for reading ASCII texts. */
    private final AsciiWords words;

    /** The version of the rules: see {@link #version()}. */
    private final String version;

    public KeywordEngine(KeywordConfig config) {
        Objects.requireNonNull(config, "config");
        this.mode = config.mode();
        this.version = version(config);
        Map<String, KeywordMatch> map = new HashMap<>();
        int max = 0;
        int maxWords = 0;
        for (Intent intent : Intent.values()) {
            for (Keyword k : config.keywords(intent)) {
                String key = TextNormalizer.normalize(k.text());
                if (key.isEmpty()) {
                    throw new IllegalArgumentException("keyword has no letters or digits: " + k.text());
                }
                KeywordMatch previous = map.putIfAbsent(key, new KeywordMatch(intent, k.text(), k.language(), k.all()));
                if (previous != null && previous.intent() != intent) {
                    throw new IllegalArgumentException(
                            "keyword " + k.text() + " is both " + previous.intent() + " and " + intent);
                }
                max = Math.max(max, key.length());
                maxWords = Math.max(maxWords, key.split(" ").length);
            }
        }
        this.exact = Map.copyOf(map);
        this.maxKeywordLength = max;
        for (String alias : RevocationPhrases.ALIASES.keySet()) {
            maxWords = Math.max(maxWords, alias.split(" ").length);
        }
        this.maxKeywordWords = maxWords;
        Set<String> known = new HashSet<>();
        map.keySet().forEach(k -> known.addAll(List.of(k.split(" "))));
        this.typos = typos(map);
        known.addAll(typos.keySet());
        RevocationPhrases.PHRASES.forEach(p -> p.slots().forEach(known::addAll));
        known.addAll(RevocationPhrases.POLITENESS);
        known.addAll(RevocationPhrases.NEGATIONS);
        known.addAll(RevocationPhrases.CONDITIONS);
        RevocationPhrases.REASONS.forEach(known::addAll);
        RevocationPhrases.ALIASES.keySet().forEach(a -> known.addAll(List.of(a.split(" "))));
        this.words = new AsciiWords(known);
    }

    /**
     * The common slips of each single-word opt-out keyword of at least four letters: two neighbouring
     * letters swapped or one letter doubled ("SOTP", "STOPP"), and, from six letters on, one letter
     * left out ("UNSUBSRIBE", "CANCL"). A slip that is itself a keyword is left to that keyword, one
     * that is a word of its own ({@link RevocationPhrases#NOT_SLIPS}) to nobody.
     */
    private static Map<String, KeywordMatch> typos(Map<String, KeywordMatch> keywords) {
        Map<String, KeywordMatch> typos = new HashMap<>();
        Set<String> ambiguous = new HashSet<>();
        keywords.forEach((key, m) -> {
            if (m.intent() != Intent.OPT_OUT || key.length() < 4 || !key.chars().allMatch(Character::isLetter)) {
                return;
            }
            Set<String> slips = new HashSet<>();
            for (int i = 0; i < key.length(); i++) {
                if (i + 1 < key.length() && key.charAt(i) != key.charAt(i + 1)) {
                    slips.add(key.substring(0, i) + key.charAt(i + 1) + key.charAt(i) + key.substring(i + 2));
                }
                slips.add(key.substring(0, i + 1) + key.charAt(i) + key.substring(i + 1));
                if (key.length() >= 6) {
                    slips.add(key.substring(0, i) + key.substring(i + 1));
                }
            }
            for (String slip : slips) {
                if (keywords.containsKey(slip) || RevocationPhrases.NOT_SLIPS.contains(slip)) {
                    continue;
                }
                KeywordMatch previous = typos.putIfAbsent(slip, m);
                if (previous != null && !previous.equals(m)) {
                    ambiguous.add(slip);
                }
            }
        });
        ambiguous.forEach(typos::remove);
        return Map.copyOf(typos);
    }

    /** An engine with the default keyword table in the given mode. */
    public static KeywordEngine defaults(MatchMode mode) {
        return new KeywordEngine(KeywordConfig.defaults().withMode(mode));
    }

    /**
     * The version of these rules, recorded with every keyword event (docs/evidence.md): the first 16 hex
     * digits of SHA-256 over {@code optoutgw-rules-v1}, the match mode, and for each intent (OPT_OUT,
     * OPT_IN, HELP) its keywords in order as {@code text/language/all}, one a line. Two engines with the
     * same lists and mode have the same version; any change to them gives another.
     */
    public String version() {
        return version;
    }

    static String version(KeywordConfig config) {
        StringBuilder sb =
                new StringBuilder("optoutgw-rules-v1\n").append(config.mode()).append('\n');
        for (Intent intent : Intent.values()) {
            sb.append(intent).append('\n');
            for (Keyword k : config.keywords(intent)) {
                sb.append(k.text())
                        .append('/')
                        .append(k.language())
                        .append('/')
                        .append(k.all())
                        .append('\n');
            }
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    public MatchMode mode() {
        return mode;
    }

    /** The keyword {@code text} expresses, if any; {@code null} and empty texts match nothing. */
    public Optional<KeywordMatch> match(String text) {
        if (text == null || text.isEmpty() || maxKeywordLength == 0) {
            return Optional.empty();
        }
        if (mode == MatchMode.EXACT) {
            return Optional.ofNullable(matchExact(text));
        }
        if (TextNormalizer.isAscii(text)) {
            // ASCII: the normal form is the text upper-cased, trimmed and with separators collapsed,
            // and none of that changes the clauses and words; so only a text short enough to be a
            // keyword is normalised, and words are read from the text itself
            String key = TextNormalizer.normalizeAscii(text, maxKeywordLength);
            KeywordMatch m = key == null ? null : exact.get(key);
            return Optional.ofNullable(m != null ? m : matchPhrase(words.clauses(text)));
        }
        return Optional.ofNullable(matchNormalized(text));
    }

    /** Phrase mode on any text, through its normal form (tests compare the ASCII path with this). */
    KeywordMatch matchNormalized(String text) {
        String normalized = TextNormalizer.normalize(text);
        KeywordMatch m = normalized.length() > maxKeywordLength ? null : exact.get(normalized);
        return m != null ? m : matchPhrase(TextNormalizer.clauses(normalized));
    }

    private KeywordMatch matchExact(String text) {
        if (TextNormalizer.isAscii(text)) {
            String key = TextNormalizer.normalizeAscii(text, maxKeywordLength);
            return key == null ? null : exact.get(key);
        }
        if (TextNormalizer.lettersAndDigits(text) > MAX_LETTER_SHRINK * maxKeywordLength) {
            return null;
        }
        return exact.get(TextNormalizer.normalize(text));
    }

    private KeywordMatch matchPhrase(List<List<String>> clauses) {
        KeywordMatch wrapped = politelyWrapped(clauses);
        if (wrapped != null) {
            return wrapped;
        }
        for (List<String> clause : clauses) {
            for (int i = 0; i < clause.size(); i++) {
                List<RevocationPhrases.Phrase> candidates = RevocationPhrases.BY_FIRST_WORD.get(clause.get(i));
                if (candidates == null) {
                    continue;
                }
                for (RevocationPhrases.Phrase phrase : candidates) {
                    if (phrase.matchesAt(clause, i) && !RevocationPhrases.negated(clause, i, phrase)) {
                        String matched = String.join(
                                " ", clause.subList(i, i + phrase.slots().size()));
                        return new KeywordMatch(Intent.OPT_OUT, matched, phrase.language(), false);
                    }
                }
            }
        }
        return null;
    }

    /**
     * "please stop", "STOP IT NOW", "unsubscribe, thank you", "stop stop", "Wrong number, STOP",
     * "Arrêtez svp", "STOPP": an opt-out keyword (or one of {@link RevocationPhrases#ALIASES}, or
     * a slip of a one-word keyword) among politeness words and reasons, or one single-word opt-out
     * keyword repeated.
     */
    private KeywordMatch politelyWrapped(List<List<String>> clauses) {
        List<String> tokens = new ArrayList<>();
        for (List<String> clause : clauses) {
            tokens.addAll(clause);
        }
        int from = 0;
        int to = tokens.size();
        while (true) {
            int before = to - from;
            while (from < to && RevocationPhrases.POLITENESS.contains(tokens.get(from))) {
                from++;
            }
            while (to > from && RevocationPhrases.POLITENESS.contains(tokens.get(to - 1))) {
                to--;
            }
            for (List<String> reason : RevocationPhrases.REASONS) {
                int n = reason.size();
                if (to - from > n && tokens.subList(from, from + n).equals(reason)) {
                    from += n;
                } else if (to - from > n && tokens.subList(to - n, to).equals(reason)) {
                    to -= n;
                }
            }
            if (to - from == before) {
                break;
            }
        }
        if (from == to) {
            return null;
        }
        List<String> core = tokens.subList(from, to);
        if (allSame(core)) {
            core = core.subList(0, 1); // "STOP STOP STOP", "Stop. STOP!"
        } else if (core.size() > maxKeywordWords) {
            return null; // longer than any keyword or alias: no need to build and look up the text
        }
        if (core.contains(AsciiWords.OTHER)) {
            return null; // a word that is in no keyword
        }
        String text = String.join(" ", core);
        KeywordMatch m = exact.get(text);
        if (m == null) {
            String alias = RevocationPhrases.ALIASES.get(text);
            m = alias != null ? exact.get(alias) : typos.get(text);
        }
        return m != null && m.intent() == Intent.OPT_OUT ? m : null;
    }

    private static boolean allSame(List<String> tokens) {
        for (int i = 1; i < tokens.size(); i++) {
            if (!tokens.get(i).equals(tokens.get(0))) {
                return false;
            }
        }
        return true;
    }
}
