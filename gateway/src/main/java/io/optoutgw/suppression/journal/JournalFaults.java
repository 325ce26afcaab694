package io.optoutgw.suppression.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Test seam of the journal writer: injects I/O failures (a full disk, a failing fsync) and opens the
 * writer's segment channels, so that a test can wrap them, e.g. to drop every write that was not forced
 * when it simulates a power loss.
 */
@FunctionalInterface
interface JournalFaults {

    JournalFaults NONE = segment -> {};

    /** Called before each force of {@code segment}; throwing fails the batch. */
    void beforeForce(Path segment) throws IOException;

    /** Opens a segment file the writer appends to (segment creation and the active segment). */
    default FileChannel open(Path file, OpenOption... options) throws IOException {
        return FileChannel.open(file, options);
    }
}
