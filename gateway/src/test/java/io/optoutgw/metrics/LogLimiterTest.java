package io.optoutgw.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LogLimiterTest {

    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    @Test
    void oneLineAnIntervalAndItCountsTheLinesLeftOut() {
        LogLimiter limiter = new LogLimiter(Duration.ofSeconds(1));
        long t = System.nanoTime();
        assertEquals(0, limiter.admit(t), "the first line is written");
        assertEquals(-1, limiter.admit(t + 1));
        assertEquals(-1, limiter.admit(t + SECOND / 2));
        assertEquals(-1, limiter.admit(t + SECOND - 1));
        assertEquals(3, limiter.admit(t + SECOND), "a second later: written, with the 3 left out");
        assertEquals(-1, limiter.admit(t + SECOND + 5));
        assertEquals(1, limiter.admit(t + 10 * SECOND));
        assertEquals(0, limiter.admit(t + 20 * SECOND));
    }

    @Test
    void suffixSaysHowManyWereLeftOut() {
        assertEquals("", LogLimiter.leftOut(0));
        assertEquals(" (57 more like this since the previous such line, not logged)", LogLimiter.leftOut(57));
    }

    @Test
    void racingThreadsWriteOneLineAndLoseNoCount() throws Exception {
        LogLimiter limiter = new LogLimiter(Duration.ofHours(1));
        int threads = 4;
        int each = 50_000;
        AtomicInteger written = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            ts[i] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int k = 0; k < each; k++) {
                    if (limiter.admit() >= 0) {
                        written.incrementAndGet();
                    }
                }
            });
            ts[i].start();
        }
        start.countDown();
        for (Thread t : ts) {
            t.join();
        }
        assertEquals(1, written.get());
        // the next line written (an hour later) reports every other call as left out
        assertEquals(
                threads * each - 1,
                limiter.admit(System.nanoTime() + Duration.ofHours(2).toNanos()));
    }
}
