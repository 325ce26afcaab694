package io.optoutgw.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.journal.JournalCorruptException;
import io.optoutgw.suppression.journal.OptOutJournal;
import io.optoutgw.testsupport.RedisServerProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code gateway journal repair} and {@code gateway journal replay}. */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JournalCommandTest {

    record Result(int code, String out, String err) {}

    @TempDir
    Path tmp;

    private static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = GatewayCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private static ConsentEvent event(ConsentEvent.Type type, String number, long second) {
        return new ConsentEvent(
                ConsentEvent.newId(),
                Instant.ofEpochSecond(second),
                type,
                number,
                "g",
                "STOP",
                "en",
                "text",
                0,
                "sim",
                "ref",
                "gw-retired",
                null,
                null);
    }

    private static long bytes(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            long total = 0;
            for (Path p : s.filter(p -> p.toString().endsWith(".log")).toList()) {
                total += Files.size(p);
            }
            return total;
        }
    }

    /** The list entries of every number, read from Redis. */
    private static Map<String, Map<String, Long>> list(SuppressionStore store, List<String> numbers) throws Exception {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        for (String n : numbers) {
            out.put(n, new TreeMap<>(store.entries(n).toCompletableFuture().get(5, TimeUnit.SECONDS)));
        }
        return out;
    }

    @Test
    void replayOfACompactedJournalAfterRedisLostDataRestoresTheSameList() throws Exception {
        Path dir = tmp.resolve("journal");
        List<String> numbers = new ArrayList<>();
        try (OptOutJournal j =
                OptOutJournal.open(dir, OptOutJournal.Options.defaults().withSegmentSizeBytes(8192))) {
            j.enableCompaction(new ConsentJournalCompaction(), 0);
            for (int i = 0; i < 30; i++) {
                String number = "1555703" + String.format("%04d", i);
                numbers.add(number);
                long t = 1_700_000_000L + i;
                j.append(event(ConsentEvent.Type.OPT_OUT, number, t).toJson()).get();
                j.append(event(ConsentEvent.Type.HELP, number, t + 5).toJson()).get();
                j.append(event(ConsentEvent.Type.OPT_IN, number, t + 10).toJson())
                        .get();
                if (i % 2 == 0) {
                    j.append(event(ConsentEvent.Type.OPT_OUT, number, t + 20).toJson())
                            .get();
                }
                // the same second: the opt-out wins, whatever the order
                j.append(event(ConsentEvent.Type.ADMIN_ADD, number, t + 30).toJson())
                        .get();
                j.append(event(ConsentEvent.Type.ADMIN_REMOVE, number, t + 30).toJson())
                        .get();
                if (i % 3 == 0) {
                    j.append(event(ConsentEvent.Type.ADMIN_REMOVE, number, t + 40)
                                    .toJson())
                            .get();
                }
            }
        }
        try (RedisServerProcess redis = RedisServerProcess.start();
                RedisConnector c = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2))) {
            Path config = tmp.resolve("gateway.yaml");
            Files.writeString(config, """
                    instanceId: gw-replayer
                    redis:
                      uri: "%s"
                      commandTimeout: 5s
                    upstreams:
                      - name: smsc
                        host: 127.0.0.1
                        port: 2775
                        systemId: gw
                    accounts:
                      - systemId: alice
                        password: secret
                    """.formatted(redis.uri()));
            SuppressionStore store = new SuppressionStore(c.async(), SuppressionStore.DEFAULT_BUCKETS);

            Result first = cli("journal", "replay", "--dir", dir.toString(), "--config", config.toString());
            assertEquals(0, first.code(), first.err());
            Map<String, Map<String, Long>> expected = list(store, numbers);
            assertTrue(expected.values().stream().allMatch(m -> m.size() == 1), expected.toString());

            long before = bytes(dir);
            try (OptOutJournal j =
                    OptOutJournal.open(dir, OptOutJournal.Options.defaults().withSegmentSizeBytes(8192))) {
                j.enableCompaction(new ConsentJournalCompaction(), 0);
                assertTrue(j.compactThrough(j.lastSequence()) > 0);
            }
            long after = bytes(dir);
            assertTrue(after < before / 2, after + " bytes after compaction, " + before + " before");

            c.async().flushall().get(5, TimeUnit.SECONDS);
            Result again = cli("journal", "replay", "--dir", dir.toString(), "--config", config.toString());
            assertEquals(0, again.code(), again.err());
            assertEquals(expected, list(store, numbers));

            Result idempotent = cli("journal", "replay", "--dir", dir.toString(), "--config", config.toString());
            assertEquals(0, idempotent.code(), idempotent.err());
            assertTrue(idempotent.out().contains("0 were missing from Redis"), idempotent.out());
            assertEquals(expected, list(store, numbers));
        }
    }

    @Test
    void repairDropsACorruptRecordInTheMiddleAndTheJournalOpensAgain() throws Exception {
        Path dir = tmp.resolve("journal");
        try (OptOutJournal j = OptOutJournal.open(dir, OptOutJournal.Options.defaults())) {
            for (int i = 1; i <= 4; i++) {
                j.append(("rec-0" + i).getBytes(StandardCharsets.UTF_8)).get();
            }
        }
        Path segment;
        try (var s = Files.list(dir)) {
            segment = s.filter(p -> p.getFileName().toString().startsWith("journal-"))
                    .findFirst()
                    .orElseThrow();
        }
        int frame = 17 + 6;
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(frame), 16 + 2L * frame); // zero record 3
        }
        JournalCorruptException e = assertThrows(
                JournalCorruptException.class, () -> OptOutJournal.open(dir, OptOutJournal.Options.defaults()));
        assertTrue(e.getMessage().contains("gateway journal repair --dir"), e.getMessage());

        Result repaired = cli("journal", "repair", "--dir", dir.toString());
        assertEquals(0, repaired.code(), repaired.err());
        assertTrue(
                repaired.out().contains("damaged region(s) dropped")
                        && repaired.out().contains("1-2, 4-4"),
                repaired.out());

        try (OptOutJournal j = OptOutJournal.open(dir, OptOutJournal.Options.defaults())) {
            List<String> all = new ArrayList<>();
            j.replay(0, (seq, payload) -> all.add(seq + ":" + new String(payload, StandardCharsets.UTF_8)));
            assertEquals(List.of("1:rec-01", "2:rec-02", "4:rec-04"), all);
            assertEquals(5L, j.append("rec-05".getBytes(StandardCharsets.UTF_8)).get());
        }
        Result intact = cli("journal", "repair", "--dir", dir.toString());
        assertEquals(0, intact.code(), intact.err());
        assertTrue(intact.out().contains("is intact (4 records)"), intact.out());
    }
}
