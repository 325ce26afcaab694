package io.optoutgw.privacy;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static io.optoutgw.testsupport.TestGateways.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.optoutgw.app.Gateway;
import io.optoutgw.config.ConfigException;
import io.optoutgw.config.PrivacyConfig;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.simulator.ReceivedMessage;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.NumberKeys;
import io.optoutgw.suppression.RedisKeys;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jsmpp.bean.BindType;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privacy mode {@code hmac} end to end (docs/privacy.md): a real redis-server, the SMSC simulator, a jSMPP
 * ESME. A STOP and the refused submit after it work as in clear mode, lookups by number find the number's
 * key, and no Redis key or value holds the number's digits; the mode and pepper are checked at start-up.
 */
@Tag("integration")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PrivacyModeTest {

    static final String TOKEN = "privacy-test-token-0123";
    static final String PEPPER = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    static final int REFUSED = 0x0B;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    RedisServerProcess redis;
    SmscSimulator smsc;
    Gateway gateway;
    RedisConnector inspector;
    String journalDir;
    final List<SMPPSession> sessions = new ArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        inspector = RedisConnector.connect(redis.uri(), Duration.ofSeconds(5));
        journalDir = Files.createDirectories(dir.resolve("journal")).toString();
        Files.writeString(dir.resolve("pepper"), PEPPER + "\n");
        Files.writeString(dir.resolve("other-pepper"), PEPPER.replace('0', 'x') + "\n");
    }

    @AfterEach
    void stop() {
        sessions.forEach(SMPPSession::unbindAndClose);
        if (gateway != null) {
            gateway.close();
        }
        inspector.close();
        smsc.close();
        redis.close();
    }

    /** The {@code evidence} section of the gateway's configuration. */
    String evidence = "{ verifyInterval: 0s }";

    String config(String privacy) {
        return """
                optout: { reconcileInterval: 1h, journalDir: "%s" }
                evidence: %s
                privacy: %s
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345"], optOut: { scope: global } }
                """.formatted(journalDir, evidence, privacy, smsc.port());
    }

    String hmac(String pepperFile) {
        return "{ mode: hmac, pepperFile: \"" + dir.resolve(pepperFile) + "\" }";
    }

    Gateway startGateway(String privacy) throws Exception {
        Gateway g = TestGateways.start("gw-privacy", redis.uri(), config(privacy), TOKEN, Duration.ofSeconds(5));
        awaitBound(g);
        return g;
    }

    SMPPSession bind() throws Exception {
        SMPPSession s = Esmes.bind(gateway.smppPort(), BindType.BIND_TRX, "acme", "pw", new Esmes.Inbox());
        sessions.add(s);
        return s;
    }

    void stopFrom(String person) throws Exception {
        assertEquals(
                0,
                smsc.injectMo(person, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS));
        assertTrue(
                eventually(Duration.ofSeconds(10), () -> {
                    for (ReceivedMessage m : smsc.receivedMessages()) {
                        if (m.pdu().getDestAddress() != null
                                && person.equals(m.pdu().getDestAddress().getAddress())) {
                            return true;
                        }
                    }
                    return false;
                }),
                "the confirmation reached the SMSC");
    }

    static int status(SMPPSession s, String to, String text) {
        try {
            Esmes.submit(s, "12345", to, text, false);
            return 0;
        } catch (NegativeResponseException e) {
            return e.getCommandStatus();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    HttpResponse<String> api(String method, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path))
                        .header("Authorization", "Bearer " + TOKEN)
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    JsonNode getJson(String path) throws Exception {
        HttpResponse<String> r = api("GET", path);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** Every key and every value in Redis, as text: SCAN all keys, each dumped by its type. */
    List<String> dumpRedis() {
        RedisClusterCommands<String, String> r = inspector.sync();
        List<String> out = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = r.scan(cursor, ScanArgs.Builder.limit(1000));
            for (String key : page.getKeys()) {
                out.add(key);
                switch (r.type(key)) {
                    case "string" -> out.add(r.get(key));
                    case "hash" ->
                        r.hgetall(key).forEach((f, v) -> {
                            out.add(f);
                            out.add(v);
                        });
                    case "zset" -> out.addAll(r.zrange(key, 0, -1));
                    case "set" -> out.addAll(r.smembers(key));
                    case "list" -> out.addAll(r.lrange(key, 0, -1));
                    case "stream" -> {
                        for (StreamMessage<String, String> m : r.xrange(key, io.lettuce.core.Range.create("-", "+"))) {
                            m.getBody().forEach((f, v) -> {
                                out.add(f);
                                out.add(v);
                            });
                        }
                    }
                    default -> throw new AssertionError("unexpected type of " + key + ": " + r.type(key));
                }
            }
            cursor = page;
        } while (!cursor.isFinished());
        return out;
    }

    /** Fails naming the first key or value that holds {@code digits}. */
    void assertNowhereInRedis(String digits) {
        List<String> all = dumpRedis();
        assertTrue(all.size() > 20, "Redis holds the gateway's state: " + all.size() + " keys and values");
        for (String s : all) {
            assertFalse(s != null && s.contains(digits), "Redis holds " + digits + " in clear: " + s);
        }
    }

    @Test
    void optOutAndRefusalInHmacModeLeaveNoNumberInRedis() throws Exception {
        String person = "12025558317";
        String other = "12025559422";
        gateway = startGateway(hmac("pepper"));
        SMPPSession acme = bind();
        assertEquals(0, status(acme, person, "before"), "not opted out yet: relayed");
        stopFrom(person);
        assertEquals(REFUSED, status(acme, person, "after the STOP"), "refused after the STOP, as in clear mode");
        assertEquals(0, status(acme, other, "hello"), "another number is relayed");

        NumberKeys keys = NumberKeys.hmac(PEPPER.getBytes(StandardCharsets.UTF_8));
        String key = keys.of(person);
        assertEquals(NumberKeys.KEY_CHARS, key.length());
        // lookups by number compute the key: status, trace, audit
        JsonNode status = getJson("/api/suppressions/%2B" + person);
        assertTrue(status.toString().contains("\"suppressed\":true"), status.toString());
        JsonNode trace = getJson("/api/trace/%2B" + person);
        assertTrue(trace.toString().contains("OPT_OUT") || trace.toString().contains("opt_out"), trace.toString());
        assertTrue(trace.toString().contains("refused"), trace.toString());
        // the list field and the audit trail are keyed by the HMAC
        RedisClusterCommands<String, String> r = inspector.sync();
        int bucket = 0;
        boolean found = false;
        for (String k : r.keys("gw:a:*")) {
            if (k.endsWith(":" + key)) {
                found = true;
                bucket = Integer.parseInt(k.substring(k.indexOf('{') + 1, k.indexOf('}')));
            }
        }
        assertTrue(found, "the audit trail gw:a:{B}:" + key + " exists");
        assertNotNull(r.hget(RedisKeys.listBucket(bucket), key), "the list field is the key");
        assertTrue(r.get(RedisKeys.PRIVACY).startsWith("hmac:"), r.get(RedisKeys.PRIVACY));
        // the feed carries the key too
        assertTrue(eventually(Duration.ofSeconds(10), () -> r.xlen(RedisKeys.feedStream()) > 0));

        assertNowhereInRedis(person);
        assertNowhereInRedis(person.substring(1)); // national digits neither
        assertNowhereInRedis(other);

        // the full verification passes: Redis's redacted copies agree with the journal's events
        JsonNode verify = getJson("/api/audit/verify");
        assertTrue(verify.get("ok").asBoolean(), verify.toPrettyString());

        // Redis's redacted copy edited (the journal's copy is whole): found by comparing what is left of both
        String trail = RedisKeys.auditTrail(bucket, key);
        for (io.lettuce.core.ScoredValue<String> m : r.zrangeWithScores(trail, 0, -1)) {
            if (m.getValue().contains("\"type\":\"OPT_OUT\"")) {
                r.zrem(trail, m.getValue());
                r.zadd(trail, m.getScore(), m.getValue().replace("\"keyword\":\"STOP\"", "\"keyword\":\"STOPALL\""));
            }
        }
        JsonNode edited = getJson("/api/audit/verify");
        assertFalse(edited.get("ok").asBoolean(), edited.toPrettyString());
        assertTrue(edited.toString().contains("CHAIN_COPIES_DIFFER"), edited.toPrettyString());

        // a restart replays the journal (keyed again) and still refuses
        sessions.forEach(SMPPSession::unbindAndClose);
        sessions.clear();
        gateway.close();
        inspector.sync().flushall();
        gateway = startGateway(hmac("pepper"));
        acme = bind();
        assertEquals(REFUSED, status(acme, person, "after replay"));
        assertNowhereInRedis(person);
    }

    @Test
    void aDifferentPepperOrModeIsRefusedAtStartUp() throws Exception {
        gateway = startGateway(hmac("pepper"));
        gateway.close();
        gateway = null;
        Exception pepper = assertThrows(Exception.class, () -> startGateway(hmac("other-pepper")));
        assertTrue(messages(pepper).contains("privacy.pepperFile"), messages(pepper));
        Exception mode = assertThrows(Exception.class, () -> startGateway("{ mode: clear }"));
        assertTrue(messages(mode).contains("privacy.mode"), messages(mode));
        gateway = startGateway(hmac("pepper"));
    }

    static String messages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c.getMessage()).append(" | ");
        }
        return b.toString();
    }

    /** {@code gateway ARGS --url --token} in-process: exit status, standard output, standard error. */
    String[] cli(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 4);
        all[args.length] = "--url";
        all[args.length + 1] = "http://127.0.0.1:" + gateway.httpPort();
        all[args.length + 2] = "--token";
        all[args.length + 3] = TOKEN;
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        var cl = io.optoutgw.app.GatewayCli.commandLine();
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        int code = cl.execute(all);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void partnerExportHashesEachNumberAsOpensslDoes() throws Exception {
        gateway = startGateway("{ mode: clear }");
        String[] numbers = {"12025551001", "447700900123"};
        for (String n : numbers) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/api/suppressions"))
                            .header("Authorization", "Bearer " + TOKEN)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"number\":\"+" + n + "\",\"scope\":\"global\",\"reason\":\"test\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
        }
        String partnerKey = "partner-key-of-example-telecom-2026-0123456789";
        Path keyFile = dir.resolve("partner.key");
        Files.writeString(keyFile, partnerKey + "\n");
        Path outFile = dir.resolve("partner.csv");
        String[] run = cli("export", "--hashed", "--partner-key", keyFile.toString(), "--output", outFile.toString());
        assertEquals("0", run[0], run[2]);
        List<String> lines = Files.readAllLines(outFile);
        assertEquals("hash,scope,since,category", lines.get(0));
        assertEquals(3, lines.size(), lines.toString());
        String all = String.join("\n", lines);
        for (String n : numbers) {
            assertFalse(all.contains(n), "the partner file holds no number: " + all);
            // the JDK, as docs/privacy.md describes the hash
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(partnerKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String jdk = java.util.HexFormat.of().formatHex(mac.doFinal(("+" + n).getBytes(StandardCharsets.UTF_8)));
            assertTrue(lines.stream().anyMatch(l -> l.startsWith(jdk + ",global,")), jdk + " in " + lines);
            // the documented openssl one-liner
            Process p = new ProcessBuilder(
                            "sh",
                            "-c",
                            "printf '%s' '+" + n + "' | openssl dgst -sha256 -hmac \"$(cat '" + keyFile + "')\"")
                    .redirectErrorStream(true)
                    .start();
            String openssl = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertEquals(0, p.waitFor(), openssl);
            assertEquals(jdk, openssl.substring(openssl.lastIndexOf(' ') + 1), openssl);
        }
        // the same through gateway suppression export and the key in a variable is refused when unset
        String[] noKey = cli("suppression", "export", "--hashed", "--partner-key-env", "OPTOUTGW_NO_SUCH_PARTNER_KEY");
        assertEquals("2", noKey[0], noKey[2]);
        assertTrue(noKey[2].contains("OPTOUTGW_NO_SUCH_PARTNER_KEY"), noKey[2]);
        Path shortKey = dir.resolve("short.key");
        Files.writeString(shortKey, "short");
        String[] tooShort = cli("export", "--hashed", "--partner-key", shortKey.toString());
        assertEquals("2", tooShort[0], tooShort[2]);
        assertTrue(tooShort[2].contains("at least 32"), tooShort[2]);
        // erase needs privacy mode hmac: in clear mode the list itself is keyed by the number
        String[] erase = cli("privacy", "erase", "+" + numbers[0]);
        assertEquals("2", erase[0], erase[2]);
        assertTrue(erase[2].contains("privacy.mode"), erase[2]);
    }

    /** Every journal file's bytes, as text (ISO-8859-1: byte for byte). */
    String journalText() throws Exception {
        StringBuilder b = new StringBuilder();
        try (var files = Files.list(Path.of(journalDir))) {
            for (Path f : files.sorted().toList()) {
                b.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1))
                        .append('\n');
            }
        }
        return b.toString();
    }

    void mo(String person, String text) throws Exception {
        assertEquals(
                0,
                smsc.injectMo(person, "12345", text.getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS));
    }

    @Test
    void eraseRemovesTextAndNumberFromTheJournalAndKeepsTheNumberSuppressed() throws Exception {
        String person = "12025557711";
        String reasonText = "moving abroad, stop all texts";
        gateway = startGateway(hmac("pepper"));
        SMPPSession acme = bind();
        stopFrom(person);
        mo(person, reasonText);
        assertTrue(
                eventually(Duration.ofSeconds(10), () -> {
                    try {
                        return journalText().contains(reasonText);
                    } catch (Exception e) {
                        return false;
                    }
                }),
                "the free-text reason is journaled in full");
        assertEquals(REFUSED, status(acme, person, "after the STOP"));
        assertTrue(journalText().contains(person), "the journal keeps the number until erased");

        // hmac mode: the list holds keys; the export gives back the numbers the journal knows
        Path keyFile = dir.resolve("partner.key");
        Files.writeString(keyFile, "partner-key-of-example-telecom-2026-0123456789");
        String[] before = cli("export");
        assertEquals("0", before[0], before[2]);
        assertTrue(before[1].contains("+" + person + ",global,"), before[1]);
        String[] hashedBefore = cli("export", "--hashed", "--partner-key", keyFile.toString());
        assertEquals("0", hashedBefore[0], hashedBefore[2]);
        assertEquals(2, hashedBefore[1].lines().count(), hashedBefore[1]);
        assertFalse(hashedBefore[1].contains(person), hashedBefore[1]);

        String[] run = cli("privacy", "erase", "+" + person, "--actor", "dpo@example.com", "--reason", "GDPR art. 17");
        assertEquals("0", run[0], run[2]);
        JsonNode result = JSON.readTree(run[1]);
        assertTrue(result.get("journalRecords").asInt() >= 2, run[1]);
        assertTrue(result.get("segmentsRewritten").asInt() >= 1, run[1]);
        assertTrue(result.get("scopesSuppressed").toString().contains("g"), run[1]);

        String journal = journalText();
        assertFalse(journal.contains(person), "no clear number left in the journal");
        assertFalse(journal.contains(person.substring(1)), "nor its national digits");
        assertFalse(journal.contains(reasonText), "no message text left in the journal");
        assertFalse(journal.contains("53544f50"), "no raw MO (hex of STOP) left in the journal");
        assertNowhereInRedis(person);
        // erased: nobody knows the number any more, so the export shows its key and the partner export leaves it out
        String[] after = cli("export");
        assertFalse(after[1].contains(person), after[1]);
        assertTrue(after[1].contains(result.get("key").asText() + ",global,"), after[1]);
        String[] hashedAfter = cli("export", "--hashed", "--partner-key", keyFile.toString());
        assertEquals("0", hashedAfter[0], hashedAfter[2]);
        assertEquals(1, hashedAfter[1].lines().count(), hashedAfter[1]);
        assertTrue(hashedAfter[2].contains("left out 1 rows"), hashedAfter[2]);
        // still suppressed; the erasure is in the number's history with its actor, never the number
        assertEquals(REFUSED, status(acme, person, "after the erase"));
        JsonNode status = getJson("/api/suppressions/%2B" + person);
        assertTrue(status.toString().contains("ERASED"), status.toString());
        assertTrue(status.toString().contains("dpo@example.com (token"), status.toString());
        // the chain still verifies: each redacted event against the ERASED event's record of it
        JsonNode verify = getJson("/api/audit/verify");
        assertTrue(verify.get("ok").asBoolean(), verify.toPrettyString());

        // a restart on an empty Redis replays the erased journal: still suppressed
        sessions.forEach(SMPPSession::unbindAndClose);
        sessions.clear();
        gateway.close();
        inspector.sync().flushall();
        gateway = startGateway(hmac("pepper"));
        acme = bind();
        assertEquals(REFUSED, status(acme, person, "after replay of the erased journal"));
        verify = getJson("/api/audit/verify");
        assertTrue(verify.get("ok").asBoolean(), verify.toPrettyString());

        // a real edit of an erased event in the journal is still found
        sessions.forEach(SMPPSession::unbindAndClose);
        sessions.clear();
        gateway.close();
        gateway = null;
        int[] edited = {0};
        io.optoutgw.testsupport.JournalFiles.rewrite(Path.of(journalDir), "journal-", records -> {
            List<byte[]> out = new ArrayList<>(records);
            for (int i = 0; i < out.size(); i++) {
                String json = new String(out.get(i), StandardCharsets.UTF_8);
                if (json.contains("\"type\":\"OPT_OUT\"") && json.contains("\"keyword\":\"STOP\"")) {
                    out.set(
                            i,
                            json.replace("\"keyword\":\"STOP\"", "\"keyword\":\"STOPALL\"")
                                    .getBytes(StandardCharsets.UTF_8));
                    edited[0]++;
                }
            }
            return out;
        });
        assertEquals(1, edited[0], "the erased opt-out was edited on disk");
        gateway = startGateway(hmac("pepper"));
        verify = getJson("/api/audit/verify");
        assertFalse(verify.get("ok").asBoolean(), verify.toPrettyString());
        assertTrue(verify.toString().contains("EVENT_EDITED"), verify.toPrettyString());
        assertTrue(verify.toString().contains("does not match the hash its erasure recorded"), verify.toPrettyString());
    }

    @Test
    void anEvidenceBundleInHmacModeVerifiesOffline() throws Exception {
        Path signing = dir.resolve("signing.pem");
        Path pub = dir.resolve("signing.pub");
        java.io.StringWriter kout = new java.io.StringWriter();
        var kcl = io.optoutgw.app.GatewayCli.commandLine();
        kcl.setOut(new java.io.PrintWriter(kout, true));
        kcl.setErr(new java.io.PrintWriter(kout, true));
        assertEquals(
                0,
                kcl.execute("audit", "keygen", "--out", signing.toString(), "--public-out", pub.toString()),
                kout.toString());
        evidence = "{ signingKey: \"" + signing + "\", checkpointInterval: 1h, verifyInterval: 0s }";
        String person = "12025557731";
        gateway = startGateway(hmac("pepper"));
        stopFrom(person); // an MO: text, raw MO and rule set only in the journal
        HttpResponse<String> add = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/api/suppressions"))
                        .header("Authorization", "Bearer " + TOKEN)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"number\":\"+12025557732\",\"scope\":\"global\",\"reason\":\"asked by phone\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, add.statusCode(), add.body()); // an administrative event: no journal-only detail
        gateway.checkpointNow();
        for (String n : List.of(person, "12025557732")) {
            Path bundle = dir.resolve("evidence-" + n + ".zip");
            String[] w = cli("evidence", "+" + n, "--output", bundle.toString());
            assertEquals("0", w[0], w[1] + w[2]);
            java.io.StringWriter out = new java.io.StringWriter();
            var cl = io.optoutgw.app.GatewayCli.commandLine();
            cl.setOut(new java.io.PrintWriter(out, true));
            cl.setErr(new java.io.PrintWriter(out, true));
            int code = cl.execute("evidence", "verify", bundle.toString(), "--public-key", pub.toString());
            System.out.println("evidence verify +" + n + " in hmac mode: exit " + code + "\n" + out);
            assertEquals(0, code, out.toString());
        }
    }

    @Test
    void hmacModeNeedsALongEnoughPepper() throws Exception {
        ConfigException none = assertThrows(ConfigException.class, () -> new PrivacyConfig("hmac", null, null));
        assertEquals("privacy.pepperFile", none.key());
        Files.writeString(dir.resolve("short"), "too-short");
        ConfigException shortPepper = assertThrows(
                ConfigException.class,
                () -> new PrivacyConfig("hmac", dir.resolve("short").toString(), null));
        assertEquals("privacy.pepperFile", shortPepper.key());
        assertTrue(shortPepper.getMessage().contains("at least 32"), shortPepper.getMessage());
        ConfigException env = assertThrows(
                ConfigException.class, () -> new PrivacyConfig("hmac", null, "OPTOUTGW_NO_SUCH_PEPPER_VAR"));
        assertEquals("privacy.pepperEnv", env.key());
        ConfigException badMode = assertThrows(ConfigException.class, () -> new PrivacyConfig("sha256", null, null));
        assertEquals("privacy.mode", badMode.key());
    }
}
