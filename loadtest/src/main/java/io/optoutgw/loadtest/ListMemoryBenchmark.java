package io.optoutgw.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.SuppressionStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;

/**
 * Measures the Redis memory the do-not-contact list costs per suppressed number (and what each
 * audit event costs) on a throw-away redis-server with default settings, using the real key
 * layout of {@link SuppressionStore}. Prints a table and writes JSON.
 *
 * <pre>
 * ./mvnw -q -B -pl loadtest -am package -DskipTests
 * java -cp 'loadtest/target/loadtest.jar:loadtest/target/lib/*' io.optoutgw.loadtest.ListMemoryBenchmark \
 *     --numbers 1000000,10000000 --bucket-bits 16,17,18,20 --audit-events 100000
 * </pre>
 */
public final class ListMemoryBenchmark {

    /** Commands in flight at once; below the connector's request queue bound. */
    private static final int WINDOW = 5_000;

    private static final long EPOCH_2026 = 1_767_225_600L;
    private static final int ENCODING_SAMPLE = 2_000;

    /**
     * The kind of list entry each number gets: a global opt-out ({@code 15551234567}), an
     * account-scoped one ({@code 15551234567|a:acme}), or an account-scoped opt-out of one consent
     * category ({@code 15551234567~marketing|a:acme}), the fields {@link SuppressionStore#field}
     * writes.
     */
    enum Shape {
        GLOBAL(Scope.Global.INSTANCE, null),
        ACCOUNT(new Scope.Account("acme"), null),
        ACCOUNT_CATEGORY(new Scope.Account("acme"), "marketing");

        final Scope scope;
        final String category;

        Shape(Scope scope, String category) {
            this.scope = scope;
            this.category = category;
        }

        String label() {
            return name().toLowerCase().replace('_', '-');
        }

        static Shape parse(String s) {
            return valueOf(s.strip().toUpperCase().replace('-', '_'));
        }
    }

    /** One measurement of the list: {@code numbers} opt-outs of one {@code shape} in {@code buckets} hashes. */
    record ListResult(
            String shape,
            int buckets,
            long numbers,
            long usedMemoryBytes,
            double bytesPerNumber,
            double fieldsPerBucket,
            int sampledBuckets,
            int listpackBuckets,
            int hashtableBuckets) {}

    /** What audit events cost: the per-number sorted sets and the global index, per event. */
    record AuditResult(
            int events,
            double bytesPerEvent,
            double trailBytesPerEvent,
            double indexBytesPerEvent,
            double listBytesPerEvent,
            double averageJsonBytes) {}

    private ListMemoryBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        long[] numbers = Arrays.stream(
                        opts.getOrDefault("numbers", "1000000,10000000").split(","))
                .mapToLong(s -> Long.parseLong(s.strip()))
                .sorted()
                .toArray();
        int[] bits = Arrays.stream(
                        opts.getOrDefault("bucket-bits", "16,17,18,20").split(","))
                .mapToInt(s -> Integer.parseInt(s.strip()))
                .toArray();
        List<Shape> shapes = Arrays.stream(opts.getOrDefault("shapes", "global").split(","))
                .map(Shape::parse)
                .toList();
        int auditEvents = Integer.parseInt(opts.getOrDefault("audit-events", "100000"));
        long seed = Long.parseLong(opts.getOrDefault("seed", "42"));
        Path out = Path.of(opts.getOrDefault("out", "loadtest/results/list-memory.json"));

