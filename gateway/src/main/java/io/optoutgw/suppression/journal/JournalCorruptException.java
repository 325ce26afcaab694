package io.optoutgw.suppression.journal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A journal segment holds a damaged record that is not a torn tail (valid records follow it), so opt-outs
 * may be missing; opening fails loudly instead of silently skipping (docs/reliability.md scenarios 4 and 18).
 */
public final class JournalCorruptException extends IOException {

    private final Path segment;
    private final long offset;

    JournalCorruptException(Path segment, long offset, String detail) {
        super("journal corrupt: " + segment.getFileName() + " at offset " + offset + ": " + detail);
        this.segment = segment;
        this.offset = offset;
    }

    /** The damaged segment file. */
    public Path segment() {
        return segment;
    }

    /** Byte offset of the damaged record within {@link #segment()}. */
    public long offset() {
        return offset;
    }
}
