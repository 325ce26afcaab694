package io.optoutgw.relay;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * SMPP 3.4 time fields (section 7.1.1), as used by schedule_delivery_time and validity_period:
 * {@code YYMMDDhhmmsstnnp}, absolute when {@code p} is '+' or '-' ({@code nn} quarter hours ahead
 * of or behind UTC, {@code t} tenths of a second), relative when {@code p} is 'R' (years, months,
 * days, hours, minutes and seconds from now). An empty field means "not set".
 */
public final class SmppTime {

    private SmppTime() {}

    /** What a time field said. */
    public sealed interface Parsed permits NotSet, At, Invalid {}

    /** The field is empty: immediate delivery, or the SMSC's default validity. */
    public record NotSet() implements Parsed {
        static final NotSet INSTANCE = new NotSet();
    }

    /** The field names this instant. */
    public record At(Instant instant) implements Parsed {}

    /** The field is not a valid SMPP time; {@code problem} says why. */
    public record Invalid(String problem) implements Parsed {}

    /** Reads {@code field} relative to {@code now}; never throws. */
    public static Parsed parse(String field, Instant now) {
        if (field == null || field.isEmpty()) {
            return NotSet.INSTANCE;
        }
        if (field.length() != 16) {
            return new Invalid("expected 16 characters YYMMDDhhmmsstnnp, got " + field.length());
        }
        for (int i = 0; i < 15; i++) {
            char c = field.charAt(i);
            if (c < '0' || c > '9') {
                return new Invalid("non-digit at position " + (i + 1));
            }
        }
        int yy = num(field, 0);
        int mo = num(field, 2);
        int dd = num(field, 4);
        int hh = num(field, 6);
        int mi = num(field, 8);
        int ss = num(field, 10);
        int tenths = field.charAt(12) - '0';
        int quarters = num(field, 13);
        char p = field.charAt(15);
        try {
            switch (p) {
                case 'R', 'r' -> {
                    ZonedDateTime at = now.atZone(ZoneOffset.UTC)
                            .plusYears(yy)
                            .plusMonths(mo)
                            .plusDays(dd)
                            .plusHours(hh)
                            .plusMinutes(mi)
                            .plusSeconds(ss);
                    return new At(at.toInstant());
                }
                case '+', '-' -> {
                    if (quarters > 48) {
                        return new Invalid("UTC offset of " + quarters + " quarter hours");
                    }
                    LocalDateTime local = LocalDateTime.of(2000 + yy, mo, dd, hh, mi, ss, tenths * 100_000_000);
                    int offsetSeconds = quarters * 15 * 60 * (p == '+' ? 1 : -1);
                    return new At(local.toInstant(ZoneOffset.ofTotalSeconds(offsetSeconds)));
                }
                default -> {
                    return new Invalid("last character must be '+', '-' or 'R', got '" + p + "'");
                }
            }
        } catch (DateTimeException e) {
            return new Invalid(e.getMessage());
        }
    }

    private static int num(String s, int at) {
        return (s.charAt(at) - '0') * 10 + (s.charAt(at + 1) - '0');
    }
}
