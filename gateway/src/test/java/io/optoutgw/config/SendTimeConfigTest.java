package io.optoutgw.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.config.SendTimeConfig.Band;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code optOut.sendTime} as read from gateway.yaml. */
class SendTimeConfigTest {

    private static final String ACCOUNT = """
            instanceId: gw-test
            redis:
              uri: embedded
            upstreams:
              - name: smsc
                host: 10.0.0.1
                port: 2775
                systemId: gw
            accounts:
              - systemId: alice
                password: secret
                optOut:
                  sendTime: %s
            """;

    private static SendTimeConfig parse(String sendTime) {
        return ConfigLoader.parse(ACCOUNT.formatted(sendTime), ConfigOverrides.NONE)
                .account("alice")
                .optOut()
                .sendTime();
    }

    private static ConfigException fails(String sendTime) {
        return assertThrows(ConfigException.class, () -> parse(sendTime));
    }

    @Test
    void leftOutMeansNoRules() {
        GatewayConfig c =
                ConfigLoader.parse(ACCOUNT.replace("    optOut:\n      sendTime: %s\n", ""), ConfigOverrides.NONE);
        assertNull(c.account("alice").optOut().sendTime());
    }

    @Test
    void floridaPreset() {
        SendTimeConfig c = parse("{preset: us-fl-ok}");
        assertEquals(List.of(new Band(8 * 60, 20 * 60)), c.bands());
        assertEquals(3, c.maxPer24h());
        assertEquals(SendTimeConfig.Action.REFUSE, c.action());
        assertEquals(0x58, c.refuseStatus());
        assertEquals("UTC", c.timeZone());
    }

    @Test
    void tcpaPresetHasNoCap() {
        SendTimeConfig c = parse("{preset: US-TCPA}");
        assertEquals("us-tcpa", c.preset());
        assertEquals(List.of(new Band(8 * 60, 21 * 60)), c.bands());
        assertEquals(0, c.maxPer24h());
        assertEquals(false, c.capped());
    }

    @Test
    void customBandsAndEverySetting() {
        SendTimeConfig c = parse("{bands: [\"13:00-17:30\", \"09:00-12:00\", \"22:00-24:00\"], maxPer24h: 3,"
                + " action: schedule, refuseStatus: 0x14, timeZone: America/Chicago}");
        assertEquals("[09:00-12:00, 13:00-17:30, 22:00-24:00]", c.bands().toString());
        assertEquals(3, c.maxPer24h());
        assertEquals(SendTimeConfig.Action.SCHEDULE, c.action());
        assertEquals(0x14, c.refuseStatus());
        assertEquals("America/Chicago", c.fallbackZone().getId());
    }

    @Test
    void aCapAloneIsAllowedAllDay() {
        assertEquals(List.of(new Band(0, Band.DAY)), parse("{maxPer24h: 10}").bands());
    }

    @Test
    void unknownKeysFail() {
        ConfigException e = fails("{preset: us-fl-ok, quietHours: 21-8}");
        assertTrue(
                e.getMessage()
                        .startsWith("accounts[0].optOut.sendTime.quietHours: unknown key (known: preset,"
                                + " bands, maxPer24h, action, refuseStatus, timeZone, categories)"),
                e.getMessage());
    }

