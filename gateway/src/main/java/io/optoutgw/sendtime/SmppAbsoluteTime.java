package io.optoutgw.sendtime;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Locale;

/**
 * Writes SMPP 3.4 absolute time fields (section 7.1.1), e.g. for schedule_delivery_time:
 * {@code YYMMDDhhmmsstnnp}, the local time at UTC offset {@code nn} quarter hours ahead of ({@code +})
 * or behind ({@code -}) UTC, {@code t} tenths of a second. Reading them is
 * {@code io.optoutgw.relay.SmppTime.parse}.
 */
public final class SmppAbsoluteTime {

    private SmppAbsoluteTime() {}

    /** {@code at} written in UTC ({@code ...00+}), the form every SMSC reads alike. */
    public static String format(Instant at) {
        return format(at, ZoneOffset.UTC);
    }

    /**
     * {@code at} written at {@code offset}, which must be a whole number of quarter hours, at most
     * 12 hours from UTC (the field cannot say anything else); years 2000-2099 only.
     */
    public static String format(Instant at, ZoneOffset offset) {
        int seconds = offset.getTotalSeconds();
        if (seconds % (15 * 60) != 0 || Math.abs(seconds) > 12 * 3600) {
            throw new IllegalArgumentException("UTC offset " + offset
                    + " is not a whole number of quarter hours within 12 hours of UTC (nn is 00-48)");
        }
        ZonedDateTime t = at.atZone(offset);
        if (t.getYear() < 2000 || t.getYear() > 2099) {
            throw new IllegalArgumentException("year " + t.getYear() + " cannot be written in an SMPP time field");
        }
        int quarters = Math.abs(seconds) / (15 * 60);
        return String.format(
                Locale.ROOT,
                "%02d%02d%02d%02d%02d%02d%d%02d%c",
                t.getYear() % 100,
                t.getMonthValue(),
                t.getDayOfMonth(),
                t.getHour(),
                t.getMinute(),
                t.getSecond(),
                t.getNano() / 100_000_000,
                quarters,
                seconds < 0 ? '-' : '+');
    }
}
