package io.optoutgw.suppression.journal;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * On-disk layout of {@link OptOutJournal} segments, kept in one place so that the writer and the
 * recovery scanner can never disagree about framing (docs/reliability.md scenario 3: replay must read
 * exactly what was acknowledged).
 *
 * <pre>
 * segment header (16 bytes): magic "OOJL" (4) | format version (u16) | flags (u16) | first sequence (i64)
 * record (17 + n bytes):     marker 0xA1 (1) | payload length n (i32) | CRC32C(payload) (i32) | sequence (i64) | payload (n)
 * </pre>
 * All integers are big-endian. Sequences are contiguous across all segments, except after a segment
 * flagged {@link #FLAG_AFTER_FAILED_WRITE}: the writer opened it after a failed write or fsync, so the
 * previous segment may end early (with a torn tail) and the sequences of the failed, never acknowledged
 * batch are skipped.
 */
final class JournalFormat {

    static final int SEGMENT_MAGIC = 0x4F4F4A4C; // "OOJL"
    static final short FORMAT_VERSION = 1;
    static final int SEGMENT_HEADER_SIZE = 16;

    /** Header flag: the segment follows a failed write; the previous segment may end early. */
    static final short FLAG_AFTER_FAILED_WRITE = 1;
    /**
     * Header flag of a snapshot ({@code snapshot-<S>.log}): compaction's summary of every record up to
     * sequence {@code S}, renumbered to end at {@code S}; it replaces all segments that held those records.
     */
    static final short FLAG_SNAPSHOT = 2;

    /** Record marker: high nibble 0xA identifies a record, low nibble is the record version. */
    static final byte RECORD_MARKER = (byte) 0xA1;

    static final int RECORD_HEADER_SIZE = 1 + 4 + 4 + 8;

    /**
     * Largest payload the format allows. Readers accept any length up to this, whatever the configured
     * {@code maxRecordSize}, so lowering that setting can never make valid records look damaged.
     */
    static final int MAX_PAYLOAD = 64 << 20;

    private static final Pattern SEGMENT_NAME = Pattern.compile("journal-(\\d{1,19})\\.log");
    private static final Pattern SNAPSHOT_NAME = Pattern.compile("snapshot-(\\d{1,19})\\.log");

    private JournalFormat() {}

    static String segmentName(long firstSeq) {
        return String.format("journal-%019d.log", firstSeq);
    }

    static String snapshotName(long throughSeq) {
        return String.format("snapshot-%019d.log", throughSeq);
    }

    /** The last sequence a snapshot file name says it covers, or empty if the name is not a snapshot. */
    static OptionalLong parseSnapshotName(Path file) {
        Matcher m = SNAPSHOT_NAME.matcher(file.getFileName().toString());
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(m.group(1)));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The first sequence encoded in a segment file name, or empty if the name is not a segment. */
    static OptionalLong parseSegmentName(Path file) {
        Matcher m = SEGMENT_NAME.matcher(file.getFileName().toString());
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(m.group(1)));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    static ByteBuffer segmentHeader(long firstSeq) {
        return segmentHeader(firstSeq, (short) 0);
    }

    static ByteBuffer segmentHeader(long firstSeq, short flags) {
        ByteBuffer b = ByteBuffer.allocate(SEGMENT_HEADER_SIZE);
        b.putInt(SEGMENT_MAGIC).putShort(FORMAT_VERSION).putShort(flags).putLong(firstSeq);
        return b.flip();
    }

    static int frameSize(int payloadLength) {
        return RECORD_HEADER_SIZE + payloadLength;
    }

    /** Appends one framed record to {@code dst}, which must have {@link #frameSize} bytes remaining. */
    static void putRecord(ByteBuffer dst, long seq, byte[] payload) {
        dst.put(RECORD_MARKER)
                .putInt(payload.length)
                .putInt(crc(payload, 0, payload.length))
                .putLong(seq)
                .put(payload);
    }

    static int crc(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        return (int) crc.getValue();
    }

    static int crc(ByteBuffer data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        return (int) crc.getValue();
    }
}
