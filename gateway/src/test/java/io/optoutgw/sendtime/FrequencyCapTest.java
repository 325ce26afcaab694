package io.optoutgw.sendtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.optoutgw.testsupport.RedisServerProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("integration")
class FrequencyCapTest {

    private static final Duration DAY = Duration.ofHours(24);
    private static final Instant T0 = Instant.parse("2026-01-16T14:00:00Z");

    private static RedisServerProcess server;
    private static RedisClient clientA;
    private static RedisClient clientB;
    private static StatefulRedisConnection<String, String> a;
    private static StatefulRedisConnection<String, String> b;

    private final MutableClock clock = new MutableClock(T0);

    @BeforeAll
    static void startRedis() {
        server = RedisServerProcess.start();
        clientA = RedisClient.create(server.uri());
        clientB = RedisClient.create(server.uri());
        a = clientA.connect();
        b = clientB.connect();
    }

    @AfterAll
    static void stopRedis() {
        if (clientA != null) {
            clientA.shutdown();
            clientB.shutdown();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void flush() {
        a.sync().flushall();
    }

    private FrequencyCap cap(StatefulRedisConnection<String, String> connection) {
        return new FrequencyCap(connection::async, clock);
    }

    private static FrequencyCap.Result get(CompletionStage<FrequencyCap.Result> r) throws Exception {
        return r.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void threeAdmittedTheFourthRefusedUntilTheFirstLeavesTheWindow() throws Exception {
        FrequencyCap cap = cap(a);
        for (int i = 1; i <= 3; i++) {
            FrequencyCap.Result r = get(cap.acquire("acme", "13055550123", 3, DAY));
            assertTrue(r.admitted(), "message " + i);
            assertEquals(i, r.count());
            clock.advance(Duration.ofHours(1));
        }
        clock.set(T0.plus(Duration.ofHours(23)));
        FrequencyCap.Result fourth = get(cap.acquire("acme", "13055550123", 3, DAY));
        assertFalse(fourth.admitted());
        assertEquals(3, fourth.count());
        assertEquals(T0.plus(DAY), fourth.freesAt());
        // refusals are not counted: one millisecond before the first leaves, still refused
        clock.set(T0.plus(DAY).minusMillis(1));
        assertFalse(get(cap.acquire("acme", "13055550123", 3, DAY)).admitted());
        // 24 h after the first, it has left the window: one slot
        clock.set(T0.plus(DAY));
        FrequencyCap.Result again = get(cap.acquire("acme", "13055550123", 3, DAY));
        assertTrue(again.admitted());
        assertEquals(3, again.count());
        FrequencyCap.Result full = get(cap.acquire("acme", "13055550123", 3, DAY));
        assertFalse(full.admitted());
        assertEquals(T0.plus(Duration.ofHours(1)).plus(DAY), full.freesAt());
    }

    @Test
    void numbersAndAccountsAreCountedApart() throws Exception {
        FrequencyCap cap = cap(a);
        assertTrue(get(cap.acquire("acme", "13055550123", 1, DAY)).admitted());
        assertFalse(get(cap.acquire("acme", "13055550123", 1, DAY)).admitted());
        assertTrue(get(cap.acquire("acme", "13055550124", 1, DAY)).admitted());
        assertTrue(get(cap.acquire("other", "13055550123", 1, DAY)).admitted());
        assertEquals(
                List.of("gw:cap:acme:13055550123", "gw:cap:acme:13055550124", "gw:cap:other:13055550123"),
                a.sync().keys("gw:cap:*").stream().sorted().toList());
    }

    @Test
    void theKeyHoldsOnlyTheWindowAndExpiresOneWindowAfterItsNewestEntry() throws Exception {
        FrequencyCap cap = cap(a);
        String key = new FrequencyCap(null, null).key("acme", "13055550123");
        get(cap.acquire("acme", "13055550123", 3, DAY));
        long ttl = a.sync().pttl(key);
        assertTrue(ttl > DAY.toMillis() - 5_000 && ttl <= DAY.toMillis(), "pttl " + ttl);
        clock.advance(Duration.ofHours(2));
        get(cap.acquire("acme", "13055550123", 3, DAY));
        String twoEntries = a.sync().get(key);
        assertEquals(T0.toEpochMilli() + "," + T0.plus(Duration.ofHours(2)).toEpochMilli(), twoEntries);
        // a refusal writes nothing
        clock.set(T0.plus(DAY).plus(Duration.ofMinutes(1)));
        assertFalse(get(cap.acquire("acme", "13055550123", 1, DAY)).admitted());
        assertEquals(twoEntries, a.sync().get(key));
        // an admission drops the time that left the window
        FrequencyCap.Result r = get(cap.acquire("acme", "13055550123", 3, DAY));
        assertTrue(r.admitted());
        assertEquals(2, r.count());
        assertEquals(
                T0.plus(Duration.ofHours(2)).toEpochMilli() + "," + clock.millis(),
                a.sync().get(key));
    }

    @Test
    void aLoweredCapCountsTheEntriesAlreadyThere() throws Exception {
        FrequencyCap cap = cap(a);
        for (int i = 0; i < 3; i++) {
            assertTrue(get(cap.acquire("acme", "13055550123", 5, DAY)).admitted());
            clock.advance(Duration.ofHours(1));
        }
        FrequencyCap.Result r = get(cap.acquire("acme", "13055550123", 2, DAY));
        assertFalse(r.admitted());
        // two of the three must leave before one more fits under 2: the second one's exit
        assertEquals(T0.plus(Duration.ofHours(1)).plus(DAY), r.freesAt());
    }

    @Test
    void twoGatewaysSharingRedisCannotExceedTheCap() throws Exception {
        FrequencyCap gatewayA = cap(a);
        FrequencyCap gatewayB = cap(b);
        List<CompletableFuture<FrequencyCap.Result>> attempts = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            FrequencyCap gw = i % 2 == 0 ? gatewayA : gatewayB;
            attempts.add(CompletableFuture.supplyAsync(() -> gw.acquire("acme", "13055550123", 3, DAY))
                    .thenCompose(s -> s));
        }
        int admitted = 0;
        for (CompletableFuture<FrequencyCap.Result> f : attempts) {
            if (f.get(10, TimeUnit.SECONDS).admitted()) {
                admitted++;
            }
        }
        assertEquals(3, admitted);
        assertEquals(
                3,
                a.sync()
                        .get(new FrequencyCap(null, null).key("acme", "13055550123"))
                        .split(",")
                        .length);
    }

    /** The cost per number quoted in docs/consent-rules.md. */
    @Test
    void memoryPerNumberWithThreeMessagesIsAtMost128Bytes() throws Exception {
        FrequencyCap cap = cap(a);
        RedisCommands<String, String> sync = a.sync();
        String key = new FrequencyCap(null, null).key("acme", "13055550123");
        get(cap.acquire("acme", "13055550123", 3, DAY));
        long one = sync.memoryUsage(key);
        clock.advance(Duration.ofMinutes(1));
        get(cap.acquire("acme", "13055550123", 3, DAY));
        clock.advance(Duration.ofMinutes(1));
        get(cap.acquire("acme", "13055550123", 3, DAY));
        long three = sync.memoryUsage(key);
        System.out.printf(
                "gw:cap memory per number: %d bytes with 1 entry, %d bytes with 3 (key %d chars)%n",
                one, three, key.length());
        assertTrue(three <= 128, "3 entries: " + three + " bytes");
        assertTrue(one <= three, one + " > " + three);
    }
}