    @Test
    void invalidSettingsAreNamed() {
        assertEquals(
                "optOut.sendTime.preset: unknown preset 'us-ca' (known: us-tcpa, us-fl-ok)",
                fails("{preset: us-ca}").getMessage());
        assertEquals(
                "optOut.sendTime.bands: set either preset or bands, not both",
                fails("{preset: us-tcpa, bands: [\"08:00-20:00\"]}").getMessage());
        assertEquals(
                "optOut.sendTime: set a preset (us-tcpa, us-fl-ok), bands or maxPer24h",
                fails("{action: refuse}").getMessage());
        assertEquals(
                "optOut.sendTime.maxPer24h: the preset us-fl-ok allows at most 3, got 4",
                fails("{preset: us-fl-ok, maxPer24h: 4}").getMessage());
        assertEquals(2, parse("{preset: us-fl-ok, maxPer24h: 2}").maxPer24h());
        assertEquals(
                "optOut.sendTime.maxPer24h: must be 1..100, got 101",
                fails("{maxPer24h: 101}").getMessage());
        assertEquals(
                "optOut.sendTime.refuseStatus: must be an error status, not ESME_ROK",
                fails("{preset: us-tcpa, refuseStatus: 0}").getMessage());
        assertTrue(fails("{preset: us-tcpa, timeZone: Mars/Olympus}")
                .getMessage()
                .startsWith("optOut.sendTime.timeZone: not a time zone: 'Mars/Olympus'"));
        assertTrue(fails("{preset: us-tcpa, action: later}").getMessage().contains("expected one of refuse, schedule"));
    }

    @Test
    void bandsCrossingMidnightOrMalformedAreRefused() {
        assertTrue(fails("{bands: [\"21:00-08:00\"]}")
                .getMessage()
                .startsWith(
                        "optOut.sendTime.bands: '21:00-08:00': the start must come before the end within one day (a band"
                                + " crossing midnight is two bands"));
        assertEquals(
                "optOut.sendTime.bands: expected a band like \"08:00-20:00\", got '8-20'",
                fails("{bands: [\"8-20\"]}").getMessage());
        assertEquals(
                "optOut.sendTime.bands: not a time of day: '24:30' in '08:00-24:30'",
                fails("{bands: [\"08:00-24:30\"]}").getMessage());
        assertTrue(fails("{bands: [\"09:00-09:00\"]}").getMessage().contains("'09:00-09:00'"));
    }

    /** {@code optOut.sendTime} of an account that declares {@code categories} (a YAML flow list). */
    private static SendTimeConfig withCategories(String categories, String sendTime) {
        String yaml = ACCOUNT.formatted(sendTime)
                .replace("    optOut:\n", "    optOut:\n      categories: " + categories + "\n");
        return ConfigLoader.parse(yaml, ConfigOverrides.NONE)
                .account("alice")
                .optOut()
                .sendTime();
    }

    @Test
    void categoriesLimitTheRulesToThoseMessages() {
        SendTimeConfig c = withCategories("[marketing, alerts]", "{preset: us-tcpa, categories: [Marketing]}");
        assertEquals(List.of("marketing"), c.categories());
        assertTrue(c.appliesTo("marketing"));
        assertTrue(!c.appliesTo("alerts"));
        SendTimeConfig every = withCategories("[marketing, alerts]", "{preset: us-tcpa}");
        assertEquals(List.of(), every.categories());
        assertTrue(every.appliesTo("alerts") && every.appliesTo("marketing"), "left out: every message");
        assertTrue(parse("{preset: us-tcpa}").appliesTo(null), "an account without categories: every message");
    }

    @Test
    void categoriesMustBeAmongTheAccountsCategories() {
        ConfigException unknown = assertThrows(
                ConfigException.class,
                () -> withCategories("[marketing, alerts]", "{preset: us-tcpa, categories: [promo]}"));
        assertEquals(
                "optOut.sendTime.categories: 'promo' is not one of optOut.categories [marketing, alerts]",
                unknown.getMessage());
        ConfigException none = fails("{preset: us-tcpa, categories: [marketing]}");
        assertEquals("optOut.sendTime.categories", none.key());
        assertTrue(none.getMessage().contains("needs optOut.categories"), none.getMessage());
        ConfigException twice = assertThrows(
                ConfigException.class,
                () -> withCategories("[marketing]", "{preset: us-tcpa, categories: [marketing, MARKETING]}"));
        assertTrue(twice.getMessage().contains("listed twice"), twice.getMessage());
    }
}
