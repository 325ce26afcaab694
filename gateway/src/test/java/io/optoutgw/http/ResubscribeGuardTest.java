package io.optoutgw.http;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optoutgw.app.Gateway;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.HonourClock;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sources, the re-subscribe guard and the honour clock end to end: a real gateway, redis-server and
 * SMSC simulator; STOPs and STARTs arrive as MO, changes through the admin API, counts through
 * /metrics.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ResubscribeGuardTest {

    private static final String TOKEN = "guard-test-token-0123456789";
    private static final AtomicInteger PERSON = new AtomicInteger(4000);
    private static final ObjectMapper JSON = new ObjectMapper();

    private RedisServerProcess redis;
    private SmscSimulator smsc;
    private Gateway gateway;
    private RedisConnector inspector;
    private SuppressionStore store;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start(
                "gw-guard", redis.uri(), """
                relay: { requestTimeout: 2s }
                optout: { recordTimeout: 1500ms, reconcileInterval: 1h, journalDir: "%s" }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1,
                      reconnectInitialDelay: 50ms, reconnectMaxDelay: 200ms }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345"] }
                  - { systemId: beta, password: pw, numbers: ["67890"], optOut: { keywordMode: phrase } }
                """.formatted(TestGateways.tempJournalDir("guard"), smsc.port()), TOKEN);
        awaitBound(gateway);
        inspector = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2));
        store = new SuppressionStore(inspector.async(), SuppressionStore.DEFAULT_BUCKETS);
    }

    @AfterEach
    void stop() {
        if (inspector != null) {
            inspector.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        smsc.close();
        redis.close();
    }

    private static String person() {
        return "1555704" + String.format("%04d", PERSON.incrementAndGet());
    }

    private void mo(String digits, String to, String text) throws Exception {
        assertEquals(
                0,
                smsc.injectMo(digits, to, text.getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS),
                text);
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(
                b.header("Authorization", "Bearer " + TOKEN)
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + gateway.httpPort() + path);
    }

    private HttpResponse<String> delete(String digits, String query) throws Exception {
        return send(HttpRequest.newBuilder(uri("/api/suppressions/" + enc("+" + digits) + "?" + query))
                .DELETE());
    }

    private HttpResponse<String> add(Map<String, String> body) throws Exception {
        return send(HttpRequest.newBuilder(uri("/api/suppressions"))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    private JsonNode status(String digits) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/api/suppressions/" + enc("+" + digits)))
                .GET());
        assertStatus(200, r);
        return JSON.readTree(r.body());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void assertStatus(int status, HttpResponse<String> r) {
        assertEquals(status, r.statusCode(), r.body());
    }

    private static String error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("error").asText();
    }

    private boolean suppressed(String digits, String account, String sender) throws Exception {
        return store.check(digits, account, sender).toCompletableFuture().get().suppressed();
    }

    private List<ConsentEvent> history(String digits) throws Exception {
        return store.history(digits).toCompletableFuture().get();
    }

    /** The value of one series in /metrics (0 when it is not there). */
    private double metric(String series) throws Exception {
        String body = http.send(HttpRequest.newBuilder(uri("/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.Ee+-]+)$")
                .matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void removingThePersonsOwnStopIsRefusedWithWhatItNeeds() throws Exception {
        String p = person();
        mo(p, "12345", "STOP");
        JsonNode entry = status(p).get("scopes").get(0);
        assertEquals("account:acme", entry.get("scope").asText());
        assertEquals("mo_keyword", entry.get("source").asText());
        assertTrue(entry.get("fromPerson").asBoolean());
        assertEquals("mo_keyword", history(p).get(0).sourceLabel());

        HttpResponse<String> refused = delete(p, "scope=account:acme&reason=" + enc("customer called"));
        assertStatus(409, refused);
        String why = error(refused);
        for (String needed : new String[] {"STOP", "START", "evidence=", "override=true", "actor", "reason"}) {
            assertTrue(why.contains(needed), needed + " in: " + why);
        }
        assertTrue(suppressed(p, "acme", "12345"), "nothing was recorded");
        assertEquals(1, history(p).size());

        // a phrase the person wrote is theirs as much as a keyword
        String q = person();
        mo(q, "67890", "please stop texting me");
        assertEquals("mo_phrase", history(q).get(0).sourceLabel());
        assertStatus(409, delete(q, "scope=account:beta&reason=x"));
        assertTrue(suppressed(q, "beta", "67890"));
    }

    @Test
    void evidenceLiftsItAndIsRecordedAndCounted() throws Exception {
        String p = person();
        mo(p, "12345", "STOP");
        double before = metric("smppgw_resubscribes_total{account=\"acme\",via=\"evidence\"}");
        HttpResponse<String> removed =
                delete(p, "scope=account:acme&reason=" + enc("opted in on the web") + "&evidence=webform-7781");
        assertStatus(200, removed);
        JsonNode r = JSON.readTree(removed.body());
        assertFalse(r.get("suppressed").asBoolean());
        assertEquals("evidence", r.get("resubscribe").asText());
        assertEquals("admin", r.get("source").asText());
        assertFalse(suppressed(p, "acme", "12345"));
        ConsentEvent removal = history(p).get(1);
        assertEquals(ConsentEvent.Type.ADMIN_REMOVE, removal.type());
        assertEquals("webform-7781", removal.evidence());
        assertNull(removal.override());
        assertEquals(ConsentEvent.Source.ADMIN, removal.source());
        assertEquals(before + 1, metric("smppgw_resubscribes_total{account=\"acme\",via=\"evidence\"}"));
    }

    @Test
    void anOverrideNeedsAnActorAndAReasonAndIsAudited() throws Exception {
        String p = person();
        mo(p, "12345", "STOP");
        HttpResponse<String> noActor = delete(p, "scope=account:acme&reason=r&override=true");
        assertStatus(400, noActor);
        assertTrue(error(noActor).contains("actor"), error(noActor));
        assertStatus(400, delete(p, "scope=account:acme&reason=r&actor=carol&override=yes"));
        assertStatus(400, delete(p, "scope=account:acme&actor=carol&override=true"));
        assertTrue(suppressed(p, "acme", "12345"));

        double before = metric("smppgw_resubscribes_total{account=\"acme\",via=\"override\"}");
        HttpResponse<String> removed =
                delete(p, "scope=account:acme&actor=carol&override=true&reason=" + enc("court order, ticket 12"));
        assertStatus(200, removed);
        assertEquals(
                "override", JSON.readTree(removed.body()).get("resubscribe").asText());
        ConsentEvent removal = history(p).get(1);
        assertEquals(Boolean.TRUE, removal.override());
        assertEquals("carol", removal.actor());
        assertEquals("court order, ticket 12", removal.reason());
        assertEquals(before + 1, metric("smppgw_resubscribes_total{account=\"acme\",via=\"override\"}"));
        // the audit list shows it as recorded
        HttpResponse<String> audit = send(
                HttpRequest.newBuilder(uri("/api/audit?number=" + enc("+" + p))).GET());
        JsonNode last = JSON.readTree(audit.body()).get("events").get(1);
        assertTrue(last.get("override").asBoolean(), audit.body());
        assertEquals("admin", last.get("source").asText());
        assertEquals(
                "mo_keyword",
                JSON.readTree(audit.body()).get("events").get(0).get("source").asText());
    }

    @Test
    void anEntryAnOperatorAddedIsRemovedAsBefore() throws Exception {
        String p = person();
        assertStatus(200, add(Map.of("number", "+" + p, "scope", "account:acme", "reason", "complaint")));
        assertFalse(status(p).get("scopes").get(0).get("fromPerson").asBoolean());
        HttpResponse<String> removed = delete(p, "scope=account:acme&reason=mistake");
        assertStatus(200, removed);
        assertTrue(JSON.readTree(removed.body()).get("resubscribe").isNull());
        assertFalse(suppressed(p, "acme", "12345"));
        // and a person's opt-out that a START already lifted is no longer guarded
        String q = person();
        mo(q, "12345", "STOP");
        mo(q, "12345", "START");
        assertStatus(200, delete(q, "scope=account:acme&reason=tidy"));
    }

    @Test
    void aStartAfterAStopIsAResubscribeAndAStartAloneIsNot() throws Exception {
        String series = "smppgw_resubscribes_total{account=\"acme\",via=\"start\"}";
        double before = metric(series);
        String p = person();
        mo(p, "12345", "START");
        assertEquals(before, metric(series), "never opted out: nothing to re-subscribe");
        mo(p, "12345", "STOP");
        mo(p, "12345", "START");
        assertFalse(suppressed(p, "acme", "12345"));
        assertEquals(before + 1, metric(series));
        mo(p, "12345", "START");
        assertEquals(before + 1, metric(series), "a second START lifts nothing");
    }

    @Test
    void anotherChannelsRequestCarriesItsTimeAndIsObservedOnTheHonourClock() throws Exception {
        String p = person();
        Instant asked = Instant.now().minus(Duration.ofDays(20));
        Map<String, String> body = new LinkedHashMap<>();
        body.put("number", "+" + p);
        body.put("scope", "global");
        body.put("reason", "unsubscribed by e-mail");
        body.put("actor", "crm");
        body.put("source", "api");
        body.put("receivedAt", asked.toString());
        double countBefore = metric("smppgw_optout_honour_businessdays_count{jurisdiction=\"us\"}");
        double sumBefore = metric("smppgw_optout_honour_businessdays_sum{jurisdiction=\"us\"}");
        double inTimeBefore = metric("smppgw_optout_honour_businessdays_bucket{jurisdiction=\"us\",le=\"10.0\"}");
        HttpResponse<String> added = add(body);
        assertStatus(200, added);
        assertEquals("api", JSON.readTree(added.body()).get("source").asText());

        ConsentEvent event = history(p).get(0);
        assertEquals(ConsentEvent.Source.API, event.source());
        assertEquals(asked, event.receivedAt());
        int days = HonourClock.businessDays(asked, event.time(), HonourClock.Jurisdiction.US);
        assertTrue(days > 10 && days <= 15, "20 calendar days: " + days + " business days");
        assertEquals(countBefore + 1, metric("smppgw_optout_honour_businessdays_count{jurisdiction=\"us\"}"));
        assertEquals(sumBefore + days, metric("smppgw_optout_honour_businessdays_sum{jurisdiction=\"us\"}"));
        assertEquals(
                inTimeBefore,
                metric("smppgw_optout_honour_businessdays_bucket{jurisdiction=\"us\",le=\"10.0\"}"),
                "past the 10 business days");
        JsonNode entry = status(p).get("scopes").get(0);
        assertEquals("api", entry.get("source").asText());
        assertFalse(entry.get("fromPerson").asBoolean());
        JsonNode shown = status(p).get("history").get(0);
        assertEquals(asked, Instant.parse(shown.get("receivedAt").asText()));

        // an Australian number is read in its own jurisdiction
        body.put("number", "+61412345678");
        body.put("receivedAt", Instant.now().minus(Duration.ofHours(1)).toString());
        double auBefore = metric("smppgw_optout_honour_businessdays_count{jurisdiction=\"au\"}");
        assertStatus(200, add(body));
        assertEquals(auBefore + 1, metric("smppgw_optout_honour_businessdays_count{jurisdiction=\"au\"}"));

        // an operator's addition without a time of request is not observed
        double usCount = metric("smppgw_optout_honour_businessdays_count{jurisdiction=\"us\"}");
        assertStatus(200, add(Map.of("number", "+" + person(), "reason", "r")));
        assertEquals(usCount, metric("smppgw_optout_honour_businessdays_count{jurisdiction=\"us\"}"));
    }

    @Test
    void aTimeOfRequestInTheFutureOrASourceTheApiDoesNotTakeIsRefused() throws Exception {
        String p = person();
        Map<String, String> body = new LinkedHashMap<>();
        body.put("number", "+" + p);
        body.put("source", "api");
        body.put("receivedAt", Instant.now().plus(Duration.ofHours(1)).toString());
        HttpResponse<String> future = add(body);
        assertStatus(400, future);
        assertTrue(error(future).contains("receivedAt") && error(future).contains("future"), error(future));

        body.put("receivedAt", "yesterday");
        HttpResponse<String> garbled = add(body);
        assertStatus(400, garbled);
        assertTrue(error(garbled).startsWith("receivedAt must be an ISO-8601 instant"), error(garbled));

        body.put("receivedAt", Instant.now().minusSeconds(60).toString());
        body.put("source", "mo_keyword");
        HttpResponse<String> mo = add(body);
        assertStatus(400, mo);
        assertTrue(error(mo).startsWith("source must be one of admin, api, external_list, deactivation"), error(mo));
        assertTrue(history(p).isEmpty(), "nothing recorded");

        // a few seconds of clock skew between the channels is tolerated
        body.put("source", "external_list");
        body.put("receivedAt", Instant.now().plusSeconds(20).toString());
        assertStatus(200, add(body));
        assertEquals(ConsentEvent.Source.EXTERNAL_LIST, history(p).get(0).source());
    }

    @Test
    void anImportRecordsItsSourceAndEachRowsTimeOfRequest() throws Exception {
        String a = person();
        String b = person();
        String c = person();
        Instant asked = Instant.now().minus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS);
        String csv = String.join(
                "\n",
                "number,scope,receivedAt",
                "+" + a + ",global," + asked,
                "+" + b + ",global,",
                "+" + c + ",global," + Instant.now().plus(Duration.ofDays(2)));
        HttpResponse<String> r =
                send(HttpRequest.newBuilder(uri("/api/suppressions/import?source=deactivation&actor=ops"))
                        .POST(HttpRequest.BodyPublishers.ofString(csv)));
        assertStatus(200, r);
        JsonNode res = JSON.readTree(r.body());
        assertEquals(2, res.get("imported").asLong(), r.body());
        assertEquals(4, res.get("errors").get(0).get("line").asLong(), r.body());
        assertTrue(res.get("errors").get(0).get("error").asText().contains("receivedAt"), r.body());
        ConsentEvent first = history(a).get(0);
        assertEquals(ConsentEvent.Source.DEACTIVATION, first.source());
        assertEquals(asked, first.receivedAt());
        assertNull(history(b).get(0).receivedAt());
        assertTrue(history(c).isEmpty());

        // without a source the rows are the import's; an MO source is refused
        String d = person();
        assertStatus(
                200,
                send(HttpRequest.newBuilder(uri("/api/suppressions/import"))
                        .POST(HttpRequest.BodyPublishers.ofString("+" + d + "\n"))));
        assertEquals(ConsentEvent.Source.IMPORT, history(d).get(0).source());
        HttpResponse<String> bad = send(HttpRequest.newBuilder(uri("/api/suppressions/import?source=mo_phrase"))
                .POST(HttpRequest.BodyPublishers.ofString("+" + person() + "\n")));
        assertStatus(400, bad);
        assertTrue(bad.body().contains("source must be one of"), bad.body());
    }
}
