package io.optoutgw.suppression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.EvidenceLedger.Entry;
import io.optoutgw.suppression.EvidenceLedger.Kind;
import io.optoutgw.testsupport.RedisServerProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What one refusal costs in Redis memory (docs/performance.md, "Evidence ledger"): refusals written
 * through the ledger's own script to a fresh redis-server, {@code used_memory} before and after,
 * for three shapes: one refusal per number (each number's keys are new), 100 per number (compact
 * listpack encoding) and 1,000 per number (a skiplist). 20,000 refusals per shape by default;
 * {@code -Devidence.memory.refusals=100000} for the figures in the docs.
 */
@Tag("integration")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class EvidenceLedgerMemoryTest {

    private static final int REFUSALS = Integer.getInteger("evidence.memory.refusals", 20_000);
    private static final Instant DAY = Instant.parse("2026-03-02T08:00:00Z");

    private static RedisServerProcess redis;
    private static RedisConnector connector;

    @BeforeAll
    static void start() {
        redis = RedisServerProcess.start();
        connector = RedisConnector.connect(redis.uri(), Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        connector.close();
        redis.close();
    }

    private static long usedMemory() throws Exception {
        String info = connector.async().info("memory").toCompletableFuture().get(10, TimeUnit.SECONDS);
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).strip());
            }
        }
        throw new AssertionError("no used_memory in INFO memory");
    }

    /** Bytes of Redis memory per refusal, writing {@code REFUSALS} refusals, {@code perNumber} to each number. */
    private static double bytesPerRefusal(int perNumber) throws Exception {
        connector.async().flushall().toCompletableFuture().get(30, TimeUnit.SECONDS);
        SuppressionStore list = new SuppressionStore(connector.async(), SuppressionStore.DEFAULT_BUCKETS);
        EvidenceLedger ledger = new EvidenceLedger(connector::async, list, Duration.ofDays(400), 10_000);
        long before = usedMemory();
        List<CompletableFuture<Long>> batch = new ArrayList<>();
        int numbers = REFUSALS / perNumber;
        int written = 0;
        for (int i = 0; i < perNumber; i++) {
            for (int n = 0; n < numbers; n++) {
                String digits = Long.toString(15550000000L + n * 7919L);
                long ms = DAY.toEpochMilli() + i * 1000L + n % 1000;
                // a typical opt-out refusal: account, sender, category, reason, matched entry, status, sequence
                Entry e = new Entry(
                        Kind.REFUSED,
                        "submit_sm",
                        ms,
                        "acme",
                        "12345",
                        "marketing",
                        "suppressed",
                        "a",
                        "b",
                        1_000_000 + written,
                        null,
                        null);
                batch.add(ledger.record(digits, e).toCompletableFuture());
                written++;
                if (batch.size() == 1000) {
                    for (CompletableFuture<Long> f : batch) {
                        f.get(30, TimeUnit.SECONDS);
                    }
                    batch.clear();
                }
            }
        }
        for (CompletableFuture<Long> f : batch) {
            f.get(30, TimeUnit.SECONDS);
        }
        assertEquals(numbers * (long) perNumber, written);
        long keys = connector.async().dbsize().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(2L * numbers, keys, "a detail and a roll-up key per number");
        double perRefusal = (usedMemory() - before) / (double) written;
        System.out.printf(
                Locale.ROOT,
                "evidence ledger: %,d refusals, %,d per number: %.1f bytes per refusal%n",
                written,
                perNumber,
                perRefusal);
        return perRefusal;
    }

    @Test
    void oneRefusalCostsAFewHundredBytesAtMostWhateverTheShape() throws Exception {
        double single = bytesPerRefusal(1);
        double hundred = bytesPerRefusal(100);
        double thousand = bytesPerRefusal(1000);
        // measured (Redis 7.0, 100,000 refusals): see docs/performance.md; generous bounds here
        assertTrue(single > 0 && single < 400, "one per number: " + single);
        assertTrue(hundred > 0 && hundred < 100, "100 per number (listpack): " + hundred);
        assertTrue(thousand > 0 && thousand < 200, "1,000 per number (skiplist): " + thousand);
        assertTrue(hundred < single, "entries of a number share its keys");
    }
}
