package io.optoutgw.relay;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static io.optoutgw.testsupport.TestGateways.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.pdu.BaseSm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optoutgw.app.Gateway;
import io.optoutgw.simulator.ReceivedMessage;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reply cap across intents ({@code optout.replyCap}, default 3 in 10 minutes) end to end: a
 * real redis-server, the SMSC simulator injecting MO, replies read back as the submit_sm the
 * simulator received, events read from the admin API's audit trail.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReplyCapTest {

    private static final String TOKEN = "reply-cap-test-token";
    private static final List<String> ALTERNATING = List.of("STOP", "HELP", "START", "STOP", "START", "STOP");

    private static RedisServerProcess redis;
    private static SmscSimulator smsc;
    private static Gateway gateway;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start("gw-replycap", redis.uri(), """
                optout: { reconcileInterval: 1h }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345", "23456"] }
                """.formatted(smsc.port()), TOKEN);
        awaitBound(gateway);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        smsc.close();
        redis.close();
    }

    @Test
    void alternatingKeywordsFromOneNumberGetAtMostThreeRepliesAndAreAllRecorded() throws Exception {
        String person = "12015550701";
        double cappedBefore = withheld("cap");
        for (String keyword : ALTERNATING) {
            assertEquals(0, inject(person, "12345", keyword), keyword + " acknowledged");
        }
        // no keyword repeats the previous one of its intent, so optout.dedupWindow holds none back:
        // six replies were asked for, the cap sends three and withholds three
        assertTrue(
                eventually(Duration.ofSeconds(10), () -> withheld("cap") - cappedBefore == 3),
                "three replies withheld by the cap, counted: " + (withheld("cap") - cappedBefore));
        assertTrue(eventually(
                Duration.ofSeconds(10), () -> repliesTo(person, "12345").size() == 3));
        Thread.sleep(300); // nothing more trickles in
        assertEquals(
                3, repliesTo(person, "12345").size(), repliesTo(person, "12345").toString());

        List<String> types = auditTypes(person);
        assertEquals(
                List.of("HELP", "OPT_IN", "OPT_IN", "OPT_OUT", "OPT_OUT", "OPT_OUT"),
                sorted(types),
                "every keyword recorded, the capped ones too");
        assertEquals(0, withheld("automated"), "a person is not an automated originator");

        // a seventh keyword in the window: recorded, acknowledged, still no reply
        assertEquals(0, inject(person, "12345", "START"));
        assertTrue(eventually(Duration.ofSeconds(10), () -> withheld("cap") - cappedBefore == 4));
        assertEquals(3, repliesTo(person, "12345").size());
        assertEquals(7, auditTypes(person).size());
    }

    @Test
    void anotherNumberAndAnotherSenderAreCountedApart() throws Exception {
        String capped = "12015550702";
        for (String keyword : ALTERNATING) {
            assertEquals(0, inject(capped, "12345", keyword));
        }
        assertTrue(eventually(
                Duration.ofSeconds(10), () -> repliesTo(capped, "12345").size() == 3));

        String other = "12015550703";
        assertEquals(0, inject(other, "12345", "STOP"));
        assertTrue(
                eventually(
                        Duration.ofSeconds(10), () -> repliesTo(other, "12345").size() == 1),
                "another number gets its confirmation");

        assertEquals(0, inject(capped, "23456", "STOP"));
        assertTrue(
                eventually(
                        Duration.ofSeconds(10), () -> repliesTo(capped, "23456").size() == 1),
                "the same number texting another short code gets its confirmation");
        Thread.sleep(300);
        assertEquals(3, repliesTo(capped, "12345").size());
    }

    private static int inject(String person, String shortCode, String text) throws Exception {
        return smsc.injectMo(person, shortCode, text.getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                .get(10, TimeUnit.SECONDS);
    }

    /** Texts the gateway sent to {@code person} from {@code shortCode}. */
    private static List<String> repliesTo(String person, String shortCode) {
        List<String> texts = new ArrayList<>();
        for (ReceivedMessage m : smsc.receivedMessages()) {
            BaseSm<?> sm = m.pdu();
            if (sm.getDestAddress() != null
                    && person.equals(sm.getDestAddress().getAddress())
                    && sm.getSourceAddress() != null
                    && shortCode.equals(sm.getSourceAddress().getAddress())) {
                texts.add(new String(sm.getShortMessage(), StandardCharsets.ISO_8859_1));
            }
        }
        return texts;
    }

    private static List<String> sorted(List<String> l) {
        List<String> s = new ArrayList<>(l);
        s.sort(null);
        return s;
    }

    /** {@code smppgw_replies_withheld_total{account="acme",reason=...}} from /metrics. */
    private static double withheld(String reason) {
        try {
            String scrape = get("/metrics", false);
            Matcher m = Pattern.compile("smppgw_replies_withheld_total\\{account=\"acme\",reason=\"" + reason
                            + "\"\\} ([0-9.Ee+-]+)")
                    .matcher(scrape);
            assertTrue(m.find(), "series of reason " + reason + " exists from start-up");
            return Double.parseDouble(m.group(1));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> auditTypes(String digits) throws Exception {
        JsonNode audit = new ObjectMapper()
                .readTree(get("/api/audit?number=" + URLEncoder.encode("+" + digits, StandardCharsets.UTF_8), true));
        List<String> types = new ArrayList<>();
        for (JsonNode e : audit.has("events") ? audit.get("events") : audit) {
            types.add(e.get("type").asText());
        }
        return types;
    }

    private static String get(String path, boolean admin) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path))
                .timeout(Duration.ofSeconds(30));
        if (admin) {
            r.header("Authorization", "Bearer " + TOKEN);
        }
        HttpResponse<String> response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }
}
