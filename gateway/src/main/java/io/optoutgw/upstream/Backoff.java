package io.optoutgw.upstream;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential reconnect backoff with jitter: the n-th consecutive failure waits a random time
 * between half and all of {@code min(max, initial * 2^n)}, so that many gateways reconnecting
 * to one SMSC spread out.
 */
final class Backoff {

    private final long initialMillis;
    private final long maxMillis;
    private int failures;

    Backoff(Duration initial, Duration max) {
        this.initialMillis = initial.toMillis();
        this.maxMillis = Math.max(initialMillis, max.toMillis());
    }

    long nextDelayMillis() {
        long ceiling = initialMillis << Math.min(failures, 20);
        failures++;
        long bound = Math.min(maxMillis, Math.max(initialMillis, ceiling));
        return bound / 2 + ThreadLocalRandom.current().nextLong(bound / 2 + 1);
    }

    void reset() {
        failures = 0;
    }
}
