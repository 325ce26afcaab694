package io.optoutgw.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.testsupport.TrafficScrape;
import java.nio.charset.StandardCharsets;
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
 * A real scrape of a gateway that relayed traffic and recorded an opt-out: every catalogued meter
 * is there, no label carries a phone number, and {@code promtool check metrics} accepts it.
 */
@Tag("integration")
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
            boolean distribution = m.kind() == GatewayMeter.Kind.TIMER || m.kind() == GatewayMeter.Kind.HISTOGRAM;
            String sample = distribution ? m.prometheusName() + "_count" : m.prometheusName();
            if (!scrape.contains("\n" + sample + "{") && !scrape.contains("\n" + sample + " ")) {
                missing.add(sample);
            }
            String help = "# HELP " + (m.kind() == GatewayMeter.Kind.COUNTER ? m.prometheusName() : m.prometheusName())
                    + " " + m.description();
            if (!scrape.contains(help)) {
                missing.add("help of " + m.prometheusName());
            }
        }
        assertEquals(List.of(), missing);
        Matcher delay = Pattern.compile(
                        "smppgw_confirmation_delay_seconds_sum\\{account=\"acme\",type=\"opt_out\"\\} ([0-9.Ee-]+)")
                .matcher(scrape);
        assertTrue(delay.find(), "the confirmation delay was measured");
        double seconds = Double.parseDouble(delay.group(1));
        assertTrue(seconds > 0 && seconds < 300, "confirmation within the FCC's 5 minutes: " + seconds + " s");
        System.out.printf("confirmation delay, MO received -> SMSC accepted the reply: %.1f ms%n", seconds * 1000);
        assertTrue(scrape.contains(
                "smppgw_pdus_total{command=\"submit_sm\",direction=\"in\",side=\"esme\",status=\"0x00\"}"));
        assertTrue(scrape.contains("smppgw_mo_duplicates_total{account=\"acme\"} 1.0"));
        assertTrue(
                scrape.contains("smppgw_consent_events_total{account=\"acme\",keyword=\"STOP\",language=\"en\","
                        + "scope=\"account\",sender=\"12345\",type=\"opt_out\"} 2.0"),
                "the redelivery is recorded too");
        assertTrue(scrape.contains("smppgw_messages_relayed_total{account=\"acme\",sender=\"12345\"} 1.0"));
    }

    /**
     * The gateway's own share of a relay is well under a millisecond: the histogram must have
     * buckets there, or histogram_quantile cannot tell 50 us from 900 us.
     */
    @Test
    void relayLatencyHistogramResolvesMicroseconds() {
        Matcher bucket = Pattern.compile(
                        "smppgw_relay_latency_seconds_bucket\\{account=\"acme\",command=\"submit_sm\",le=\"([0-9.Ee+-]+)\"\\}")
                .matcher(scrape);
        List<Double> bounds = new ArrayList<>();
        while (bucket.find()) {
            bounds.add(Double.parseDouble(bucket.group(1)));
        }
        assertFalse(bounds.isEmpty(), "relay latency buckets of account acme");
        assertEquals(2.0e-5, bounds.get(0), 1e-9, "lowest bucket 20 us");
        long belowOneMs = bounds.stream().filter(b -> b < 1e-3).count();
        assertTrue(belowOneMs >= 20, "at least 20 buckets under 1 ms, got " + belowOneMs + " of " + bounds);
        assertTrue(bounds.get(bounds.size() - 1) >= 60, "buckets up to a minute: " + bounds.get(bounds.size() - 1));
    }

    @Test
    void noLabelCarriesAPhoneNumber() {
        assertFalse(Pattern.compile("=\"\\+?\\d{7,}\"").matcher(scrape).find(), "a label value looks like a number");
        assertFalse(scrape.contains("1555000"));
    }

    @Test
    void promtoolAcceptsTheScrape() throws Exception {
        Process p = new ProcessBuilder("promtool", "check", "metrics")
                .redirectErrorStream(true)
                .start();
        p.getOutputStream().write(scrape.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("", out.strip(), "promtool found problems");
    }
}
