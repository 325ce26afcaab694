package io.optoutgw.loadtest;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's own relay-time histogram for submit_sm ({@code smppgw_relay_latency_seconds}, from
 * the request reaching the gateway to its response leaving it, summed over accounts) as read from
 * one Prometheus scrape. The difference of two scrapes gives the leg's measurement window, and its
 * quantiles say how much of the latency the harness sees is spent inside the gateway process
 * (its work plus its waits on Redis and the SMSC) rather than in the hops to and from it.
 */
final class RelayHistogram {

    private static final Pattern BUCKET = Pattern.compile(
            "^smppgw_relay_latency_seconds_bucket\\{[^}]*command=\"submit_sm\"[^}]*le=\"([^\"]+)\"[^}]*\\} (\\S+)$",
            Pattern.MULTILINE);

    /** Upper bound in seconds (+Inf as infinity) -> cumulative count. */
    private final TreeMap<Double, Double> cumulative;

    private RelayHistogram(TreeMap<Double, Double> cumulative) {
        this.cumulative = cumulative;
    }

    static RelayHistogram parse(String scrape) {
        TreeMap<Double, Double> c = new TreeMap<>();
        Matcher m = BUCKET.matcher(scrape);
        while (m.find()) {
            double le = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
            c.merge(le, Double.parseDouble(m.group(2)), Double::sum);
        }
        return new RelayHistogram(c);
    }

    /** What was recorded after {@code earlier}. */
    RelayHistogram minus(RelayHistogram earlier) {
        TreeMap<Double, Double> c = new TreeMap<>();
        for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
            c.put(e.getKey(), e.getValue() - earlier.cumulative.getOrDefault(e.getKey(), 0.0));
        }
        return new RelayHistogram(c);
    }

    double count() {
        return cumulative.isEmpty() ? 0 : cumulative.lastEntry().getValue();
    }

    /**
     * The {@code q}-quantile in microseconds, interpolated linearly inside its bucket as
     * Prometheus's histogram_quantile does; NaN without observations or beyond the last finite bucket.
     */
    double quantileUs(double q) {
        double total = count();
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lower = 0;
        double below = 0;
        for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
            if (e.getValue() >= rank) {
                if (e.getKey().isInfinite()) {
                    return Double.NaN;
                }
                double inBucket = e.getValue() - below;
                double share = inBucket <= 0 ? 1 : (rank - below) / inBucket;
                return (lower + (e.getKey() - lower) * share) * 1e6;
            }
            lower = e.getKey();
            below = e.getValue();
        }
        return Double.NaN;
    }
}
