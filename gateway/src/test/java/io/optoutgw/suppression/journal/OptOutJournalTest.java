package io.optoutgw.suppression.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OptOutJournalTest {

    /** Payloads "rec-NN" are 6 bytes, so every record frame is 23 bytes. */
    private static final int FRAME = JournalFormat.RECORD_HEADER_SIZE + 6;

    record Rec(long seq, String payload) {}

    @TempDir
    Path dir;

    private static OptOutJournal.Options options() {
        return OptOutJournal.Options.defaults();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String rec(int i) {
        return String.format("rec-%02d", i);
    }

    private static List<Rec> replayAll(OptOutJournal j, long from) throws IOException {
        List<Rec> out = new ArrayList<>();
        j.replay(from, (seq, payload) -> out.add(new Rec(seq, new String(payload, StandardCharsets.UTF_8))));
        return out;
    }

    private static void appendAll(OptOutJournal j, int fromInclusive, int toInclusive) {
        List<CompletableFuture<Long>> fs = new ArrayList<>();
        for (int i = fromInclusive; i <= toInclusive; i++) {
            fs.add(j.append(bytes(rec(i))));
        }
        CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).join();
    }

    private static List<Rec> expected(int fromInclusive, int toInclusive) {
        List<Rec> out = new ArrayList<>();
        for (int i = fromInclusive; i <= toInclusive; i++) {
            out.add(new Rec(i, rec(i)));
        }
        return out;
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> JournalFormat.parseSegmentName(p).isPresent())
                    .sorted()
                    .toList();
        }
    }

    private Path onlySegment() throws IOException {
        List<Path> files = segmentFiles();
        assertEquals(1, files.size(), files.toString());
        return files.get(0);
    }

    private static JournalAppendException appendFailure(CompletableFuture<Long> f) {
        assertTrue(f.isCompletedExceptionally(), "future should have failed");
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        return assertInstanceOf(JournalAppendException.class, e.getCause());
    }

    @Test
    void appendThenReplayRoundTrip() throws Exception {
        AtomicLong fsyncs = new AtomicLong();
        try (OptOutJournal j =
                OptOutJournal.open(dir, options().withFsyncLatencyNanos(n -> fsyncs.incrementAndGet()))) {
            assertEquals(0, j.lastSequence());
            assertEquals(1L, j.append(bytes("{\"msisdn\":\"15551230001\"}")).get());
            assertEquals(2L, j.append(new byte[0]).get());
            assertEquals(3L, j.append(bytes("third")).get());
            assertEquals(3, j.lastSequence());

            List<Rec> all = replayAll(j, 0);
            assertEquals(List.of(new Rec(1, "{\"msisdn\":\"15551230001\"}"), new Rec(2, ""), new Rec(3, "third")), all);
            assertEquals(List.of(new Rec(3, "third")), replayAll(j, 2));
            assertEquals(List.of(), replayAll(j, 3));

            JournalStats stats = j.stats();
            assertEquals(3, stats.appended());
            assertTrue(stats.batches() >= 1 && stats.batches() <= 3, stats.toString());
            assertEquals(3L * JournalFormat.RECORD_HEADER_SIZE + 24 + 0 + 5, stats.bytes());
            assertTrue(fsyncs.get() >= stats.batches());
        }
    }

    @Test
    void sequencesContinueAcrossReopen() throws Exception {
        try (OptOutJournal j = OptOutJournal.open(dir, options())) {
            appendAll(j, 1, 5);
        }
        try (OptOutJournal j = OptOutJournal.open(dir, options())) {
            assertEquals(5, j.lastSequence());
            assertEquals(6L, j.append(bytes(rec(6))).get());
        }
        try (OptOutJournal j = OptOutJournal.open(dir, options())) {
            assertEquals(6, j.lastSequence());
            assertEquals(expected(1, 6), replayAll(j, 0));
        }
    }

    @Test
    void concurrentAppendsAreGroupCommittedAndReplayedOnce() throws Exception {
        int threads = 8;
        int perThread = 1000;
        try (OptOutJournal j = OptOutJournal.open(dir, options())) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<List<CompletableFuture<Long>>>> work = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    work.add(pool.submit(() -> {
                        start.await();
                        List<CompletableFuture<Long>> fs = new ArrayList<>();
                        for (int i = 0; i < perThread; i++) {
                            fs.add(j.append(bytes("t" + thread + "-" + i)));
                        }
                        return fs;
                    }));
                }
                start.countDown();
                List<String> bySeq = new ArrayList<>();
                for (int i = 0; i <= threads * perThread; i++) {
                    bySeq.add(null);
                }
                for (int t = 0; t < threads; t++) {
                    List<CompletableFuture<Long>> fs = work.get(t).get();
                    for (int i = 0; i < perThread; i++) {
                        long seq = fs.get(i).get();
                        assertEquals(null, bySeq.set((int) seq, "t" + t + "-" + i), "sequence " + seq + " twice");
                    }
                }
                List<Rec> replayed = replayAll(j, 0);
                assertEquals(threads * perThread, replayed.size());
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < replayed.size(); i++) {
                    Rec r = replayed.get(i);
                    assertEquals(i + 1, r.seq(), "replay in sequence order");
                    assertEquals(bySeq.get((int) r.seq()), r.payload(), "payload of sequence " + r.seq());
                    assertTrue(seen.add(r.payload()), "replayed once: " + r.payload());
                }
                JournalStats stats = j.stats();
                assertEquals(threads * perThread, stats.appended());
                assertTrue(stats.batches() < stats.appended(), "group commit should batch: " + stats);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    enum TornTail {
        TRUNCATED_MID_RECORD,
        GARBAGE_APPENDED,
        ZERO_FILLED,
        BAD_CRC_IN_LAST_RECORD,
        TRUNCATED_HEADER
    }

    @ParameterizedTest
    @EnumSource(TornTail.class)
    void tornTailIsTruncatedAndAppendsContinue(TornTail kind) throws Exception {
        try (OptOutJournal j = OptOutJournal.open(dir, options())) {
            appendAll(j, 1, 10);
        }
        Path seg = onlySegment();
        long goodSize = Files.size(seg);
        assertEquals(JournalFormat.SEGMENT_HEADER_SIZE + 10L * FRAME, goodSize);
        int kept = 10;
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            switch (kind) {
                case TRUNCATED_MID_RECORD -> {
                    ch.truncate(goodSize - 5);
                    kept = 9;
                }
                case TRUNCATED_HEADER -> {
                    ch.truncate(goodSize - FRAME + 3);
                    kept = 9;
                }
                case GARBAGE_APPENDED -> {
                    byte[] garbage = new byte[777];
                    new Random(42).nextBytes(garbage);
                    garbage[0] = JournalFormat.RECORD_MARKER;
                    ch.write(ByteBuffer.wrap(garbage), goodSize);
                }
                case ZERO_FILLED -> ch.write(ByteBuffer.allocate(4096), goodSize);
                case BAD_CRC_IN_LAST_RECORD -> {
                    ch.write(ByteBuffer.wrap(new byte[] {'X'}), goodSize - 1);
                    kept = 9;
                }
            }
        }
        try (OptOutJournal j = OptOutJournal.open(dir, options())) {
            assertEquals(kept, j.lastSequence());
            assertEquals(JournalFormat.SEGMENT_HEADER_SIZE + (long) kept * FRAME, Files.size(seg), "truncated");
            assertEquals(kept + 1L, j.append(bytes(rec(kept + 1))).get());
            assertEquals(expected(1, kept + 1), replayAll(j, 0));
        }
        try (OptOutJournal j = OptOutJournal.open(dir, options())) {
            assertEquals(expected(1, kept + 1), replayAll(j, 0));
        }
    }

    @Test
    void tornSegmentHeaderAfterRotationIsRemoved() throws Exception {
        try (OptOutJournal j = OptOutJournal.open(dir, options())) {
            appendAll(j, 1, 3);
        }
        Files.write(dir.resolve(JournalFormat.segmentName(4)), new byte[7]);
        try (OptOutJournal j = OptOutJournal.open(dir, options())) {
            assertEquals(3, j.lastSequence());
            assertEquals(4L, j.append(bytes(rec(4))).get());
            assertEquals(expected(1, 4), replayAll(j, 0));
        }
    }

    @Test
    void corruptionInTheMiddleFailsOpenWithSegmentAndOffset() throws Exception {
        try (OptOutJournal j = OptOutJournal.open(dir, options())) {
            appendAll(j, 1, 20);
        }
        Path seg = onlySegment();
        long badOffset = JournalFormat.SEGMENT_HEADER_SIZE + 4L * FRAME; // record 5
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'#'}), badOffset + JournalFormat.RECORD_HEADER_SIZE + 2);
        }
        JournalCorruptException e =
                assertThrows(JournalCorruptException.class, () -> OptOutJournal.open(dir, options()));
        assertEquals(seg, e.segment());
        assertEquals(badOffset, e.offset());
        assertTrue(e.getMessage().contains(seg.getFileName().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("offset " + badOffset), e.getMessage());
        assertTrue(e.getMessage().contains("CRC32C"), e.getMessage());
        assertEquals(JournalFormat.SEGMENT_HEADER_SIZE + 20L * FRAME, Files.size(seg), "nothing truncated");

        try (OptOutJournal j = OptOutJournal.open(dir, options().withSkipCorruptRecords(true))) {
            assertEquals(1, j.stats().skippedCorrupt());
            assertEquals(20, j.lastSequence());
            List<Rec> want = expected(1, 20);
            want.remove(4);
            assertEquals(want, replayAll(j, 0));
            assertEquals(21L, j.append(bytes(rec(21))).get());
        }
    }

    @Test
    void damagedTailOfAnOlderSegmentIsCorruptionNotATornTail() throws Exception {
        OptOutJournal.Options small = options().withSegmentSizeBytes(JournalFormat.SEGMENT_HEADER_SIZE + 3L * FRAME);
        try (OptOutJournal j = OptOutJournal.open(dir, small)) {
            appendAll(j, 1, 7);
        }
        List<Path> files = segmentFiles();
        assertEquals(3, files.size());
        try (FileChannel ch = FileChannel.open(files.get(0), StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(files.get(0)) - 2);
        }
        JournalCorruptException e = assertThrows(JournalCorruptException.class, () -> OptOutJournal.open(dir, small));
        assertEquals(files.get(0), e.segment());
        assertEquals(JournalFormat.SEGMENT_HEADER_SIZE + 2L * FRAME, e.offset());
    }

    @Test
    void rotationAcrossSegmentsReplaysInOrder() throws Exception {
        OptOutJournal.Options small = options().withSegmentSizeBytes(JournalFormat.SEGMENT_HEADER_SIZE + 4L * FRAME);
        try (OptOutJournal j = OptOutJournal.open(dir, small)) {
            appendAll(j, 1, 10);
            for (int i = 11; i <= 30; i++) {
                j.append(bytes(rec(i))).get();
            }
            assertEquals(8, j.segmentCount());
            assertEquals(expected(1, 30), replayAll(j, 0));
            assertEquals(expected(14, 30), replayAll(j, 13));
        }
        List<Path> files = segmentFiles();
        assertEquals(8, files.size());
        assertEquals(dir.resolve(JournalFormat.segmentName(1)), files.get(0));
        assertEquals(dir.resolve(JournalFormat.segmentName(29)), files.get(7));
        for (Path f : files) {
            assertTrue(Files.size(f) <= small.segmentSizeBytes(), f + " exceeds the segment size");
        }
        try (OptOutJournal j = OptOutJournal.open(dir, small)) {
            assertEquals(30, j.lastSequence());
            assertEquals(31L, j.append(bytes(rec(31))).get());
            assertEquals(expected(1, 31), replayAll(j, 0));
        }
    }

    @Test
    void fullQueueFailsImmediately() throws Exception {
        CountDownLatch forcing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        JournalFaults blockFirstForce = segment -> {
            forcing.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (OptOutJournal j = OptOutJournal.open(dir, options().withQueueCapacity(4), blockFirstForce)) {
            CompletableFuture<Long> first = j.append(bytes(rec(1)));
            assertTrue(forcing.await(10, TimeUnit.SECONDS), "writer should be forcing");
            List<CompletableFuture<Long>> queued = new ArrayList<>();
            for (int i = 2; i <= 5; i++) {
                queued.add(j.append(bytes(rec(i))));
            }
            CompletableFuture<Long> rejected = j.append(bytes(rec(6)));
            assertTrue(rejected.isDone(), "a full queue must not block the caller");
            assertEquals(
                    JournalAppendException.Reason.QUEUE_FULL,
                    appendFailure(rejected).reason());
            assertEquals(1, j.stats().rejectedQueueFull());
            assertFalse(first.isDone(), "not acknowledged before the force returned");

            release.countDown();
            assertEquals(1L, first.get());
            for (int i = 0; i < queued.size(); i++) {
                assertEquals(i + 2L, queued.get(i).get());
            }
            assertTrue(j.isOpen());
        }
    }

    @Test
    void appendsAfterCloseFail() throws Exception {
        OptOutJournal j = OptOutJournal.open(dir, options());
        j.append(bytes(rec(1))).get();
        j.close();
        j.close();
        assertFalse(j.isOpen());
        assertEquals(
                JournalAppendException.Reason.CLOSED,
                appendFailure(j.append(bytes(rec(2)))).reason());
        assertThrows(IllegalStateException.class, () -> j.replay(0, (s, p) -> {}));
    }

    @Test
    void closeWritesPendingAppends() throws Exception {
        OptOutJournal j = OptOutJournal.open(dir, options());
        List<CompletableFuture<Long>> fs = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            fs.add(j.append(bytes(rec(i))));
        }
        j.close();
        for (int i = 0; i < fs.size(); i++) {
            assertEquals(i + 1L, fs.get(i).getNow(-1L));
        }
        try (OptOutJournal again = OptOutJournal.open(dir, options())) {
            assertEquals(expected(1, 50), replayAll(again, 0));
        }
    }

    @Test
    void writeFailureFailsTheBatchAndTheNextBatchContinuesInANewSegment() throws Exception {
        AtomicInteger forces = new AtomicInteger();
        JournalFaults diskFullOnSecondForce = segment -> {
            if (forces.incrementAndGet() == 2) {
                throw new IOException("No space left on device");
            }
        };
        try (OptOutJournal j = OptOutJournal.open(dir, options(), diskFullOnSecondForce)) {
            assertEquals(1L, j.append(bytes(rec(1))).get());
            JournalAppendException e = appendFailure(waitDone(j.append(bytes(rec(2)))));
            assertEquals(JournalAppendException.Reason.WRITE_FAILED, e.reason());
            assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
            assertFalse(j.isWritable());
            assertTrue(j.notWritableReason().contains("No space left on device"), j.notWritableReason());
            // the failed batch's sequence is skipped; the next batch goes to a new segment
            assertEquals(3L, j.append(bytes(rec(3))).get());
            assertTrue(j.isOpen());
            assertTrue(j.isWritable());
            assertEquals(2, j.segmentCount());
            assertEquals(List.of(new Rec(1, rec(1)), new Rec(3, rec(3))), replayAll(j, 0));
        }
        try (OptOutJournal j = OptOutJournal.open(dir, options())) {
            assertEquals(3, j.lastSequence());
            assertEquals(List.of(new Rec(1, rec(1)), new Rec(3, rec(3))), replayAll(j, 0));
        }
    }

    private static CompletableFuture<Long> waitDone(CompletableFuture<Long> f) {
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // inspected by the caller
        }
        return f;
    }

    @Test
    void oversizedPayloadIsRejected() throws Exception {
        try (OptOutJournal j = OptOutJournal.open(dir, options().withMaxRecordSize(8))) {
            CompletableFuture<Long> f = j.append(new byte[9]);
            ExecutionException e = assertThrows(ExecutionException.class, f::get);
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
            assertEquals(1L, j.append(new byte[8]).get());
        }
    }

    @Test
    void secondOpenOfTheSameDirectoryFails() throws Exception {
        try (OptOutJournal j = OptOutJournal.open(dir, options())) {
            IOException e = assertThrows(IOException.class, () -> OptOutJournal.open(dir, options()));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
        }
    }

    @Test
    void replayWhileAppendingSeesAContiguousDurablePrefix() throws Exception {
        OptOutJournal.Options small = options().withSegmentSizeBytes(4096);
        try (OptOutJournal j = OptOutJournal.open(dir, small)) {
            List<CompletableFuture<Long>> fs = new ArrayList<>();
            for (int i = 1; i <= 2000; i++) {
                fs.add(j.append(bytes(String.format("r%05d", i))));
                if (i % 500 == 0) {
                    long durable = j.lastSequence();
                    long[] next = {1};
                    j.replay(0, (seq, payload) -> assertEquals(next[0]++, seq));
                    assertTrue(next[0] - 1 >= durable, "replay covers everything durable when it started");
                }
            }
            CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).join();
            assertEquals(2000, replayAll(j, 0).size());
        }
    }

    @Test
    void loweringMaxRecordSizeKeepsLargerExistingRecords() throws Exception {
        try (OptOutJournal j = OptOutJournal.open(dir, options())) {
            assertEquals(1L, j.append(new byte[1000]).get());
        }
        try (OptOutJournal j = OptOutJournal.open(dir, options().withMaxRecordSize(100))) {
            assertEquals(1, j.lastSequence());
            List<Integer> sizes = new ArrayList<>();
            j.replay(0, (seq, payload) -> sizes.add(payload.length));
            assertEquals(List.of(1000), sizes);
        }
    }

    @Test
    void compactBeforeDeletesOnlyFullyCoveredSegments() throws Exception {
        OptOutJournal.Options small = options().withSegmentSizeBytes(JournalFormat.SEGMENT_HEADER_SIZE + 4L * FRAME);
        try (OptOutJournal j = OptOutJournal.open(dir, small)) {
            for (int i = 1; i <= 10; i++) {
                j.append(bytes(rec(i))).get();
            }
            // segments: [1-4] [5-8] [9-10 active]
            assertEquals(3, j.segmentCount());
            assertEquals(0, j.compactBefore(3));
            assertEquals(1, j.compactBefore(4));
            assertEquals(
                    List.of(dir.resolve(JournalFormat.segmentName(5)), dir.resolve(JournalFormat.segmentName(9))),
                    segmentFiles());
            assertEquals(1, j.compactBefore(100));
            assertEquals(List.of(dir.resolve(JournalFormat.segmentName(9))), segmentFiles());
            assertEquals(expected(9, 10), replayAll(j, 0));
            assertEquals(11L, j.append(bytes(rec(11))).get());
        }
        try (OptOutJournal j = OptOutJournal.open(dir, small)) {
            assertEquals(11, j.lastSequence());
            assertEquals(expected(9, 11), replayAll(j, 0));
        }
    }
}
