package io.optoutgw.metrics;

import io.optoutgw.testsupport.TrafficScrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
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

    private static TrafficScrape run;
    private static String scrape;

    @BeforeAll
    static void runTrafficAndScrape() throws Exception {
        run = TrafficScrape.run("gw-metrics");
        scrape = run.scrape();
    }

    @AfterAll
    static void stop() {
        if (run != null) {
            run.close();
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
