package io.optoutgw.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The gateway's relay-time histogram as the harness reads it from two scrapes. */
class RelayHistogramTest {

    private static String scrape(long a1, long a2, long a3, long b1, long b2, long b3) {
        return """
                # HELP smppgw_relay_latency_seconds Time from an ESME request reaching the gateway to its response leaving it
                # TYPE smppgw_relay_latency_seconds histogram
                smppgw_relay_latency_seconds_bucket{account="a",command="submit_sm",le="1.0E-4"} %d
                smppgw_relay_latency_seconds_bucket{account="a",command="submit_sm",le="2.0E-4"} %d
                smppgw_relay_latency_seconds_bucket{account="a",command="submit_sm",le="+Inf"} %d
                smppgw_relay_latency_seconds_bucket{account="a",command="query_sm",le="1.0E-4"} 999
                smppgw_relay_latency_seconds_bucket{account="a",command="query_sm",le="+Inf"} 999
                smppgw_relay_latency_seconds_bucket{account="b",command="submit_sm",le="1.0E-4"} %d
                smppgw_relay_latency_seconds_bucket{account="b",command="submit_sm",le="2.0E-4"} %d
                smppgw_relay_latency_seconds_bucket{account="b",command="submit_sm",le="+Inf"} %d
                smppgw_relay_latency_seconds_count{account="a",command="submit_sm"} %d
                """.formatted(a1, a2, a3, b1, b2, b3, a3);
    }

    @Test
    void quantilesOfTheWindowBetweenTwoScrapesOverAllAccounts() {
        RelayHistogram before = RelayHistogram.parse(scrape(10, 10, 10, 0, 0, 0));
        // in the window: 50 under 100 us, 48 in 100-200 us, 2 above 200 us; submit_sm of both accounts only
        RelayHistogram after = RelayHistogram.parse(scrape(40, 70, 72, 20, 38, 38));
        RelayHistogram window = after.minus(before);

        assertEquals(100, window.count(), 1e-9);
        assertEquals(100.0, window.quantileUs(0.50), 1e-6, "rank 50 ends the first bucket");
        // rank 75: 25 of the 48 in the 100-200 us bucket
        assertEquals(100 + 100 * 25.0 / 48, window.quantileUs(0.75), 1e-6);
        assertTrue(Double.isNaN(window.quantileUs(0.99)), "p99 lies in +Inf: no finite value to give");
    }

    @Test
    void noObservationsGiveNoQuantile() {
        RelayHistogram s = RelayHistogram.parse(scrape(5, 5, 5, 5, 5, 5));
        assertEquals(0, s.minus(s).count(), 1e-9);
        assertTrue(Double.isNaN(s.minus(s).quantileUs(0.5)));
        assertTrue(Double.isNaN(RelayHistogram.parse("").quantileUs(0.5)));
    }
}
