package io.optoutgw.metrics;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static io.optoutgw.testsupport.TestGateways.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.app.Gateway;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jsmpp.bean.BindType;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real scrape of a gateway that relayed traffic and recorded an opt-out: every catalogued meter
 * is there, no label carries a phone number, and {@code promtool check metrics} accepts it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsScrapeTest {

    private static RedisServerProcess redis;
    private static SmscSimulator smsc;
    private static Gateway gateway;
    private static String scrape;

    @BeforeAll
    static void runTrafficAndScrape() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start("gw-metrics", redis.uri(), """
                upstreams: [ { name: sim, host: 127.0.0.1, port: %d, systemId: gw } ]
                accounts: [ { systemId: acme, password: pw, numbers: ["12345"] } ]
                """.formatted(smsc.port()));
        awaitBound(gateway);
        SMPPSession acme = Esmes.bind(gateway.smppPort(), BindType.BIND_TRX, "acme", "pw", new Esmes.Inbox());
        try {
            Esmes.submit(acme, "12345", "15550001111", "hello", true);
            byte[] stop = "STOP".getBytes(StandardCharsets.ISO_8859_1);
            assertEquals(0, smsc.injectMo("15550002222", "12345", stop, (byte) 0).get(10, TimeUnit.SECONDS));
            assertEquals(0, smsc.injectMo("15550002222", "12345", stop, (byte) 0).get(10, TimeUnit.SECONDS));
            try {
                Esmes.submit(acme, "12345", "15550002222", "after stop", false);
            } catch (NegativeResponseException expected) {
                // refused: counted
            }
            assertTrue(eventually(Duration.ofSeconds(10), () -> fetch().contains("smppgw_confirmation_delay_seconds_count")));
            scrape = fetch();
        } finally {
            acme.unbindAndClose();
        }
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        smsc.close();
        redis.close();
    }

    private static String fetch() {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void everyCataloguedMeterIsInTheScrapeWithItsHelpText() {
        List<String> missing = new ArrayList<>();
        for (GatewayMeter m : GatewayMeter.values()) {
            String sample = m.kind() == GatewayMeter.Kind.TIMER ? m.prometheusName() + "_count" : m.prometheusName();
            if (!scrape.contains("\n" + sample + "{") && !scrape.contains("\n" + sample + " ")) {
                missing.add(sample);
            }
            String help = "# HELP " + (m.kind() == GatewayMeter.Kind.COUNTER
                    ? m.prometheusName() : m.prometheusName()) + " " + m.description();
            if (!scrape.contains(help)) {
                missing.add("help of " + m.prometheusName());
            }
        }
        assertEquals(List.of(), missing);
        java.util.regex.Matcher delay = Pattern.compile(
                "smppgw_confirmation_delay_seconds_sum\\{account=\"acme\",type=\"opt_out\"\\} ([0-9.Ee-]+)").matcher(scrape);
        assertTrue(delay.find(), "the confirmation delay was measured");
        double seconds = Double.parseDouble(delay.group(1));
        assertTrue(seconds > 0 && seconds < 300, "confirmation within the FCC's 5 minutes: " + seconds + " s");
        System.out.printf("confirmation delay, MO received -> SMSC accepted the reply: %.1f ms%n", seconds * 1000);
        assertTrue(scrape.contains("smppgw_pdus_total{command=\"submit_sm\",direction=\"in\",side=\"esme\",status=\"0x00\"}"));
        assertTrue(scrape.contains("smppgw_mo_duplicates_total{account=\"acme\"} 1.0"));
        assertTrue(scrape.contains("smppgw_consent_events_total{account=\"acme\",keyword=\"STOP\",language=\"en\","
                + "scope=\"account\",sender=\"12345\",type=\"opt_out\"} 1.0"));
        assertTrue(scrape.contains("smppgw_messages_relayed_total{account=\"acme\",sender=\"12345\"} 1.0"));
    }

    @Test
    void noLabelCarriesAPhoneNumber() {
        assertFalse(Pattern.compile("=\"\\+?\\d{7,}\"").matcher(scrape).find(), "a label value looks like a number");
        assertFalse(scrape.contains("1555000"));
    }

    @Test
    void promtoolAcceptsTheScrape() throws Exception {
        Process p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(scrape.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("", out.strip(), "promtool found problems");
    }
}
