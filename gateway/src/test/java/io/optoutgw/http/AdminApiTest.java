package io.optoutgw.http;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisFuture;
import io.optoutgw.admin.ListVerifier;
import io.optoutgw.app.Gateway;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jsmpp.bean.BindType;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The admin API over real HTTP on loopback, against a real gateway, redis-server and SMSC
 * simulator: auth, input checks, add/remove with SMPP enforcement, look-up, CSV import with bad
 * rows, export/import round trip into a fresh gateway, audit queries and verification.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminApiTest {

    static final String TOKEN = "test-admin-token-0123456789";
    private static final AtomicInteger PERSON = new AtomicInteger(2000);
    private static final ObjectMapper JSON = new ObjectMapper();

    private RedisServerProcess redis;
    private SmscSimulator smsc;
    private Gateway gateway;
    private RedisConnector inspector;
    private SuppressionStore store;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> extra = new ArrayList<>();

    static String config(int smscPort) {
        return AdminApiTestConfig.config(smscPort);
    }

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start("gw-admin", redis.uri(), config(smsc.port()), TOKEN);
        awaitBound(gateway);
        inspector = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2));
        store = new SuppressionStore(inspector.async(), SuppressionStore.DEFAULT_BUCKETS);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : extra) {
            c.close();
        }
        if (inspector != null) {
            inspector.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        smsc.close();
        redis.close();
    }

    static String person() {
        return "+1555701" + String.format("%04d", PERSON.incrementAndGet());
    }

    private String base() {
        return base(gateway);
    }

    static String base(Gateway g) {
        return "http://127.0.0.1:" + g.httpPort();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> send(HttpRequest.Builder b, String token) throws Exception {
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        // generous: export and audit verify walk the 262,144 list buckets (a script per 1,024 asks which
        // exist, about 2 s with Netty's paranoid leak detection), slower on a loaded machine
        return http.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base() + path)).GET(), TOKEN);
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return send(
                HttpRequest.newBuilder(URI.create(base() + path)).POST(HttpRequest.BodyPublishers.ofString(body)),
                TOKEN);
    }

    private HttpResponse<String> delete(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base() + path)).DELETE(), TOKEN);
    }

    private HttpResponse<String> add(String number, String scope, String reason) throws Exception {
        return post(
                "/api/suppressions",
                JSON.writeValueAsString(Map.of("number", number, "scope", scope, "reason", reason, "actor", "alice")));
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    private static void assertStatus(int status, HttpResponse<String> r) {
        assertEquals(status, r.statusCode(), r.body());
    }

    @Test
    void everyApiEndpointNeedsTheToken() throws Exception {
        String[] paths = {
            "/api/suppressions/" + enc("+15557010001"), "/api/suppressions/export", "/api/audit", "/api/audit/verify"
        };
        for (String p : paths) {
            HttpResponse<String> none =
                    send(HttpRequest.newBuilder(URI.create(base() + p)).GET(), null);
            assertStatus(401, none);
            assertTrue(json(none).get("error").asText().contains("missing bearer token"), none.body());
            assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            HttpResponse<String> wrong =
                    send(HttpRequest.newBuilder(URI.create(base() + p)).GET(), TOKEN + "x");
            assertStatus(401, wrong);
            assertEquals("invalid token", json(wrong).get("error").asText());
        }
        HttpResponse<String> importNoToken = send(
                HttpRequest.newBuilder(URI.create(base() + "/api/suppressions/import"))
                        .POST(HttpRequest.BodyPublishers.ofString("+15557010001\n")),
                null);
        assertStatus(401, importNoToken);
        // Expect: 100-continue with a wrong token: answered 401 at once, before any body is sent
        try (Socket socket = new Socket("127.0.0.1", gateway.httpPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream()
                    .write(("POST /api/suppressions/import HTTP/1.1\r\nHost: x\r\n"
                                    + "Authorization: Bearer nope\r\nExpect: 100-continue\r\nContent-Length: 1000000\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 401"), answer);
            assertTrue(answer.contains("invalid token"), answer);
        }
        assertFalse(store.entries("15557010001").toCompletableFuture().get().containsKey("g"));

        // the operations endpoints are unchanged and need no token
        assertStatus(
                200, send(HttpRequest.newBuilder(URI.create(base() + "/health")).GET(), null));
        assertStatus(
                200, send(HttpRequest.newBuilder(URI.create(base() + "/ready")).GET(), null));
        HttpResponse<String> metrics =
                send(HttpRequest.newBuilder(URI.create(base() + "/metrics")).GET(), null);
        assertStatus(200, metrics);
        assertTrue(metrics.body().contains("smppgw_"), "prometheus text");
        assertStatus(
                404, send(HttpRequest.newBuilder(URI.create(base() + "/nope")).GET(), null));
    }

    @Test
    void withoutAConfiguredTokenTheApiIsDisabled() throws Exception {
        Gateway off = TestGateways.start("gw-off", redis.uri(), config(smsc.port()), null);
        extra.add(off);
        for (String token : new String[] {null, TOKEN}) {
            HttpResponse<String> r = send(
                    HttpRequest.newBuilder(URI.create(base(off) + "/api/audit/verify"))
                            .GET(),
                    token);
            assertStatus(401, r);
            assertTrue(json(r).get("error").asText().contains("admin API is disabled"), r.body());
            HttpResponse<String> imp = send(
                    HttpRequest.newBuilder(URI.create(base(off) + "/api/suppressions/import"))
                            .POST(HttpRequest.BodyPublishers.ofString("+15557010001\n")),
                    token);
            assertStatus(401, imp);
            assertTrue(json(imp).get("error").asText().contains("admin API is disabled"), imp.body());
        }
        assertStatus(
                200,
                send(HttpRequest.newBuilder(URI.create(base(off) + "/health")).GET(), null));
    }

    @Test
    void badInputIsRefusedWithAMessage() throws Exception {
        HttpResponse<String> badNumber = add("not-a-number", "global", "test");
        assertStatus(400, badNumber);
        assertTrue(json(badNumber).get("error").asText().contains("not a phone number"), badNumber.body());
        assertStatus(400, add("+1", "global", "test"));
        HttpResponse<String> badScope = add(person(), "galaxy", "test");
        assertStatus(400, badScope);
        assertTrue(json(badScope).get("error").asText().contains("not a scope"), badScope.body());
        HttpResponse<String> unknownAccount = add(person(), "account:ACME", "test");
        assertStatus(400, unknownAccount);
        assertTrue(
                json(unknownAccount).get("error").asText().contains("unknown account 'ACME'"), unknownAccount.body());
        assertStatus(400, post("/api/suppressions", "{not json"));
        assertStatus(400, post("/api/suppressions", "{\"number\":\"+15557010001\",\"colour\":\"red\"}"));
        HttpResponse<String> noReason = delete("/api/suppressions/" + enc(person()) + "?scope=global");
        assertStatus(400, noReason);
        assertTrue(json(noReason).get("error").asText().contains("reason is required"), noReason.body());
        assertStatus(400, get("/api/suppressions/12?region=US"));
        assertStatus(400, get("/api/suppressions/" + enc(person()) + "?region=XX"));
        assertStatus(400, get("/api/audit?from=yesterday"));
        assertStatus(
                405,
                send(
                        HttpRequest.newBuilder(URI.create(base() + "/api/suppressions/export"))
                                .POST(HttpRequest.BodyPublishers.noBody()),
                        TOKEN));
        assertStatus(404, get("/api/nothing-here"));
        HttpResponse<String> badImportScope = post("/api/suppressions/import?scope=galaxy", "+15557010001\n");
        assertStatus(400, badImportScope);
    }

    @Test
    void addedNumberIsRefusedAndRemovalLiftsIt() throws Exception {
        String p = person();
        String digits = p.substring(1);
        SMPPSession acme = Esmes.bind(gateway.smppPort(), BindType.BIND_TX, "acme", "pw", null);
        SMPPSession beta = Esmes.bind(gateway.smppPort(), BindType.BIND_TX, "beta", "pw", null);
        extra.add(acme::unbindAndClose);
        extra.add(beta::unbindAndClose);
        assertNotNull(Esmes.submit(acme, "12345", digits, "hello", false).getMessageId());

        HttpResponse<String> added = add(p, "account:acme", "complaint by phone");
        assertStatus(200, added);
        JsonNode a = json(added);
        assertEquals(p, a.get("number").asText());
        assertEquals("account:acme", a.get("scope").asText());
        assertEquals("ADMIN_ADD", a.get("type").asText());
        assertTrue(a.get("suppressed").asBoolean());

        NegativeResponseException refused = assertThrows(
                NegativeResponseException.class, () -> Esmes.submit(acme, "12345", digits, "buy now", false));
        assertEquals(0x0B, refused.getCommandStatus());
        assertNotNull(
                Esmes.submit(beta, "67890", digits, "other brand", false).getMessageId(),
                "account scope: another account may still send");

        HttpResponse<String> removed = delete(
                "/api/suppressions/" + enc(p) + "?scope=a:acme&reason=" + enc("added by mistake") + "&actor=bob");
        assertStatus(200, removed);
        assertFalse(json(removed).get("suppressed").asBoolean());
        assertEquals("ADMIN_REMOVE", json(removed).get("type").asText());
        assertNotNull(Esmes.submit(acme, "12345", digits, "welcome back", false).getMessageId());

        var history = store.history(digits).toCompletableFuture().get();
        assertEquals(2, history.size());
        assertEquals("alice", history.get(0).actor());
        assertEquals("complaint by phone", history.get(0).reason());
        assertEquals("bob", history.get(1).actor());
        assertEquals("added by mistake", history.get(1).reason());
        assertEquals("gw-admin", history.get(1).instance());
    }

    @Test
    void lookupShowsStatusPerScopeAndHistory() throws Exception {
        String p = person();
        assertStatus(200, add(p, "g", "global one"));
        assertStatus(200, add(p, "sender:beta:67890", "sender one"));
        assertStatus(200, delete("/api/suppressions/" + enc(p) + "?scope=" + enc("sender:beta:67890") + "&reason=r"));

        // national form in the default region (US) finds the same number
        String national = p.substring(2);
        HttpResponse<String> r = get("/api/suppressions/" + national);
        assertStatus(200, r);
        JsonNode s = json(r);
        assertEquals(p, s.get("number").asText());
        assertTrue(s.get("suppressed").asBoolean());
        assertEquals(2, s.get("scopes").size());
        JsonNode g = s.get("scopes").get(0);
        assertEquals("global", g.get("scope").asText());
        assertTrue(g.get("suppressed").asBoolean());
        assertNotNull(Instant.parse(g.get("since").asText()));
        JsonNode snd = s.get("scopes").get(1);
        assertEquals("sender:beta:67890", snd.get("scope").asText());
        assertFalse(snd.get("suppressed").asBoolean());
        JsonNode h = s.get("history");
        assertEquals(3, h.size());
        assertEquals("ADMIN_ADD", h.get(0).get("type").asText());
        assertEquals("global one", h.get(0).get("reason").asText());
        assertEquals("ADMIN_REMOVE", h.get(2).get("type").asText());

        JsonNode unknown = json(get("/api/suppressions/" + enc(person())));
        assertFalse(unknown.get("suppressed").asBoolean());
        assertEquals(0, unknown.get("scopes").size());

        // audit by number and time range, and across numbers
        JsonNode audit = json(get("/api/audit?number=" + enc(p) + "&from=2000-01-01&to="
                + enc(Instant.now().plusSeconds(5).toString())));
        assertEquals(3, audit.get("events").size());
        assertEquals(
                0,
                json(get("/api/audit?number=" + enc(p) + "&to=2000-01-01"))
                        .get("events")
                        .size());
        JsonNode recent =
                json(get("/api/audit?from=" + enc(Instant.now().minusSeconds(60).toString()) + "&limit=2"));
        assertEquals(2, recent.get("events").size());
        assertTrue(recent.get("truncated").asBoolean());
    }

    @Test
    void importKeepsGoodRowsAndReportsBadOnesByLine() throws Exception {
        String a = person();
        String b = person();
        String c = person();
        String d = person();
        String csv = String.join(
                        "\n",
                        "number,scope,reason", // 1 header
                        a, // 2 default scope
                        b + ",account:acme,asked by email", // 3
                        "", // 4 blank: ignored
                        "hello,global,x", // 5 bad number
                        c + ",galaxy", // 6 bad scope
                        d.substring(2)
                                + ",s:beta:67890,\"said \"\"stop\"\", twice\"", // 7 national number, quoted reason
                        "+1555,,", // 8 bad number
                        a + ",a:nobody")
                + "\r\n"; // 9 unknown account
        HttpResponse<String> r = post("/api/suppressions/import?actor=ops&reason=" + enc("legacy list"), csv);
        assertStatus(200, r);
        JsonNode res = json(r);
        assertEquals(7, res.get("rows").asLong(), r.body());
        assertEquals(3, res.get("imported").asLong(), r.body());
        assertEquals(4, res.get("bad").asLong(), r.body());
        List<Integer> lines = new ArrayList<>();
        res.get("errors").forEach(e -> lines.add(e.get("line").asInt()));
        assertEquals(List.of(5, 6, 8, 9), lines, r.body());
        assertTrue(res.get("errors").get(1).get("error").asText().contains("not a scope"), r.body());

        assertTrue(store.check(a.substring(1), "acme", "12345")
                .toCompletableFuture()
                .get()
                .suppressed());
        assertTrue(store.check(b.substring(1), "acme", "12345")
                .toCompletableFuture()
                .get()
                .suppressed());
        assertFalse(store.check(b.substring(1), "beta", "67890")
                .toCompletableFuture()
                .get()
                .suppressed());
        assertFalse(store.check(c.substring(1), "acme", "12345")
                .toCompletableFuture()
                .get()
                .suppressed());
        assertTrue(store.check(d.substring(1), "beta", "67890")
                .toCompletableFuture()
                .get()
                .suppressed());
        var ev = store.history(d.substring(1)).toCompletableFuture().get().get(0);
        assertEquals("said \"stop\", twice", ev.reason());
        assertEquals("ops", ev.actor());
        assertEquals("ADMIN_ADD", ev.type().name());
        assertEquals(
                "legacy list",
                store.history(a.substring(1)).toCompletableFuture().get().get(0).reason());

        // the connection still serves ordinary requests after a streamed import
        assertStatus(200, get("/api/suppressions/" + enc(a)));
    }

    @Test
    void importStreamsABodyFarLargerThanTheAggregatorLimit() throws Exception {
        StringBuilder csv = new StringBuilder();
        int n = 10_000;
        for (int i = 0; i < n; i++) {
            csv.append("+1555702")
                    .append(String.format("%04d", i % 5_000))
                    .append(i < 5_000 ? ",g" : ",a:acme")
                    .append(",bulk row ")
                    .append(i)
                    .append('\n');
        }
        assertTrue(csv.length() > 4 * 64 * 1024, "well over the 64 KiB the aggregator allows");
        HttpResponse<String> r = send(
                HttpRequest.newBuilder(URI.create(base() + "/api/suppressions/import"))
                        .expectContinue(true)
                        .POST(HttpRequest.BodyPublishers.ofInputStream(
                                () -> new ByteArrayInputStream(csv.toString().getBytes(StandardCharsets.UTF_8)))),
                TOKEN);
        assertStatus(200, r);
        assertEquals(n, json(r).get("imported").asLong(), r.body());
        assertTrue(store.check("15557024999", "acme", "12345")
                .toCompletableFuture()
                .get()
                .suppressed());
        HttpResponse<String> verify = get("/api/audit/verify");
        assertStatus(200, verify);
        assertTrue(json(verify).get("ok").asBoolean(), verify.body());
    }

    @Test
    void exportThenImportIntoAFreshGatewayGivesTheSameList() throws Exception {
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            String p = person();
            String scope = switch (i % 3) {
                case 0 -> "global";
                case 1 -> "account:acme";
                default -> "sender:beta:67890";
            };
            assertStatus(200, add(p, scope, "seed " + i));
            expected.add(p + "," + scope);
        }
        String lifted = person();
        assertStatus(200, add(lifted, "global", "x"));
        assertStatus(200, delete("/api/suppressions/" + enc(lifted) + "?reason=y"));

        HttpResponse<String> export = get("/api/suppressions/export");
        assertStatus(200, export);
        assertTrue(export.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
        List<String> lines = export.body().lines().toList();
        assertEquals("number,scope,since,category", lines.get(0));
        assertEquals(expected, rowsOf(lines), "opted-in numbers are not exported");

        try (RedisServerProcess redis2 = RedisServerProcess.start();
                Gateway fresh = TestGateways.start("gw-fresh", redis2.uri(), config(smsc.port()), TOKEN)) {
            HttpResponse<String> imported = send(
                    HttpRequest.newBuilder(URI.create(base(fresh) + "/api/suppressions/import"))
                            .POST(HttpRequest.BodyPublishers.ofString(export.body())),
                    TOKEN);
            assertStatus(200, imported);
            assertEquals(30, json(imported).get("imported").asLong(), imported.body());
            HttpResponse<String> again = send(
                    HttpRequest.newBuilder(URI.create(base(fresh) + "/api/suppressions/export"))
                            .GET(),
                    TOKEN);
            assertEquals(expected, rowsOf(again.body().lines().toList()));
        }
    }

    private static Set<String> rowsOf(List<String> lines) {
        Set<String> rows = new HashSet<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",");
            assertEquals(4, f.length, l);
            assertNotNull(Instant.parse(f[2]));
            assertEquals("all", f[3], "added without a category: every category");
            rows.add(f[0] + "," + f[1]);
        }
        return rows;
    }

    @Test
    void verifyFindsAPlantedDiscrepancyAndNoneInACleanState() throws Exception {
        String p = person();
        assertStatus(200, add(p, "global", "x"));
        assertStatus(200, add(person(), "a:acme", "y"));
        JsonNode clean = json(get("/api/audit/verify"));
        assertTrue(clean.get("ok").asBoolean(), clean.toString());
        assertEquals(0, clean.get("discrepancyCount").asLong());
        assertEquals(2, clean.get("journalEvents").asLong());

        // a list entry written behind the gateway's back, with no event
        String planted = person().substring(1);
        long now = Instant.now().getEpochSecond();
        inspector
                .async()
                .hset(bucketKey(planted), planted + "|a:beta", Long.toString(now))
                .get();
        // a list entry that contradicts its latest event (the number was added, the list says opted in)
        inspector
                .async()
                .hset(bucketKey(p.substring(1)), p.substring(1), Long.toString(-now - 10))
                .get();

        JsonNode report = json(get("/api/audit/verify"));
        assertFalse(report.get("ok").asBoolean(), report.toString());
        assertEquals(2, report.get("discrepancyCount").asLong(), report.toString());
        List<String> kinds = new ArrayList<>();
        report.get("discrepancies")
                .forEach(d -> kinds.add(d.get("kind").asText() + " "
                        + d.get("number").asText() + " " + d.get("scope").asText()));
        assertTrue(kinds.contains("LIST_ENTRY_WITHOUT_EVENT +" + planted + " account:beta"), kinds.toString());
        assertTrue(kinds.contains("LIST_DISAGREES_WITH_EVENTS " + p + " global"), kinds.toString());
    }

    @Test
    void verifyCountsEveryDiscrepancyAndListsTheFirstThousandInNumberOrder() throws Exception {
        // 1,500 entries without events, spread over every bucket group the walk visits one at a time
        long now = Instant.now().getEpochSecond();
        List<String> planted = new ArrayList<>();
        for (int i = 0; i < 1_500; i++) {
            planted.add("1555" + (3_000_000 + i * 7));
        }
        List<RedisFuture<Boolean>> writes = new ArrayList<>();
        for (String d : planted) {
            writes.add(inspector.async().hset(bucketKey(d), d + "|a:beta", Long.toString(now)));
        }
        for (var w : writes) {
            w.get();
        }
        JsonNode report = json(get("/api/audit/verify"));
        assertFalse(report.get("ok").asBoolean());
        assertEquals(1_500, report.get("discrepancyCount").asLong());
        assertEquals(ListVerifier.MAX_LISTED, report.get("discrepancies").size());
        List<String> listed = new ArrayList<>();
        report.get("discrepancies")
                .forEach(d -> listed.add(d.get("number").asText().substring(1)));
        List<String> expected =
                planted.stream().sorted().limit(ListVerifier.MAX_LISTED).toList();
        assertEquals(expected, listed);
    }

    static String bucketKey(String digits) {
        return AdminApiTestConfig.bucketKey(digits);
    }
}
