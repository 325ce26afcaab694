package io.optoutgw.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.optoutgw.config.ReplyCapConfig;
import io.optoutgw.metrics.GatewayMeter;
import io.optoutgw.metrics.GatewayMetrics;
import io.optoutgw.sendtime.FrequencyCap;
import io.optoutgw.testsupport.RedisServerProcess;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link ReplyCap} against a real redis-server, at fixed times: the rolling window, the key, Redis failures. */
@Tag("integration")
class ReplyCapWindowTest {

    private static final Instant T0 = Instant.parse("2026-03-02T15:00:00Z");
    private static final String PERSON = "12015550800";

    private static RedisServerProcess server;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;

    private final GatewayMetrics metrics = new GatewayMetrics(new SimpleMeterRegistry());

    @BeforeAll
    static void startRedis() {
        server = RedisServerProcess.start();
        client = RedisClient.create(server.uri());
        connection = client.connect();
    }

    @AfterAll
    static void stopRedis() {
        if (client != null) {
            client.shutdown();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void flush() {
        connection.sync().flushall();
    }

    /** The cap as it stands at {@code at}, with the defaults (3 in 10 minutes) unless given. */
    private ReplyCap cap(Instant at, ReplyCapConfig config) {
        return new ReplyCap(new FrequencyCap(connection::async, Clock.fixed(at, ZoneOffset.UTC)), config, metrics);
    }

    private ReplyCap cap(Instant at) {
        return cap(at, ReplyCapConfig.defaults());
    }

    private static ReplyCap.Verdict get(ReplyCap cap, String digits, String sender) throws Exception {
        return cap.admit(digits, sender).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void threeRepliesInTenMinutesThenNoneUntilTheFirstLeavesTheWindow() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(ReplyCap.Verdict.SEND, get(cap(T0.plus(Duration.ofMinutes(2L * i))), PERSON, "12345"));
        }
        assertEquals(ReplyCap.Verdict.CAPPED, get(cap(T0.plus(Duration.ofMinutes(5))), PERSON, "12345"));
        assertEquals(
                ReplyCap.Verdict.CAPPED,
                get(cap(T0.plus(Duration.ofMinutes(10)).minusMillis(1)), PERSON, "12345"),
                "the first reply is still inside the window");
        assertEquals(
                ReplyCap.Verdict.SEND,
                get(cap(T0.plus(Duration.ofMinutes(10))), PERSON, "12345"),
                "rolling: the first reply left the window, one slot is free");
        assertEquals(ReplyCap.Verdict.CAPPED, get(cap(T0.plus(Duration.ofMinutes(11))), PERSON, "12345"));
    }

    @Test
    void oneKeyPerPersonAndSenderHashTaggedByThePersonExpiringWithTheWindow() throws Exception {
        assertEquals(ReplyCap.Verdict.SEND, get(cap(T0), PERSON, "12345"));
        String key = "gw:replies:{" + PERSON + "}:12345";
        assertEquals(1, connection.sync().exists(key));
        long ttl = connection.sync().pttl(key);
        assertTrue(ttl > 0 && ttl <= Duration.ofMinutes(10).toMillis(), "expires with the window: " + ttl);
        // the refused reply writes nothing: the key still holds at most max times
        for (int i = 0; i < 5; i++) {
            get(cap(T0), PERSON, "12345");
        }
        assertEquals(3, connection.sync().get(key).split(",").length);
        // another sender and another person have their own count
        assertEquals(ReplyCap.Verdict.SEND, get(cap(T0), PERSON, "23456"));
        assertEquals(ReplyCap.Verdict.SEND, get(cap(T0), "12015550801", "12345"));
    }

    @Test
    void configuredMaxAndWindowApply() throws Exception {
        ReplyCapConfig one = new ReplyCapConfig(1, Duration.ofSeconds(30));
        assertEquals(ReplyCap.Verdict.SEND, get(cap(T0, one), PERSON, "12345"));
        assertEquals(ReplyCap.Verdict.CAPPED, get(cap(T0.plusSeconds(29), one), PERSON, "12345"));
        assertEquals(ReplyCap.Verdict.SEND, get(cap(T0.plusSeconds(30), one), PERSON, "12345"));
    }

    @Test
    void maxZeroTurnsTheCapOffAndWritesNothing() throws Exception {
        ReplyCapConfig off = new ReplyCapConfig(0, null);
        for (int i = 0; i < 10; i++) {
            assertEquals(ReplyCap.Verdict.OFF, get(cap(T0, off), PERSON, "12345"));
        }
        assertEquals(0, connection.sync().dbsize());
    }

    @Test
    void redisUnavailableSendsTheReplyAndCountsTheFailure() throws Exception {
        RedisClient other = RedisClient.create(server.uri());
        try {
            StatefulRedisConnection<String, String> closed = other.connect();
            closed.close();
            ReplyCap cap = new ReplyCap(
                    new FrequencyCap(closed::async, Clock.fixed(T0, ZoneOffset.UTC)),
                    ReplyCapConfig.defaults(),
                    metrics);
            assertEquals(ReplyCap.Verdict.UNCHECKED, get(cap, PERSON, "12345"));
            assertEquals(
                    1.0, metrics.counter(GatewayMeter.REDIS_ERRORS, "reply_cap").count());
        } finally {
            other.shutdown();
        }
    }
}
