package io.optoutgw.loadtest;

/**
 * One measured leg. Rates are per second over the measurement window; latencies in microseconds
 * (from the intended send time in fixed-rate mode, from the actual send time in saturation mode).
 *
 * @param throughput submit responses per second (accepted + refused)
 * @param gatewayCpuUsPerMsg gateway CPU microseconds per submit response (proxied legs)
 */
public record LegResult(String scenario, String leg, int run, double targetRate, double seconds,
                        double throughput, double accepted, double refused, double otherStatus, double receipts,
                        double mo, double p50us, double p99us, double p999us, double maxUs,
                        double gatewayCpuSec, double gatewayCpuUsPerMsg, double harnessCpuSec, double redisCpuSec,
                        long lost, double gatewayHeapMiB) {
}
