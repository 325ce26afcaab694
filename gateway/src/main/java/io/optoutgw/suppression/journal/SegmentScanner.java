package io.optoutgw.suppression.journal;

import static io.optoutgw.suppression.journal.JournalFormat.FORMAT_VERSION;
import static io.optoutgw.suppression.journal.JournalFormat.MAX_PAYLOAD;
import static io.optoutgw.suppression.journal.JournalFormat.RECORD_HEADER_SIZE;
import static io.optoutgw.suppression.journal.JournalFormat.RECORD_MARKER;
import static io.optoutgw.suppression.journal.JournalFormat.SEGMENT_HEADER_SIZE;
import static io.optoutgw.suppression.journal.JournalFormat.SEGMENT_MAGIC;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and validates one journal segment, telling a torn tail (damage with nothing valid after it, the
 * normal result of a crash mid-write) from corruption in the middle, which means acknowledged opt-outs
 * may be unreadable and must not be skipped silently (docs/reliability.md scenarios 3 and 4).
 */
final class SegmentScanner {

    private static final Logger log = LoggerFactory.getLogger(SegmentScanner.class);
    private static final int MIN_WINDOW = 1 << 20;

    /**
     * Outcome of a scan.
     *
     * @param lastSeq    last valid sequence, or {@code firstSeq - 1} if the segment has no records
     * @param validEnd   offset just after the last valid record
     * @param tornAt     offset of a torn tail, or -1
     * @param tornReason what was found at {@code tornAt}
     * @param skipped    corrupt regions skipped (only when skipping is allowed)
     */
    record Result(long lastSeq, long validEnd, long tornAt, String tornReason, int skipped) {}

    /** How to treat damage and which records to deliver. */
    record Mode(boolean tailTolerant, boolean skipCorrupt, long fromSeqExclusive, RecordConsumer consumer) {}

    private SegmentScanner() {}

