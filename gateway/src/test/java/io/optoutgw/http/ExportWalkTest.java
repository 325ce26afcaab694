package io.optoutgw.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.optoutgw.admin.ListVerifier;
import io.optoutgw.admin.ScopeNames;
import io.optoutgw.admin.VerifyReport;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.journal.OptOutJournal;
import io.optoutgw.testsupport.RedisClusterProcesses;
import io.optoutgw.testsupport.RedisServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The export and the verification read only the list buckets that exist ({@link SuppressionStore#presentBuckets}):
 * entries spread over many buckets of the full 2^18, the first and the last among them, all come out, on one
 * Redis and on a Redis Cluster, where the buckets asked about in one script must share a slot.
 */
@Tag("integration")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ExportWalkTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int SPREAD = 400;

    @Test
    void everyEntryIsExportedAndVerifiedOnOneRedis(@TempDir Path dir) throws Exception {
        try (RedisServerProcess server = RedisServerProcess.start();
                RedisConnector redis = RedisConnector.connect(server.uri(), TIMEOUT)) {
            exportAndVerifyEverything(redis, dir);
        }
    }

    @Test
    void everyEntryIsExportedAndVerifiedOnARedisCluster(@TempDir Path dir) throws Exception {
        try (RedisClusterProcesses cluster = RedisClusterProcesses.start(3);
                RedisConnector redis = RedisConnector.connect(cluster.uri(), TIMEOUT)) {
            exportAndVerifyEverything(redis, dir);
        }
    }

    private static void exportAndVerifyEverything(RedisConnector redis, Path dir) throws Exception {
        SuppressionStore store = new SuppressionStore(redis.async(), SuppressionStore.DEFAULT_BUCKETS);
        int last = store.buckets() - 1;
        int[] order = store.walkOrder();
        assertEquals(store.buckets(), order.length);
        assertEquals(store.buckets(), Arrays.stream(order).distinct().count(), "every bucket once");
        for (int p = 0; p < order.length; p++) {
            assertEquals(p, store.walkPosition(order[p]));
        }
        // an empty list: no bucket exists
        assertEquals(0, store.presentBuckets(order).toCompletableFuture().get(30, TimeUnit.SECONDS).length);

        List<String> numbers = new ArrayList<>();
        numbers.add(numberIn(store, 0));
        numbers.add(numberIn(store, last));
        for (int i = 0; numbers.size() < SPREAD; i++) {
            numbers.add("1555" + String.format("%07d", (i * 7919L) % 10_000_000L));
        }
        Set<Integer> buckets = new TreeSet<>();
        for (String n : numbers) {
            buckets.add(store.bucket(n));
        }
        assertTrue(buckets.contains(0) && buckets.contains(last));
        assertTrue(buckets.size() > SPREAD * 9 / 10, "spread over many buckets: " + buckets.size());

        Set<String> expected = new HashSet<>();
        long entries = 0;
        long anHourAgo = Instant.now().minusSeconds(3600).getEpochSecond();
        try (OptOutJournal journal =
                OptOutJournal.open(Files.createDirectories(dir.resolve("journal")), OptOutJournal.Options.defaults())) {
            ConsentLedger ledger = new ConsentLedger(journal, store, redis.async(), "gw-walk", TIMEOUT);
            ledger.replayAtStartup(TIMEOUT);
            List<CompletableFuture<Void>> recorded = new ArrayList<>();
            for (int i = 0; i < numbers.size(); i++) {
                String n = numbers.get(i);
                // the first and last bucket's numbers: a second entry in the same bucket
                Scope scope = i < 2 || i % 3 == 0 ? Scope.Global.INSTANCE : new Scope.Account("acme");
                recorded.add(ledger.record(event(ConsentEvent.Type.OPT_OUT, n, scope, anHourAgo + i)));
                expected.add("+" + n + "," + ScopeNames.display(scope));
                entries++;
                if (i < 2) {
                    Scope sender = new Scope.Sender("acme", "12345");
                    recorded.add(ledger.record(event(ConsentEvent.Type.OPT_OUT, n, sender, anHourAgo + 1000 + i)));
                    expected.add("+" + n + "," + ScopeNames.display(sender));
                    entries++;
                }
            }
            CompletableFuture.allOf(recorded.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            // an opt-out lifted again stays on the list (opted in), out of the export
            String optedIn = numbers.get(5);
            ledger.record(event(ConsentEvent.Type.OPT_IN, optedIn, new Scope.Account("acme"), anHourAgo + 2000))
                    .get(10, TimeUnit.SECONDS);
            assertTrue(expected.remove("+" + optedIn + ",account:acme"));

            int[] present = store.presentBuckets(order).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(buckets, toSet(present), "the buckets that exist, no more, no less");
            int[] some = {last, 7, 0, buckets.stream().skip(10).findFirst().orElseThrow()};
            assertEquals(
                    List.of(last, 0, some[3]),
                    Arrays.stream(store.presentBuckets(some)
                                    .toCompletableFuture()
                                    .get(10, TimeUnit.SECONDS))
                            .boxed()
                            .toList(),
                    "any buckets, in the order asked");

            long start = System.nanoTime();
            List<String> rows = export(store);
            long exportMs = (System.nanoTime() - start) / 1_000_000;
            assertEquals(expected.size(), rows.size(), "no row twice");
            assertEquals(expected, new HashSet<>(rows));

            start = System.nanoTime();
            VerifyReport report = new ListVerifier(store, journal, TIMEOUT, Duration.ofMillis(50)).verify();
            long verifyMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(report.ok(), report.discrepancies().toString());
            assertEquals(entries, report.listEntries(), "the verification read every entry");
            assertEquals(entries - 1, report.suppressed());
            assertEquals(numbers.size(), report.numbers());
            System.out.printf(
                    "export of %d rows from %d buckets: %d ms; verification: %d ms%n",
                    rows.size(), buckets.size(), exportMs, verifyMs);
        }
    }

    /** {@code number,scope} of every row {@link CsvExport} streams, after checking the export completed. */
    private static List<String> export(SuppressionStore store) throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel();
        CsvExport.stream(ch, false, store, TIMEOUT);
        StringBuilder body = new StringBuilder();
        assertInstanceOf(HttpResponse.class, ch.readOutbound());
        boolean complete = false;
        for (Object m = ch.readOutbound(); m != null; m = ch.readOutbound()) {
            try {
                ByteBuf content = ((HttpContent) m).content();
                body.append(content.toString(StandardCharsets.UTF_8));
                complete = m instanceof LastHttpContent;
            } finally {
                ReferenceCountUtil.release(m);
            }
        }
        assertTrue(complete, "the export ended with its last chunk");
        String[] lines = body.toString().split("\r?\n");
        assertEquals("number,scope,since,category", lines[0]);
        List<String> rows = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",");
            rows.add(f[0] + "," + f[1]);
        }
        return rows;
    }

    /** A number whose entries are in bucket {@code bucket}. */
    private static String numberIn(SuppressionStore store, int bucket) {
        for (long i = 0; ; i++) {
            String n = "1444" + String.format("%07d", i);
            if (store.bucket(n) == bucket) {
                return n;
            }
        }
    }

    private static Set<Integer> toSet(int[] a) {
        Set<Integer> out = new TreeSet<>();
        for (int x : a) {
            out.add(x);
        }
        return out;
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
                "gw-walk",
                null,
                null);
    }
}
