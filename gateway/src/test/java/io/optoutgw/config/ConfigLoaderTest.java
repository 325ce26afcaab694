package io.optoutgw.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.config.UpstreamConfig.BindMode;
import io.optoutgw.smpp.BindType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    private static final String MINIMAL = """
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

    /** MINIMAL with {@code extra} appended under the first upstream. */
    private static String withUpstreamKey(String line) {
        return MINIMAL.replace("    systemId: gw\n", "    systemId: gw\n    " + line + "\n");
    }

    private static GatewayConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, ConfigOverrides.NONE);
    }

    private static ConfigException fails(Executable e) {
        return assertThrows(ConfigException.class, e);
    }

    private static ConfigException failsToParse(String yaml) {
        return fails(() -> parse(yaml));
    }

    private static ConfigOverrides overrides(
            Integer smppPort,
            Integer httpPort,
            String upstream,
            String systemId,
            String password,
            List<String> accounts,
            String redisUri) {
        return new ConfigOverrides(smppPort, httpPort, upstream, systemId, password, accounts, redisUri);
    }

    // --- valid configurations and defaults -------------------------------------------------

    @Test
    void minimalConfigLoads() {
        GatewayConfig c = parse(MINIMAL);
        assertEquals("gw-test", c.instanceId());
        assertTrue(c.redis().embedded());
        assertEquals(1, c.upstreams().size());
        UpstreamConfig up = c.upstreams().get(0);
        assertEquals("smsc", up.name());
        assertEquals("10.0.0.1", up.host());
        assertEquals(2775, up.port());
        assertEquals("gw", up.systemId());
        assertEquals("alice", c.account("alice").systemId());
        assertEquals("secret", c.account("alice").password());
    }

    @Test
    void defaultsAreAppliedToLeftOutSettings() {
        GatewayConfig c = parse(MINIMAL);
        assertEquals("0.0.0.0", c.smpp().host());
        assertEquals(SmppServerConfig.DEFAULT_PORT, c.smpp().port());
        assertEquals(4096, c.smpp().maxFrameBytes());
        assertEquals(Duration.ofSeconds(10), c.smpp().bindTimeout());
        assertEquals(Duration.ofSeconds(5), c.smpp().unbindDrainTimeout());
        assertEquals(Duration.ofSeconds(60), c.smpp().enquireLinkIdle());
        assertEquals(HttpConfig.DEFAULT_PORT, c.http().port());
        assertTrue(c.http().enabled());
        assertEquals("./data", c.redis().embeddedDataDir());
        assertEquals(Duration.ofMillis(500), c.redis().commandTimeout());
        assertEquals(Duration.ofHours(72), c.redis().messageIdTtl());
        assertEquals(Duration.ofSeconds(30), c.relay().requestTimeout());
        assertEquals(0x08, c.relay().expiredStatus());
        assertEquals(0x58, c.relay().noRouteStatus());
        assertFalse(c.simulator().enabled());

        UpstreamConfig up = c.upstreams().get(0);
        assertEquals("", up.password());
        assertEquals(1, up.binds());
        assertEquals(BindMode.TRANSCEIVER, up.bindMode());
        assertEquals(64, up.windowSize());
        assertEquals(Duration.ofSeconds(5), up.connectTimeout());
        assertEquals(Duration.ofMillis(500), up.reconnectInitialDelay());
        assertEquals(Duration.ofSeconds(60), up.reconnectMaxDelay());

        AccountConfig a = c.account("alice");
        assertEquals(EnumSet.allOf(BindType.class), a.bindTypes());
        assertEquals(8, a.maxBinds());
        assertEquals(64, a.windowSize());
        assertEquals(0, a.submitRate());
        assertEquals(List.of(), a.numbers());
        assertEquals(List.of(), a.route());
        assertEquals(List.of(), a.allowedIps());
    }

    @Test
    void leftOutPortInAPresentSectionIsTheDefaultPortNotAFreePort() {
        GatewayConfig c = parse(MINIMAL + "smpp:\n  host: 127.0.0.1\nhttp:\n  host: 127.0.0.1\n");
        assertEquals("127.0.0.1", c.smpp().host());
        assertEquals(2775, c.smpp().port());
        assertEquals(8080, c.http().port());
    }

    @Test
    void enumsAreCaseInsensitive() {
        GatewayConfig c = parse(withUpstreamKey("bindMode: transmitter_receiver")
                .replace("    password: secret\n", "    password: secret\n    bindTypes: [Transmitter, RECEIVER]\n"));
        assertEquals(BindMode.TRANSMITTER_RECEIVER, c.upstreams().get(0).bindMode());
        assertEquals(
                EnumSet.of(BindType.TRANSMITTER, BindType.RECEIVER),
                c.account("alice").bindTypes());
        assertEquals(
                BindMode.TRANSCEIVER,
                parse(withUpstreamKey("bindMode: Transceiver"))
                        .upstreams()
                        .get(0)
                        .bindMode());
    }

    @Test
    void unquotedNumbersAreReadAsText() {
        GatewayConfig c = parse(
                MINIMAL.replace("    password: secret\n", "    password: secret\n    numbers: [12345, \"67890\"]\n"));
        assertEquals(List.of("12345", "67890"), c.account("alice").numbers());
    }

    @Test
    void numbersKeepTheirTextAsWritten() {
        // YAML 1.1 would read 012345 as octal 5349, and drop the '+'
        GatewayConfig c = parse(MINIMAL.replace(
                "    password: secret\n", "    password: secret\n    numbers: [012345, +447700900123, 0x1F]\n"));
        assertEquals(
                List.of("012345", "+447700900123", "0x1F"), c.account("alice").numbers());
    }

    @Test
    void yamlBooleanWordsStayTextInStrings() {
        GatewayConfig c = parse(MINIMAL.replace("password: secret", "password: no"));
        assertEquals("no", c.account("alice").password());
    }

    @Test
    void booleansMustBeTrueOrFalse() {
        assertTrue(parse(MINIMAL + "simulator:\n  enabled: TRUE\n  port: 2776\n")
                .simulator()
                .enabled());
        ConfigException e = failsToParse(MINIMAL + "simulator:\n  enabled: yes\n");
        assertEquals("simulator.enabled: expected true or false, got 'yes'", e.getMessage());
    }

    @Test
    void statusCodesMayBeHexadecimal() {
        GatewayConfig c = parse(MINIMAL + "relay:\n  expiredStatus: 0x45\n  noRouteStatus: 20\n");
        assertEquals(0x45, c.relay().expiredStatus());
        assertEquals(20, c.relay().noRouteStatus());
    }

    @Test
    void emptyStringIsNotZero() {
        ConfigException e = failsToParse(MINIMAL + "smpp:\n  port: ''\n");
        assertEquals("smpp.port: expected an integer, got ''", e.getMessage());
    }

    // --- durations ---------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({
        "500ms, PT0.5S",
        "5s, PT5S",
        "1.5s, PT1.5S",
        "2m, PT2M",
        "72h, PT72H",
        "1d, PT24H",
        "'10 s', PT10S",
        "PT5S, PT5S",
        "pt1m30s, PT1M30S",
        "P1D, PT24H",
    })
    void durationsInEveryForm(String written, String expected) {
        GatewayConfig c = parse(MINIMAL + "relay:\n  requestTimeout: " + written + "\n");
        assertEquals(Duration.parse(expected), c.relay().requestTimeout());
        GatewayConfig quoted = parse(MINIMAL + "relay:\n  requestTimeout: '" + written + "'\n");
        assertEquals(Duration.parse(expected), quoted.relay().requestTimeout());
    }

    @ParameterizedTest
    @CsvSource({"soon", "5", "5x", "-5s", "s", "1.2.3s", "PTXS"})
    void badDurationsNameTheKey(String written) {
        ConfigException e = failsToParse(
                MINIMAL.replace("  uri: embedded\n", "  uri: embedded\n  commandTimeout: " + written + "\n"));
        assertEquals("redis.commandTimeout", e.key());
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "redis.commandTimeout: expected a duration like 500ms, 5s, 2m, got '" + written + "'"),
                e.getMessage());
    }

    @Test
    void bareNumberDurationAsksForAUnit() {
        ConfigException e = failsToParse(MINIMAL + "relay:\n  requestTimeout: 500\n");
        assertEquals("relay.requestTimeout", e.key());
        assertTrue(e.getMessage().contains("got '500'"), e.getMessage());
        assertTrue(e.getMessage().contains("needs a unit"), e.getMessage());
    }

    @Test
    void zeroDurationIsRejectedByTheRecord() {
        ConfigException e = failsToParse(MINIMAL + "relay:\n  requestTimeout: 0s\n");
        assertEquals("relay.requestTimeout", e.key());
        assertTrue(e.getMessage().contains("must be a positive duration"), e.getMessage());
    }

    @Test
    void replyCapDefaultsToThreeInTenMinutes() {
        ReplyCapConfig cap = parse(MINIMAL).optout().replyCap();
        assertEquals(3, cap.max());
        assertEquals(Duration.ofMinutes(10), cap.window());
        assertTrue(cap.enabled());
    }

    @Test
    void replyCapIsConfigurableAndMaxZeroTurnsItOff() {
        ReplyCapConfig cap = parse(MINIMAL + "optout:\n  replyCap: { max: 5, window: 1h }\n")
                .optout()
                .replyCap();
        assertEquals(5, cap.max());
        assertEquals(Duration.ofHours(1), cap.window());
        ReplyCapConfig off =
                parse(MINIMAL + "optout:\n  replyCap: { max: 0 }\n").optout().replyCap();
        assertFalse(off.enabled());
        assertEquals(Duration.ofMinutes(10), off.window(), "the left-out window keeps its default");
    }

    @Test
    void replyCapOutOfRangeNamesTheKey() {
        assertEquals(
                "optout.replyCap.max: must be 0..100, got -1",
                failsToParse(MINIMAL + "optout:\n  replyCap: { max: -1 }\n").getMessage());
        assertEquals(
                "optout.replyCap.max",
                failsToParse(MINIMAL + "optout:\n  replyCap: { max: 101 }\n").key());
        assertEquals(
                "optout.replyCap.window",
                failsToParse(MINIMAL + "optout:\n  replyCap: { window: 0s }\n").key());
        assertEquals(
                "optout.replyCap.windw",
                failsToParse(MINIMAL + "optout:\n  replyCap: { windw: 5m }\n").key());
    }

    // --- error kinds ---------------------------------------------------------------------------

    @Test
    void unknownKeyListsTheKnownOnes() {
        ConfigException e = failsToParse(MINIMAL + "smpp:\n  prot: 2775\n");
        assertEquals("smpp.prot", e.key());
        assertEquals(
                "smpp.prot: unknown key (known: host, port, maxFrameBytes, bindTimeout, "
                        + "unbindDrainTimeout, enquireLinkIdle, maxConnectionsPerIp, bindRate, maxBindFailures, bindLockout, connectRatePerIp, preBindPduLimit, tls)",
                e.getMessage());
    }

    @Test
    void unknownTopLevelKey() {
        ConfigException e = failsToParse(MINIMAL + "upstream: []\n");
        assertEquals("upstream", e.key());
        assertTrue(
                e.getMessage().startsWith("upstream: unknown key (known: instanceId, smpp, http, redis,"),
                e.getMessage());
    }

    @Test
    void unknownKeyInsideAListEntryNamesTheIndex() {
        ConfigException e = failsToParse(
                MINIMAL.replace("    password: secret\n", "    password: secret\n    shortCodes: [\"1\"]\n"));
        assertEquals("accounts[0].shortCodes", e.key());
        assertTrue(e.getMessage().contains("numbers"), e.getMessage());
    }

    @Test
    void wrongScalarType() {
        ConfigException e = failsToParse(MINIMAL + "smpp:\n  port: abc\n");
        assertEquals("smpp.port: expected an integer, got 'abc'", e.getMessage());
    }

    @Test
    void fractionalIntegerIsRejected() {
        ConfigException e = failsToParse(withUpstreamKey("binds: 1.5"));
        assertEquals("upstreams[0].binds", e.key());
        assertTrue(e.getMessage().contains("expected an integer"), e.getMessage());
    }

    @Test
    void integerOutOfRangeOfInt() {
        ConfigException e = failsToParse(MINIMAL + "smpp:\n  port: 99999999999\n");
        assertEquals("smpp.port", e.key());
        assertTrue(e.getMessage().contains("expected an integer"), e.getMessage());
    }

    @Test
    void badBoolean() {
        ConfigException e = failsToParse(MINIMAL + "simulator:\n  enabled: maybe\n");
        assertEquals("simulator.enabled: expected true or false, got 'maybe'", e.getMessage());
    }

    @Test
    void badEnumListsTheChoices() {
        ConfigException e = failsToParse(withUpstreamKey("bindMode: foo"));
        assertEquals(
                "upstreams[0].bindMode: expected one of transceiver, transmitter_receiver, got 'foo'", e.getMessage());
    }

    @Test
    void badEnumInsideASet() {
        ConfigException e = failsToParse(MINIMAL.replace(
                "    password: secret\n", "    password: secret\n    bindTypes: [transmitter, sender]\n"));
        assertEquals(
                "accounts[0].bindTypes[1]: expected one of transmitter, receiver, transceiver, got 'sender'",
                e.getMessage());
    }

    @Test
    void scalarWhereAListBelongs() {
        ConfigException e =
                failsToParse(MINIMAL.replace("    password: secret\n", "    password: secret\n    numbers: 12345\n"));
        assertEquals("accounts[0].numbers", e.key());
        assertTrue(e.getMessage().startsWith("accounts[0].numbers: expected a list, got "), e.getMessage());
    }

    @Test
    void mappingWhereAListBelongs() {
        ConfigException e =
                failsToParse(MINIMAL.replace("upstreams:\n  - name: smsc\n", "upstreams:\n  smsc:\n    name: smsc\n")
                        .replace("\n    host", "\n    host"));
        assertEquals("upstreams", e.key());
        assertTrue(e.getMessage().contains("expected a list"), e.getMessage());
    }

    @Test
    void scalarWhereASectionBelongs() {
        ConfigException e = failsToParse(MINIMAL + "relay: fast\n");
        assertEquals("relay", e.key());
        assertTrue(e.getMessage().contains("expected a mapping"), e.getMessage());
    }

    @Test
    void missingAccountsUsesTheRecordCheck() {
        String yaml = MINIMAL.substring(0, MINIMAL.indexOf("accounts:"));
        ConfigException e = failsToParse(yaml);
        assertEquals("accounts: at least one entry is required", e.getMessage());
    }

    @Test
    void emptyAccountsList() {
        ConfigException e = failsToParse(MINIMAL.substring(0, MINIMAL.indexOf("accounts:")) + "accounts: []\n");
        assertEquals("accounts: at least one entry is required", e.getMessage());
    }

    @Test
    void missingInstanceId() {
        ConfigException e = failsToParse(MINIMAL.replace("instanceId: gw-test\n", ""));
        assertEquals("instanceId: required setting is missing", e.getMessage());
    }

    @Test
    void missingRedisSection() {
        ConfigException e = failsToParse(MINIMAL.replace("redis:\n  uri: embedded\n", ""));
        assertEquals("redis", e.key());
    }

    @Test
    void missingUpstreamHostIsNamedByTheRecord() {
        ConfigException e = failsToParse(MINIMAL.replace("    host: 10.0.0.1\n", ""));
        assertEquals("upstreams[smsc].host: required setting is missing", e.getMessage());
    }

    @Test
    void missingAccountSystemIdNamesTheListIndex() {
        ConfigException e = failsToParse(MINIMAL.replace(
                "  - systemId: alice\n    password: secret\n",
                "  - systemId: alice\n    password: secret\n  - password: other\n"));
        assertEquals("accounts[1].systemId: required setting is missing", e.getMessage());
    }

    @Test
    void emptyListEntryIsNamed() {
        ConfigException e = failsToParse(MINIMAL + "  -\n");
        assertEquals("accounts[1]", e.key());
    }

    @Test
    void recordRangeChecksSurfaceUnchanged() {
        ConfigException e = failsToParse(MINIMAL + "smpp:\n  port: 70000\n");
        assertEquals("smpp.port: must be 0..65535, got 70000", e.getMessage());
        ConfigException pw = failsToParse(MINIMAL.replace("password: secret", "password: muchtoolong"));
        assertEquals("accounts[alice].password", pw.key());
    }

    @Test
    void routeToUnknownUpstream() {
        ConfigException e =
                failsToParse(MINIMAL.replace("    password: secret\n", "    password: secret\n    route: [nowhere]\n"));
        assertEquals("accounts[0].route", e.key());
        assertTrue(e.getMessage().contains("'nowhere'"), e.getMessage());
    }

    @Test
    void yamlSyntaxErrorNamesLineAndColumn() {
        ConfigException e = failsToParse("instanceId: gw\nsmpp:\n  port: [1, 2\nhttp: {}\n");
        assertEquals("config", e.key());
        assertTrue(e.getMessage().matches("config: invalid YAML at line \\d+, column \\d+: .+"), e.getMessage());
    }

    @Test
    void duplicateKeyIsAnError() {
        ConfigException e = failsToParse(MINIMAL + "instanceId: again\n");
        assertEquals("instanceId: appears twice (again at line 12, column 1)", e.getMessage());
        ConfigException nested = failsToParse(MINIMAL + "smpp:\n  port: 1\n  port: 2\n");
        assertEquals("smpp.port", nested.key());
    }

    @Test
    void emptyDocument() {
        ConfigException e = failsToParse("# nothing here\n");
        assertEquals("config: the configuration is empty", e.getMessage());
    }

    @Test
    void topLevelListIsRejected() {
        ConfigException e = failsToParse("- a\n- b\n");
        assertEquals("config", e.key());
        assertTrue(e.getMessage().contains("expected a mapping"), e.getMessage());
    }

    @Test
    void missingFile(@TempDir Path dir) {
        Path file = dir.resolve("nope.yaml");
        ConfigException e = fails(() -> ConfigLoader.load(file, ConfigOverrides.NONE));
        assertEquals("config: cannot read " + file + ": no such file", e.getMessage());
    }

    @Test
    void syntaxErrorInAFileNamesTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "instanceId: [\n");
        ConfigException e = fails(() -> ConfigLoader.load(file, ConfigOverrides.NONE));
        assertTrue(e.getMessage().startsWith("config: invalid YAML in " + file + " at line "), e.getMessage());
    }

    @Test
    void loadsFromAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, MINIMAL);
        assertEquals("gw-test", ConfigLoader.load(file, null).instanceId());
    }

    // --- overrides -----------------------------------------------------------------------------

    @Test
    void portOverrides() {
        GatewayConfig c = ConfigLoader.parse(
                MINIMAL + "smpp:\n  port: 2775\n", overrides(3775, 9090, null, null, null, null, null));
        assertEquals(3775, c.smpp().port());
        assertEquals(9090, c.http().port());
    }

    @Test
    void instanceIdOverrideReplacesTheFilesValue() {
        GatewayConfig c = ConfigLoader.parse(
                MINIMAL, new ConfigOverrides(null, null, null, null, null, null, null, " smpp-optout-gateway-1 "));
        assertEquals("smpp-optout-gateway-1", c.instanceId());
        assertEquals("gw-test", parse(MINIMAL).instanceId());
    }

    @Test
    void instanceIdOverrideSuppliesAMissingInstanceId() {
        GatewayConfig c = ConfigLoader.parse(
                MINIMAL.replace("instanceId: gw-test\n", ""),
                new ConfigOverrides(null, null, null, null, null, null, null, "pod-0"));
        assertEquals("pod-0", c.instanceId());
        assertEquals(
                "--instance-id",
                fails(() -> new ConfigOverrides(null, null, null, null, null, null, null, " "))
                        .key());
    }

    @Test
    void httpPortMinusOneDisablesHttp() {
        GatewayConfig c = ConfigLoader.parse(MINIMAL, overrides(null, -1, null, null, null, null, null));
        assertFalse(c.http().enabled());
    }

    @Test
    void redisUriOverride() {
        GatewayConfig c =
                ConfigLoader.parse(MINIMAL, overrides(null, null, null, null, null, null, "redis://cache:6379/2"));
        assertEquals("redis://cache:6379/2", c.redis().uri());
        assertFalse(c.redis().embedded());
    }

    @ParameterizedTest
    @CsvSource({
        "redis-cluster://r1:7000,r2:7001",
        "rediss-cluster://gw:pw@r1:7000,r2:7001",
        "redis-sentinel://s1:26379,s2:26379/0#mymaster",
        "rediss://gw:pw@cache:6380/0"
    })
    void clusterSentinelAndTlsUrisAreAccepted(String uri) {
        GatewayConfig c = ConfigLoader.parse(MINIMAL, overrides(null, null, null, null, null, null, uri));
        assertEquals(uri, c.redis().uri());
    }

    @Test
    void upstreamOverrideReplacesHostPortOfTheFirstAndDisablesTheSimulator() {
        String yaml = MINIMAL.replace("upstreams:\n", """
                upstreams:
                  - name: first
                    host: 127.0.0.1
                    port: 2776
                    systemId: sim
                """) + "simulator:\n  enabled: true\n  port: 2776\n";
        GatewayConfig c =
                ConfigLoader.parse(yaml, overrides(null, null, "smsc.example.com:3000", "real", "pw", null, null));
        UpstreamConfig first = c.upstreams().get(0);
        assertEquals("first", first.name());
        assertEquals("smsc.example.com", first.host());
        assertEquals(3000, first.port());
        assertEquals("real", first.systemId());
        assertEquals("pw", first.password());
        assertEquals("10.0.0.1", c.upstreams().get(1).host(), "only the first upstream changes");
        assertFalse(c.simulator().enabled());
    }

    @Test
    void upstreamOverrideWithIpv6Literal() {
        GatewayConfig c = ConfigLoader.parse(MINIMAL, overrides(null, null, "[::1]:2775", null, null, null, null));
        assertEquals("::1", c.upstreams().get(0).host());
        assertEquals(2775, c.upstreams().get(0).port());
    }

    @Test
    void upstreamOverrideCreatesAnUpstreamWhenTheFileHasNone() {
        String yaml = MINIMAL.replaceAll("(?s)upstreams:.*?(?=accounts:)", "");
        GatewayConfig c = ConfigLoader.parse(yaml, overrides(null, null, "10.1.1.1:2775", "gw", "pw", null, null));
        assertEquals(1, c.upstreams().size());
        UpstreamConfig up = c.upstreams().get(0);
        assertEquals("upstream", up.name());
        assertEquals("10.1.1.1", up.host());
        assertEquals("gw", up.systemId());
        assertFalse(c.simulator().enabled());
    }

    @Test
    void upstreamCredentialsOverrideAlone() {
        GatewayConfig c = ConfigLoader.parse(MINIMAL, overrides(null, null, null, "other", "pw2", null, null));
        assertEquals("other", c.upstreams().get(0).systemId());
        assertEquals("pw2", c.upstreams().get(0).password());
        assertEquals("10.0.0.1", c.upstreams().get(0).host());
    }

    @Test
    void accountOverridesReplaceTheFileAccounts() {
        GatewayConfig c = ConfigLoader.parse(
                MINIMAL, overrides(null, null, null, null, null, List.of("bob:bobpw:111,222", "carol:carolpw"), null));
        assertEquals(
                List.of("bob", "carol"),
                c.accounts().stream().map(AccountConfig::systemId).toList());
        AccountConfig bob = c.account("bob");
        assertEquals("bobpw", bob.password());
        assertEquals(List.of("111", "222"), bob.numbers());
        assertEquals(EnumSet.allOf(BindType.class), bob.bindTypes());
        assertEquals(List.of(), bob.route());
        assertEquals(List.of(), c.account("carol").numbers());
    }

    @Test
    void accountOverrideMayCarryAHashedPassword() {
        String hash = "pbkdf2-sha256$210000$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==";
        GatewayConfig c = ConfigLoader.parse(
                MINIMAL, overrides(null, null, null, null, null, List.of("bob:" + hash + ":111"), null));
        assertEquals(hash, c.account("bob").password());
        assertEquals(List.of("111"), c.account("bob").numbers());
    }

    @Test
    void emptyAccountOverrideKeepsTheFileAccounts() {
        GatewayConfig c = ConfigLoader.parse(MINIMAL, overrides(null, null, null, null, null, List.of(), null));
        assertEquals("alice", c.accounts().get(0).systemId());
    }

    @Test
    void overrideValuesStillGoThroughTheRecordChecks() {
        ConfigException e = fails(() -> ConfigLoader.parse(
                MINIMAL, overrides(null, null, null, null, null, List.of("bob:waytoolongpw"), null)));
        assertEquals("accounts[bob].password", e.key());
        ConfigException redis =
                fails(() -> ConfigLoader.parse(MINIMAL, overrides(null, null, null, null, null, null, "http://nope")));
        assertEquals("redis.uri", redis.key());
    }

    @ParameterizedTest
    @CsvSource({"foo", "host:", ":2775", "host:abc", "a:b:2775", "[::1]", "[::1]2775", "host:123456"})
    void malformedUpstreamOverride(String value) {
        ConfigException e =
                fails(() -> ConfigLoader.parse(MINIMAL, overrides(null, null, value, null, null, null, null)));
        assertEquals("--upstream: expected HOST:PORT, got '" + value + "'", e.getMessage());
    }

    @Test
    void upstreamOverridePortOutOfRange() {
        ConfigException e = fails(() -> overrides(null, null, "host:70000", null, null, null, null));
        assertEquals("--upstream: port must be 1..65535, got 70000", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"x, x", "x:, x:", "':pw', ':***'", "'bob:pw:1,,2', 'bob:***:1,,2'", "'bob:pw:', 'bob:***:'"})
    void malformedAccountOverrideMasksThePassword(String value, String shown) {
        ConfigException e = fails(() ->
                ConfigLoader.parse(MINIMAL, overrides(null, null, null, null, null, List.of("ok:pw", value), null)));
        assertEquals("--account: expected SYSTEM_ID:PASSWORD[:SHORTCODE,...], got '" + shown + "'", e.getMessage());
    }

    @Test
    void malformedPortOverrides() {
        assertEquals(
                "--smpp-port",
                fails(() -> overrides(70000, null, null, null, null, null, null))
                        .key());
        assertEquals(
                "--http-port",
                fails(() -> overrides(null, -2, null, null, null, null, null)).key());
        assertEquals(
                "--redis",
                fails(() -> overrides(null, null, null, null, null, null, " ")).key());
    }

    @Test
    void overridesToStringHidesPasswords() {
        String s = overrides(null, null, null, "gw", "gwsecret", List.of("bob:bobsecret"), null)
                .toString();
        assertFalse(s.contains("secret"), s);
    }

    // --- shipped example files -----------------------------------------------------------------

    private static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("config/gateway.yaml"))) {
                return p;
            }
        }
        throw new AssertionError(
                "config/gateway.yaml not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void demoConfigLoads() {
        GatewayConfig c = ConfigLoader.load(repoRoot().resolve("config/gateway.yaml"), ConfigOverrides.NONE);
        assertEquals("gw-1", c.instanceId());
        assertEquals(2775, c.smpp().port());
        assertEquals(8080, c.http().port());
        assertTrue(c.redis().embedded());
        assertEquals(6390, c.redis().embeddedPort());
        assertEquals(Duration.ofSeconds(30), c.relay().requestTimeout());
        UpstreamConfig up = c.upstreams().get(0);
        assertEquals("simulator", up.name());
        assertEquals(2, up.binds());
        assertTrue(c.simulator().enabled());
        assertEquals(up.port(), c.simulator().port());
        assertEquals(List.of("12345"), c.account("demo").numbers());
        assertEquals(List.of("67890"), c.account("demo2").numbers());
    }

    @Test
    void demoConfigWithARealSmsc() {
        GatewayConfig c = ConfigLoader.load(
                repoRoot().resolve("config/gateway.yaml"),
                overrides(null, null, "smsc.example.com:2775", "acct", "pw", null, null));
        assertEquals("smsc.example.com", c.upstreams().get(0).host());
        assertFalse(c.simulator().enabled());
    }

    @Test
    void productionExampleLoads() {
        GatewayConfig c = ConfigLoader.load(repoRoot().resolve("config/production.example.yaml"), ConfigOverrides.NONE);
        assertFalse(c.redis().embedded());
        assertFalse(c.simulator().enabled());
        assertEquals(
                List.of("smsc-a", "smsc-b"),
                c.upstreams().stream().map(UpstreamConfig::name).toList());
        AccountConfig acme = c.account("acme");
        assertTrue(acme.password().startsWith("pbkdf2-sha256$"));
        assertEquals(List.of("smsc-a", "smsc-b"), acme.route());
        assertEquals(50, acme.submitRate());
        assertFalse(acme.allowedIps().isEmpty());
    }
}
