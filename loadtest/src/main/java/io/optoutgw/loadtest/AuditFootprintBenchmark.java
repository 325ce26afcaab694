package io.optoutgw.loadtest;

import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.RedisKeys;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.journal.OptOutJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * What the consent record costs in Redis per event, list and audit trail together, in the audit trail's older
 * encoding (chain version 1: each event's JSON in a per-number sorted set {@code gw:a:{B}:DIGITS}, indexed in
 * {@code gw:audit}) and in the compact one (chain version 2: records per list bucket in {@code gw:ac:{B}}, the
 * time index in {@code gw:ai}). For each, a fresh redis-server (default settings, no persistence) and a fresh
 * journal take an import of N random US numbers through the consent ledger, exactly as {@code gateway suppression
 * import} records them (ADMIN_ADD, source import, actor and reason, journaled then applied), and the growth of
 * INFO {@code used_memory} is divided by N. The list's share is estimated from {@code MEMORY USAGE} of a sample
 * of list buckets; the rest is the audit trail and its index.
 *
 * <pre>
 * java -cp loadtest/target/loadtest.jar io.optoutgw.loadtest.AuditFootprintBenchmark --numbers 1000000
 * </pre>
 */
public final class AuditFootprintBenchmark {

    private static final int IN_FLIGHT = 2_000;
    private static final int SAMPLE_BUCKETS = 2_000;

    private record Result(
            String encoding, long numbers, long bytes, long listBytes, long journalBytes, double seconds) {
        double perEvent() {
            return (double) bytes / numbers;
        }

        double listPerEvent() {
            return (double) listBytes / numbers;
        }
    }

    public static void main(String[] args) throws Exception {
        long numbers = 1_000_000;
        int buckets = SuppressionStore.DEFAULT_BUCKETS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--numbers" -> numbers = Long.parseLong(args[++i].replace("_", ""));
                case "--buckets" -> buckets = Integer.parseInt(args[++i]);
                default ->
                    throw new IllegalArgumentException(
                            "unknown option " + args[i] + " (expected --numbers N, --buckets B)");
            }
        }
        System.out.printf(
                Locale.ROOT,
                "AuditFootprintBenchmark: %,d numbers imported, %,d list buckets, %s, Java %s, %d cores%n",
                numbers,
                buckets,
                Instant.now(),
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        Result old = run("chain v1 (JSON per number, gw:a + gw:audit)", 1, numbers, buckets);
        Result compact = run("chain v2 (compact, gw:ac + gw:ai)", 2, numbers, buckets);
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "%-46s %14s %12s %12s %12s %10s%n",
                "encoding",
                "used_memory",
                "bytes/event",
                "list/event",
                "audit/event",
                "journal MB");
        for (Result r : new Result[] {old, compact}) {
            System.out.printf(
                    Locale.ROOT,
                    "%-46s %,14d %12.1f %12.1f %12.1f %10.1f%n",
                    r.encoding(),
                    r.bytes(),
                    r.perEvent(),
                    r.listPerEvent(),
                    r.perEvent() - r.listPerEvent(),
                    r.journalBytes() / 1e6);
        }
        System.out.printf(
                Locale.ROOT,
                "%ncompact / old: %.3f (%.1f vs %.1f bytes per event, list and audit together)%n",
                compact.perEvent() / old.perEvent(),
                compact.perEvent(),
                old.perEvent());
    }

    private static Result run(String encoding, int chainVersion, long numbers, int buckets) throws Exception {
        Path journalDir = Files.createTempDirectory("audit-footprint-journal-");
        try (BenchRedis server = BenchRedis.start();
                RedisConnector redis = RedisConnector.connect(server.uri(), Duration.ofSeconds(60));
                OptOutJournal journal = OptOutJournal.open(journalDir, OptOutJournal.Options.defaults())) {
            SuppressionStore store = new SuppressionStore(redis.async(), buckets);
            store.checkLayout().toCompletableFuture().get(10, TimeUnit.SECONDS);
            ConsentLedger ledger =
                    new ConsentLedger(journal, store, redis.async(), "gateway-1", Duration.ofSeconds(60));
            ledger.chainVersion(chainVersion);
            ledger.replayAtStartup(Duration.ofSeconds(10));
            long before = usedMemory(redis);
            long start = System.nanoTime();
            String importId = "i" + Long.toString(new SplittableRandom(7).nextLong() >>> 16, 36);
            SplittableRandom random = new SplittableRandom(42);
            Set<Long> seen = new HashSet<>();
            Semaphore window = new Semaphore(IN_FLIGHT);
            AtomicReference<Throwable> failed = new AtomicReference<>();
            for (long line = 1; line <= numbers; line++) {
                long n;
                do {
                    n = 12_000_000_000L + random.nextLong(8_000_000_000L);
                } while (!seen.add(n));
                ConsentEvent event = ConsentEvent.administrative(
                        importId + "." + line,
                        ConsentEvent.Type.ADMIN_ADD,
                        Long.toString(n),
                        Scope.Global.INSTANCE,
                        "gateway-1",
                        "admin",
                        "import",
                        ConsentEvent.Source.IMPORT,
                        null);
                window.acquire();
                ledger.recordOrdered(event).whenComplete((ok, error) -> {
                    if (error != null) {
                        failed.compareAndSet(null, error);
                    }
                    window.release();
                });
                if (failed.get() != null) {
                    throw new IllegalStateException("import failed", failed.get());
                }
                if (line % 200_000 == 0) {
                    System.out.printf(Locale.ROOT, "  %s: %,d imported%n", encoding, line);
                }
            }
            window.acquire(IN_FLIGHT);
            if (failed.get() != null) {
                throw new IllegalStateException("import failed", failed.get());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long after = usedMemory(redis);
            long listBytes = sampledListBytes(redis, buckets);
            long journalBytes = sizeOf(journalDir);
            System.out.printf(
                    Locale.ROOT,
                    "  %s: %,d events in %.1f s (%,.0f/s), used_memory %,d -> %,d%n",
                    encoding,
                    numbers,
                    seconds,
                    numbers / seconds,
                    before,
                    after);
            return new Result(encoding, numbers, after - before, listBytes, journalBytes, seconds);
        } finally {
            deleteAll(journalDir);
        }
    }

    private static long usedMemory(RedisConnector redis) throws Exception {
        String info = redis.async().info("memory").get(10, TimeUnit.SECONDS);
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        throw new IllegalStateException("no used_memory in INFO");
    }

    /** MEMORY USAGE of a sample of the list's buckets, scaled to all of them. */
    private static long sampledListBytes(RedisConnector redis, int buckets) throws Exception {
        int step = Math.max(1, buckets / SAMPLE_BUCKETS);
        long sum = 0;
        int sampled = 0;
        for (int b = 0; b < buckets; b += step) {
            Long usage = redis.async().memoryUsage(RedisKeys.listBucket(b)).get(10, TimeUnit.SECONDS);
            sum += usage == null ? 0 : usage;
            sampled++;
        }
        return sum * buckets / sampled;
    }

    private static long sizeOf(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }

    private static void deleteAll(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
