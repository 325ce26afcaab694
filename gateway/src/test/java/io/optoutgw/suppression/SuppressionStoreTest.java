package io.optoutgw.suppression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.redis.RedisConnector;
import io.optoutgw.testsupport.RedisServerProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The list and audit trail against a real redis-server. */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SuppressionStoreTest {

    private static RedisServerProcess redis;
    private static RedisConnector connector;
    private SuppressionStore store;

    @BeforeAll
    static void start() {
        redis = RedisServerProcess.start();
        connector = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2));
    }

    @AfterAll
    static void stop() {
        connector.close();
        redis.close();
    }

    @BeforeEach
    void flush() throws Exception {
        connector.async().flushall().get();
        store = new SuppressionStore(connector.async(), 1024);
        store.checkLayout().toCompletableFuture().get();
    }

    private static ConsentEvent event(ConsentEvent.Type type, String number, Scope scope, long epochSecond) {
        return new ConsentEvent(
                ConsentEvent.newId(),
                Instant.ofEpochSecond(epochSecond),
                type,
                number,
                scope.code(),
                "STOP",
                "en",
                "Stop",
                0,
                "sim",
                "sim#0/7",
                "gw-1",
                null,
                null,
                "acme",
                "12345");
    }

    private <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void globalOptOutSuppressesEveryAccountAndSender() throws Exception {
        get(store.apply(event(ConsentEvent.Type.OPT_OUT, "15551230001", Scope.Global.INSTANCE, 1000)));
        SuppressionStore.Verdict v = get(store.check("15551230001", "acme", "12345"));
        assertTrue(v.suppressed());
        assertInstanceOf(Scope.Global.class, v.suppressedBy());
        assertTrue(get(store.check("15551230001", "beta", "999")).suppressed());
        assertFalse(get(store.check("15551230002", "acme", "12345")).suppressed());
    }

    @Test
    void accountAndSenderScopesOnlyCoverTheirOwn() throws Exception {
        get(store.apply(event(ConsentEvent.Type.OPT_OUT, "15551230003", new Scope.Account("acme"), 1000)));
        get(store.apply(event(ConsentEvent.Type.OPT_OUT, "15551230004", new Scope.Sender("acme", "12345"), 1000)));
        assertTrue(get(store.check("15551230003", "acme", "777")).suppressed());
        assertFalse(get(store.check("15551230003", "beta", "777")).suppressed());
        assertTrue(get(store.check("15551230004", "acme", "12345")).suppressed());
        assertFalse(get(store.check("15551230004", "acme", "54321")).suppressed());
    }

    @Test
    void newerOptInLiftsAndAReplayedOlderOptOutDoesNotReinstate() throws Exception {
        ConsentEvent stop = event(ConsentEvent.Type.OPT_OUT, "15551230005", Scope.Global.INSTANCE, 1000);
        ConsentEvent start = event(ConsentEvent.Type.OPT_IN, "15551230005", Scope.Global.INSTANCE, 2000);
        get(store.apply(stop));
        get(store.apply(start));
        assertFalse(get(store.check("15551230005", "acme", "1")).suppressed());
        SuppressionStore.Applied replay = get(store.apply(stop));
        assertFalse(replay.listChanged());
        assertFalse(replay.auditAdded(), "same event, same audit entry");
        assertFalse(get(store.check("15551230005", "acme", "1")).suppressed());
        assertEquals(2, get(store.history("15551230005")).size());
    }

    @Test
    void optInAndOptOutInTheSameSecondKeepTheNumberSuppressed() throws Exception {
        get(store.apply(event(ConsentEvent.Type.OPT_OUT, "15551230006", Scope.Global.INSTANCE, 1000)));
        get(store.apply(event(ConsentEvent.Type.OPT_IN, "15551230006", Scope.Global.INSTANCE, 1000)));
        assertTrue(get(store.check("15551230006", "acme", "1")).suppressed());
    }

    @Test
    void helpIsAuditedWithoutTouchingTheList() throws Exception {
        get(store.apply(event(ConsentEvent.Type.HELP, "15551230007", Scope.Global.INSTANCE, 1000)));
        assertFalse(get(store.check("15551230007", "acme", "1")).suppressed());
        assertEquals(
                ConsentEvent.Type.HELP, get(store.history("15551230007")).get(0).type());
        assertTrue(get(store.entries("15551230007")).isEmpty());
    }

    @Test
    void aDifferentBucketCountIsRefused() {
        SuppressionStore other = new SuppressionStore(connector.async(), 2048);
        ExecutionException e = assertThrows(
                ExecutionException.class,
                () -> other.checkLayout().toCompletableFuture().get());
        assertTrue(e.getCause().getMessage().contains("1024"), e.getCause().getMessage());
    }

    @Test
    void theAuditIndexIsWalkedByPositionFromTheFirstEventInRange() throws Exception {
        for (int i = 0; i < 25; i++) {
            // two events a second: ties on the score cross page boundaries
            get(store.apply(event(
                    ConsentEvent.Type.OPT_OUT,
                    "155512300" + String.format("%02d", i),
                    Scope.Global.INSTANCE,
                    1000 + i / 2)));
        }
        assertEquals(0L, get(store.auditIndexRank(0)));
        assertEquals(10L, get(store.auditIndexRank(1005_000)), "events at 1000..1004 s come before");
        assertEquals(25L, get(store.auditIndexRank(2000_000)));
        List<String> walked = new ArrayList<>();
        for (long at = get(store.auditIndexRank(1005_000)); ; at += 4) {
            List<SuppressionStore.AuditRef> page = get(store.auditIndexPage(at, 4));
            page.forEach(r -> walked.add(r.digits()));
            if (page.size() < 4) {
                break;
            }
        }
        assertEquals(15, walked.size());
        assertEquals(15, new HashSet<>(walked).size(), "no event twice, none left out");
        assertTrue(walked.stream().allMatch(d -> Integer.parseInt(d.substring(9)) >= 10), walked.toString());
    }
}
