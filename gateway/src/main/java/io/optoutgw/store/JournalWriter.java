package io.optoutgw.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.optoutgw.store.JournalFormat.SEGMENT_HEADER_SIZE;

/**
 * Writes batches of records to the active segment and forces them once per batch (group commit); owned by
 * the single writer thread. Nothing is reported durable before {@code force} returned (reliability.md NL).
 */
final class JournalWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JournalWriter.class);
    private static final int BUFFER_SIZE = 1 << 20;
    private static final AtomicBoolean dirSyncWarned = new AtomicBoolean();

    /** A queued append: the caller's payload and the future completed once it is durable. */
    record Pending(byte[] payload, CompletableFuture<Long> future) {
    }

    private final Path dir;
    private final OptOutJournal.Options options;
    private final SegmentSet segments;
    private final JournalFaults faults;
    final AtomicLong appended = new AtomicLong();
    final AtomicLong batches = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();

    private FileChannel active;
    private Path activePath;
    private long activeSize;
    private long nextSeq;
    private ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER_SIZE);

    JournalWriter(Path dir, OptOutJournal.Options options, SegmentSet segments, Path activePath,
                  long activeSize, long nextSeq, JournalFaults faults) throws IOException {
        this.dir = dir;
        this.options = options;
        this.segments = segments;
        this.faults = faults;
        this.activePath = activePath;
        this.active = FileChannel.open(activePath, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.activeSize = activeSize;
        this.nextSeq = nextSeq;
    }

    /** Writes the batch, rotating segments as needed, forces it, and returns the first assigned sequence. */
    long commit(List<Pending> batch) throws IOException {
        long first = nextSeq;
        long batchBytes = 0;
        buf.clear();
        for (Pending p : batch) {
            int frame = JournalFormat.frameSize(p.payload().length);
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
            JournalFormat.putRecord(buf, nextSeq++, p.payload());
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
    }

    private void rotate() throws IOException {
        active.close();
        activePath = dir.resolve(JournalFormat.segmentName(nextSeq));
        active = createSegment(dir, nextSeq);
        activeSize = SEGMENT_HEADER_SIZE;
        segments.addActive(new SegmentSet.Segment(nextSeq, activePath), activeSize);
        log.info("journal: rotated to {}", activePath.getFileName());
    }

    /** Creates a segment holding only its header, forced, with the directory entry forced too. */
    static FileChannel createSegment(Path dir, long firstSeq) throws IOException {
        Path path = dir.resolve(JournalFormat.segmentName(firstSeq));
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            ByteBuffer header = JournalFormat.segmentHeader(firstSeq);
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
                log.warn("journal: cannot fsync directory {} on this platform ({}); new segment names rely on the OS",
                        dir, e.toString());
            }
        }
    }

    @Override
    public void close() {
        try {
            active.close();
        } catch (IOException e) {
            log.warn("journal: closing {} failed: {}", activePath.getFileName(), e.toString());
        }
    }
}
