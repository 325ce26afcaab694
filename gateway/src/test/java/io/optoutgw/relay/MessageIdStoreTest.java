package io.optoutgw.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import io.optoutgw.testsupport.RedisLanes;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Receipt-routing mappings against a real redis-server: written from an event loop they are
 * gathered and sent together, with their TTL; a full batch and a flush do not wait for the timer;
 * the local cache answers before Redis has the mapping; a write Redis cannot take is counted.
 */
@Tag("integration")
@Timeout(60)
class MessageIdStoreTest {

    private static final Duration TTL = Duration.ofHours(72);

    private RedisLanes redis;

    @BeforeEach
    void start() {
        redis = RedisLanes.start();
    }

    @AfterEach
    void stop() {
        redis.close();
    }

    private MessageIdStore store(Duration batchDelay) {
        return new MessageIdStore(redis.connector::loopAsync, TTL, batchDelay);
    }

    /** Runs {@code action} on {@code loop} and waits for it. */
    private static void onLoop(EventLoop loop, Runnable action) throws Exception {
        loop.submit(action).get(10, TimeUnit.SECONDS);
    }

    private String stored(String messageId) {
        return redis.connector.sync().get(MessageIdStore.key("smsc", messageId));
    }

    private void awaitStored(String messageId, String account) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!account.equals(stored(messageId)) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(account, stored(messageId), "mapping of " + messageId);
    }

    @Test
    void mappingsWrittenOnALoopReachRedisWithTheirTtl() throws Exception {
        MessageIdStore ids = store(Duration.ofMillis(1));
        EventLoop loop = redis.loops.next();
        onLoop(loop, () -> {
            for (int i = 0; i < 10; i++) {
                ids.remember("smsc", "m" + i, "acct" + (i % 3));
            }
        });
        for (int i = 0; i < 10; i++) {
            awaitStored("m" + i, "acct" + (i % 3));
            long pttl = redis.connector.sync().pttl(MessageIdStore.key("smsc", "m" + i));
            assertTrue(pttl > TTL.toMillis() - 60_000 && pttl <= TTL.toMillis(), "TTL of m" + i + ": " + pttl);
        }
    }

    @Test
    void mappingsWaitForTheTimerAndFlushSendsThemAtOnce() throws Exception {
        MessageIdStore ids = store(Duration.ofSeconds(30));
        MessageIdStore otherInstance = store(Duration.ofSeconds(30));
        onLoop(redis.loops.next(), () -> ids.remember("smsc", "early", "acct"));

        assertNull(stored("early"), "gathered, not yet written");
        assertEquals("acct", ids.lookup("smsc", "early").toCompletableFuture().get(), "this instance knows it at once");
        assertNull(
                otherInstance.lookup("smsc", "early").toCompletableFuture().get(5, TimeUnit.SECONDS),
                "another instance only finds it in Redis");

        assertEquals(0, ids.flush(Duration.ofSeconds(5)));
        assertEquals("acct", stored("early"), "written by the flush, long before the timer");
        assertEquals(
                "acct",
                otherInstance.lookup("smsc", "early").toCompletableFuture().get(5, TimeUnit.SECONDS));
    }

    @Test
    void aFullBatchIsWrittenWithoutWaitingForTheTimer() throws Exception {
        MessageIdStore ids = store(Duration.ofSeconds(30));
        onLoop(redis.loops.next(), () -> {
            for (int i = 0; i < MessageIdStore.MAX_BATCH; i++) {
                ids.remember("smsc", "full" + i, "acct");
            }
        });
        for (int i = 0; i < MessageIdStore.MAX_BATCH; i++) {
            awaitStored("full" + i, "acct");
        }
    }

    @Test
    void aMappingRecordedOffTheLoopsIsWrittenAtOnce() throws Exception {
        MessageIdStore ids = store(Duration.ofSeconds(30));
        ids.remember("smsc", "offloop", "acct");
        awaitStored("offloop", "acct");
    }

    @Test
    void writesRedisCannotTakeAreCountedAndFlushReportsThem() throws Exception {
        MessageIdStore ids = store(Duration.ofSeconds(30));
        AtomicInteger failed = new AtomicInteger();
        ids.onWriteError(failed::incrementAndGet);
        onLoop(redis.loops.next(), () -> {
            for (int i = 0; i < 3; i++) {
                ids.remember("smsc", "lost" + i, "acct");
            }
        });
        redis.server.kill();

        assertEquals(3, ids.flush(Duration.ofSeconds(5)), "none of the 3 confirmed");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (failed.get() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(3, failed.get(), "every failed write counted");
    }
}
