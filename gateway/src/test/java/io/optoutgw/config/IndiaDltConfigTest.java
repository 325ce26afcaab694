package io.optoutgw.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code optOut.indiaDlt} and {@code optOut.indiaDltStatus}. */
class IndiaDltConfigTest {

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
                numbers: ["12345"]
                optOut:
            """;

    private static OptOutPolicy policy(String optOutLines) {
        return ConfigLoader.parse(BASE + optOutLines.indent(6), ConfigOverrides.NONE)
                .accounts()
                .get(0)
                .optOut();
    }

    @Test
    void passByDefaultWithStatusMissingOptionalParameter() {
        OptOutPolicy p = policy("scope: account");
        assertEquals(OptOutPolicy.IndiaDlt.PASS, p.indiaDlt());
        assertEquals(0xC3, p.indiaDltStatus());
        assertEquals(OptOutPolicy.IndiaDlt.PASS, OptOutPolicy.defaults().indiaDlt());
    }

    @Test
    void requireWithItsOwnStatus() {
        OptOutPolicy p = policy("indiaDlt: Require\nindiaDltStatus: 0xC4");
        assertEquals(OptOutPolicy.IndiaDlt.REQUIRE, p.indiaDlt());
        assertEquals(0xC4, p.indiaDltStatus());
    }

    @Test
    void badValuesNameTheKey() {
        ConfigException mode = assertThrows(ConfigException.class, () -> policy("indiaDlt: always"));
        assertTrue(mode.getMessage().contains("indiaDlt"), mode.getMessage());
        assertTrue(mode.getMessage().contains("require"), "lists the choices: " + mode.getMessage());
        ConfigException ok = assertThrows(ConfigException.class, () -> policy("indiaDlt: require\nindiaDltStatus: 0"));
        assertEquals("optOut.indiaDltStatus", ok.key());
    }
}
