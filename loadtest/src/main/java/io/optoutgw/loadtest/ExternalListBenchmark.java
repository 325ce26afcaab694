package io.optoutgw.loadtest;

import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.optoutgw.admin.ListLoad;
import io.optoutgw.admin.ListLoadResult;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.ExternalLists;
import io.optoutgw.suppression.ListWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * Measures an external list ({@link ExternalLists}) on a throw-away redis-server with default
 * settings: Redis bytes per number (INFO used_memory after a load minus before), load rate through
 * {@link ListWriter} (numbers already read) and through {@link ListLoad} (CSV text with the
 * import's reading rules, libphonenumber included), and the check's cost (pipelined SISMEMBER /
 * GETBIT). Numbers are US-shaped ({@code 1NPANXXXXXX}) in random order, {@code --per-block} of them
 * in each block of 10,000 used: 950 is the density of a 250 million number do-not-call list over
 * the ~264,000 NPA-NXX codes in service; a small value gives the sparse case.
 *
 * <pre>
 * ./mvnw -q -B -pl loadtest -am package -DskipTests
 * java -cp 'loadtest/target/loadtest.jar:loadtest/target/lib/*' io.optoutgw.loadtest.ExternalListBenchmark \
 *     --numbers 10000000 --per-block 950,100,20 --csv-numbers 1000000
 * </pre>
 */
public final class ExternalListBenchmark {

    record Run(
            String scenario,
            long numbers,
            int perBlock,
            long count,
            long blocks,
            long denseBlocks,
            long bytes,
            double bytesPerNumber,
            double writerRate,
            double checksPerSecond) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].substring(2), args[i + 1]);
        }
        long numbers = Long.parseLong(opts.getOrDefault("numbers", "10000000"));
        String[] perBlocks = opts.getOrDefault("per-block", "950,100,20").split(",");
        int csvNumbers = Integer.parseInt(opts.getOrDefault("csv-numbers", "1000000"));
        List<Run> runs = new ArrayList<>();
        try (BenchRedis server = BenchRedis.start();
                RedisConnector redis = RedisConnector.connect(server.uri(), Duration.ofSeconds(120))) {
            RedisClusterCommands<String, String> sync = redis.sync();
            System.out.printf(
                    "redis-server %s, %d CPUs, JVM %s%n",
                    info(sync, "server", "redis_version"),
                    Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"));
            ExternalLists lists = new ExternalLists(redis.async(), Duration.ofSeconds(120));
            for (String pb : perBlocks) {
                int perBlock = Integer.parseInt(pb.strip());
                sync.flushall();
                long[] all = numbers(numbers, perBlock, new SplittableRandom(42));
                long before = usedMemory(sync);
                long version = lists.nextVersion("bench");
                long t0 = System.nanoTime();
                ListWriter.Result written;
                try (ExternalLists.Writing w = lists.writer("bench", version)) {
                    for (long n : all) {
                        w.writer().add(n);
                    }
                    written = w.writer().finish();
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                lists.publish(
                        "bench",
                        ExternalLists.Kind.NUMBERS,
                        List.of(),
                        List.of(),
                        new ExternalLists.Version(
                                version, written.count(), System.currentTimeMillis(), "-", 0, 0, 0, "bench"));
                long bytes = usedMemory(sync) - before;
                double checks = checks(lists, redis, all);
                Run r = new Run(
                        "writer",
                        numbers,
                        perBlock,
                        written.count(),
                        written.blocks(),
                        written.denseBlocks(),
                        bytes,
                        bytes / (double) written.count(),
                        written.count() / seconds,
                        checks);
                runs.add(r);
                System.out.printf(
                        "per-block %4d: %,d numbers in %,d blocks (%,d bitmaps): %,d bytes = %.2f bytes/number; "
                                + "loaded at %,.0f numbers/s; %,.0f checks/s (pipelined, one connection)%n",
                        perBlock,
                        r.count(),
                        r.blocks(),
                        r.denseBlocks(),
                        r.bytes(),
                        r.bytesPerNumber(),
                        r.writerRate(),
                        r.checksPerSecond());
                System.out.printf(
                        "    250,000,000 numbers at this density: %.1f GB of Redis memory%n",
                        r.bytesPerNumber() * 250e6 / 1e9);
            }
            // the whole path of an upload: CSV text, the import's reading rules, the writer
            sync.flushall();
            long[] sample = numbers(csvNumbers, 950, new SplittableRandom(7));
            StringBuilder csv = new StringBuilder(csvNumbers * 14).append("number\n");
            for (long n : sample) {
                csv.append('+').append(n).append('\n');
            }
            byte[] body = csv.toString().getBytes(StandardCharsets.US_ASCII);
            ListLoad load =
                    new ListLoad(lists, null, "csv", ExternalLists.Kind.NUMBERS, List.of(), List.of(), "US", "bench");
            long t0 = System.nanoTime();
            for (int off = 0; off < body.length; off += 64 * 1024) {
                load.accept(body, off, Math.min(64 * 1024, body.length - off));
            }
            ListLoadResult result = load.finish();
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(
                    "CSV load (reading rules of the import, libphonenumber): %,d rows, %,d numbers, %,d bad in %.1f s ="
                            + " %,.0f rows/s%n",
                    result.rows(), result.count(), result.bad(), seconds, result.rows() / seconds);
            sync.flushall();
        }
    }

    /** {@code n} US-shaped numbers, {@code perBlock} in each block used, in random order. */
    static long[] numbers(long n, int perBlock, SplittableRandom rnd) {
        long[] out = new long[(int) n];
        int i = 0;
        java.util.HashSet<Long> used = new java.util.HashSet<>();
        int[] suffixes = new int[ListWriter.BLOCK];
        for (int k = 0; k < suffixes.length; k++) {
            suffixes[k] = k;
        }
        while (i < n) {
            long prefix;
            do {
                prefix = 1_000_000L + (201 + rnd.nextInt(789)) * 1000L + 200 + rnd.nextInt(800);
            } while (!used.add(prefix));
            int take = (int) Math.min(perBlock, n - i);
            for (int k = 0; k < take; k++) {
                int j = k + rnd.nextInt(suffixes.length - k);
                int t = suffixes[k];
                suffixes[k] = suffixes[j];
                suffixes[j] = t;
                out[i++] = prefix * ListWriter.BLOCK + suffixes[k];
            }
        }
        for (int k = out.length - 1; k > 0; k--) {
            int j = rnd.nextInt(k + 1);
            long t = out[k];
            out[k] = out[j];
            out[j] = t;
        }
        return out;
    }

    /** Checks per second: 200,000 numbers, half listed, 1,000 in flight on one connection. */
    static double checks(ExternalLists lists, RedisConnector redis, long[] listed) throws Exception {
        int n = 200_000;
        SplittableRandom rnd = new SplittableRandom(3);
        long t0 = System.nanoTime();
        int hits = 0;
        List<CompletableFuture<String>> window = new ArrayList<>(1000);
        for (int i = 0; i < n; i++) {
            long number = i % 2 == 0 ? listed[rnd.nextInt(listed.length)] : 19_999_999_999L - i;
            window.add(lists.check(redis.async(), Long.toString(number), "acme", null));
            if (window.size() == 1000) {
                for (CompletableFuture<String> f : window) {
                    hits += f.get() != null ? 1 : 0;
                }
                window.clear();
            }
        }
        for (CompletableFuture<String> f : window) {
            hits += f.get() != null ? 1 : 0;
        }
        if (hits != n / 2) {
            throw new IllegalStateException("checks found " + hits + " of " + n / 2 + " listed numbers");
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private static long usedMemory(RedisClusterCommands<String, String> sync) {
        return Long.parseLong(info(sync, "memory", "used_memory"));
    }

    private static String info(RedisClusterCommands<String, String> sync, String section, String field) {
        for (String line : sync.info(section).split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).strip();
            }
        }
        throw new IllegalStateException("INFO " + section + " has no " + field);
    }
}
