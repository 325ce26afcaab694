package io.optoutgw.metrics;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most one log line an interval for one kind of per-message event (a refused submit, a receipt
 * that cannot be routed). With Redis down, or an ESME sending from a sender it does not own, every
 * message would otherwise write a line: tens of thousands a second, at the moment the gateway most
 * needs its CPU. The line that is written says how many like it were left out since the previous
 * one; metrics count every event either way. Thread-safe and lock-free.
 */
public final class LogLimiter {

    private final long intervalNanos;
    private final AtomicLong nextNanos;
    private final AtomicLong skipped = new AtomicLong();

    public LogLimiter(Duration interval) {
        this.intervalNanos = interval.toNanos();
        this.nextNanos = new AtomicLong(System.nanoTime() - intervalNanos);
    }

    /**
     * Whether a line may be written now: {@code -1} if not (it is counted as left out), else how many
     * lines were left out since the previous one written.
     */
    public long admit() {
        return admit(System.nanoTime());
    }

    long admit(long nowNanos) {
        long due = nextNanos.get();
        if (nowNanos - due >= 0 && nextNanos.compareAndSet(due, nowNanos + intervalNanos)) {
            return skipped.getAndSet(0);
        }
        skipped.incrementAndGet();
        return -1;
    }

    /** The suffix for a written line: empty, or how many like it were left out. */
    public static String leftOut(long skipped) {
        return skipped <= 0 ? "" : " (" + skipped + " more like this since the previous such line, not logged)";
    }
}
