package io.optoutgw.suppression.journal;

import static io.optoutgw.suppression.journal.JournalFormat.SEGMENT_HEADER_SIZE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes batches of records to the active segment and forces them once per batch (group commit); owned by
 * the single writer thread. Nothing is reported durable before {@code force} returned (docs/reliability.md NL).
 */
final class JournalWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JournalWriter.class);
    private static final int BUFFER_SIZE = 1 << 20;
    private static final AtomicBoolean dirSyncWarned = new AtomicBoolean();

    /**
     * A queued append: the caller's payload, whether to {@link RecordLinker link} it, and the future
     * completed once it is durable; {@link #written()} holds the bytes written (the linked ones).
     */
    static final class Pending {
        private final byte[] payload;
        private final boolean linked;
        private final CompletableFuture<OptOutJournal.Appended> future;
        private byte[] written;

        Pending(byte[] payload, boolean linked, CompletableFuture<OptOutJournal.Appended> future) {
            this.payload = payload;
            this.linked = linked;
            this.future = future;
            this.written = payload;
        }

        byte[] payload() {
            return payload;
        }

        CompletableFuture<OptOutJournal.Appended> future() {
            return future;
        }

        byte[] written() {
            return written;
        }
    }

    private final Path dir;
    private final OptOutJournal.Options options;
    private final SegmentSet segments;
    private final JournalFaults faults;
    final AtomicLong appended = new AtomicLong();
    final AtomicLong batches = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();

    private FileChannel active;
    private boolean broken;
    private Path activePath;
    private long activeSize;
    private long nextSeq;
    private ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER_SIZE);
    private volatile RecordLinker linker;
    /** A record was linked and is not in the buffer yet (it goes to the next segment). */
    private boolean linkedNotWritten;

    JournalWriter(
            Path dir,
            OptOutJournal.Options options,
            SegmentSet segments,
            Path activePath,
            long activeSize,
            long nextSeq,
            JournalFaults faults)
            throws IOException {
        this.dir = dir;
        this.options = options;
        this.segments = segments;
        this.faults = faults;
        this.activePath = activePath;
        this.active = faults.open(activePath, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.activeSize = activeSize;
        this.nextSeq = nextSeq;
    }

    /** Links the records appended with {@code linked} set from the next batch on. */
    void linkWith(RecordLinker linker) {
        this.linker = linker;
    }

    /** True after a failed write or force, until {@link #reopen()} succeeded. */
    boolean broken() {
        return broken;
    }

    /**
     * Writes the batch, rotating segments as needed, forces it, and returns the first assigned sequence. After a
     * failure the writer is {@link #broken()} and the next commit first {@link #reopen() reopens} it.
     */
    long commit(List<Pending> batch) throws IOException {
        if (broken) {
            reopen();
        }
        try {
            return write(batch);
        } catch (IOException | RuntimeException e) {
            broken = true;
            linkedNotWritten = false;
            RecordLinker l = linker;
            if (l != null) {
                // the links of records not forced are forgotten: the next one follows the last on disk
                l.rollback();
            }
            throw e;
        }
    }

    /**
     * Continues in a new segment after a failed write or force. The failed batch was never acknowledged: its
     * bytes are cut from the segment it went to (best effort) and its sequences are skipped. A failed fsync is
     * never retried on the same file, since the kernel may have dropped the dirty pages and a second fsync
     * would report success for data that is gone; so the writer always moves on to a new segment, flagged
     * {@link JournalFormat#FLAG_AFTER_FAILED_WRITE} so that recovery accepts the early end of the previous one.
     *
     * @throws IOException if the new segment cannot be created yet (e.g. the disk is still full)
     */
    void reopen() throws IOException {
        closeQuietly();
        SegmentSet.Segment last = segments.active();
        if (!activePath.equals(last.path())) {
            // a rotation failed after creating the file: it never became part of the journal
            Files.deleteIfExists(activePath);
            activePath = last.path();
        }
        long durableEnd = segments.activeEnd();
        try (FileChannel ch = FileChannel.open(last.path(), StandardOpenOption.WRITE)) {
            if (ch.size() > durableEnd) {
                ch.truncate(durableEnd);
            }
        } catch (IOException e) {
            log.warn(
                    "journal: cannot cut the failed batch from {} ({}); recovery and replay skip its torn tail",
                    last.path().getFileName(),
                    e.toString());
        }
        Path next = dir.resolve(JournalFormat.segmentName(nextSeq));
        Files.deleteIfExists(next); // left by an earlier attempt that failed half-way; never part of the journal
        FileChannel ch = createSegment(dir, nextSeq, JournalFormat.FLAG_AFTER_FAILED_WRITE, faults);
        active = ch;
        activePath = next;
        activeSize = SEGMENT_HEADER_SIZE;
        segments.addActive(new SegmentSet.Segment(nextSeq, next, true), activeSize);
        broken = false;
        log.warn("journal: writing again, in new segment {} after a failed write", next.getFileName());
    }

    /** Set by {@link OptOutJournal#rotateBeforeNextAppend()}: the next batch starts a new segment. */
    volatile boolean rotateRequested;

    private long write(List<Pending> batch) throws IOException {
        if (rotateRequested) {
            rotateRequested = false;
            if (activeSize > SEGMENT_HEADER_SIZE) {
                rotate(); // everything written so far was forced with its batch
            }
        }
        long first = nextSeq;
        long batchBytes = 0;
        buf.clear();
        RecordLinker l = linker;
        for (Pending p : batch) {
            if (p.linked && l != null) {
                p.written = l.link(p.payload);
                linkedNotWritten = true;
            }
            int frame = JournalFormat.frameSize(p.written.length);
            long pendingEnd = activeSize + buf.position();
            if (pendingEnd > SEGMENT_HEADER_SIZE && pendingEnd + frame > options.segmentSizeBytes()) {
                writeOut();
                force();
                rotate();
            }
            if (buf.remaining() < frame) {
                writeOut();
                if (buf.capacity() < frame) {
                    buf = ByteBuffer.allocateDirect(frame);
                }
            }
            JournalFormat.putRecord(buf, nextSeq++, p.written);
            linkedNotWritten = false;
            batchBytes += frame;
        }
        writeOut();
        force();
        bytes.addAndGet(batchBytes);
        appended.addAndGet(batch.size());
        batches.incrementAndGet();
        return first;
    }

    private void writeOut() throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            activeSize += active.write(buf, activeSize);
        }
        buf.clear();
    }

    private void force() throws IOException {
        faults.beforeForce(activePath);
        long start = System.nanoTime();
        active.force(false);
        options.fsyncLatencyNanos().accept(System.nanoTime() - start);
        segments.durable(activeSize, nextSeq - 1);
        RecordLinker l = linker;
        if (l != null) {
            l.durable(linkedNotWritten ? 1 : 0);
        }
    }

    private void rotate() throws IOException {
        active.close();
        activePath = dir.resolve(JournalFormat.segmentName(nextSeq));
        active = createSegment(dir, nextSeq, (short) 0, faults);
        activeSize = SEGMENT_HEADER_SIZE;
        segments.addActive(new SegmentSet.Segment(nextSeq, activePath), activeSize);
        log.info("journal: rotated to {}", activePath.getFileName());
    }

    /** Creates a segment holding only its header, forced, with the directory entry forced too. */
    static FileChannel createSegment(Path dir, long firstSeq) throws IOException {
        return createSegment(dir, firstSeq, (short) 0, JournalFaults.NONE);
    }

    static FileChannel createSegment(Path dir, long firstSeq, short flags, JournalFaults faults) throws IOException {
        Path path = dir.resolve(JournalFormat.segmentName(firstSeq));
        FileChannel ch =
                faults.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer header = JournalFormat.segmentHeader(firstSeq, flags);
            while (header.hasRemaining()) {
                ch.write(header, header.position());
            }
            ch.force(true);
            syncDirectory(dir);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Forces a directory so that created or deleted entries survive a crash; a no-op where unsupported. */
    static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            if (dirSyncWarned.compareAndSet(false, true)) {
                log.warn(
                        "journal: cannot fsync directory {} on this platform ({}); new segment names rely on the OS",
                        dir,
                        e.toString());
            }
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            active.close();
        } catch (IOException e) {
            log.warn("journal: closing {} failed: {}", activePath.getFileName(), e.toString());
        }
    }
}
