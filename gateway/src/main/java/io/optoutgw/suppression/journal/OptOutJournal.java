package io.optoutgw.suppression.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Append-only, crash-safe journal of opaque opt-out records on local disk. An append completes only after
 * its bytes were forced to disk, so the SMSC is acknowledged only for opt-outs that survive a crash, and
 * replay restores Redis after a crash before the Redis write (docs/reliability.md scenario 3) or after Redis
 * lost data (scenario 4).
 *
 * <p>One writer thread drains all queued appends, writes them, forces once and completes them together
 * (group commit). Futures complete on that thread: callers on an event loop should hop back with
 * {@code whenCompleteAsync(..., eventLoop)} rather than do work in the callback.
 */
public final class OptOutJournal implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OptOutJournal.class);
    private static final String LOCK_FILE = "journal.lock";
    private static final long IDLE_POLL_MILLIS = 20;
    /** While the writer cannot write, how often it tries a new segment when no appends arrive. */
    private static final long REOPEN_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * Journal settings.
     *
     * @param segmentSizeBytes   rotate to a new segment once the active one would exceed this size
     * @param queueCapacity      appends waiting for the writer; beyond this, appends fail at once
     * @param maxRecordSize      largest payload accepted by {@link #append} (at most 64 MiB)
     * @param maxBatchRecords    most appends written per force
     * @param skipCorruptRecords open despite corruption in the middle of a segment, skipping (and counting) it
     * @param closeTimeout       how long {@link #close()} waits for pending appends to be written
     * @param fsyncLatencyNanos  receives the duration of every force, in nanoseconds
     */
    public record Options(
            long segmentSizeBytes,
            int queueCapacity,
            int maxRecordSize,
            int maxBatchRecords,
            boolean skipCorruptRecords,
            Duration closeTimeout,
            LongConsumer fsyncLatencyNanos) {

        public static final long DEFAULT_SEGMENT_SIZE = 64L << 20;
        public static final int DEFAULT_QUEUE_CAPACITY = 100_000;
        public static final int DEFAULT_MAX_RECORD_SIZE = 1 << 20;
        public static final int DEFAULT_MAX_BATCH = 4096;

        public Options {
            if (segmentSizeBytes < JournalFormat.SEGMENT_HEADER_SIZE + JournalFormat.RECORD_HEADER_SIZE) {
                throw new IllegalArgumentException("segmentSizeBytes too small: " + segmentSizeBytes);
            }
            if (queueCapacity < 1 || maxBatchRecords < 1) {
                throw new IllegalArgumentException("queueCapacity and maxBatchRecords must be positive");
            }
            if (maxRecordSize < 0 || maxRecordSize > JournalFormat.MAX_PAYLOAD) {
                throw new IllegalArgumentException("maxRecordSize out of range: " + maxRecordSize);
            }
            Objects.requireNonNull(closeTimeout, "closeTimeout");
            fsyncLatencyNanos = fsyncLatencyNanos == null ? nanos -> {} : fsyncLatencyNanos;
        }

        public static Options defaults() {
            return new Options(
                    DEFAULT_SEGMENT_SIZE,
                    DEFAULT_QUEUE_CAPACITY,
                    DEFAULT_MAX_RECORD_SIZE,
                    DEFAULT_MAX_BATCH,
                    false,
                    Duration.ofSeconds(10),
                    null);
        }

        public Options withSegmentSizeBytes(long v) {
            return new Options(
                    v,
                    queueCapacity,
                    maxRecordSize,
                    maxBatchRecords,
                    skipCorruptRecords,
                    closeTimeout,
                    fsyncLatencyNanos);
        }

        public Options withQueueCapacity(int v) {
            return new Options(
                    segmentSizeBytes,
                    v,
                    maxRecordSize,
                    maxBatchRecords,
                    skipCorruptRecords,
                    closeTimeout,
                    fsyncLatencyNanos);
        }

        public Options withMaxRecordSize(int v) {
            return new Options(
                    segmentSizeBytes,
                    queueCapacity,
                    v,
                    maxBatchRecords,
                    skipCorruptRecords,
                    closeTimeout,
                    fsyncLatencyNanos);
        }

        public Options withMaxBatchRecords(int v) {
            return new Options(
                    segmentSizeBytes,
                    queueCapacity,
                    maxRecordSize,
                    v,
                    skipCorruptRecords,
                    closeTimeout,
                    fsyncLatencyNanos);
        }

        public Options withSkipCorruptRecords(boolean v) {
            return new Options(
                    segmentSizeBytes,
                    queueCapacity,
                    maxRecordSize,
                    maxBatchRecords,
                    v,
                    closeTimeout,
                    fsyncLatencyNanos);
        }

        public Options withCloseTimeout(Duration v) {
            return new Options(
                    segmentSizeBytes,
                    queueCapacity,
                    maxRecordSize,
                    maxBatchRecords,
                    skipCorruptRecords,
                    v,
                    fsyncLatencyNanos);
        }

        public Options withFsyncLatencyNanos(LongConsumer v) {
            return new Options(
                    segmentSizeBytes,
                    queueCapacity,
                    maxRecordSize,
                    maxBatchRecords,
                    skipCorruptRecords,
                    closeTimeout,
                    v);
        }
    }

    private enum State {
        OPEN,
        CLOSING,
        FAILED,
        CLOSED
    }

    private final Path dir;
    private final Options options;
    private final SegmentSet segments;
    private final JournalWriter writer;
    private final BlockingQueue<JournalWriter.Pending> queue;
    private final Thread writerThread;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ReentrantReadWriteLock compaction = new ReentrantReadWriteLock();
    private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);
    private final AtomicLong rejectedQueueFull = new AtomicLong();
    private final long skippedCorrupt;
    private volatile Throwable failure;
    /** The last write failure while the writer cannot write (it retries in a new segment), else null. */
    private volatile IOException writeFailure;

    private final AtomicLong writeFailures = new AtomicLong();
    private volatile JournalCompaction compactionPolicy;
    private volatile long compactAfterBytes;

    private OptOutJournal(
            Path dir,
            Options options,
            JournalRecovery.Recovered recovered,
            JournalFaults faults,
            FileChannel lockChannel,
            FileLock lock)
            throws IOException {
        this.dir = dir;
        this.options = options;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.skippedCorrupt = recovered.skipped();
        this.segments = new SegmentSet(recovered.segments(), recovered.activeEnd(), recovered.lastSeq());
        SegmentSet.Segment active =
                recovered.segments().get(recovered.segments().size() - 1);
        this.writer = new JournalWriter(
                dir, options, segments, active.path(), recovered.activeEnd(), recovered.lastSeq() + 1, faults);
        this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
        this.writerThread = new Thread(this::runWriter, "optout-journal-writer");
        this.writerThread.setDaemon(true);
    }

    /**
     * Opens (creating if needed) the journal in {@code dir}: validates all segments, truncates a torn tail of
     * the last one, and starts the writer thread.
     *
     * @throws JournalCorruptException if a segment is damaged other than at its tail
     * @throws IOException             if the directory cannot be read or is locked by another process
     */
    public static OptOutJournal open(Path dir, Options options) throws IOException {
        return open(dir, options, JournalFaults.NONE);
    }

    static OptOutJournal open(Path dir, Options options, JournalFaults faults) throws IOException {
        Files.createDirectories(dir);
        FileChannel lockChannel =
                FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IOException("journal " + dir + " is already open (" + LOCK_FILE + " is locked)");
            }
            JournalRecovery.Recovered recovered = JournalRecovery.recover(dir, options);
            OptOutJournal journal = new OptOutJournal(dir, options, recovered, faults, lockChannel, lock);
            journal.writerThread.start();
            return journal;
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
    }

    /** A record on disk: its sequence and the bytes written (for a linked append, as the linker made them). */
    public record Appended(long seq, byte[] payload) {}

    /**
     * Links the payloads of {@link #appendLinked} with {@code linker} (on the writer thread, in sequence
     * order). Set it before the first such append.
     */
    public void linkWith(RecordLinker linker) {
        writer.linkWith(Objects.requireNonNull(linker, "linker"));
    }

    /**
     * Queues {@code payload} (copied) for the journal. The future completes with the record's sequence once it
     * is on disk, or fails with {@link JournalAppendException} (queue full, closed, write failed) or
     * {@link IllegalArgumentException} (payload too large). Never blocks.
     */
    public CompletableFuture<Long> append(byte[] payload) {
        return enqueue(payload, false).thenApply(Appended::seq);
    }

    /**
     * As {@link #append}, the payload linked by the {@link #linkWith linker} when the writer writes it (as
     * it is without one); the future completes with the sequence and the bytes written.
     */
    public CompletableFuture<Appended> appendLinked(byte[] payload) {
        return enqueue(payload, true);
    }

    private CompletableFuture<Appended> enqueue(byte[] payload, boolean linked) {
        Objects.requireNonNull(payload, "payload");
        if (payload.length > options.maxRecordSize()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "journal record of " + payload.length + " bytes exceeds maxRecordSize " + options.maxRecordSize()));
        }
        if (state.get() != State.OPEN) {
            return CompletableFuture.failedFuture(closedException());
        }
        JournalWriter.Pending p = new JournalWriter.Pending(payload.clone(), linked, new CompletableFuture<>());
        if (!queue.offer(p)) {
            rejectedQueueFull.incrementAndGet();
            return CompletableFuture.failedFuture(new JournalAppendException(
                    JournalAppendException.Reason.QUEUE_FULL,
                    "journal queue full (" + options.queueCapacity() + " appends pending)",
                    null));
        }
        if (state.get() != State.OPEN && queue.remove(p)) {
            p.future().completeExceptionally(closedException());
        }
        return p.future();
    }

    /**
     * Hands every record with a sequence above {@code fromSeqExclusive} to {@code consumer}, in order. Reads only
     * what is durable when the call starts, so it may run while appends continue.
     *
     * @throws JournalCorruptException if a damaged record is found (unless skipping is configured)
     */
    public void replay(long fromSeqExclusive, RecordConsumer consumer) throws IOException {
        Objects.requireNonNull(consumer, "consumer");
        if (state.get() == State.CLOSED) {
            throw new IllegalStateException("journal is closed");
        }
        compaction.readLock().lock();
        try {
            SegmentSet.Snapshot snap = segments.snapshot();
            List<SegmentSet.Segment> list = snap.segments();
            for (int i = 0; i < list.size(); i++) {
                boolean active = i == list.size() - 1;
                if (!active && list.get(i + 1).firstSeq() - 1 <= fromSeqExclusive) {
                    continue;
                }
                SegmentSet.Segment seg = list.get(i);
                // a segment left after a failed write may end with that (never acknowledged) batch's torn tail
                boolean endsEarly = !active && list.get(i + 1).afterFailedWrite();
                try (FileChannel ch = FileChannel.open(seg.path(), StandardOpenOption.READ)) {
                    long firstSeq = SegmentScanner.readHeader(seg.path(), ch, seg.firstSeq());
                    long limit = active ? snap.activeEnd() : ch.size();
                    // a snapshot's records are renumbered: a replay from inside its range reads all of it
                    long from = seg.snapshot() ? Long.MIN_VALUE : fromSeqExclusive;
                    SegmentScanner.scan(
                            seg.path(),
                            ch,
                            firstSeq,
                            limit,
                            new SegmentScanner.Mode(endsEarly, options.skipCorruptRecords(), from, consumer));
                }
            }
        } finally {
            compaction.readLock().unlock();
        }
    }

    /**
     * Hands the records of one segment after another to {@code consumer}, the newest segment first (the
     * records of each in order), until {@code enough} is true after a segment: to find the latest records
     * of some kind without reading the whole journal. Reads only what is durable when the call starts.
     */
    public void replayNewestFirst(RecordConsumer consumer, BooleanSupplier enough) throws IOException {
        Objects.requireNonNull(consumer, "consumer");
        if (state.get() == State.CLOSED) {
            throw new IllegalStateException("journal is closed");
        }
        compaction.readLock().lock();
        try {
            SegmentSet.Snapshot snap = segments.snapshot();
            List<SegmentSet.Segment> list = snap.segments();
            for (int i = list.size() - 1; i >= 0; i--) {
                boolean active = i == list.size() - 1;
                SegmentSet.Segment seg = list.get(i);
                boolean endsEarly = !active && list.get(i + 1).afterFailedWrite();
                try (FileChannel ch = FileChannel.open(seg.path(), StandardOpenOption.READ)) {
                    long firstSeq = SegmentScanner.readHeader(seg.path(), ch, seg.firstSeq());
                    long limit = active ? snap.activeEnd() : ch.size();
                    SegmentScanner.scan(
                            seg.path(),
                            ch,
                            firstSeq,
                            limit,
                            new SegmentScanner.Mode(endsEarly, options.skipCorruptRecords(), Long.MIN_VALUE, consumer));
                }
                if (enough.getAsBoolean()) {
                    return;
                }
            }
        } finally {
            compaction.readLock().unlock();
        }
    }

    /**
     * Deletes the oldest segments whose records all have sequences {@code <= seq} (e.g. once reconciliation
     * confirmed Redis holds them); never the active segment. Must not be called from a replay consumer.
     *
     * @return the number of segments deleted
     */
    public synchronized int compactBefore(long seq) throws IOException {
        if (state.get() == State.CLOSED) {
            throw new IllegalStateException("journal is closed");
        }
        compaction.writeLock().lock();
        try {
            List<SegmentSet.Segment> removed = segments.removeCoveredUpTo(seq);
            for (SegmentSet.Segment s : removed) {
                Files.deleteIfExists(s.path());
                log.info("journal: deleted {} (all records <= {})", s.path().getFileName(), seq);
            }
            if (!removed.isEmpty()) {
                JournalWriter.syncDirectory(dir);
            }
            return removed.size();
        } finally {
            compaction.writeLock().unlock();
        }
    }

    /**
     * Enables {@link #compactThrough}: records are kept by {@code policy}, and compaction runs once the segments
     * it would replace hold at least {@code afterBytes} (0: whenever there is a segment to compact).
     */
    public void enableCompaction(JournalCompaction policy, long afterBytes) {
        if (afterBytes < 0) {
            throw new IllegalArgumentException("afterBytes must not be negative: " + afterBytes);
        }
        this.compactAfterBytes = afterBytes;
        this.compactionPolicy = Objects.requireNonNull(policy, "policy");
    }

    /**
     * Compacts the segments whose records all have sequences {@code <= seq} (call it only once Redis holds
     * them, e.g. after reconciliation moved the applied marker to {@code seq}): their records, and those of
     * an earlier snapshot, are rolled into one snapshot that keeps per key only what the policy ranks highest,
     * then the old files are deleted. Never touches the active segment. Does nothing unless
     * {@link #enableCompaction enabled} and the covered segments hold at least the configured bytes. A
     * failure is logged and leaves the journal as it was (the snapshot is written to a temporary file, forced
     * and renamed before anything is deleted; recovery finishes an interrupted compaction).
     *
     * @return the number of segment files replaced (0 when nothing was compacted)
     */
    public synchronized int compactThrough(long seq) {
        JournalCompaction policy = compactionPolicy;
        if (policy == null || state.get() == State.CLOSED) {
            return 0;
        }
        List<SegmentSet.Segment> list = segments.snapshot().segments();
        int n = 0;
        while (n < list.size() - 1 && list.get(n + 1).firstSeq() - 1 <= seq) {
            n++;
        }
        if (n == 0 || (n == 1 && list.get(0).snapshot())) {
            return 0;
        }
        long coveredBytes = 0;
        long before = 0;
        for (int i = 0; i < n; i++) {
            long size = sizeOf(list.get(i).path());
            before += size;
            if (!list.get(i).snapshot()) {
                coveredBytes += size;
            }
        }
        if (coveredBytes < compactAfterBytes) {
            return 0;
        }
        long through = list.get(n).firstSeq() - 1;
        Path tmp = dir.resolve(JournalFormat.snapshotName(through) + ".tmp");
        try {
            SegmentSet.Segment snapshot = writeSnapshot(list.subList(0, n + 1), through, policy, tmp);
            List<SegmentSet.Segment> removed;
            compaction.writeLock().lock();
            try {
                removed = segments.replaceLeading(n, snapshot);
                for (SegmentSet.Segment s : removed) {
                    if (!s.path().equals(snapshot.path())) {
                        Files.deleteIfExists(s.path());
                    }
                }
                JournalWriter.syncDirectory(dir);
            } finally {
                compaction.writeLock().unlock();
            }
            log.info(
                    "journal: compacted {} file(s) with records up to sequence {} into {} ({} -> {} bytes)",
                    removed.size(),
                    through,
                    snapshot.path().getFileName(),
                    before,
                    sizeOf(snapshot.path()));
            return removed.size();
        } catch (Exception e) {
            log.warn("journal: compaction up to sequence {} failed, journal left as it was: {}", through, e.toString());
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // recovery removes it
            }
            return 0;
        }
    }

    /**
     * Makes the writer start a new segment before it writes the next batch, so that every record on disk now is
     * in a segment that is no longer written to ({@link #rewrite}).
     */
    public void rotateBeforeNextAppend() {
        writer.rotateRequested = true;
    }

    /** The first sequence of the active segment (the one being written to). */
    public long activeSegmentFirstSeq() {
        return segments.active().firstSeq();
    }

    /**
     * Replaces the payloads of the records with the sequences {@code replacements} names (docs/privacy.md,
     * "Erase"): each segment holding one is written anew beside it (same header, every record with its sequence,
     * the named ones replaced), forced, and renamed over it, then the directory is forced; a crash leaves the old
     * file or the new one, never a mix (recovery removes an unfinished {@code erase-*.tmp}). Never the active
     * segment: call {@link #rotateBeforeNextAppend()} and let an append through first.
     *
     * @return the number of segment files rewritten
     * @throws IllegalStateException when a named record is in the active segment
     */
    public synchronized int rewrite(Map<Long, byte[]> replacements) throws IOException {
        if (state.get() == State.CLOSED) {
            throw new IllegalStateException("journal is closed");
        }
        List<SegmentSet.Segment> list = segments.snapshot().segments();
        long activeFirst = list.get(list.size() - 1).firstSeq();
        for (long seq : replacements.keySet()) {
            if (seq >= activeFirst) {
                throw new IllegalStateException("journal record " + seq + " is in the active segment");
            }
        }
        int rewritten = 0;
        for (int i = 0; i < list.size() - 1; i++) {
            SegmentSet.Segment seg = list.get(i);
            long last = list.get(i + 1).firstSeq() - 1;
            boolean hit = false;
            for (long seq : replacements.keySet()) {
                if (seq >= seg.firstSeq() && seq <= last) {
                    hit = true;
                    break;
                }
            }
            if (!hit) {
                continue;
            }
            boolean endsEarly = list.get(i + 1).afterFailedWrite();
            Path tmp = dir.resolve("erase-" + seg.path().getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            try (FileChannel in = FileChannel.open(seg.path(), StandardOpenOption.READ);
                    FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                long firstSeq = SegmentScanner.readHeader(seg.path(), in, seg.firstSeq());
                short flags = (short) SegmentScanner.readFlags(in);
                ByteBuffer[] buf = {ByteBuffer.allocate(1 << 20)};
                long[] pos = {0};
                buf[0].put(JournalFormat.segmentHeader(firstSeq, flags));
                SegmentScanner.scan(
                        seg.path(),
                        in,
                        firstSeq,
                        in.size(),
                        new SegmentScanner.Mode(endsEarly, options.skipCorruptRecords(), Long.MIN_VALUE, (s, p) -> {
                            byte[] payload = replacements.getOrDefault(s, p);
                            int frame = JournalFormat.frameSize(payload.length);
                            try {
                                if (buf[0].remaining() < frame) {
                                    pos[0] = flush(out, buf[0], pos[0]);
                                    if (buf[0].capacity() < frame) {
                                        buf[0] = ByteBuffer.allocate(frame);
                                    }
                                }
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                            JournalFormat.putRecord(buf[0], s, payload);
                        }));
                flush(out, buf[0], pos[0]);
                out.force(true);
            } catch (java.io.UncheckedIOException e) {
                Files.deleteIfExists(tmp);
                throw e.getCause();
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            compaction.writeLock().lock();
            try {
                Files.move(tmp, seg.path(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                JournalWriter.syncDirectory(dir);
            } finally {
                compaction.writeLock().unlock();
            }
            log.info("journal: rewrote {} (erased records)", seg.path().getFileName());
            rewritten++;
        }
        return rewritten;
    }

    /** Writes the snapshot of {@code covered} (all but the last element, which follows them) and renames it. */
    private SegmentSet.Segment writeSnapshot(
            List<SegmentSet.Segment> covered, long through, JournalCompaction policy, Path tmp) throws Exception {
        record Entry(long rank, long seq, byte[] payload) {}
        Map<String, Entry> keep = new HashMap<>();
        JournalCompaction.Summary summary = policy.summary();
        for (int i = 0; i < covered.size() - 1; i++) {
            SegmentSet.Segment seg = covered.get(i);
            boolean endsEarly = covered.get(i + 1).afterFailedWrite();
            try (FileChannel ch = FileChannel.open(seg.path(), StandardOpenOption.READ)) {
                long firstSeq = SegmentScanner.readHeader(seg.path(), ch, seg.firstSeq());
                SegmentScanner.scan(
                        seg.path(),
                        ch,
                        firstSeq,
                        ch.size(),
                        new SegmentScanner.Mode(
                                endsEarly, options.skipCorruptRecords(), Long.MIN_VALUE, (s, payload) -> {
                                    if (summary != null) {
                                        summary.see(payload);
                                    }
                                    JournalCompaction.Kept k = policy.classify(payload);
                                    if (k != null) {
                                        keep.merge(
                                                k.key(),
                                                new Entry(k.rank(), s, payload),
                                                (a, b) -> b.rank() >= a.rank() ? b : a);
                                    }
                                }));
            }
        }
        List<Entry> entries = new ArrayList<>(keep.values());
        keep.clear();
        entries.sort(Comparator.comparingLong(Entry::seq));
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            entries.set(i, new Entry(e.rank(), e.seq(), policy.rewrite(e.payload())));
        }
        if (summary != null) {
            // the summary's records lead the snapshot, before the kept records they speak about
            List<byte[]> head = summary.records();
            List<Entry> all = new ArrayList<>(head.size() + entries.size());
            head.forEach(payload -> all.add(new Entry(0, 0, payload)));
            all.addAll(entries);
            entries = all;
        }

        long first = through - entries.size() + 1;
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            buf.put(JournalFormat.segmentHeader(first, JournalFormat.FLAG_SNAPSHOT));
            long seq = first;
            long pos = 0;
            for (Entry e : entries) {
                int frame = JournalFormat.frameSize(e.payload().length);
                if (buf.remaining() < frame) {
                    pos = flush(ch, buf, pos);
                    if (buf.capacity() < frame) {
                        buf = ByteBuffer.allocate(frame);
                    }
                }
                JournalFormat.putRecord(buf, seq++, e.payload());
            }
            flush(ch, buf, pos);
            ch.force(true);
        }
        Path target = dir.resolve(JournalFormat.snapshotName(through));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        JournalWriter.syncDirectory(dir);
        return new SegmentSet.Segment(first, target, false, true);
    }

    private static long flush(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            pos += ch.write(buf, pos);
        }
        buf.clear();
        return pos;
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The highest sequence known to be on disk (0 for an empty journal). */
    public long lastSequence() {
        return segments.durableSeq();
    }

    /** Number of segment files, the active one included. */
    public int segmentCount() {
        return segments.size();
    }

    /** Appends waiting for the writer. */
    public int queueDepth() {
        return queue.size();
    }

    public JournalStats stats() {
        return new JournalStats(
                writer.appended.get(),
                writer.batches.get(),
                writer.bytes.get(),
                rejectedQueueFull.get(),
                skippedCorrupt);
    }

    /** False once closed or after an unrecoverable failure; appends then fail at once. */
    public boolean isOpen() {
        return state.get() == State.OPEN;
    }

    /**
     * True when appends can be written: open, and the last write did not fail. After a failed write or
     * fsync (a full disk) this is false until the writer managed to continue in a new segment, which it tries
     * with every batch and at least once a second.
     */
    public boolean isWritable() {
        return isOpen() && writeFailure == null;
    }

    /** Why appends cannot be written now, or {@code null} when {@link #isWritable()}. */
    public String notWritableReason() {
        if (state.get() == State.OPEN) {
            IOException e = writeFailure;
            return e == null ? null : "journal write failed: " + e.getMessage() + " (retrying in a new segment)";
        }
        Throwable cause = failure;
        return cause == null ? "journal is closed" : "journal failed: " + cause;
    }

    /** Failed writes or forces so far (each failed its batch). */
    public long writeFailures() {
        return writeFailures.get();
    }

    /** Bytes of all segment files, as the directory holds them now. */
    public long sizeBytes() {
        long total = 0;
        for (SegmentSet.Segment seg : segments.snapshot().segments()) {
            try {
                total += Files.size(seg.path());
            } catch (IOException e) {
                // deleted by compaction meanwhile
            }
        }
        return total;
    }

    /** The journal directory. */
    public Path directory() {
        return dir;
    }

    /**
     * Writes pending appends (waiting at most {@code closeTimeout}), stops the writer thread and releases the
     * directory. Appends still queued after the timeout fail.
     */
    @Override
    public synchronized void close() {
        if (state.get() == State.CLOSED) {
            return;
        }
        state.compareAndSet(State.OPEN, State.CLOSING);
        if (Thread.currentThread() == writerThread) {
            // close() from an append callback: the writer cannot wait for itself; the rest of its batch completes
            // before it sees the closed state, and whatever is still queued fails below
            log.warn("journal: close() called on the writer thread; pending appends are failed, not written");
        } else {
            try {
                writerThread.join(Math.max(1, options.closeTimeout().toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (writerThread.isAlive()) {
                log.error(
                        "journal: writer did not finish within {}; failing {} pending appends",
                        options.closeTimeout(),
                        queue.size());
            }
        }
        state.set(State.CLOSED);
        failQueued();
        writer.close();
        try {
            lock.release();
        } catch (IOException e) {
            log.warn("journal: releasing lock failed: {}", e.toString());
        }
        try {
            lockChannel.close();
        } catch (IOException e) {
            log.warn("journal: closing lock file failed: {}", e.toString());
        }
        log.info("journal: closed {} at sequence {}", dir, lastSequence());
    }

    private void runWriter() {
        List<JournalWriter.Pending> batch = new ArrayList<>();
        long lastAttempt = System.nanoTime();
        try {
            while (true) {
                JournalWriter.Pending first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (state.get() != State.OPEN && queue.isEmpty()) {
                        return;
                    }
                    if (writer.broken() && System.nanoTime() - lastAttempt >= REOPEN_RETRY_NANOS) {
                        lastAttempt = System.nanoTime();
                        tryReopen();
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, options.maxBatchRecords() - 1);
                lastAttempt = System.nanoTime();
                long firstSeq;
                try {
                    firstSeq = writer.commit(batch);
                } catch (IOException e) {
                    writeFailed(e, batch);
                    batch.clear();
                    continue;
                }
                if (writeFailure != null) {
                    writeFailure = null;
                    log.warn("journal: writing again after a failed write");
                }
                for (int i = 0; i < batch.size(); i++) {
                    JournalWriter.Pending p = batch.get(i);
                    p.future().complete(new Appended(firstSeq + i, p.written()));
                }
                batch.clear();
            }
        } catch (Throwable t) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            failure = t;
            state.getAndUpdate(s -> s == State.CLOSED ? s : State.FAILED);
            log.error(
                    "journal: write failed, journal is now closed for appends ({} in batch, {} queued)",
                    batch.size(),
                    queue.size(),
                    t);
            JournalAppendException e = new JournalAppendException(
                    JournalAppendException.Reason.WRITE_FAILED, "journal write failed: " + t, t);
            batch.forEach(p -> p.future().completeExceptionally(e));
            failQueued();
            writer.close();
        }
    }

    /**
     * A write or force failed (e.g. the disk is full): the batch fails (it was never acknowledged), and the
     * writer continues in a new segment as soon as it can create one.
     */
    private void writeFailed(IOException e, List<JournalWriter.Pending> batch) {
        writeFailures.incrementAndGet();
        if (writeFailure == null) {
            log.error(
                    "journal: write failed ({} appends in the batch fail); retrying in a new segment", batch.size(), e);
        }
        writeFailure = e;
        JournalAppendException failed =
                new JournalAppendException(JournalAppendException.Reason.WRITE_FAILED, "journal write failed: " + e, e);
        batch.forEach(p -> p.future().completeExceptionally(failed));
    }

    private void tryReopen() {
        try {
            writer.reopen();
            writeFailure = null;
        } catch (IOException e) {
            writeFailure = e;
            log.debug("journal: still cannot write: {}", e.toString());
        }
    }

    private void failQueued() {
        List<JournalWriter.Pending> left = new ArrayList<>();
        queue.drainTo(left);
        if (!left.isEmpty()) {
            JournalAppendException e = closedException();
            left.forEach(p -> p.future().completeExceptionally(e));
        }
    }

    private JournalAppendException closedException() {
        Throwable cause = failure;
        return new JournalAppendException(
                JournalAppendException.Reason.CLOSED,
                cause == null ? "journal is closed" : "journal failed earlier: " + cause,
                cause);
    }
}
