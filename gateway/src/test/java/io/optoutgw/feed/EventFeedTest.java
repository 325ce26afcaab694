package io.optoutgw.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optoutgw.app.Gateway;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jsmpp.bean.BindType;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The consent event feed ({@code GET /api/events}) and inbound events ({@code POST /api/events})
 * against a real redis-server, the SMSC simulator and a jSMPP ESME: an SMS STOP and events from
 * other channels on one feed, read page by page from a cursor; an inbound batch sent twice
 * recorded once; the feed complete and free of repeats across a gateway restart, and published
 * again from the journal after Redis lost everything.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EventFeedTest {

    private static final String TOKEN = "event-feed-test-token-0123";
    private static final int REFUSED = 0x0B;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient http = HttpClient.newHttpClient();

    private static String config(int smscPort, String journal) {
        return """
                optout: { reconcileInterval: 200ms, journalDir: "%s" }
                feed: { publishInterval: 50ms }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345"] }
                """.formatted(journal, smscPort);
    }

    @Test
    void smsAndOtherChannelsOnOneFeedResumableFromACursorAcrossRestartsAndRedisLoss() throws Exception {
        String journal = TestGateways.tempJournalDir("feed");
        try (RedisServerProcess redis = RedisServerProcess.start();
                SmscSimulator smsc = new SmscSimulator(SimulatorOptions.defaults()).start()) {
            Gateway gw = TestGateways.start("gw-feed", redis.uri(), config(smsc.port(), journal), TOKEN);
            try {
                TestGateways.awaitBound(gw);
                assertEquals(
                        0,
                        smsc.injectMo("15551230001", "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                                .get(10, TimeUnit.SECONDS));
                JsonNode first = awaitEvents(gw, null, 1);
                JsonNode stop = first.get("events").get(0);
                assertEquals("opt_out", stop.get("type").asText());
                assertEquals("+15551230001", stop.get("number").asText(), "E.164 with '+'");
                assertEquals("mo_keyword", stop.get("source").asText());
                assertEquals("STOP", stop.get("keyword").asText());
                String cursor = first.get("cursor").asText();
                assertEquals(stop.get("cursor").asText(), cursor);

                // another channel: an unsubscribe on the web and an opt-in from the email platform
                String received = Instant.now().minusSeconds(3600).toString();
                String batch = """
                        [ {"type": "opt_out", "number": "+15551230002", "source": "api", "receivedAt": "%s",
                           "idempotencyKey": "web-42", "channel": "web"},
                          {"type": "opt_in", "number": "+15551230003", "source": "api", "idempotencyKey": "mail-7"},
                          {"type": "unsubscribe", "number": "+15551230004", "idempotencyKey": "bad-1"} ]
                        """.formatted(received);
                JsonNode answer = json(post(gw, "/api/events", batch), 200);
                assertEquals(2, answer.get("accepted").asInt(), answer.toString());
                assertEquals(1, answer.get("rejected").asInt(), answer.toString());
                assertEquals("rejected", answer.get("rows").get(2).get("status").asText());
                assertTrue(answer.get("rows").get(2).get("reason").asText().contains("type must be opt_out or opt_in"));
                String webId = answer.get("rows").get(0).get("id").asText();
                // the same batch again (a client retry): recorded once
                JsonNode again = json(post(gw, "/api/events", batch), 200);
                assertEquals(0, again.get("accepted").asInt(), again.toString());
                assertEquals(2, again.get("duplicates").asInt(), again.toString());
                assertEquals(webId, again.get("rows").get(0).get("id").asText(), "the event the key recorded");
                // the web opt-out is enforced like an SMS STOP
                SMPPSession esme = Esmes.bind(gw.smppPort(), BindType.BIND_TX, "acme", "pw", null);
                try {
                    assertEquals(REFUSED, Esmes.status(esme, "", "12345", "15551230002"));
                    assertEquals(0, Esmes.status(esme, "", "12345", "15551230003"));
                } finally {
                    esme.unbindAndClose();
                }
                JsonNode next = awaitEvents(gw, cursor, 2);
                assertEquals(2, next.get("events").size(), "only what came after the cursor: " + next);
                JsonNode web = next.get("events").get(0);
                assertEquals(webId, web.get("id").asText());
                assertEquals("+15551230002", web.get("number").asText());
                assertEquals("api", web.get("source").asText());
                assertEquals(received, web.get("receivedAt").asText());
                assertEquals("opt_in", next.get("events").get(1).get("type").asText());
                cursor = next.get("cursor").asText();
                assertEquals(
                        0,
                        json(get(gw, "/api/events?after=" + enc(cursor)), 200)
                                .get("events")
                                .size());
            } finally {
                gw.close();
            }

            // a restart on the same journal publishes nothing twice, and the cursor stays good
            gw = TestGateways.start("gw-feed", redis.uri(), config(smsc.port(), journal), TOKEN);
            try {
                TestGateways.awaitBound(gw);
                json(post(gw, "/api/events", "[{\"type\": \"opt_out\", \"number\": \"+15551230005\"}]"), 200);
                Gateway g = gw;
                TestGateways.eventually(
                        Duration.ofSeconds(10), () -> allIdsQuietly(g).size() >= 4);
                Thread.sleep(300); // a few more publisher passes: nothing may come twice
                List<String> ids = allIds(gw);
                assertEquals(4, ids.size(), "each event once: " + ids);
                assertEquals(4, new HashSet<>(ids).size());
            } finally {
                gw.close();
            }

            // Redis loses everything: the journal publishes the feed again
            redis.restart();
            gw = TestGateways.start("gw-feed", redis.uri(), config(smsc.port(), journal), TOKEN);
            try {
                Gateway g = gw;
                assertTrue(
                        TestGateways.eventually(
                                Duration.ofSeconds(20), () -> allIdsQuietly(g).size() >= 4),
                        "feed published again from the journal: " + allIdsQuietly(g));
                Set<String> after = new HashSet<>(allIds(gw));
                assertEquals(4, after.size(), after.toString());
            } finally {
                gw.close();
            }
        }
    }

    @Test
    void badRequestsAreNamed() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start();
                SmscSimulator smsc = new SmscSimulator(SimulatorOptions.defaults()).start()) {
            Gateway gw = TestGateways.start(
                    "gw-feed-bad", redis.uri(), config(smsc.port(), TestGateways.tempJournalDir("feed-bad")), TOKEN);
            try {
                assertTrue(body(get(gw, "/api/events?after=yesterday"), 400).contains("after must be a cursor"));
                assertTrue(body(get(gw, "/api/events?limit=0"), 400).contains("limit must be 1 to 1000"));
                assertTrue(body(post(gw, "/api/events", "{\"type\": \"opt_out\"}"), 400)
                        .contains("JSON array"));
                JsonNode r = json(
                        post(
                                gw,
                                "/api/events",
                                "[{\"type\": \"opt_out\", \"number\": \"+15551230009\", \"receivedAt\": \"2999-01-01T00:00:00Z\"},"
                                        + " {\"type\": \"opt_out\", \"number\": \"+15551230009\", \"source\": \"mo_keyword\"},"
                                        + " {\"type\": \"opt_out\"}]"),
                        200);
                assertEquals(3, r.get("rejected").asInt(), r.toString());
                assertTrue(r.get("rows").get(0).get("reason").asText().contains("in the future"), r.toString());
                assertTrue(r.get("rows").get(1).get("reason").asText().contains("source must be one of"), r.toString());
                assertTrue(r.get("rows").get(2).get("reason").asText().contains("number is required"), r.toString());
                HttpResponse<String> noToken = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.httpPort() + "/api/events"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(401, noToken.statusCode());
            } finally {
                gw.close();
            }
        }
    }

    private static List<String> allIds(Gateway gw) throws Exception {
        List<String> ids = new ArrayList<>();
        String after = null;
        while (true) {
            JsonNode page = json(get(gw, "/api/events?limit=2" + (after == null ? "" : "&after=" + enc(after))), 200);
            for (JsonNode e : page.get("events")) {
                ids.add(e.get("id").asText());
            }
            if (!page.get("more").asBoolean()) {
                return ids;
            }
            after = page.get("cursor").asText();
            assertFalse(after.isEmpty());
        }
    }

    private static List<String> allIdsQuietly(Gateway gw) {
        try {
            return allIds(gw);
        } catch (Exception | AssertionError e) {
            return List.of();
        }
    }

    /** The first page after {@code after} once it holds at least {@code n} events. */
    private static JsonNode awaitEvents(Gateway gw, String after, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            JsonNode page = json(get(gw, "/api/events" + (after == null ? "" : "?after=" + enc(after))), 200);
            if (page.get("events").size() >= n || System.nanoTime() > deadline) {
                return page;
            }
            Thread.sleep(50);
        }
    }

    private static HttpResponse<String> get(Gateway gw, String path) throws Exception {
        return http.send(request(gw, path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(Gateway gw, String path, String body) throws Exception {
        return http.send(
                request(gw, path)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(Gateway gw, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.httpPort() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .timeout(Duration.ofSeconds(30));
    }

    private static String body(HttpResponse<String> r, int status) {
        assertEquals(status, r.statusCode(), r.body());
        return r.body();
    }

    private static JsonNode json(HttpResponse<String> r, int status) throws Exception {
        return JSON.readTree(body(r, status));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
