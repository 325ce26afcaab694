package io.optoutgw.sendtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.config.SendTimeConfig;
import io.optoutgw.config.SendTimeConfig.Band;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class SendTimeRulesTest {

    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private static final ZoneId CHICAGO = ZoneId.of("America/Chicago");
    private static final ZoneId BOISE = ZoneId.of("America/Boise");
    private static final ZoneId LOS_ANGELES = ZoneId.of("America/Los_Angeles");

    /** Miami, Florida (Eastern). */
    private static final String MIAMI = "13055550123";
    /** Oklahoma City (Central). */
    private static final String OKLAHOMA = "14055550123";
    /** Idaho: area code 208 spans Mountain (Boise) and Pacific (the panhandle). */
    private static final String IDAHO = "12085550123";

    private final SendTimeRules rules = new SendTimeRules();
    private final SendTimeConfig flOk = SendTimeConfig.preset(SendTimeConfig.US_FL_OK);
    private final SendTimeConfig tcpa = SendTimeConfig.preset(SendTimeConfig.US_TCPA);

    private static Instant local(String dateTime, ZoneId zone) {
        return LocalDateTime.parse(dateTime).atZone(zone).toInstant();
    }

    /** The decision at the instant of a fixed clock, as the submit path will take it. */
    private SendTimeDecision at(Instant instant, String digits, SendTimeConfig config) {
        Clock fixed = Clock.fixed(instant, ZoneOffset.UTC);
        return rules.check(digits, fixed.instant(), config);
    }

    @Test
    void zonesComeFromTheNumber() {
        assertEquals(List.of(NEW_YORK), rules.zonesFor(MIAMI, ZoneOffset.UTC));
        assertEquals(List.of(CHICAGO), rules.zonesFor(OKLAHOMA, ZoneOffset.UTC));
        assertEquals(List.of(BOISE, LOS_ANGELES), rules.zonesFor(IDAHO, ZoneOffset.UTC));
    }

    @Test
    void floridaAt2130IsQuietUntil0800NextDay() {
        SendTimeDecision d = at(local("2026-01-15T21:30", NEW_YORK), MIAMI, flOk);
        SendTimeDecision.Quiet quiet = assertInstanceOf(SendTimeDecision.Quiet.class, d);
        assertEquals(local("2026-01-16T08:00", NEW_YORK), quiet.nextAllowed());
        assertEquals(List.of(NEW_YORK), quiet.zones());
    }

    @Test
    void floridaAt0900IsAllowed() {
        assertInstanceOf(SendTimeDecision.Allowed.class, at(local("2026-01-16T09:00", NEW_YORK), MIAMI, flOk));
    }

    @Test
    void floridaPresetEndsAt2000Exclusive() {
        assertInstanceOf(SendTimeDecision.Allowed.class, at(local("2026-01-15T19:59:59", NEW_YORK), MIAMI, flOk));
        assertInstanceOf(SendTimeDecision.Quiet.class, at(local("2026-01-15T20:00", NEW_YORK), MIAMI, flOk));
        assertInstanceOf(SendTimeDecision.Quiet.class, at(local("2026-01-15T07:59:59", NEW_YORK), MIAMI, flOk));
        assertInstanceOf(SendTimeDecision.Allowed.class, at(local("2026-01-15T08:00", NEW_YORK), MIAMI, flOk));
    }

    @Test
    void oklahomaIsReadInCentralTime() {
        // 21:30 in New York is 20:30 in Oklahoma City: quiet under us-fl-ok (until 20:00), allowed under us-tcpa
        Instant t = local("2026-01-15T20:30", CHICAGO);
        SendTimeDecision.Quiet quiet = assertInstanceOf(SendTimeDecision.Quiet.class, at(t, OKLAHOMA, flOk));
        assertEquals(local("2026-01-16T08:00", CHICAGO), quiet.nextAllowed());
        assertInstanceOf(SendTimeDecision.Allowed.class, at(t, OKLAHOMA, tcpa));
    }

    @Test
    void tcpaAllows2030AndRefuses2100() {
        assertInstanceOf(SendTimeDecision.Allowed.class, at(local("2026-01-15T20:30", NEW_YORK), MIAMI, tcpa));
        SendTimeDecision.Quiet quiet =
                assertInstanceOf(SendTimeDecision.Quiet.class, at(local("2026-01-15T21:00", NEW_YORK), MIAMI, tcpa));
        assertEquals(local("2026-01-16T08:00", NEW_YORK), quiet.nextAllowed());
    }

    @Test
    void aPrefixSpanningZonesTakesTheStrictest() {
        // 08:30 in Boise is 07:30 in Los Angeles: quiet until 08:00 Pacific
        SendTimeDecision.Quiet morning =
                assertInstanceOf(SendTimeDecision.Quiet.class, at(local("2026-01-15T08:30", BOISE), IDAHO, tcpa));
        assertEquals(local("2026-01-15T08:00", LOS_ANGELES), morning.nextAllowed());
        assertEquals(local("2026-01-15T09:00", BOISE), morning.nextAllowed());
        // 21:15 in Boise is 20:15 in Los Angeles: quiet in Boise, so quiet, until 08:00 Pacific next day
        SendTimeDecision.Quiet evening =
                assertInstanceOf(SendTimeDecision.Quiet.class, at(local("2026-01-15T21:15", BOISE), IDAHO, tcpa));
        assertEquals(local("2026-01-16T08:00", LOS_ANGELES), evening.nextAllowed());
        // 20:30 in Boise is 19:30 in Los Angeles: allowed in both
        assertInstanceOf(SendTimeDecision.Allowed.class, at(local("2026-01-15T20:30", BOISE), IDAHO, tcpa));
    }

    @Test
    void anInvalidNanpNumberIsReadInEveryNanpZone() {
        // area code 999 is not assigned: the +1 prefix places it in all NANP zones, Guam to St John's
        List<ZoneId> zones = rules.zonesFor("19995550123", ZoneOffset.UTC);
        assertTrue(
                zones.contains(ZoneId.of("Pacific/Guam"))
                        && zones.contains(ZoneId.of("America/St_Johns"))
                        && zones.contains(NEW_YORK),
                zones::toString);
        // 09:00 New York is 00:00 next day in Guam: quiet
        assertInstanceOf(SendTimeDecision.Quiet.class, at(local("2026-01-15T09:00", NEW_YORK), "19995550123", tcpa));
    }

    @Test
    void aNumberThatCannotBePlacedIsReadInTheConfiguredTimeZone() {
        ZoneId paris = ZoneId.of("Europe/Paris");
        SendTimeConfig config =
                new SendTimeConfig(null, List.of(Band.parse("08:00-20:00")), null, null, null, "Europe/Paris", null);
        // country calling code 999 does not exist
        assertEquals(List.of(paris), rules.zonesFor("9995550123", config.fallbackZone()));
        SendTimeDecision.Quiet quiet = assertInstanceOf(
                SendTimeDecision.Quiet.class, at(local("2026-01-15T07:30", paris), "9995550123", config));
        assertEquals(local("2026-01-15T08:00", paris), quiet.nextAllowed());
        assertInstanceOf(SendTimeDecision.Allowed.class, at(local("2026-01-15T12:00", paris), "9995550123", config));
        // without a timeZone the fallback is UTC
        assertEquals(ZoneId.of("UTC"), tcpa.fallbackZone());
        assertInstanceOf(SendTimeDecision.Quiet.class, at(Instant.parse("2026-01-15T07:30:00Z"), "9995550123", tcpa));
    }

    @Test
    void severalBandsLeaveAGap() {
        SendTimeConfig config = new SendTimeConfig(
                null, List.of(Band.parse("14:00-18:00"), Band.parse("09:00-12:00")), null, null, null, null, null);
        assertInstanceOf(SendTimeDecision.Allowed.class, at(local("2026-01-15T11:59", NEW_YORK), MIAMI, config));
        SendTimeDecision.Quiet gap =
                assertInstanceOf(SendTimeDecision.Quiet.class, at(local("2026-01-15T12:30", NEW_YORK), MIAMI, config));
        assertEquals(local("2026-01-15T14:00", NEW_YORK), gap.nextAllowed());
        SendTimeDecision.Quiet night =
                assertInstanceOf(SendTimeDecision.Quiet.class, at(local("2026-01-15T18:00", NEW_YORK), MIAMI, config));
        assertEquals(local("2026-01-16T09:00", NEW_YORK), night.nextAllowed());
    }

    @Test
    void theNextAllowedTimeFollowsDaylightSavingTime() {
        // 2026-03-08: New York moves from UTC-5 to UTC-4 at 02:00
        SendTimeDecision.Quiet quiet =
                assertInstanceOf(SendTimeDecision.Quiet.class, at(local("2026-03-07T21:30", NEW_YORK), MIAMI, tcpa));
        assertEquals(Instant.parse("2026-03-08T12:00:00Z"), quiet.nextAllowed());
    }

    @Test
    void bandsThatNeverOverlapAcrossTheZonesHaveNoNextTime() {
        // 08:00-09:00 in Guam (UTC+10) and in Honolulu (UTC-10) never coincide
        List<ZoneId> zones = List.of(ZoneId.of("Pacific/Guam"), ZoneId.of("Pacific/Honolulu"));
        SendTimeDecision d =
                SendTimeRules.decide(zones, List.of(Band.parse("08:00-09:00")), Instant.parse("2026-01-15T00:00:00Z"));
        assertNull(assertInstanceOf(SendTimeDecision.Quiet.class, d).nextAllowed());
    }

    @Test
    void aCapAloneAllowsAllDay() {
        SendTimeConfig capOnly = new SendTimeConfig(null, null, 5, null, null, null, null);
        assertEquals(List.of(new Band(0, Band.DAY)), capOnly.bands());
        assertInstanceOf(SendTimeDecision.Allowed.class, at(local("2026-01-15T03:00", NEW_YORK), MIAMI, capOnly));
        assertInstanceOf(SendTimeDecision.Allowed.class, at(local("2026-01-15T23:59:59", NEW_YORK), MIAMI, capOnly));
    }
}
