package io.optoutgw.suppression;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.pdu.BaseSm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optoutgw.app.Gateway;
import io.optoutgw.simulator.ReceivedMessage;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jsmpp.bean.BindType;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The clarification flow end to end (docs/consent-rules.md, "Clarification"): a STOP to the
 * marketing short code of an account with {@code optOut.clarify} is answered with the clarification,
 * suppresses every category until the person replies, and a reply "1" narrows it to marketing, "2"
 * keeps everything stopped, silence keeps everything stopped. A real redis-server, the SMSC
 * simulator, jSMPP ESMEs.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClarificationFlowTest {

    private static final AtomicInteger PERSON = new AtomicInteger(5000);
    private static final String TOKEN = "clarification-test-token";
    private static final int REFUSED = 0x0B;

    private static RedisServerProcess redis;
    private static SmscSimulator smsc;
    private static Gateway gateway;
    private static final Map<String, SMPPSession> sessions = new HashMap<>();
    private static final HttpClient http = HttpClient.newHttpClient();

    static String config(int smscPort) {
        return """
                optout: { reconcileInterval: 1h }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - systemId: acme
                    password: pw
                    numbers: ["12345", "23456", "34567"]
                    optOut:
                      categories: [marketing, alerts]
                      defaultCategory: alerts
                      senderCategories: {"12345": marketing, "23456": alerts}
                      revokeAll: false
                      clarify: true
                  - systemId: brief
                    password: pw
                    numbers: ["45678"]
                    optOut:
                      categories: [marketing, alerts]
                      senderCategories: {"45678": marketing}
                      clarify: true
                      clarifyWindow: 1s
                  - systemId: strict
                    password: pw
                    numbers: ["56789"]
                    optOut:
                      categories: [marketing, alerts]
                      senderCategories: {"56789": marketing}
                      revokeAll: true
                      clarify: true
                """.formatted(smscPort);
    }

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start("gw-clarify", redis.uri(), config(smsc.port()), TOKEN);
        awaitBound(gateway);
        for (String account : List.of("acme", "brief", "strict")) {
            esme(account); // bound as receivers, so that free-text MO are delivered
        }
    }

    @AfterAll
    static void stop() {
        sessions.values().forEach(SMPPSession::unbindAndClose);
        gateway.close();
        smsc.close();
        redis.close();
    }

    private static SMPPSession esme(String account) throws Exception {
        SMPPSession s = sessions.get(account);
        if (s == null) {
            s = Esmes.bind(gateway.smppPort(), BindType.BIND_TRX, account, "pw", new Esmes.Inbox());
            sessions.put(account, s);
        }
        return s;
    }

    private static String person() {
        return "1201556" + String.format("%04d", PERSON.incrementAndGet());
    }

    /** Injects {@code text} from {@code person} to {@code shortCode}; returns the command_status of the deliver_sm_resp. */
    private static int inject(String person, String shortCode, String text) throws Exception {
        return smsc.injectMo(person, shortCode, text.getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                .get(10, TimeUnit.SECONDS);
    }

    /** A STOP acknowledged, and the one reply the person got for it. */
    private static String stop(String person, String shortCode) throws Exception {
        int before = repliesTo(person).size();
        assertEquals(0, inject(person, shortCode, "STOP"));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (repliesTo(person).size() == before) {
            assertTrue(System.nanoTime() < deadline, "no reply to the STOP of " + person);
            Thread.sleep(20);
        }
        List<String> replies = repliesTo(person);
        return replies.get(replies.size() - 1);
    }

    /** Texts the gateway sent to {@code person} (its replies go out as submit_sm through the SMSC). */
    private static List<String> repliesTo(String person) {
        List<String> texts = new ArrayList<>();
        for (ReceivedMessage m : smsc.receivedMessages()) {
            BaseSm<?> sm = m.pdu();
            if (sm.getDestAddress() != null && person.equals(sm.getDestAddress().getAddress())) {
                texts.add(new String(sm.getShortMessage(), StandardCharsets.ISO_8859_1));
            }
        }
        return texts;
    }

    private static int submit(String account, String from, String to, String serviceType) throws Exception {
        return Esmes.status(esme(account), serviceType, from, to);
    }

    @Test
    void replyOneNarrowsTheStopToTheCategoryOfTheShortCode() throws Exception {
        String p = person();
        String reply = stop(p, "12345");
        assertTrue(reply.contains("Reply 1 to stop only marketing messages, 2 to stop all"), reply);
        // until the person answers, nothing at all reaches them
        assertEquals(REFUSED, submit("acme", "12345", p, "MARKE"));
        assertEquals(REFUSED, submit("acme", "23456", p, "ALERT"));
        assertEquals(0, inject(p, "12345", "1"));
        assertEquals(REFUSED, submit("acme", "12345", p, "MARKE"));
        assertEquals(1, repliesTo(p).size(), "the clarification is the one text the person gets");
        assertEquals(0, submit("acme", "23456", p, "ALERT"), "narrowed to marketing: alerts flow again");
        List<String> types = auditTypes(p);
        assertTrue(types.containsAll(List.of("OPT_OUT", "NARROWED")), types.toString());
        assertEquals("marketing", categoryOf(p, "account:acme"));
        // a second "1" after the answer is free text again: relayed, changes nothing
        assertEquals(0, inject(p, "12345", "1"));
        assertEquals(0, submit("acme", "23456", p, "ALERT"));
    }

    @Test
    void replyTwoKeepsEveryCategoryStopped() throws Exception {
        String p = person();
        stop(p, "12345");
        assertEquals(0, inject(p, "12345", "2"));
        assertEquals(REFUSED, submit("acme", "12345", p, "MARKE"));
        assertEquals(REFUSED, submit("acme", "23456", p, "ALERT"));
        assertEquals("all", categoryOf(p, "account:acme"));
        // the question is answered: a later "1" does not narrow
        assertEquals(0, inject(p, "12345", "1"));
        assertEquals(REFUSED, submit("acme", "23456", p, "ALERT"));
    }

    @Test
    void noReplyWithinTheWindowMeansEveryCategory() throws Exception {
        String p = person();
        String reply = stop(p, "45678");
        assertTrue(reply.contains("Reply 1"), reply);
        assertEquals(REFUSED, submit("brief", "45678", p, "ALERT"));
        Thread.sleep(1500); // clarifyWindow 1s
        assertEquals(0, inject(p, "45678", "1"), "late: free text, relayed");
        assertEquals(REFUSED, submit("brief", "45678", p, "MARKE"));
        assertEquals(REFUSED, submit("brief", "45678", p, "ALERT"), "silence meant every category");
        assertEquals("all", categoryOf(p, "account:brief"));
    }

    @Test
    void startBeforeTheReplyCancelsTheQuestion() throws Exception {
        String p = person();
        stop(p, "12345");
        assertEquals(0, inject(p, "12345", "START"));
        assertEquals(0, inject(p, "12345", "1"));
        assertEquals(0, submit("acme", "12345", p, "MARKE"), "the START stands: '1' no longer answers anything");
        assertEquals(0, submit("acme", "23456", p, "ALERT"));
    }

    @Test
    void noQuestionForStopAllANamedCategoryOrRevokeAll() throws Exception {
        String p = person();
        assertEquals(0, inject(p, "12345", "STOP marketing"));
        String q = person();
        String strict = stop(q, "56789");
        assertTrue(
                !strict.contains("Reply 1"), "revoke-all on: a STOP covers every category, nothing to ask: " + strict);
        assertEquals(0, inject(q, "56789", "1"));
        assertEquals(REFUSED, submit("strict", "56789", q, "ALERT"));
        String r = person();
        String all = stop(r, "23456");
        assertTrue(all.contains("Reply 1 to stop only alerts messages"), "the short code's category: " + all);
        String s = person();
        assertEquals(0, inject(s, "12345", "STOPALL"));
        assertEquals(0, inject(s, "12345", "1"));
        assertEquals(REFUSED, submit("acme", "23456", s, "ALERT"), "STOPALL asks nothing; '1' is free text");
        assertEquals(0, submit("acme", "23456", p, "ALERT"), "STOP marketing: marketing only, no question");
    }

    @Test
    void clarificationsAndCategoryChangesAreCounted() throws Exception {
        String p = person();
        stop(p, "12345");
        assertEquals(0, inject(p, "12345", "1"));
        String metrics = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        for (String series : List.of(
                "smppgw_clarifications_total{account=\"acme\",result=\"asked\"}",
                "smppgw_clarifications_total{account=\"acme\",result=\"narrowed\"}",
                "smppgw_category_consent_events_total{account=\"acme\",category=\"marketing\",type=\"opt_out\"}",
                "smppgw_category_consent_events_total{account=\"acme\",category=\"all\",type=\"narrowed\"}")) {
            assertTrue(
                    metrics.lines().anyMatch(l -> l.startsWith(series + " ") && !l.endsWith(" 0.0")),
                    series + " not counted");
        }
    }

    private static List<String> auditTypes(String digits) throws Exception {
        JsonNode audit = json(api("GET", "/api/audit?number=" + enc("+" + digits)));
        List<String> types = new ArrayList<>();
        for (JsonNode e : audit.has("events") ? audit.get("events") : audit) {
            types.add(e.get("type").asText());
            if (e.get("type").asText().equals("NARROWED")) {
                assertEquals("mo_clarification", e.path("source").asText(), e.toString());
            }
        }
        return types;
    }

    private static String categoryOf(String digits, String scope) throws Exception {
        JsonNode status = json(api("GET", "/api/suppressions/" + enc("+" + digits)));
        List<String> found = new ArrayList<>();
        for (JsonNode sc : status.get("scopes")) {
            if (sc.get("scope").asText().equals(scope) && sc.get("suppressed").asBoolean()) {
                found.add(sc.get("category").asText());
            }
        }
        assertEquals(1, found.size(), status.toString());
        return found.get(0);
    }

    private static HttpResponse<String> api(String method, String path) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        HttpResponse<String> response = http.send(r, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response;
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return new ObjectMapper().readTree(r.body());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
