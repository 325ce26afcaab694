package io.optoutgw.loadtest;

import io.optoutgw.admin.ListVerifier;
import io.optoutgw.admin.VerifyReport;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.journal.OptOutJournal;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@code gateway audit verify} costs at a given list size: loads {@code --numbers} opt-outs
 * through the real write path (journal, then list and audit trail in a throw-away redis-server),
 * then runs the verification in this JVM and reports its time and the largest heap in use seen
 * while it ran (sampled every 50 ms). Run it with a small heap to show that memory stays bounded:
 *
 * <pre>
 * ./mvnw -q -B -pl loadtest -am package -DskipTests
 * java -Xmx256m -cp 'loadtest/target/loadtest.jar:loadtest/target/lib/*' io.optoutgw.loadtest.VerifyBenchmark \
 *     --numbers 10000000
 * </pre>
 */
public final class VerifyBenchmark {

    private static final int WINDOW = 2_000;

    private VerifyBenchmark() {}

    public static void main(String[] args) throws Exception {
        long numbers = 1_000_000;
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--numbers")) {
                numbers = Long.parseLong(args[i + 1].replace("_", ""));
            }
        }
        Path journalDir = Files.createTempDirectory("verify-bench-journal-");
        try (BenchRedis server = BenchRedis.start();
                RedisConnector redis = RedisConnector.connect(server.uri(), Duration.ofSeconds(60));
                OptOutJournal journal = OptOutJournal.open(journalDir, OptOutJournal.Options.defaults())) {
            SuppressionStore store = new SuppressionStore(redis.async(), SuppressionStore.DEFAULT_BUCKETS);
            store.checkLayout().toCompletableFuture().get();
            long started = System.nanoTime();
            load(store, journal, numbers);
            System.out.printf(
                    "loaded %,d opt-outs (journal + list + audit) in %.1f s%n",
                    numbers, (System.nanoTime() - started) / 1e9);
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            System.gc();
            long before = memory.getHeapMemoryUsage().getUsed();
            AtomicLong peak = new AtomicLong(before);
            Thread sampler = new Thread(
                    () -> {
                        while (!Thread.currentThread().isInterrupted()) {
                            peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                            try {
                                Thread.sleep(50);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "heap-sampler");
            sampler.setDaemon(true);
            sampler.start();
            long t0 = System.nanoTime();
            VerifyReport report =
                    new ListVerifier(store, journal, Duration.ofSeconds(30), Duration.ofMillis(100)).verify();
            double seconds = (System.nanoTime() - t0) / 1e9;
            sampler.interrupt();
            System.out.printf(
                    "verify: ok=%s, %,d list entries, %,d numbers, %,d audit events, %,d journal events, "
                            + "%,d discrepancies in %.1f s; max heap %d MiB; heap in use before %d MiB, peak %d MiB%n",
                    report.ok(),
                    report.listEntries(),
                    report.numbers(),
                    report.auditEvents(),
                    report.journalEvents(),
                    report.discrepancyCount(),
                    seconds,
                    Runtime.getRuntime().maxMemory() >> 20,
                    before >> 20,
                    peak.get() >> 20);
            if (!report.ok() || report.numbers() != numbers) {
                throw new IllegalStateException("verification did not come out clean: " + report.discrepancies());
            }
        } finally {
            try (var files = Files.list(journalDir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(journalDir);
        }
    }

    private static void load(SuppressionStore store, OptOutJournal journal, long numbers) throws Exception {
        Instant at = Instant.parse("2026-06-01T00:00:00Z");
        List<CompletableFuture<?>> window = new ArrayList<>(WINDOW);
        for (long i = 0; i < numbers; i++) {
            String digits = Long.toString(12_120_000_000L + i);
            ConsentEvent event = new ConsentEvent(
                    ConsentEvent.newId(),
                    at.plusMillis(i),
                    ConsentEvent.Type.ADMIN_ADD,
                    digits,
                    "g",
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    "bench",
                    "bench",
                    "load");
            window.add(journal.append(event.toJson())
                    .thenCompose(seq -> store.apply(event).toCompletableFuture()));
            if (window.size() == WINDOW) {
                CompletableFuture.allOf(window.toArray(CompletableFuture[]::new))
                        .get(60, TimeUnit.SECONDS);
                window.clear();
            }
        }
        CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
}
