package io.optoutgw.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.optoutgw.transport.Transports;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The simulator's shared timer ticks: every action runs, on its loop, not before its tick, in few tasks. */
@Timeout(30)
class DelayLineTest {

    private final EventLoopGroup group = Transports.group(1);

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void actionsRunOnTheirLoopAtTheirTickSharingTimerTasks() throws Exception {
        EventLoop loop = group.next();
        DelayLine line = new DelayLine(loop);
        int n = 2_000;
        CountDownLatch done = new CountDownLatch(n);
        AtomicInteger early = new AtomicInteger();
        AtomicInteger offLoop = new AtomicInteger();
        loop.submit(() -> {
                    for (int i = 0; i < n; i++) {
                        long delay = ThreadLocalRandom.current()
                                .nextLong(TimeUnit.MILLISECONDS.toNanos(5), TimeUnit.MILLISECONDS.toNanos(10) + 1);
                        long earliest = System.nanoTime() + delay - DelayLine.GRAIN_NANOS / 2;
                        line.after(delay, () -> {
                            // an action may run up to half a grain before its exact time, never earlier
                            if (System.nanoTime() < earliest) {
                                early.incrementAndGet();
                            }
                            if (!loop.inEventLoop()) {
                                offLoop.incrementAndGet();
                            }
                            done.countDown();
                        });
                    }
                })
                .get(10, TimeUnit.SECONDS);

        assertTrue(done.await(10, TimeUnit.SECONDS), "every action ran");
        assertEquals(0, early.get(), "actions run before their tick");
        assertEquals(0, offLoop.get(), "actions run off their loop");
        assertEquals(0, (int) loop.submit(line::waiting).get(5, TimeUnit.SECONDS));
        // 2,000 delays over a 5 ms span share about 21 ticks of 250 us (more if the loop was slow to issue them)
        long timers = loop.submit(line::timersSet).get(5, TimeUnit.SECONDS);
        assertTrue(timers >= 20 && timers < 200, "timer tasks for 2,000 actions: " + timers);
    }
}
