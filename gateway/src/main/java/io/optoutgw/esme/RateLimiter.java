package io.optoutgw.esme;

/**
 * Token bucket shared by all sessions of one account: {@code ratePerSecond} tokens a second,
 * bursts up to one second's worth. A rate of 0 means unlimited.
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
}
