package io.optoutgw.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code evidence} (the refusal ledger behind {@code gateway audit trace}) as read from gateway.yaml. */
class EvidenceConfigTest {

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
            """;

    private static EvidenceConfig parse(String evidence) {
        return ConfigLoader.parse(BASE + evidence, ConfigOverrides.NONE).evidence();
    }

    @Test
    void leftOutMeansEverythingOnWithTheDefaults() {
        EvidenceConfig c = parse("");
        assertTrue(c.enabled());
        assertEquals(Duration.ofDays(400), c.refusalDetail());
        assertEquals(10_000, c.maxDetailPerNumber());
        assertTrue(c.relayedKnown());
        assertTrue(c.confirmationReceipts());
    }

    @Test
    void everyKeyIsRead() {
        EvidenceConfig c = parse("""
                evidence:
                  enabled: false
                  refusalDetail: 90d
                  maxDetailPerNumber: 1000
                  relayedKnown: false
                  confirmationReceipts: false
                """);
        assertFalse(c.enabled());
        assertEquals(Duration.ofDays(90), c.refusalDetail());
        assertEquals(1000, c.maxDetailPerNumber());
        assertFalse(c.relayedKnown());
        assertFalse(c.confirmationReceipts());
    }

    @Test
    void badValuesNameTheirKey() {
        ConfigException zero = assertThrows(ConfigException.class, () -> parse("evidence: { refusalDetail: 0s }\n"));
        assertTrue(zero.getMessage().contains("evidence.refusalDetail"), zero.getMessage());
        ConfigException none =
                assertThrows(ConfigException.class, () -> parse("evidence: { maxDetailPerNumber: 0 }\n"));
        assertTrue(none.getMessage().contains("evidence.maxDetailPerNumber"), none.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> parse("evidence: { detail: 1d }\n"));
        assertTrue(unknown.getMessage().contains("detail"), unknown.getMessage());
    }
}