        List<ListResult> lists = new ArrayList<>();
        AuditResult audit = null;
        String redisVersion;
        Map<String, String> settings;
        try (BenchRedis server = BenchRedis.start();
                RedisConnector redis = RedisConnector.connect(server.uri(), Duration.ofSeconds(120))) {
            redisVersion = info(redis.sync(), "server", "redis_version");
            settings = new TreeMap<>();
            for (String pattern : new String[] {"hash-max-listpack-*", "zset-max-listpack-*", "maxmemory-policy"}) {
                settings.putAll(redis.sync().configGet(pattern));
            }
            System.out.printf("redis-server %s (pid %d) at %s%n", redisVersion, server.pid(), server.uri());
            for (Shape shape : shapes) {
                for (int b : bits) {
                    lists.addAll(measureList(redis, shape, 1 << b, numbers, new SplittableRandom(seed)));
                }
            }
            if (auditEvents > 0) {
                audit = measureAudit(redis, auditEvents, new SplittableRandom(seed + 1));
            }
            redis.sync().flushall();
        }
        printTable(lists, audit);
        write(out, lists, audit, redisVersion, settings, opts);
        System.out.println("wrote " + out.toAbsolutePath());
    }

    private static List<ListResult> measureList(
            RedisConnector redis, Shape shape, int buckets, long[] targets, SplittableRandom rnd) throws Exception {
        RedisClusterCommands<String, String> sync = redis.sync();
        sync.flushall();
        SuppressionStore store = new SuppressionStore(redis.async(), buckets);
        store.checkLayout().toCompletableFuture().get();
        long base = usedMemory(sync);
        List<ListResult> results = new ArrayList<>();
        long loaded = 0;
        for (long target : targets) {
            long started = System.nanoTime();
            while (loaded < target) {
                loaded += load(redis.async(), target - loaded, (r, i) -> {
                    String digits = usNumber(rnd);
                    String value = Long.toString(EPOCH_2026 + rnd.nextInt(31_536_000));
                    return r.hset(
                            store.bucketKey(digits),
                            SuppressionStore.field(digits, shape.scope, shape.category),
                            value);
                });
            }
            long bytes = usedMemory(sync) - base;
            int[] encodings = sampleEncodings(sync, buckets, rnd);
            ListResult result = new ListResult(
                    shape.label(),
                    buckets,
                    loaded,
                    bytes,
                    (double) bytes / loaded,
                    (double) loaded / buckets,
                    encodings[0],
                    encodings[1],
                    encodings[2]);
            results.add(result);
            System.out.printf(
                    "%s, buckets 2^%d, %,d numbers: %.1f bytes/number (loaded in %.1f s)%n",
                    shape.label(),
                    Integer.numberOfTrailingZeros(buckets),
                    loaded,
                    result.bytesPerNumber(),
                    (System.nanoTime() - started) / 1e9);
        }
        return results;
    }

    /** Runs {@code count} commands, {@link #WINDOW} at a time; returns how many of them answered true (a new field). */
    private static long load(
            RedisClusterAsyncCommands<String, String> redis,
            long count,
            BiFunction<RedisClusterAsyncCommands<String, String>, Long, CompletionStage<Boolean>> command)
            throws InterruptedException {
        Semaphore window = new Semaphore(WINDOW);
        LongAdder added = new LongAdder();
        AtomicReference<Throwable> error = new AtomicReference<>();
        for (long i = 0; i < count && error.get() == null; i++) {
            window.acquire();
            command.apply(redis, i).whenComplete((isNew, e) -> {
                if (e != null) {
                    error.compareAndSet(null, e);
                } else if (Boolean.TRUE.equals(isNew)) {
                    added.increment();
                }
                window.release();
            });
        }
        window.acquire(WINDOW);
        if (error.get() != null) {
            throw new IllegalStateException("redis write failed", error.get());
        }
        return added.sum();
    }

    /** A US number in E.164 digits: 1, area code and exchange 200-999, four digits. */
    static String usNumber(SplittableRandom rnd) {
        long line = 10_000 + rnd.nextInt(10_000);
        return "1" + (200 + rnd.nextInt(800)) + (200 + rnd.nextInt(800))
                + Long.toString(line).substring(1);
    }

    /** {sampled, listpack, hashtable} for random buckets. */
    private static int[] sampleEncodings(RedisClusterCommands<String, String> sync, int buckets, SplittableRandom rnd) {
        int[] counts = new int[3];
        for (int i = 0; i < ENCODING_SAMPLE; i++) {
            String encoding = sync.objectEncoding("gw:s:{" + rnd.nextInt(buckets) + "}");
            if (encoding == null) {
                continue;
            }
            counts[0]++;
            if (encoding.equals("listpack") || encoding.equals("ziplist")) {
                counts[1]++;
            } else {
                counts[2]++;
            }
        }
        return counts;
    }

    private static AuditResult measureAudit(RedisConnector redis, int events, SplittableRandom rnd) throws Exception {
        RedisClusterCommands<String, String> sync = redis.sync();
        sync.flushall();
        SuppressionStore store = new SuppressionStore(redis.async(), SuppressionStore.DEFAULT_BUCKETS);
        store.checkLayout().toCompletableFuture().get();
        long m0 = usedMemory(sync);
        LongAdder jsonBytes = new LongAdder();
        long done = 0;
        while (done < events) {
            done += load(redis.async(), events - done, (r, i) -> {
                String digits = usNumber(rnd);
                ConsentEvent e = new ConsentEvent(
                        ConsentEvent.newId(),
                        Instant.ofEpochMilli(EPOCH_2026 * 1000 + rnd.nextLong(31_536_000_000L)),
                        ConsentEvent.Type.OPT_OUT,
                        digits,
                        "g",
                        "STOP",
                        "en",
                        "Stop",
                        0,
                        "smsc-a",
                        "smsc-a#0/" + rnd.nextInt(1_000_000),
                        "gw-1",
                        null,
                        null);
                jsonBytes.add(e.toJson().length);
                return store.apply(e).thenApply(SuppressionStore.Applied::auditAdded);
            });
        }
        long m1 = usedMemory(sync);
        sync.del("gw:audit");
        long m2 = usedMemory(sync);
        ScanCursor cursor = ScanCursor.INITIAL;
        ScanArgs match = ScanArgs.Builder.matches("gw:a:*").limit(10_000);
        do {
            KeyScanCursor<String> page = sync.scan(cursor, match);
            if (!page.getKeys().isEmpty()) {
                sync.del(page.getKeys().toArray(String[]::new));
            }
            cursor = page;
        } while (!cursor.isFinished());
        long m3 = usedMemory(sync);
        AuditResult result = new AuditResult(
                events,
                (double) (m1 - m3) / events,
                (double) (m2 - m3) / events,
                (double) (m1 - m2) / events,
                (double) (m3 - m0) / events,
                (double) jsonBytes.sum() / events);
        System.out.printf("audit, %,d events: %.1f bytes/event%n", events, result.bytesPerEvent());
        return result;
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

    private static void printTable(List<ListResult> lists, AuditResult audit) {
        System.out.println();
        System.out.println(
                "| entry | buckets | numbers | used_memory delta | bytes/number | numbers/bucket | sampled buckets listpack / hashtable |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (ListResult r : lists) {
            System.out.printf(
                    "| %s | 2^%d | %,d | %,.1f MB | %.1f | %.1f | %d / %d |%n",
                    r.shape(),
                    Integer.numberOfTrailingZeros(r.buckets()),
                    r.numbers(),
                    r.usedMemoryBytes() / 1e6,
                    r.bytesPerNumber(),
                    r.fieldsPerBucket(),
                    r.listpackBuckets(),
                    r.hashtableBuckets());
        }
        if (audit != null) {
            System.out.printf(
                    "%naudit: %,d events, %.0f bytes/event (trail zsets %.0f + gw:audit index %.0f); "
                            + "event JSON %.0f bytes on average%n",
                    audit.events(),
                    audit.bytesPerEvent(),
                    audit.trailBytesPerEvent(),
                    audit.indexBytesPerEvent(),
                    audit.averageJsonBytes());
        }
    }

    private static void write(
            Path out,
            List<ListResult> lists,
            AuditResult audit,
            String redisVersion,
            Map<String, String> settings,
            Map<String, String> opts)
            throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("date", Instant.now().atOffset(ZoneOffset.UTC).toString());
        doc.put("machine", machine());
        doc.put("redisVersion", redisVersion);
        doc.put("redisSettings", settings);
        doc.put("redisNote", "redis-server defaults, no persistence");
        doc.put("metric", "INFO used_memory after loading minus before, divided by the numbers (or events)");
        doc.put("options", opts);
        doc.put("list", lists);
        doc.put("audit", audit);
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), doc);
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(
                "os",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("cpu", procLine("/proc/cpuinfo", "model name"));
        m.put("memory", procLine("/proc/meminfo", "MemTotal"));
        m.put("java", System.getProperty("java.version"));
        return m;
    }

    private static String procLine(String file, String key) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return "unknown";
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: [--numbers N,N] [--bucket-bits B,B] [--shapes"
                        + " global,account,account-category] [--audit-events N] "
                        + "[--seed S] [--out FILE]; got " + args[i]);
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        return opts;
    }
}
