package io.optoutgw.suppression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.suppression.HonourClock.Jurisdiction;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** Business days between a request in another channel and its opt-out taking effect, per jurisdiction calendar. */
class HonourClockTest {

    private static final Instant FRIDAY_AFTERNOON = Instant.parse("2026-11-20T20:00:00Z"); // 15:00 in New York

    @Test
    void aWeekendIsNotCounted() {
        Instant monday = Instant.parse("2026-11-23T14:00:00Z");
        for (Jurisdiction j : new Jurisdiction[] {Jurisdiction.US, Jurisdiction.CA, Jurisdiction.OTHER}) {
            assertEquals(1, HonourClock.businessDays(FRIDAY_AFTERNOON, monday, j), j.name());
        }
        // in Sydney those instants are Saturday morning and Tuesday: Monday and Tuesday count
        assertEquals(2, HonourClock.businessDays(FRIDAY_AFTERNOON, monday, Jurisdiction.AU));
        assertEquals(
                1,
                HonourClock.businessDays(
                        Instant.parse("2026-11-20T04:00:00Z"), Instant.parse("2026-11-23T04:00:00Z"), Jurisdiction.AU));
        Instant saturday = Instant.parse("2026-11-21T16:00:00Z");
        assertEquals(0, HonourClock.businessDays(FRIDAY_AFTERNOON, saturday, Jurisdiction.US));
    }

    @Test
    void theSameDayOrAnEarlierEffectCountsZero() {
        assertEquals(
                0, HonourClock.businessDays(FRIDAY_AFTERNOON, FRIDAY_AFTERNOON.plusSeconds(3600), Jurisdiction.US));
        assertEquals(
                0,
                HonourClock.businessDays(FRIDAY_AFTERNOON, FRIDAY_AFTERNOON.minusSeconds(86_400 * 3), Jurisdiction.US));
    }

    @Test
    void tenUsBusinessDaysSpanThanksgivingAndTwoWeekends() {
        Instant tenthBusinessDay = Instant.parse("2026-12-07T18:00:00Z"); // Monday
        // Nov 23, 24, 25, 27, 30, Dec 1, 2, 3, 4, 7: Thanksgiving (Nov 26) is a federal holiday
        assertEquals(10, HonourClock.businessDays(FRIDAY_AFTERNOON, tenthBusinessDay, Jurisdiction.US));
        assertEquals(11, HonourClock.businessDays(FRIDAY_AFTERNOON, tenthBusinessDay, Jurisdiction.OTHER));
    }

    @Test
    void daysAreReadInTheJurisdictionsZone() {
        // Monday 21:00 in New York is already Tuesday in UTC
        Instant mondayEvening = Instant.parse("2026-11-24T02:00:00Z");
        assertEquals(1, HonourClock.businessDays(FRIDAY_AFTERNOON, mondayEvening, Jurisdiction.US));
        assertEquals(2, HonourClock.businessDays(FRIDAY_AFTERNOON, mondayEvening, Jurisdiction.OTHER));
    }

    @Test
    void australianEasterLeavesOneWorkingDayFromThursdayToTuesday() {
        Instant thursday = Instant.parse("2026-04-02T01:00:00Z"); // 12:00 in Sydney
        Instant tuesday = Instant.parse("2026-04-07T01:00:00Z");
        assertEquals(1, HonourClock.businessDays(thursday, tuesday, Jurisdiction.AU));
        assertEquals(3, HonourClock.businessDays(thursday, tuesday, Jurisdiction.OTHER));
    }

    @Test
    void holidaysOnAWeekendAreObservedOnAWeekday() {
        // US: 1 January 2022 was a Saturday, observed on Friday 31 December 2021
        assertFalse(Jurisdiction.US.isBusinessDay(LocalDate.parse("2021-12-31")));
        // US: 4 July 2026 is a Saturday, observed on Friday 3 July
        assertFalse(Jurisdiction.US.isBusinessDay(LocalDate.parse("2026-07-03")));
        // Canada: Boxing Day 2026 is a Saturday, observed on Monday 28 December; not a US holiday
        assertFalse(Jurisdiction.CA.isBusinessDay(LocalDate.parse("2026-12-28")));
        assertTrue(Jurisdiction.US.isBusinessDay(LocalDate.parse("2026-12-28")));
        // Australia 2027: Christmas (Saturday) on Monday 27, Boxing Day (Sunday) on Tuesday 28
        assertFalse(Jurisdiction.AU.isBusinessDay(LocalDate.parse("2027-12-27")));
        assertFalse(Jurisdiction.AU.isBusinessDay(LocalDate.parse("2027-12-28")));
        assertTrue(Jurisdiction.AU.isBusinessDay(LocalDate.parse("2027-12-29")));
        assertTrue(Jurisdiction.OTHER.isBusinessDay(LocalDate.parse("2026-12-25")));
    }

    @Test
    void movableFeastsFallOnTheirDays() {
        assertEquals(LocalDate.parse("2026-04-03"), HonourClock.goodFriday(2026));
        assertEquals(LocalDate.parse("2025-04-18"), HonourClock.goodFriday(2025));
        assertEquals(LocalDate.parse("2027-03-26"), HonourClock.goodFriday(2027));
        assertTrue(HonourClock.usFederal(2026).contains(LocalDate.parse("2026-05-25")), "Memorial Day");
        assertTrue(HonourClock.usFederal(2026).contains(LocalDate.parse("2026-01-19")), "Martin Luther King Day");
        assertTrue(HonourClock.canadaFederal(2026).contains(LocalDate.parse("2026-05-18")), "Victoria Day");
        assertTrue(HonourClock.canadaFederal(2026).contains(LocalDate.parse("2026-10-12")), "Thanksgiving (Canada)");
    }

    @Test
    void theJurisdictionComesFromTheNumbersRegion() {
        assertEquals(Jurisdiction.US, HonourClock.jurisdiction("12015550123"));
        assertEquals(Jurisdiction.US, HonourClock.jurisdiction("17875550123"), "Puerto Rico");
        assertEquals(Jurisdiction.US, HonourClock.jurisdiction("15550001111"), "a +1 number no region claims");
        assertEquals(Jurisdiction.CA, HonourClock.jurisdiction("14165550123"));
        assertEquals(Jurisdiction.AU, HonourClock.jurisdiction("61412345678"));
        assertEquals(Jurisdiction.OTHER, HonourClock.jurisdiction("447400123456"));
        assertEquals(10, Jurisdiction.US.deadlineBusinessDays());
        assertEquals(10, Jurisdiction.CA.deadlineBusinessDays());
        assertEquals(5, Jurisdiction.AU.deadlineBusinessDays());
        assertEquals(15, Jurisdiction.OTHER.deadlineBusinessDays());
    }

    @Test
    void aVeryOldRequestIsCountedUpToTheCap() {
        Instant longAgo = Instant.parse("2000-01-03T12:00:00Z");
        assertEquals(HonourClock.MAX_COUNTED, HonourClock.businessDays(longAgo, FRIDAY_AFTERNOON, Jurisdiction.OTHER));
    }
}
