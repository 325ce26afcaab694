package io.optoutgw.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.config.OptOutInstructionConfig.Action;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code optOut.optOutInstruction} as read from gateway.yaml. */
class OptOutInstructionConfigTest {

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
                  categories: [marketing, alerts]
                  optOutInstruction: %s
            """;

    private static OptOutInstructionConfig parse(String instruction) {
        return ConfigLoader.parse(ACCOUNT.formatted(instruction), ConfigOverrides.NONE)
                .account("alice")
                .optOut()
                .optOutInstruction();
    }

    private static ConfigException fails(String instruction) {
        return assertThrows(ConfigException.class, () -> parse(instruction));
    }

    @Test
    void theContractsExampleReads() {
        OptOutInstructionConfig c =
                parse("{categories: [marketing], action: append, text: {en: \"Reply STOP to opt out\"}}");
        assertEquals(List.of("marketing"), c.categories());
        assertEquals(Action.APPEND, c.action());
        assertEquals(Map.of("en", "Reply STOP to opt out"), c.text());
        assertEquals(0x45, c.refuseStatus(), "ESME_RSUBMITFAIL by default");
        assertEquals(0, c.maxExtraSegments());
        assertTrue(c.covers("marketing"));
        assertFalse(c.covers("alerts"));
    }

    @Test
    void everySetting() {
        OptOutInstructionConfig c = parse("{categories: [Marketing, ALERTS], action: REFUSE, refuseStatus: 0x401,"
                + " maxExtraSegments: 2, text: {en: \"STOP to end\", FR: \" STOP au 36173 \"}}");
        assertEquals(List.of("marketing", "alerts"), c.categories());
        assertEquals(Action.REFUSE, c.action());
        assertEquals(0x401, c.refuseStatus());
        assertEquals(2, c.maxExtraSegments());
        assertEquals("STOP au 36173", c.textFor("fr"));
        assertEquals("STOP to end", c.textFor("es"), "English for a language without a text");
    }

    @Test
    void withoutCategoriesEveryMessageIsChecked() {
        OptOutInstructionConfig c = parse("{action: count}");
        assertEquals(List.of(), c.categories());
        assertTrue(c.covers("alerts"));
        assertTrue(c.covers(null));
        assertNull(c.textFor("en"));
    }

    @Test
    void leftOutMeansNoCheck() {
        GatewayConfig c =
                ConfigLoader.parse(ACCOUNT.replace("      optOutInstruction: %s\n", ""), ConfigOverrides.NONE);
        assertNull(c.account("alice").optOut().optOutInstruction());
    }

    @Test
    void unknownKeysFail() {
        ConfigException e = fails("{action: count, instruction: STOP}");
        assertTrue(
                e.getMessage()
                        .startsWith("accounts[0].optOut.optOutInstruction.instruction: unknown key (known: categories,"
                                + " action, text, refuseStatus, maxExtraSegments)"),
                e.getMessage());
    }

    @Test
    void invalidSettingsAreNamed() {
        assertEquals(
                "optOut.optOutInstruction.action: required setting is missing (append, refuse or count)",
                fails("{text: {en: \"Reply STOP to opt out\"}}").getMessage());
        assertTrue(fails("{action: rewrite}").getMessage().contains("expected one of append, refuse, count"));
        assertTrue(fails("{action: append}")
                .getMessage()
                .startsWith("optOut.optOutInstruction.text: action append needs the text to append, at least in"
                        + " English"));
        assertTrue(fails("{action: append, text: {fr: \"STOP au 36173\"}}")
                .getMessage()
                .startsWith("optOut.optOutInstruction.text: action append needs"));
        assertEquals(
                "optOut.optOutInstruction.categories: 'promotions' is not one of optOut.categories [marketing,"
                        + " alerts]",
                fails("{categories: [promotions], action: count}").getMessage());
        assertEquals(
                "optOut.optOutInstruction.refuseStatus: must be an error status, not ESME_ROK",
                fails("{action: refuse, refuseStatus: 0}").getMessage());
        assertEquals(
                "optOut.optOutInstruction.maxExtraSegments: must be 0..9, got 10",
                fails("{action: append, text: {en: STOP to end}, maxExtraSegments: 10}")
                        .getMessage());
        assertEquals(
                "optOut.optOutInstruction.text.english: not a language code (two or three letters, e.g. en, fr, es)",
                fails("{action: count, text: {english: STOP to end}}").getMessage());
        assertEquals(
                "optOut.optOutInstruction.text.en: empty instruction text",
                fails("{action: count, text: {en: \" \"}}").getMessage());
        assertEquals(
                "optOut.optOutInstruction.text.en: at most 160 characters (one SMS), got 161",
                fails("{action: count, text: {en: \"STOP " + "x".repeat(156) + "\"}}")
                        .getMessage());
    }

    @Test
    void categoriesNeedTheAccountsCategories() {
        String yaml = ACCOUNT.replace("      categories: [marketing, alerts]\n", "")
                .formatted("{categories: [marketing], action: count}");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, ConfigOverrides.NONE));
        assertTrue(
                e.getMessage()
                        .startsWith("optOut.optOutInstruction.categories: needs optOut.categories (the account declares"
                                + " no categories)"),
                e.getMessage());
        OptOutInstructionConfig all = ConfigLoader.parse(
                        ACCOUNT.replace("      categories: [marketing, alerts]\n", "")
                                .formatted("{action: count}"),
                        ConfigOverrides.NONE)
                .account("alice")
                .optOut()
                .optOutInstruction();
        assertTrue(all.covers(null), "an account without categories: every message");
    }
}
