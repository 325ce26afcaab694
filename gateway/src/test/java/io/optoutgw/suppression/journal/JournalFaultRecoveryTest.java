package io.optoutgw.suppression.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The journal through a full disk, a failing fsync and a power loss ({@link SimulatedDisk}). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalFaultRecoveryTest {

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<Long, String> replayAll(OptOutJournal j) throws IOException {
        Map<Long, String> out = new TreeMap<>();
        j.replay(0, (seq, payload) -> out.put(seq, new String(payload, StandardCharsets.UTF_8)));
        return out;
    }

    private static JournalAppendException.Reason failure(CompletableFuture<Long> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(JournalAppendException.class, e.getCause()).reason();
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> JournalFormat.parseSegmentName(p).isPresent())
                    .sorted()
                    .toList();
        }
    }

    @Test
    void fullDiskFailsAppendsUntilSpaceIsFreedThenTheJournalWritesAgain() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        try (OptOutJournal j = OptOutJournal.open(dir, OptOutJournal.Options.defaults(), disk)) {
            assertEquals(1L, j.append(bytes("a")).get());
            disk.full(true);
            assertEquals(JournalAppendException.Reason.WRITE_FAILED, failure(j.append(bytes("b"))));
            assertFalse(j.isWritable());
            assertTrue(j.notWritableReason().contains("No space left on device"), j.notWritableReason());
            // still full: the retry in a new segment fails too, and so does the batch
            assertEquals(JournalAppendException.Reason.WRITE_FAILED, failure(j.append(bytes("c"))));
            assertTrue(j.isOpen(), "a full disk must not close the journal for good");

            disk.full(false);
            // with no appends coming (readiness keeps traffic away) the writer retries by itself
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!j.isWritable() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(j.isWritable(), "the writer should continue in a new segment once space is back");
            long d = j.append(bytes("d")).get();
            assertTrue(d > 1, "sequence " + d);
            assertEquals(2, segmentFiles().size());
            assertEquals(Map.of(1L, "a", d, "d"), replayAll(j));
        }
        try (OptOutJournal j = OptOutJournal.open(dir, OptOutJournal.Options.defaults())) {
            Map<Long, String> all = replayAll(j);
            assertEquals(List.of("a", "d"), new ArrayList<>(all.values()));
            long e = j.append(bytes("e")).get();
            assertEquals(j.lastSequence(), e);
        }
    }

    @Test
    void aFailedFsyncIsNeverRetriedOnTheSameFile() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        try (OptOutJournal j = OptOutJournal.open(dir, OptOutJournal.Options.defaults(), disk)) {
            assertEquals(1L, j.append(bytes("a")).get());
            Path first = segmentFiles().get(0);
            disk.failForce(first::equals);
            assertEquals(JournalAppendException.Reason.WRITE_FAILED, failure(j.append(bytes("b"))));
            int forcesOfFirst = disk.forces(first);

            assertEquals(3L, j.append(bytes("c")).get());
            assertEquals(forcesOfFirst, disk.forces(first), "no second fsync of the file whose fsync failed");
            Path second = segmentFiles().get(1);
            assertNotEquals(first, second);
            assertTrue(disk.forces(second) > 0);
            assertEquals(Map.of(1L, "a", 3L, "c"), replayAll(j));
        }
        try (OptOutJournal j = OptOutJournal.open(dir, OptOutJournal.Options.defaults())) {
            assertEquals(Map.of(1L, "a", 3L, "c"), replayAll(j));
        }
    }

    @Test
    void aTornTailOfTheFailedBatchBeforeANewSegmentDoesNotBlockTheOpen() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        try (OptOutJournal j = OptOutJournal.open(dir, OptOutJournal.Options.defaults(), disk)) {
            assertEquals(1L, j.append(bytes("a")).get());
            disk.full(true);
            assertEquals(JournalAppendException.Reason.WRITE_FAILED, failure(j.append(bytes("b"))));
            disk.full(false);
            assertEquals(3L, j.append(bytes("c")).get());
        }
        // the failed batch's half-written record, as left when cutting it off failed too
        Path first = segmentFiles().get(0);
        try (FileChannel ch = FileChannel.open(first, StandardOpenOption.WRITE)) {
            ByteBuffer torn = ByteBuffer.allocate(JournalFormat.frameSize(1));
            JournalFormat.putRecord(torn, 2, bytes("b"));
            torn.flip().limit(torn.limit() - 3);
            ch.write(torn, ch.size());
        }
        try (OptOutJournal j = OptOutJournal.open(dir, OptOutJournal.Options.defaults())) {
            assertEquals(Map.of(1L, "a", 3L, "c"), replayAll(j));
            assertEquals(4L, j.append(bytes("d")).get());
        }
    }

    @Test
    void everyAcknowledgedRecordSurvivesAPowerLoss() throws Exception {
        SimulatedDisk disk = new SimulatedDisk();
        Map<Long, String> acked = new ConcurrentHashMap<>();
        OptOutJournal.Options small = OptOutJournal.Options.defaults().withSegmentSizeBytes(4096);
        OptOutJournal j = OptOutJournal.open(dir, small, disk);
        List<CompletableFuture<Long>> fs = new ArrayList<>();
        for (int i = 1; i <= 600; i++) {
            String payload = "stop-" + i;
            fs.add(j.append(bytes(payload)).whenComplete((seq, err) -> {
                if (err == null) {
                    acked.put(seq, payload);
                }
            }));
        }
        CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertEquals(600, acked.size());
        j.close(); // closing forces nothing: only what the writer forced is on "disk"
        disk.powerLoss();
        try (OptOutJournal again = OptOutJournal.open(dir, small)) {
            Map<Long, String> replayed = replayAll(again);
            for (Map.Entry<Long, String> e : acked.entrySet()) {
                assertEquals(e.getValue(), replayed.get(e.getKey()), "acknowledged record " + e.getKey() + " lost");
            }
        }
    }
}
