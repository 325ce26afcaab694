package io.optoutgw.app;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static io.optoutgw.testsupport.TestGateways.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.evidence.KeyFiles;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jsmpp.bean.BindType;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recorded opt-ins (docs/evidence.md, "Opt-in evidence") through a real gateway, redis-server and jSMPP: an
 * account requiring an opt-in for its marketing messages refuses them (with its configured status, in the
 * evidence ledger and the metric) until {@code POST /api/consents} records one, or the person texts START; a
 * batch with a bad row is answered 400 with the reasons per row and records nothing; a recorded opt-in is
 * durable, in the trace and in the evidence bundle, which verifies.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConsentsTest {

    private static final String TOKEN = "consents-test-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int NO_OPT_IN = 0x45;

    @TempDir
    static Path dir;

    private static RedisServerProcess redis;
    private static SmscSimulator smsc;
    private static Gateway gateway;
    private static SMPPSession mkt;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        Path key = KeyFiles.write(dir, "signing.pem");
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start(
                "gw-consents", redis.uri(), """
                optout: { reconcileInterval: 1h }
                evidence: { signingKey: "%s", verifyInterval: 0s }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - { systemId: mkt, password: pw, numbers: ["77777"],
                      optOut: { categories: [marketing, alerts], requireOptIn: [marketing], noOptInStatus: 0x45 } }
                """.formatted(key, smsc.port()), TOKEN, Duration.ofSeconds(5));
        awaitBound(gateway);
        mkt = Esmes.bind(gateway.smppPort(), BindType.BIND_TRX, "mkt", "pw", new Esmes.Inbox());
    }

    @AfterAll
    static void stop() {
        if (mkt != null) {
            mkt.unbindAndClose();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (smsc != null) {
            smsc.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path))
                        .header("Authorization", "Bearer " + TOKEN)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path))
                        .header("Authorization", "Bearer " + TOKEN)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** The status a marketing (service_type MARKE) or alerts message from 77777 to {@code to} gets. */
    private static int send(String serviceType, String to) throws Exception {
        return Esmes.status(mkt, serviceType, "77777", to);
    }

    private static String consent(String number, String extra) {
        return """
                {"number": "+%s", "account": "mkt", "category": "marketing",
                 "consentText": "Yes, send me offers from Acme. Reply STOP to stop.",
                 "url": "https://acme.example/signup", "ip": "203.0.113.7",
                 "receivedAt": "2026-01-05T10:00:00Z"%s}""".formatted(number, extra);
    }

    private static double refusedNoOptIn() throws Exception {
        String scrape = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        for (String line : scrape.lines().toList()) {
            if (line.startsWith("smppgw_submits_refused_total{")
                    && line.contains("reason=\"no_opt_in\"")
                    && line.contains("account=\"mkt\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    @Test
    void marketingNeedsARecordedOptInWhichThePostRecordsDurably() throws Exception {
        String p = "12025550201";
        String q = "12025550202";
        double before = refusedNoOptIn();
        assertEquals(NO_OPT_IN, send("MARKE", p), "marketing without an opt-in: refused with noOptInStatus");
        assertEquals(0, send("ALERT", p), "alerts need none");
        assertTrue(refusedNoOptIn() >= before + 1, "counted");

        // a batch with bad rows: 400, the reasons of each, nothing recorded (the good row neither)
        HttpResponse<String> bad = post(
                "/api/consents",
                "[" + consent(p, "") + ", {\"number\": \"not a number\", \"account\": \"nobody\","
                        + " \"consentTextHash\": \"abc\", \"ip\": \"999.1.1.1\"}, "
                        + consent(q, ", \"category\": \"x\"")
                        + "]");
        assertEquals(400, bad.statusCode(), bad.body());
        JsonNode rejected = JSON.readTree(bad.body()).get("rejected");
        assertEquals(2, rejected.size(), bad.body());
        assertEquals(1, rejected.get(0).get("index").asInt());
        String reasons = rejected.get(0).get("reasons").toString();
        assertTrue(reasons.contains("consentTextHash must be SHA-256"), reasons);
        assertTrue(reasons.contains("ip must be an IPv4 or IPv6 address"), reasons);
        assertTrue(reasons.contains("url or channel is required"), reasons);
        assertTrue(rejected.get(0).get("reasons").size() >= 4, "the number and the account too: " + reasons);
        assertEquals(2, rejected.get(1).get("index").asInt());
        assertTrue(rejected.get(1).get("reasons").toString().contains("unknown category 'x'"), bad.body());
        String before400 = get("/api/trace/%2B" + p).get("lines").toString();
        assertTrue(before400.contains("no_opt_in") && !before400.contains("\"type\":\"consent\""), before400);
        assertEquals(0, get("/api/audit?number=%2B" + p).get("events").size(), "nothing recorded in the audit trail");
        assertEquals(NO_OPT_IN, send("MARKE", p));

        // recorded: answered 201 once journaled and in Redis, then marketing goes through
        HttpResponse<String> ok = post("/api/consents", consent(p, ", \"actor\": \"crm\""));
        assertEquals(201, ok.statusCode(), ok.body());
        String id = JSON.readTree(ok.body()).get("rows").get(0).get("id").asText();
        try (RedisConnector r = RedisConnector.connect(redis.uri(), Duration.ofSeconds(5))) {
            String field = SuppressionStore.optInField(p, "mkt", "marketing");
            String bucket = SuppressionStore.bucketKeyFor(p, SuppressionStore.DEFAULT_BUCKETS);
            assertTrue(r.async().hget(bucket, field).get(5, TimeUnit.SECONDS) != null, "in Redis when answered");
        }
        StringBuilder journal = new StringBuilder();
        try (var files = Files.list(Path.of(gateway.config().optout().journalDir()))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                journal.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        assertTrue(journal.toString().contains(id), "in the journal when answered");
        assertEquals(0, send("MARKE", p), "opted in: relayed");

        JsonNode trace = get("/api/trace/%2B" + p);
        JsonNode line = trace.get("lines").get(trace.get("lines").size() - 1);
        String lines = trace.get("lines").toString();
        assertTrue(lines.contains("\"type\":\"consent\"") && lines.contains(id), lines);
        assertTrue(lines.contains("\"reason\":\"no_opt_in\""), "the refusals are in the ledger: " + lines);
        assertTrue(line.has("time"));

        // the evidence bundle holds the opt-in with what the person agreed to, and verifies
        Path bundle = dir.resolve("optin.json");
        StringWriter out = new StringWriter();
        var cl = GatewayCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        assertEquals(
                0,
                cl.execute(
                        "evidence",
                        "+" + p,
                        "--output",
                        bundle.toString(),
                        "--url",
                        "http://127.0.0.1:" + gateway.httpPort(),
                        "--token",
                        TOKEN),
                out.toString());
        JsonNode view = null;
        for (JsonNode e : JSON.readTree(bundle.toFile()).get("events")) {
            if (e.get("view").get("type").asText().equals("consent")) {
                view = e.get("view");
            }
        }
        assertTrue(view != null, "the consent event is in the bundle");
        assertEquals(
                "https://acme.example/signup", view.get("consent").get("url").asText());
        assertEquals("203.0.113.7", view.get("consent").get("ip").asText());
        assertEquals(64, view.get("consent").get("textHash").asText().length());
        assertEquals(
                "2026-01-05T10:00:00Z", view.get("timestamps").get("requested").asText());
        StringWriter v = new StringWriter();
        var verify = GatewayCli.commandLine();
        verify.setOut(new PrintWriter(v, true));
        assertEquals(0, verify.execute("evidence", "verify", bundle.toString()), v.toString());

        // a START from the person is an opt-in too
        assertEquals(NO_OPT_IN, send("MARKE", q));
        assertEquals(
                0,
                smsc.injectMo(q, "77777", "START".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS));
        assertTrue(eventually(Duration.ofSeconds(5), () -> {
            try {
                return send("MARKE", q) == 0;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }));
    }
}
