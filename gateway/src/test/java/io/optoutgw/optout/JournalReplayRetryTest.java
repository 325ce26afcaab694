package io.optoutgw.optout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up replay of the journal into a Redis that lost its data survives Redis freezing for
 * longer than the command timeout in the middle of it (a real redis-server stopped with SIGSTOP),
 * and gives up with an error that names the entries when Redis stays frozen.
 */
@Tag("integration")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class JournalReplayRetryTest {

    /** The production default of redis.commandTimeout. */
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int EVENTS = 12_000;

    private RedisServerProcess redis;
    private RedisConnector connector;
    private RedisConnector recording;
    private SuppressionStore store;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        connector = RedisConnector.connect(redis.uri(), COMMAND_TIMEOUT);
        recording = RedisConnector.connect(redis.uri(), TIMEOUT);
        store = new SuppressionStore(connector.async(), 1024);
        store.checkLayout().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        redis.resume();
        connector.close();
        recording.close();
        redis.close();
    }

    private static String number(int i) {
        return "1555" + String.format("%07d", 3_000_000 + i);
    }

    private static ConsentEvent stop(String number, Instant time) {
        return new ConsentEvent(
                ConsentEvent.newId(),
                time,
                ConsentEvent.Type.OPT_OUT,
                number,
                "g",
                "STOP",
                "en",
                "STOP",
                0,
                "sim",
                "sim#0 seq 1",
                "gw-a",
                null,
                null,
                "acme",
                "12345");
    }

    /** A journal of {@link #EVENTS} opt-outs, recorded, then a Redis that has lost all of them. */
    private OptOutJournal journalOfLostOptOuts() throws Exception {
        OptOutJournal journal =
                OptOutJournal.open(Files.createDirectories(dir.resolve("journal")), OptOutJournal.Options.defaults());
        // recorded with a generous command timeout: the replay, not the recording, is under test
        ConsentLedger recorder = new ConsentLedger(
                journal, new SuppressionStore(recording.async(), 1024), recording.async(), "gw-a", TIMEOUT);
        recorder.replayAtStartup(TIMEOUT);
        Instant t0 = Instant.now().minusSeconds(3600);
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            pending.add(recorder.record(stop(number(i), t0.plusMillis(i))));
            if (pending.size() == 500) {
                CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                        .get(60, TimeUnit.SECONDS);
                pending.clear();
            }
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        recording.async().flushall().get(10, TimeUnit.SECONDS);
        return journal;
    }

    /** Freezes Redis as soon as the replay has written its first entries; returns the replay's outcome. */
    private CompletableFuture<Void> replayAndFreezeRedis(ConsentLedger ledger) throws Exception {
        CompletableFuture<Void> replay = CompletableFuture.runAsync(() -> {
            try {
                ledger.replayAtStartup(TIMEOUT);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (connector.async().dbsize().get(5, TimeUnit.SECONDS) < 100) {
            assertTrue(System.nanoTime() < deadline, "the replay wrote nothing to Redis within 30 s");
            Thread.sleep(1);
        }
        redis.pause();
        return replay;
    }

    @Test
    void replayAtStartupOutlastsARedisFrozenForLongerThanTheCommandTimeout() throws Exception {
        try (OptOutJournal journal = journalOfLostOptOuts()) {
            ConsentLedger ledger = new ConsentLedger(journal, store, connector.async(), "gw-a", TIMEOUT);
            CompletableFuture<Void> replay = replayAndFreezeRedis(ledger);
            Thread.sleep(3 * COMMAND_TIMEOUT.toMillis());
            redis.resume();
            replay.get(120, TimeUnit.SECONDS);

            assertTrue(ledger.replayDone());
            assertTrue(
                    ledger.replayRetries() >= 1,
                    "Redis froze during the replay, so at least one batch had to be applied again");
            assertEquals(EVENTS, ledger.replayedEntries());
            SuppressionStore checking = new SuppressionStore(recording.async(), 1024);
            int suppressed = 0;
            for (int from = 0; from < EVENTS; from += 500) {
                List<CompletableFuture<SuppressionStore.Verdict>> checks = new ArrayList<>();
                for (int i = from; i < Math.min(EVENTS, from + 500); i++) {
                    checks.add(checking.check(number(i), "acme", "12345").toCompletableFuture());
                }
                for (CompletableFuture<SuppressionStore.Verdict> c : checks) {
                    suppressed += c.get(30, TimeUnit.SECONDS).suppressed() ? 1 : 0;
                }
            }
            assertEquals(EVENTS, suppressed, "every journaled opt-out is back on the list");
        }
    }

    @Test
    void replayAtStartupGivesUpWithAnErrorNamingTheEntriesWhenRedisStaysFrozen() throws Exception {
        try (OptOutJournal journal = journalOfLostOptOuts()) {
            ConsentLedger ledger = new ConsentLedger(journal, store, connector.async(), "gw-a", TIMEOUT);
            CompletableFuture<Void> replay = replayAndFreezeRedis(ledger);
            ExecutionException e = assertThrows(ExecutionException.class, () -> replay.get(120, TimeUnit.SECONDS));
            Throwable cause = e.getCause().getCause();
            String message = String.valueOf(cause.getMessage());
            assertTrue(
                    message.startsWith("journal replay into Redis failed for the ")
                            && message.contains(" entries up to sequence ")
                            && message.contains(" after 6 attempts"),
                    message);
            assertEquals(5, ledger.replayRetries(), "five further attempts before giving up");
            assertTrue(!ledger.replayDone(), "the replay is not reported done");
        }
    }
}