    /** True if the header is incomplete or all zero: the segment was created but its header never hit the disk. */
    static boolean headerIsTorn(FileChannel ch) throws IOException {
        if (ch.size() < SEGMENT_HEADER_SIZE) {
            return true;
        }
        ByteBuffer b = readAt(ch, 0, SEGMENT_HEADER_SIZE);
        for (int i = 0; i < SEGMENT_HEADER_SIZE; i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The header flags of a segment file, or -1 if its header cannot be read. */
    static int flags(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.size() < SEGMENT_HEADER_SIZE ? -1 : readFlags(ch);
        } catch (IOException e) {
            return -1;
        }
    }

    /** The header flags of a segment whose header {@link #readHeader} validated. */
    static int readFlags(FileChannel ch) throws IOException {
        return readAt(ch, 0, SEGMENT_HEADER_SIZE).getShort(6);
    }

    /** Validates the segment header and returns its first sequence. */
    static long readHeader(Path file, FileChannel ch, long nameSeq) throws IOException {
        if (ch.size() < SEGMENT_HEADER_SIZE) {
            throw new JournalCorruptException(file, 0, "segment header truncated (" + ch.size() + " bytes)");
        }
        ByteBuffer b = readAt(ch, 0, SEGMENT_HEADER_SIZE);
        int magic = b.getInt(0);
        if (magic != SEGMENT_MAGIC) {
            throw new JournalCorruptException(file, 0, String.format("bad segment magic 0x%08x", magic));
        }
        short version = b.getShort(4);
        if (version != FORMAT_VERSION) {
            throw new JournalCorruptException(
                    file,
                    4,
                    "unsupported format version " + version + " (this build reads version " + FORMAT_VERSION + ")");
        }
        short flags = b.getShort(6);
        if ((flags & ~(JournalFormat.FLAG_AFTER_FAILED_WRITE | JournalFormat.FLAG_SNAPSHOT)) != 0) {
            throw new JournalCorruptException(file, 6, String.format("unknown segment flags 0x%04x", flags));
        }
        long firstSeq = b.getLong(8);
        if (firstSeq != nameSeq) {
            throw new JournalCorruptException(
                    file, 8, "header first sequence " + firstSeq + " does not match the file name");
        }
        return firstSeq;
    }

    /** Scans records in {@code [SEGMENT_HEADER_SIZE, limit)}, delivering those after {@code fromSeqExclusive}. */
    static Result scan(Path file, FileChannel ch, long firstSeq, long limit, Mode mode) throws IOException {
        Window w = new Window(ch, limit);
        long pos = SEGMENT_HEADER_SIZE;
        long lastSeq = firstSeq - 1;
        int skipped = 0;
        boolean gapAllowed = false;
        while (pos < limit) {
            String problem = check(w, pos, lastSeq, gapAllowed);
            if (problem == null) {
                int len = w.intAt(pos + 1);
                long seq = w.longAt(pos + 9);
                deliver(w, pos, len, seq, mode);
                lastSeq = seq;
                gapAllowed = false;
                pos += RECORD_HEADER_SIZE + len;
                continue;
            }
            long next = resync(w, pos, lastSeq);
            if (next < 0 && mode.tailTolerant()) {
                return new Result(lastSeq, pos, pos, problem, skipped);
            }
            String where = next < 0
                    ? "no valid record follows, but this is not the active segment"
                    : "a valid record follows at offset " + next;
            if (!mode.skipCorrupt()) {
                throw new JournalCorruptException(
                        file,
                        pos,
                        problem + "; " + where
                                + " (records after sequence " + lastSeq + " may be lost; with the gateway stopped, run"
                                + " 'gateway journal repair --dir "
                                + file.toAbsolutePath().getParent()
                                + "' to drop the damaged records and open anyway)");
            }
            long resume = next < 0 ? limit : next;
            log.error(
                    "journal corrupt: {} at offset {}: {}; skipping {} bytes after sequence {}",
                    file.getFileName(),
                    pos,
                    problem,
                    resume - pos,
                    lastSeq);
            skipped++;
            gapAllowed = true;
            pos = resume;
        }
        return new Result(lastSeq, pos, -1, null, skipped);
    }

    /** Null if a valid record starts at {@code pos}, else what is wrong with it. */
    private static String check(Window w, long pos, long lastSeq, boolean gapAllowed) throws IOException {
        long left = w.limit - pos;
        if (left < RECORD_HEADER_SIZE) {
            return "truncated record header (" + left + " bytes left)";
        }
        w.ensure(pos, RECORD_HEADER_SIZE);
        byte marker = w.byteAt(pos);
        if (marker != RECORD_MARKER) {
            return marker == 0 ? "zero bytes instead of a record" : String.format("bad record marker 0x%02x", marker);
        }
        int len = w.intAt(pos + 1);
        if (len < 0 || len > MAX_PAYLOAD) {
            return "record length " + len + " out of range";
        }
        if (len > left - RECORD_HEADER_SIZE) {
            return "truncated record: length " + len + ", " + (left - RECORD_HEADER_SIZE) + " payload bytes left";
        }
        long seq = w.longAt(pos + 9);
        if (gapAllowed ? seq <= lastSeq : seq != lastSeq + 1) {
            return "sequence " + seq + ", expected " + (lastSeq + 1);
        }
        w.ensure(pos, RECORD_HEADER_SIZE + len);
        int stored = w.intAt(pos + 5);
        if (w.crc(pos + RECORD_HEADER_SIZE, len) != stored) {
            return "CRC32C mismatch (sequence " + seq + ", length " + len + ")";
        }
        return null;
    }

    /** Offset of the first plausible valid record after {@code bad}, or -1. */
    private static long resync(Window w, long bad, long lastSeq) throws IOException {
        for (long q = bad + 1; q + RECORD_HEADER_SIZE <= w.limit; q++) {
            w.ensure(q, RECORD_HEADER_SIZE);
            if (w.byteAt(q) != RECORD_MARKER) {
                continue;
            }
            int len = w.intAt(q + 1);
            long seq = w.longAt(q + 9);
            long maxSeq = lastSeq + 1 + (q - bad) / RECORD_HEADER_SIZE;
            if (len < 0
                    || len > MAX_PAYLOAD
                    || len > w.limit - q - RECORD_HEADER_SIZE
                    || seq <= lastSeq
                    || seq > maxSeq) {
                continue;
            }
            w.ensure(q, RECORD_HEADER_SIZE + len);
            int stored = w.intAt(q + 5);
            if (w.crc(q + RECORD_HEADER_SIZE, len) == stored) {
                return q;
            }
        }
        return -1;
    }

    private static void deliver(Window w, long pos, int len, long seq, Mode mode) throws IOException {
        if (mode.consumer() == null || seq <= mode.fromSeqExclusive()) {
            return;
        }
        byte[] payload = w.bytes(pos + RECORD_HEADER_SIZE, len);
        try {
            mode.consumer().accept(seq, payload);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("journal replay consumer failed at sequence " + seq + ": " + e.getMessage(), e);
        }
    }

    static ByteBuffer readAt(FileChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new IOException("unexpected end of file at offset " + (pos + b.position()));
            }
        }
        return b.flip();
    }

    /** A read-ahead buffer over {@code [0, limit)} of a channel, for absolute reads at increasing offsets. */
    private static final class Window {
        private final FileChannel ch;
        private final long limit;
        private ByteBuffer buf = ByteBuffer.allocate(MIN_WINDOW);
        private long start;
        private int filled;

        Window(FileChannel ch, long limit) {
            this.ch = ch;
            this.limit = limit;
        }

        /** Makes {@code [pos, pos + n)} readable; the caller has checked that it lies within {@code limit}. */
        void ensure(long pos, int n) throws IOException {
            if (pos >= start && pos + n <= start + filled) {
                return;
            }
            if (n > buf.capacity()) {
                buf = ByteBuffer.allocate(n);
            }
            buf.clear();
            buf.limit((int) Math.min(buf.capacity(), limit - pos));
            while (buf.hasRemaining()) {
                if (ch.read(buf, pos + buf.position()) < 0) {
                    break;
                }
            }
            start = pos;
            filled = buf.position();
            if (filled < n) {
                throw new IOException("unexpected end of file at offset " + (pos + filled) + " (file shrank?)");
            }
        }

        byte byteAt(long pos) {
            return buf.get((int) (pos - start));
        }

        int intAt(long pos) {
            return buf.getInt((int) (pos - start));
        }

        long longAt(long pos) {
            return buf.getLong((int) (pos - start));
        }

        /** CRC32C of {@code [pos, pos + n)}, which the caller has made available with {@link #ensure}. */
        int crc(long pos, int n) {
            return JournalFormat.crc(buf.slice((int) (pos - start), n));
        }

        byte[] bytes(long pos, int n) throws IOException {
            ensure(pos, n);
            byte[] out = new byte[n];
            buf.get((int) (pos - start), out);
            return out;
        }
    }
}
