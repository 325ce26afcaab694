package io.optoutgw.loadtest;

/**
 * One measured leg. Rates are per second over the measurement window; latencies in microseconds
 * (from the intended send time in fixed-rate mode, from the actual send time in saturation mode).
 *
 * @param throughput submit responses per second (accepted + refused)
 * @param gatewayCpuUsPerMsg gateway CPU microseconds per submit response (proxied legs)
 * @param gatewayP50us the gateway's own relay time of submit_sm, median, from its metrics
 *                     (proxied legs; NaN elsewhere): the part of the latency spent inside the
 *                     gateway process, its waits on Redis and the SMSC included
 * @param gatewayP99us the same, 99th percentile
 */
public record LegResult(
        String scenario,
        String leg,
        int run,
        double targetRate,
        double seconds,
        double throughput,
        double accepted,
        double refused,
        double otherStatus,
        double receipts,
        double mo,
        double p50us,
        double p99us,
        double p999us,
        double maxUs,
        double gatewayCpuSec,
        double gatewayCpuUsPerMsg,
        double harnessCpuSec,
        double redisCpuSec,
        long lost,
        double gatewayHeapMiB,
        double gatewayP50us,
        double gatewayP99us) {

    /** A leg without the gateway's own relay times (direct, cloudhopper, or not scraped). */
    public LegResult(
            String scenario,
            String leg,
            int run,
            double targetRate,
            double seconds,
            double throughput,
            double accepted,
            double refused,
            double otherStatus,
            double receipts,
            double mo,
            double p50us,
            double p99us,
            double p999us,
            double maxUs,
            double gatewayCpuSec,
            double gatewayCpuUsPerMsg,
            double harnessCpuSec,
            double redisCpuSec,
            long lost,
            double gatewayHeapMiB) {
        this(
                scenario,
                leg,
                run,
                targetRate,
                seconds,
                throughput,
                accepted,
                refused,
                otherStatus,
                receipts,
                mo,
                p50us,
                p99us,
                p999us,
                maxUs,
                gatewayCpuSec,
                gatewayCpuUsPerMsg,
                harnessCpuSec,
                redisCpuSec,
                lost,
                gatewayHeapMiB,
                Double.NaN,
                Double.NaN);
    }
}
