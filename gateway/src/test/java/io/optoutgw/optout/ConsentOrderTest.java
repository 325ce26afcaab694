package io.optoutgw.optout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.journal.OptOutJournal;
import io.optoutgw.testsupport.RedisServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order of consent events on the list follows what happened, not the recording instances'
 * clocks: journal, then a real redis-server, through {@link ConsentLedger}; and the list keeps
 * reading values stored as signed epoch seconds.
 */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConsentOrderTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static RedisServerProcess redis;
    private static RedisConnector connector;
    private SuppressionStore store;

    @TempDir
    Path dir;

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
        connector.async().flushall().get(5, TimeUnit.SECONDS);
        store = new SuppressionStore(connector.async(), 1024);
        get(store.checkLayout());
    }

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static ConsentEvent event(ConsentEvent.Type type, String number, Instant time, String instance) {
        return new ConsentEvent(
                ConsentEvent.newId(),
                time,
                type,
                number,
                "g",
                type == ConsentEvent.Type.OPT_IN ? "START" : "STOP",
                "en",
                "x",
                0,
                "sim",
                "sim#0 seq 1",
                instance,
                null,
                null,
                "acme",
                "12345");
    }

    private OptOutJournal journal(String name) throws Exception {
        return OptOutJournal.open(Files.createDirectories(dir.resolve(name)), OptOutJournal.Options.defaults());
    }

    private boolean suppressed(String number) throws Exception {
        return get(store.check(number, "acme", "12345")).suppressed();
    }

    @Test
    void startRightAfterStopInTheSameMillisecondOptsTheNumberBackIn() throws Exception {
        String n = "15551240001";
        Instant now = Instant.now();
        try (OptOutJournal j = journal("a")) {
            ConsentLedger recorder = new ConsentLedger(j, store, connector.async(), "gw-a", TIMEOUT);
            recorder.replayAtStartup(TIMEOUT);
            recorder.record(event(ConsentEvent.Type.OPT_OUT, n, now, "gw-a")).get(5, TimeUnit.SECONDS);
            assertTrue(suppressed(n));
            recorder.record(event(ConsentEvent.Type.OPT_IN, n, now, "gw-a")).get(5, TimeUnit.SECONDS);
            assertFalse(suppressed(n), "the START was received after the STOP had been recorded");
            recorder.record(event(ConsentEvent.Type.OPT_OUT, n, now, "gw-a")).get(5, TimeUnit.SECONDS);
            assertTrue(suppressed(n), "and a STOP after that suppresses again");
        }
    }

    @Test
    void aLaterStopWinsOverAStartStampedByAnInstanceWhoseClockIsAhead() throws Exception {
        String n = "15551240002";
        Instant now = Instant.now();
        try (OptOutJournal ja = journal("a");
                OptOutJournal jb = journal("b")) {
            ConsentLedger ahead = new ConsentLedger(ja, store, connector.async(), "gw-a", TIMEOUT);
            ConsentLedger onTime = new ConsentLedger(jb, store, connector.async(), "gw-b", TIMEOUT);
            ahead.replayAtStartup(TIMEOUT);
            onTime.replayAtStartup(TIMEOUT);
            // gw-a's clock runs 60 s ahead: its START carries a time 60 s in the future
            ahead.record(event(ConsentEvent.Type.OPT_IN, n, now.plusSeconds(60), "gw-a"))
                    .get(5, TimeUnit.SECONDS);
            assertFalse(suppressed(n));
            onTime.record(event(ConsentEvent.Type.OPT_OUT, n, now.plusMillis(30), "gw-b"))
                    .get(5, TimeUnit.SECONDS);
            assertTrue(suppressed(n), "the STOP came after the START");

            // Redis loses everything; both journals are replayed (in either order): same outcome
            connector.async().flushall().get(5, TimeUnit.SECONDS);
            new ConsentLedger(jb, store, connector.async(), "gw-b", TIMEOUT).replayAtStartup(TIMEOUT);
            new ConsentLedger(ja, store, connector.async(), "gw-a", TIMEOUT).replayAtStartup(TIMEOUT);
            assertTrue(suppressed(n), "replaying the journals keeps the STOP last");
            connector.async().flushall().get(5, TimeUnit.SECONDS);
            new ConsentLedger(ja, store, connector.async(), "gw-a", TIMEOUT).replayAtStartup(TIMEOUT);
            new ConsentLedger(jb, store, connector.async(), "gw-b", TIMEOUT).replayAtStartup(TIMEOUT);
            assertTrue(suppressed(n), "in the other order too");
        }
    }

    @Test
    void valuesStoredAsSignedEpochSecondsStillReadRight() throws Exception {
        String in = "15551240003";
        String out = "15551240004";
        long optedInAt = 1_700_000_000L;
        long optedOutAt = 1_700_000_100L;
        connector.sync().hset(store.bucketKey(in), in, Long.toString(-optedInAt));
        connector.sync().hset(store.bucketKey(out), out + "|a:acme", Long.toString(optedOutAt));

        assertFalse(suppressed(in));
        assertTrue(suppressed(out));
        assertEquals(-optedInAt, get(store.entries(in)).get("g"));
        SuppressionStore.ListEntry stored = get(store.exportBucket(bucketOf(out))).stream()
                .filter(e -> e.digits().equals(out))
                .findFirst()
                .orElseThrow();
        assertTrue(stored.suppressed());
        assertEquals("a:acme", stored.scope());
        assertEquals(Instant.ofEpochSecond(optedOutAt), stored.since());

        // an older event (a replay) does not override them; a new one does
        get(store.apply(event(ConsentEvent.Type.OPT_OUT, in, Instant.ofEpochSecond(optedInAt - 10), "gw-a")));
        assertFalse(suppressed(in));
        try (OptOutJournal j = journal("a")) {
            ConsentLedger recorder = new ConsentLedger(j, store, connector.async(), "gw-a", TIMEOUT);
            recorder.record(event(ConsentEvent.Type.OPT_OUT, in, Instant.now(), "gw-a"))
                    .get(5, TimeUnit.SECONDS);
            assertTrue(suppressed(in));
            long value = get(store.entries(in)).get("g");
            assertTrue(Math.abs(value - Instant.now().getEpochSecond()) < 5, "still epoch seconds: " + value);
        }
        assertEquals(
                List.of(ConsentEvent.Type.OPT_OUT, ConsentEvent.Type.OPT_OUT),
                get(store.history(in)).stream().map(ConsentEvent::type).toList());
    }

    private int bucketOf(String digits) {
        String key = store.bucketKey(digits);
        return Integer.parseInt(key.substring(key.indexOf('{') + 1, key.indexOf('}')));
    }
}
