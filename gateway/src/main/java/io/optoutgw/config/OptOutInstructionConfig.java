package io.optoutgw.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The opt-out instruction check of one account ({@code optOut.optOutInstruction}): a relayed
 * message of the listed categories must tell the person how to stop ("Reply STOP to opt out").
 * Left out: no check. See docs/consent-rules.md, "Opt-out instructions".
 *
 * @param categories       the categories checked, each one of {@code optOut.categories}; empty or
 *                         left out: every message of the account
 * @param action           a message without an instruction: {@code append} the account's text,
 *                         {@code refuse} it with {@code refuseStatus}, or {@code count} it only
 *                         (relayed unchanged); required
 * @param text             language code -> the instruction text appended under {@code append}
 *                         ({@code en} required then; the fallback for a language without a text).
 *                         A message that already contains one of these texts carries an
 *                         instruction, whatever the recognition rule says
 * @param refuseStatus     command_status of a refusal (default ESME_RSUBMITFAIL 0x45: a permanent
 *                         error, since sending the same text again fails again); not 0
 * @param maxExtraSegments under {@code append}, how many segments the text may add to the message
 *                         (default 0: the result must fit the segments the message already takes)
 */
public record OptOutInstructionConfig(
        List<String> categories,
        Action action,
        Map<String, String> text,
        Integer refuseStatus,
        Integer maxExtraSegments) {

    /** Configuration key prefix used in error messages. */
    static final String KEY = "optOut.optOutInstruction";

    /** Default refusal: ESME_RSUBMITFAIL (SMPP 3.4 section 5.1.3). */
    public static final int DEFAULT_REFUSE_STATUS = 0x45;

    /** Most segments {@code maxExtraSegments} may allow. */
    public static final int MAX_EXTRA_SEGMENTS = 9;

    /** Longest instruction text, in characters. */
    public static final int MAX_TEXT_CHARS = 160;

    /** An ISO 639 language code: two or three lower-case letters. */
    private static final Pattern LANGUAGE = Pattern.compile("[a-z]{2,3}");

    /** What happens to a message without an opt-out instruction. */
    public enum Action {
        APPEND,
        REFUSE,
        COUNT
    }

    public OptOutInstructionConfig {
        List<String> cs = new ArrayList<>();
        if (categories != null) {
            for (String c : categories) {
                String n = c == null ? "" : c.strip().toLowerCase(Locale.ROOT);
                if (n.isEmpty()) {
                    throw new ConfigException(KEY + ".categories", "empty category name");
                }
                if (cs.contains(n)) {
                    throw new ConfigException(KEY + ".categories", "'" + c + "' is listed twice");
                }
                cs.add(n);
            }
        }
        categories = List.copyOf(cs);
        if (action == null) {
            throw new ConfigException(KEY + ".action", "required setting is missing (append, refuse or count)");
        }
        Map<String, String> texts = new LinkedHashMap<>();
        if (text != null) {
            for (Map.Entry<String, String> e : text.entrySet()) {
                String language = e.getKey().strip().toLowerCase(Locale.ROOT);
                String key = KEY + ".text." + e.getKey();
                if (!LANGUAGE.matcher(language).matches()) {
                    throw new ConfigException(key, "not a language code (two or three letters, e.g. en, fr, es)");
                }
                String t = e.getValue() == null ? "" : e.getValue().strip();
                if (t.isEmpty()) {
                    throw new ConfigException(key, "empty instruction text");
                }
                if (t.length() > MAX_TEXT_CHARS) {
                    throw new ConfigException(
                            key, "at most " + MAX_TEXT_CHARS + " characters (one SMS), got " + t.length());
                }
                if (texts.put(language, t) != null) {
                    throw new ConfigException(key, "language '" + language + "' is given twice");
                }
            }
        }
        text = Collections.unmodifiableMap(texts);
        if (action == Action.APPEND && !texts.containsKey("en")) {
            throw new ConfigException(
                    KEY + ".text",
                    "action append needs the text to append, at least in English (text: {en: \"Reply STOP to opt"
                            + " out\"}); it is the fallback for every other language");
        }
        refuseStatus = refuseStatus == null ? DEFAULT_REFUSE_STATUS : refuseStatus;
        if (refuseStatus == 0) {
            throw new ConfigException(KEY + ".refuseStatus", "must be an error status, not ESME_ROK");
        }
        maxExtraSegments = maxExtraSegments == null ? 0 : maxExtraSegments;
        ConfigChecks.range(KEY + ".maxExtraSegments", maxExtraSegments, 0, MAX_EXTRA_SEGMENTS);
    }

    /** Whether messages of {@code category} (null: the account declares no categories) are checked. */
    public boolean covers(String category) {
        return categories.isEmpty() || (category != null && categories.contains(category));
    }

    /**
     * The text to append for {@code language} ({@code null}: unknown): that language's, else the
     * English one; {@code null} when there is neither.
     */
    public String textFor(String language) {
        String t = language == null ? null : text.get(language);
        return t != null ? t : text.get("en");
    }

    /** Checks {@code categories} against the account's {@code optOut.categories}. */
    void checkCategories(List<String> declared) {
        if (categories.isEmpty()) {
            return;
        }
        if (declared.isEmpty()) {
            throw new ConfigException(
                    KEY + ".categories",
                    "needs optOut.categories (the account declares no categories); leave it out to check every"
                            + " message of the account");
        }
        for (String c : categories) {
            if (!declared.contains(c)) {
                throw new ConfigException(
                        KEY + ".categories", "'" + c + "' is not one of optOut.categories " + declared);
            }
        }
    }
}
