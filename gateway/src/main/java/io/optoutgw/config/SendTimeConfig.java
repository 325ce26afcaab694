package io.optoutgw.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Send-time rules of one account ({@code optOut.sendTime}): when messages may reach a person, in
 * that person's local time, and how many may reach them in a rolling 24 hours. Left out: no rules.
 * See docs/consent-rules.md, "Send-time rules".
 *
 * @param preset       {@code us-tcpa} (08:00-21:00, the federal telemarketing hours) or {@code us-fl-ok}
 *                     (08:00-20:00 and at most 3 messages per number in 24 h, the Florida and
 *                     Oklahoma telephone solicitation acts); excludes {@code bands}
 * @param bands        allowed local-time bands such as {@code "08:00-20:00"}: start inclusive, end
 *                     exclusive, {@code 24:00} allowed as an end; a band may not cross midnight
 *                     (write {@code "22:00-24:00"} and {@code "00:00-06:00"}). Left out with no
 *                     preset: all day (a cap alone)
 * @param maxPer24h    messages per number per account in a rolling 24 h, 1..100; left out: no cap
 *                     (with {@code us-fl-ok}: 3, and it may only be lowered)
 * @param action       outside the bands: {@code refuse} (default; a retryable submit_sm_resp error)
 *                     or {@code schedule} (relay with schedule_delivery_time set to the next
 *                     allowed time, where the upstream honours it; refused otherwise)
 * @param refuseStatus command_status of a refusal, for quiet hours and the cap alike (default
 *                     ESME_RTHROTTLED 0x58: ESMEs treat it as "retry later")
 * @param timeZone     the zone for a destination libphonenumber cannot place at all (IANA id,
 *                     default UTC)
 * @param categories   the consent categories the rules hold for, each one of {@code optOut.categories}
 *                     ({@link #checkCategories}); empty or left out: every message of the account.
 *                     A message of another category is neither held nor counted against the cap
 */
public record SendTimeConfig(
        String preset,
        List<Band> bands,
        Integer maxPer24h,
        Action action,
        Integer refuseStatus,
        String timeZone,
        List<String> categories) {

    /** Configuration key prefix used in error messages. */
    static final String KEY = "optOut.sendTime";

    /** Preset names. */
    public static final String US_TCPA = "us-tcpa";

    public static final String US_FL_OK = "us-fl-ok";

    /** Most messages a cap may allow: bounds the Redis memory of one number. */
    public static final int MAX_CAP = 100;

    /** What happens to a message submitted in quiet hours. */
    public enum Action {
        REFUSE,
        SCHEDULE
    }

    public SendTimeConfig {
        if (preset != null) {
            preset = preset.strip().toLowerCase(Locale.ROOT);
            if (bands != null && !bands.isEmpty()) {
                throw new ConfigException(KEY + ".bands", "set either preset or bands, not both");
            }
            switch (preset) {
                case US_TCPA -> bands = List.of(new Band(8 * 60, 21 * 60));
                case US_FL_OK -> {
                    bands = List.of(new Band(8 * 60, 20 * 60));
                    if (maxPer24h != null && maxPer24h > 3) {
                        throw new ConfigException(
                                KEY + ".maxPer24h", "the preset us-fl-ok allows at most 3, got " + maxPer24h);
                    }
                    maxPer24h = maxPer24h == null ? 3 : maxPer24h;
                }
                default ->
                    throw new ConfigException(
                            KEY + ".preset",
                            "unknown preset '" + preset + "' (known: " + US_TCPA + ", " + US_FL_OK + ")");
            }
        } else if (bands == null || bands.isEmpty()) {
            if (maxPer24h == null) {
                throw new ConfigException(KEY, "set a preset (" + US_TCPA + ", " + US_FL_OK + "), bands or maxPer24h");
            }
            bands = List.of(new Band(0, Band.DAY));
        }
        List<Band> sorted = new ArrayList<>(bands);
        sorted.sort(Comparator.comparingInt(Band::startMinute));
        bands = List.copyOf(sorted);
        maxPer24h = maxPer24h == null ? 0 : maxPer24h;
        if (maxPer24h != 0) {
            ConfigChecks.range(KEY + ".maxPer24h", maxPer24h, 1, MAX_CAP);
        }
        action = action == null ? Action.REFUSE : action;
        refuseStatus = refuseStatus == null ? 0x58 : refuseStatus;
        if (refuseStatus == 0) {
            throw new ConfigException(KEY + ".refuseStatus", "must be an error status, not ESME_ROK");
        }
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
        timeZone = timeZone == null ? "UTC" : timeZone.strip();
        try {
            ZoneId.of(timeZone);
        } catch (DateTimeException e) {
            throw new ConfigException(
                    KEY + ".timeZone",
                    "not a time zone: '" + timeZone + "' (use an IANA id such as America/New_York or UTC)");
        }
    }

    /** The rules of {@code preset} with every other setting left to its default. */
    public static SendTimeConfig preset(String preset) {
        return new SendTimeConfig(preset, null, null, null, null, null, null);
    }

    /**
     * Refuses {@code categories} naming one the account does not declare in {@code declared}
     * ({@code optOut.categories}), or any at all when it declares none.
     */
    void checkCategories(List<String> declared) {
        if (categories.isEmpty()) {
            return;
        }
        if (declared.isEmpty()) {
            throw new ConfigException(
                    KEY + ".categories",
                    "needs optOut.categories (the account declares no categories); leave it out to hold every"
                            + " message of the account to the rules");
        }
        for (String c : categories) {
            if (!declared.contains(c)) {
                throw new ConfigException(
                        KEY + ".categories", "'" + c + "' is not one of optOut.categories " + declared);
            }
        }
    }

    /**
     * Whether the rules hold for a message of {@code category} ({@code null}: the account declares
     * no categories): every message when {@code categories} is empty, else those of the listed ones.
     */
    public boolean appliesTo(String category) {
        return categories.isEmpty() || (category != null && categories.contains(category));
    }

    /** Whether messages are counted against a cap. */
    public boolean capped() {
        return maxPer24h > 0;
    }

    /** {@link #timeZone} as a zone. */
    public ZoneId fallbackZone() {
        return ZoneId.of(timeZone);
    }

    /**
     * One allowed band of local time, in minutes of the day: {@code startMinute} inclusive,
     * {@code endMinute} exclusive (1440 is midnight at the end of the day).
     */
    public record Band(int startMinute, int endMinute) {

        /** Minutes in a day; a band may end at 24:00. */
        public static final int DAY = 24 * 60;

        public Band {
            if (startMinute < 0 || endMinute > DAY || startMinute >= endMinute) {
                throw new ConfigException(
                        KEY + ".bands",
                        "'" + text(startMinute, endMinute)
                                + "': the start must come before the end within one day (a band crossing midnight is"
                                + " two bands: 22:00-24:00 and 00:00-06:00)");
            }
        }

        /** Reads {@code "HH:MM-HH:MM"}. */
        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        public static Band parse(String text) {
            String t = text == null ? "" : text.strip();
            if (!t.matches("\\d{2}:\\d{2}-\\d{2}:\\d{2}")) {
                throw new ConfigException(KEY + ".bands", "expected a band like \"08:00-20:00\", got '" + text + "'");
            }
            return new Band(minute(t.substring(0, 5), text), minute(t.substring(6), text));
        }

        private static int minute(String hhmm, String text) {
            int h = Integer.parseInt(hhmm.substring(0, 2));
            int m = Integer.parseInt(hhmm.substring(3));
            if (m > 59 || h > 24 || (h == 24 && m != 0)) {
                throw new ConfigException(KEY + ".bands", "not a time of day: '" + hhmm + "' in '" + text + "'");
            }
            return h * 60 + m;
        }

        /** Whether {@code secondOfDay} (0..86399) falls in this band. */
        public boolean contains(int secondOfDay) {
            return secondOfDay >= startMinute * 60 && secondOfDay < endMinute * 60;
        }

        @Override
        public String toString() {
            return text(startMinute, endMinute);
        }

        private static String text(int start, int end) {
            return String.format(Locale.ROOT, "%02d:%02d-%02d:%02d", start / 60, start % 60, end / 60, end % 60);
        }
    }
}
