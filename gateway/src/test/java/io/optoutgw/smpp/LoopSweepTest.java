package io.optoutgw.smpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoopSweepTest {

    private final EventLoop loop = new DefaultEventLoop();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }

    @Test
    void everyMemberIsSweptByOneTaskUntilItLeaves() throws Exception {
        AtomicInteger a = new AtomicInteger();
        AtomicInteger b = new AtomicInteger();
        LoopSweep.Membership ma = onLoop(() -> LoopSweep.join(loop, now -> a.incrementAndGet()));
        LoopSweep.Membership mb = onLoop(() -> LoopSweep.join(loop, now -> b.incrementAndGet()));
        assertEquals(2, (int) onLoop(() -> LoopSweep.members(loop)));
        Thread.sleep(5 * LoopSweep.PERIOD_MILLIS);
        assertTrue(a.get() >= 2 && b.get() >= 2, "both swept: " + a + ", " + b);

        onLoop(() -> {
            ma.leave();
            ma.leave(); // a second leave does nothing
            return null;
        });
        int aAfterLeave = a.get();
        int bBefore = b.get();
        Thread.sleep(3 * LoopSweep.PERIOD_MILLIS);
        assertEquals(aAfterLeave, a.get(), "a member that left is no longer swept");
        assertTrue(b.get() > bBefore, "the other one still is");

        onLoop(() -> {
            mb.leave();
            return null;
        });
        assertEquals(0, (int) onLoop(() -> LoopSweep.members(loop)));
        int bAfter = b.get();
        Thread.sleep(3 * LoopSweep.PERIOD_MILLIS);
        assertEquals(bAfter, b.get(), "the loop's sweep stopped with its last member");
        assertEquals(0, loop.submit(() -> 0).get()); // the loop itself runs on
    }

    @Test
    void joiningOffTheLoopIsRefused() {
        assertThrows(IllegalStateException.class, () -> LoopSweep.join(loop, now -> {}));
    }

    @Test
    void aMemberMayLeaveWhileBeingSwept() throws Exception {
        AtomicInteger swept = new AtomicInteger();
        LoopSweep.Membership[] self = new LoopSweep.Membership[1];
        onLoop(() -> {
            self[0] = LoopSweep.join(loop, now -> {
                swept.incrementAndGet();
                self[0].leave();
            });
            return null;
        });
        Thread.sleep(4 * LoopSweep.PERIOD_MILLIS);
        assertEquals(1, swept.get());
        assertEquals(0, (int) onLoop(() -> LoopSweep.members(loop)));
    }
}
