package io.optoutgw.sendtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.optoutgw.config.SendTimeConfig;
import io.optoutgw.sendtime.SendTimeGate.Outcome;
import io.optoutgw.sendtime.SendTimeGate.Reason;
import io.optoutgw.sendtime.SendTimeGate.Refuse;
import io.optoutgw.sendtime.SendTimeGate.Relay;
import io.optoutgw.sendtime.SendTimeGate.Schedule;
import io.optoutgw.testsupport.RedisServerProcess;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Quiet hours and the cap together, as the submit path will ask them, against a real Redis. */
@Tag("integration")
class SendTimeGateTest {

    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private static final String MIAMI = "13055550123";

    private static RedisServerProcess server;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;

    private final MutableClock clock = new MutableClock(Instant.EPOCH);
    private SendTimeGate gate;

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
    void setUp() {
        connection.sync().flushall();
        gate = new SendTimeGate(new SendTimeRules(), new FrequencyCap(connection::async, clock), clock);
    }

    private static Instant local(String dateTime) {
        return LocalDateTime.parse(dateTime).atZone(NEW_YORK).toInstant();
    }

    private Outcome check(SendTimeConfig config, boolean upstreamHonoursSchedule) throws Exception {
        return gate.check("acme", MIAMI, config, null, upstreamHonoursSchedule)
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    @Test
    void at2130RecipientTimeTheMessageIsRefusedUntil0800() throws Exception {
        clock.set(local("2026-01-15T21:30"));
        Refuse refuse = assertInstanceOf(Refuse.class, check(SendTimeConfig.preset("us-fl-ok"), true));
        assertEquals(0x58, refuse.status());
        assertEquals(Reason.QUIET_HOURS, refuse.reason());
        assertEquals(local("2026-01-16T08:00"), refuse.retryAt());
        // a refusal in quiet hours does not use up the cap
        assertEquals(0, connection.sync().keys("gw:cap:*").size());
    }

    @Test
    void at2130RecipientTimeScheduleSetsTheNextAllowedTime() throws Exception {
        SendTimeConfig schedule =
                new SendTimeConfig("us-fl-ok", null, null, SendTimeConfig.Action.SCHEDULE, 0x14, null, null);
        clock.set(local("2026-01-15T21:30"));
        Schedule s = assertInstanceOf(Schedule.class, check(schedule, true));
        assertEquals(local("2026-01-16T08:00"), s.at());
        assertEquals("260116130000000+", s.scheduleDeliveryTime());
        // an upstream that does not honour schedule_delivery_time: refused, with the configured status
        Refuse refuse = assertInstanceOf(Refuse.class, check(schedule, false));
        assertEquals(0x14, refuse.status());
        assertEquals(Reason.QUIET_HOURS, refuse.reason());
    }

    @Test
    void at0900TheMessageIsRelayedAndTheFourthIn24HoursRefused() throws Exception {
        SendTimeConfig flOk = SendTimeConfig.preset("us-fl-ok");
        Instant first = local("2026-01-16T09:00");
        clock.set(first);
        for (int i = 0; i < 3; i++) {
            assertInstanceOf(Relay.class, check(flOk, true), "message " + (i + 1));
            clock.advance(Duration.ofHours(2));
        }
        clock.set(local("2026-01-17T08:30"));
        Refuse fourth = assertInstanceOf(Refuse.class, check(flOk, true));
        assertEquals(Reason.FREQUENCY_CAP, fourth.reason());
        assertEquals(0x58, fourth.status());
        assertEquals(first.plus(Duration.ofHours(24)), fourth.retryAt());
        clock.set(local("2026-01-17T09:00"));
        assertInstanceOf(Relay.class, check(flOk, true));
    }

    @Test
    void aMessageTheEsmeScheduledIsJudgedAtItsSchedule() throws Exception {
        SendTimeConfig tcpa = SendTimeConfig.preset("us-tcpa");
        clock.set(local("2026-01-15T21:30"));
        Outcome o = gate.check("acme", MIAMI, tcpa, local("2026-01-16T10:00"), true)
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertInstanceOf(Relay.class, o);
        clock.set(local("2026-01-15T10:00"));
        Refuse late = assertInstanceOf(
                Refuse.class,
                gate.check("acme", MIAMI, tcpa, local("2026-01-15T22:00"), true)
                        .toCompletableFuture()
                        .get(5, TimeUnit.SECONDS));
        assertEquals(local("2026-01-16T08:00"), late.retryAt());
    }

    @Test
    void noRulesRelays() throws Exception {
        clock.set(local("2026-01-15T03:00"));
        assertInstanceOf(Relay.class, check(null, false));
    }
}
