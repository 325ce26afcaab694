package io.optoutgw.sendtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.optoutgw.relay.SmppTime;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class SmppAbsoluteTimeTest {

    private static final Instant AT = Instant.parse("2026-01-16T13:00:00.700Z");

    @Test
    void writesUtc() {
        assertEquals("260116130000700+", SmppAbsoluteTime.format(AT));
    }

    @Test
    void writesOffsetsInQuarterHours() {
        assertEquals("260116080000720-", SmppAbsoluteTime.format(AT, ZoneOffset.ofHours(-5)));
        assertEquals("260116183000722+", SmppAbsoluteTime.format(AT, ZoneOffset.ofHoursMinutes(5, 30)));
    }

    @Test
    void readsBackAsTheSameInstant() {
        for (ZoneOffset offset : new ZoneOffset[] {
            ZoneOffset.UTC,
            ZoneOffset.ofHours(-5),
            ZoneOffset.ofHoursMinutes(5, 45),
            ZoneOffset.ofHours(12),
            ZoneOffset.ofHours(-12)
        }) {
            String field = SmppAbsoluteTime.format(AT, offset);
            assertEquals(new SmppTime.At(AT), SmppTime.parse(field, Instant.EPOCH), field);
        }
    }

    @Test
    void refusesWhatTheFieldCannotSay() {
        assertThrows(
                IllegalArgumentException.class, () -> SmppAbsoluteTime.format(AT, ZoneOffset.ofHoursMinutes(5, 20)));
        assertThrows(IllegalArgumentException.class, () -> SmppAbsoluteTime.format(AT, ZoneOffset.ofHours(14)));
        assertThrows(
                IllegalArgumentException.class, () -> SmppAbsoluteTime.format(Instant.parse("2100-01-01T00:00:00Z")));
    }
}
