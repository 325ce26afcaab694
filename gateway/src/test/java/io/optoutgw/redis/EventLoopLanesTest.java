package io.optoutgw.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.SetArgs;
import io.netty.channel.EventLoop;
import io.optoutgw.testsupport.RedisLanes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Per-event-loop Redis connections for the per-message commands, against a real redis-server:
 * a burst issued on a loop goes out on that loop's own connection as plain pipelined commands,
 * off the loops the shared connection answers, and a Redis that is gone or frozen fails the checks
 * within the command timeout.
 */
@Tag("integration")
class EventLoopLanesTest {

    private RedisLanes redis;

    @BeforeEach
    void start() {
        redis = RedisLanes.start();
    }

    @AfterEach
    void stop() {
        redis.close();
    }

    /** The values of an HMGET, {@code null} where absent. */
    private static CompletableFuture<List<String>> values(CompletionStage<List<KeyValue<String, String>>> kvs) {
        return kvs.toCompletableFuture()
                .thenApply(l -> l.stream()
                        .map(kv -> kv.hasValue() ? kv.getValue() : null)
                        .collect(Collectors.toList()));
    }

    private long calls(String command) {
        String stats = redis.connector.sync().info("commandstats");
        for (String line : stats.split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":")) {
                return Long.parseLong(line.substring(line.indexOf("calls=") + 6, line.indexOf(',')));
            }
        }
        return 0;
    }

    /** Issues {@code n} checks of hash {@code h{i % 3}} and {@code w} writes, all in one turn of {@code loop}. */
    private List<CompletableFuture<?>> burst(EventLoop loop, int n, int w) throws Exception {
        List<CompletableFuture<?>> results = new ArrayList<>();
        loop.submit(() -> {
                    for (int i = 0; i < n; i++) {
                        results.add(values(redis.connector.loopAsync().hmget("h" + (i % 3), "a", "b", "missing")));
                    }
                    for (int i = 0; i < w; i++) {
                        results.add(redis.connector
                                .loopAsync()
                                .set("k" + i, "v" + i, SetArgs.Builder.px(60_000))
                                .toCompletableFuture());
                    }
                })
                .get(5, TimeUnit.SECONDS);
        return results;
    }

    @Test
    @Timeout(30)
    void aBurstOnALoopGoesOutOnThatLoopsOwnConnectionAsPlainCommands() throws Exception {
        redis.connector.sync().hset("h0", "a", "1");
        redis.connector.sync().hset("h1", "b", "-2");
        redis.connector.sync().configResetstat();
        assertEquals(
                3,
                redis.connector
                        .sync()
                        .clientList()
                        .lines()
                        .filter(l -> l.contains("cmd="))
                        .count(),
                "one connection per event loop (2 here) besides the shared one");
        EventLoop loop = redis.loops.next();

        List<CompletableFuture<?>> results = burst(loop, 30, 20);
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);

        for (int i = 0; i < 30; i++) {
            List<?> expected = switch (i % 3) {
                case 0 -> Arrays.asList("1", null, null);
                case 1 -> Arrays.asList(null, "-2", null);
                default -> Arrays.asList(null, null, null);
            };
            assertEquals(expected, results.get(i).get(), "check " + i);
        }
        for (int i = 0; i < 20; i++) {
            assertEquals("OK", results.get(30 + i).get());
            assertEquals("v" + i, redis.connector.sync().get("k" + i));
            long ttl = redis.connector.sync().pttl("k" + i);
            assertTrue(ttl > 50_000 && ttl <= 60_000, "ttl " + ttl);
        }
        assertEquals(30, calls("hmget"));
        assertEquals(20, calls("set"));
        assertEquals(0, calls("eval"), "plain commands, no script");
        // the shared connection's last command is one of the test's own (GET/PTTL/INFO/CLIENT);
        // the burst ran on a lane, whose last command was a SET
        assertTrue(
                redis.connector.sync().clientList().lines().anyMatch(l -> l.contains("cmd=set")),
                "a loop's own connection ran the burst");
    }

    @Test
    @Timeout(30)
    void offTheLoopsTheSharedConnectionAnswers() throws Exception {
        redis.connector.sync().hset("h0", "a", "3");
        assertEquals(
                Arrays.asList("3", null, null),
                values(redis.connector.loopAsync().hmget("h0", "a", "b", "missing"))
                        .get(5, TimeUnit.SECONDS));
        assertEquals(
                "OK",
                redis.connector
                        .loopAsync()
                        .set("x", "y", SetArgs.Builder.px(1000))
                        .toCompletableFuture()
                        .get(5, TimeUnit.SECONDS));
        assertEquals(
                "y", redis.connector.loopAsync().get("x").toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertTrue(redis.connector.isOpen());
    }

    @Test
    @Timeout(30)
    void withRedisGoneEveryCheckFails() throws Exception {
        EventLoop loop = redis.loops.next();
        redis.server.kill();
        // wait until the lanes notice the lost connection
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (redis.connector.isOpen() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        List<CompletableFuture<?>> results = burst(loop, 10, 0);
        for (CompletableFuture<?> r : results) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> r.get(5, TimeUnit.SECONDS));
            assertNotNull(e.getCause());
        }
    }

    @Test
    @Timeout(30)
    void aFrozenRedisTimesTheChecksOutAfterTheCommandTimeoutOnTheLoop() throws Exception {
        EventLoop loop = redis.loops.next();
        burst(loop, 2, 0).get(0).get(5, TimeUnit.SECONDS); // lane connected and warm
        long timedOutBefore =
                loop.submit(() -> redis.connector.loopDeadlines().timedOut()).get();
        redis.server.pause();
        try {
            long start = System.nanoTime();
            // more than the deadline queue's first capacity, so that it grows
            List<CompletableFuture<?>> results = burst(loop, 300, 10);
            for (CompletableFuture<?> r : results) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> r.get(5, TimeUnit.SECONDS));
                assertTrue(
                        e.getCause() instanceof RedisCommandTimeoutException,
                        e.getCause().toString());
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // 500 ms command timeout, swept every 10 ms
            assertTrue(millis >= 490 && millis < 1500, "failed after the command timeout, took " + millis + " ms");
            assertEquals(timedOutBefore + 310, (long)
                    loop.submit(() -> redis.connector.loopDeadlines().timedOut())
                            .get());
        } finally {
            redis.server.resume();
        }
        List<CompletableFuture<?>> after = burst(loop, 3, 0);
        assertNull(((List<?>) after.get(0).get(5, TimeUnit.SECONDS)).get(0));
        // the late replies were discarded, the queue holds nothing that is done
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int outstanding;
        do {
            outstanding = loop.submit(() -> redis.connector.loopDeadlines().outstanding())
                    .get();
        } while (outstanding > 0 && System.nanoTime() < deadline);
        assertEquals(0, outstanding);
    }

    @Test
    @Timeout(30)
    void answeredCommandsLeaveTheDeadlineQueueAndNeverTimeOut() throws Exception {
        EventLoop loop = redis.loops.next();
        for (int round = 0; round < 20; round++) {
            List<CompletableFuture<?>> results = burst(loop, 200, 50);
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        }
        Thread.sleep(700); // past the command timeout of the last ones
        assertEquals(0L, (long)
                loop.submit(() -> redis.connector.loopDeadlines().timedOut()).get());
        assertEquals(0, (int)
                loop.submit(() -> redis.connector.loopDeadlines().outstanding()).get());
    }
}
