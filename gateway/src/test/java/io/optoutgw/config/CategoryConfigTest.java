package io.optoutgw.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.optout.OptOutService;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code optOut.categories}, {@code categorySource}, {@code defaultCategory}, {@code senderCategories}, {@code revokeAll}. */
class CategoryConfigTest {

    private static final String BASE = """
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
                numbers: ["12345", "67890"]
                optOut:
            """;

    private static OptOutPolicy policy(String optOutLines) {
        String yaml = BASE + optOutLines.indent(6);
        return ConfigLoader.parse(yaml, ConfigOverrides.NONE).accounts().get(0).optOut();
    }

    private static ConfigException fails(String optOutLines) {
        return assertThrows(ConfigException.class, () -> policy(optOutLines));
    }

    @Test
    void noCategoriesIsTodaysBehaviour() {
        OptOutPolicy p = policy("scope: account");
        assertFalse(p.hasCategories());
        assertNull(p.defaultCategory());
        assertFalse(p.revokeAllAt(Instant.now()));
        assertEquals(OptOutPolicy.CategorySource.SERVICE_TYPE, p.categorySourceKind());
    }

    @Test
    void fullCategoryConfigurationReads() {
        OptOutPolicy p = policy("""
                categories: [Marketing, alerts, account-notices]
                categorySource: sender
                defaultCategory: alerts
                senderCategories: {"12345": marketing, "+67890": ALERTS}
                revokeAll: false
                """);
        assertEquals(List.of("marketing", "alerts", "account-notices"), p.categories());
        assertEquals(OptOutPolicy.CategorySource.SENDER, p.categorySourceKind());
        assertEquals("alerts", p.defaultCategory());
        assertEquals("marketing", p.senderCategory("12345"));
        assertEquals("alerts", p.senderCategory("67890"), "keys are canonical senders");
        assertEquals("marketing", p.category(" MARKETING "));
        assertNull(p.category("promo"));
    }

    @Test
    void defaultCategoryIsTheFirstAndSourceIsServiceType() {
        OptOutPolicy p = policy("categories: [marketing, alerts]");
        assertEquals("marketing", p.defaultCategory());
        assertEquals(OptOutPolicy.CategorySource.SERVICE_TYPE, p.categorySourceKind());
    }

    @Test
    void tlvSourceReadsItsTag() {
        OptOutPolicy p = policy("categories: [marketing]\ncategorySource: TLV:0x1400");
        assertEquals(OptOutPolicy.CategorySource.TLV, p.categorySourceKind());
        assertEquals(0x1400, p.categoryTag());
    }

    @Test
    void revokeAllTrueFalseOrDate() {
        assertTrue(policy("categories: [m]\nrevokeAll: true").revokeAllAt(Instant.EPOCH));
        assertFalse(policy("categories: [m]\nrevokeAll: false").revokeAllAt(Instant.now()));
        OptOutPolicy dated = policy("categories: [m]\nrevokeAll: 2025-04-11");
        assertFalse(dated.revokeAllAt(Instant.parse("2025-04-10T23:59:59Z")));
        assertTrue(dated.revokeAllAt(Instant.parse("2025-04-11T00:00:00Z")));
    }

    @Test
    void serviceTypeNamesALongCategoryByItsFirstFiveCharacters() {
        OptOutPolicy p = policy("categories: [marketing, alerts, news]");
        assertEquals("marketing", p.serviceTypeCategory("MARKE"));
        assertEquals("alerts", p.serviceTypeCategory("alert"));
        assertEquals("news", p.serviceTypeCategory("NEWS"));
        assertNull(p.serviceTypeCategory("MARK"));
        assertNull(p.serviceTypeCategory("CMT"));
        ConfigException e = fails("categories: [marketing, market-research]");
        assertTrue(
                e.getMessage().contains("optOut.categories") && e.getMessage().contains("'marke'"), e.getMessage());
        assertEquals(
                2,
                policy("categories: [marketing, market-research]\ncategorySource: sender")
                        .categories()
                        .size());
    }

    @Test
    void badSettingsNameTheirKey() {
        String[][] cases = {
            {
                "categories: [marketing]; defaultCategory: promo",
                "optOut.defaultCategory",
                "'promo' is not one of optOut.categories"
            },
            {
                "categories: [marketing]; senderCategories: {\"12345\": promo}",
                "optOut.senderCategories.12345",
                "'promo' is not one"
            },
            {"categories: [marketing]; categorySource: tlv:1400", "optOut.categorySource", "tlv:0xNNNN"},
            {"categories: [marketing]; categorySource: tlv:0x12345", "optOut.categorySource", "tlv:0xNNNN"},
            {
                "categories: [marketing]; categorySource: header",
                "optOut.categorySource",
                "expected service_type, sender or tlv"
            },
            {
                "categories: [marketing]; revokeAll: 2025-13-01",
                "optOut.revokeAll",
                "expected true, false or a date YYYY-MM-DD"
            },
            {"categories: [marketing]; revokeAll: sometimes", "optOut.revokeAll", "expected true, false or a date"},
            {"categories: [all]", "optOut.categories", "'all' is reserved"},
            {"categories: [marketing, Marketing]", "optOut.categories", "listed twice"},
            {"categories: ['a b']", "optOut.categories", "not a category name"},
            {"defaultCategory: marketing", "optOut.defaultCategory", "needs optOut.categories"},
        };
        for (String[] c : cases) {
            ConfigException e = fails(c[0].replace("; ", "\n"));
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
            assertTrue(e.getMessage().contains(c[2]), c[0] + " -> " + e.getMessage());
        }
    }

    @Test
    void clarifyReadsWithItsWindowAndNeedsTwoCategories() {
        OptOutPolicy p = policy("""
                categories: [marketing, alerts]
                clarify: true
                clarifyWindow: 2m
                """);
        assertTrue(p.clarify());
        assertEquals(Duration.ofMinutes(2), p.clarifyWindow());
        assertEquals(
                OptOutPolicy.DEFAULT_CLARIFY_WINDOW,
                policy("categories: [a, b]\nclarify: true").clarifyWindow());
        assertFalse(policy("scope: account").clarify());
        ConfigException one = fails("categories: [marketing]\nclarify: true");
        assertTrue(one.getMessage().contains("optOut.clarify"), one.getMessage());
        assertTrue(one.getMessage().contains("two or more optOut.categories"), one.getMessage());
        ConfigException none = fails("clarify: true");
        assertTrue(none.getMessage().contains("optOut.clarify"), none.getMessage());
        ConfigException window = fails("categories: [a, b]\nclarify: true\nclarifyWindow: 0s");
        assertTrue(window.getMessage().contains("optOut.clarifyWindow"), window.getMessage());
    }

    @Test
    void aClarificationTemplateMustFitOneSmsWithTheLongestCategory() {
        String yaml = BASE + """
                categories: [marketing, a-very-long-category-name-32-chr]
                clarify: true
                templates:
                  clarify:
                    en: "%s {category}"
                """.formatted("x".repeat(130)).indent(6);
        GatewayConfig config = ConfigLoader.parse(yaml, ConfigOverrides.NONE);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> OptOutService.validateConfig(config.accounts()));
        assertTrue(e.getMessage().contains("templates.clarify.en"), e.getMessage());
    }
}
