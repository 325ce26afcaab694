package io.optoutgw.esme;

/**
 * Token bucket: {@code ratePerSecond} tokens a second, bursts up to one second's worth. A rate of
 * 0 means unlimited. Shared by all sessions of one account (submit rate); one per client address
 * for the connect rate ({@link BindGuard}).
 */
public final class RateLimiter {

    private final double ratePerNano;
    private final double burst;
    private double tokens;
    private long lastNanos;

    public RateLimiter(int ratePerSecond) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = Math.max(1, ratePerSecond);
        this.tokens = burst;
        this.lastNanos = System.nanoTime();
    }

    public boolean unlimited() {
        return ratePerNano == 0;
    }

    /** Takes one token if available. */
    public synchronized boolean tryAcquire() {
        if (unlimited()) {
            return true;
        }
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - lastNanos) * ratePerNano);
        lastNanos = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Whether the bucket has refilled to its burst: taking nothing from it changes nothing. */
    public synchronized boolean idle() {
        return unlimited() || tokens + (System.nanoTime() - lastNanos) * ratePerNano >= burst;
    }
}
