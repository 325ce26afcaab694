package io.optoutgw.store;

import java.io.IOException;
import java.nio.file.Path;

/** Test hook that injects I/O failures into the journal writer, e.g. to simulate a full disk. */
@FunctionalInterface
interface JournalFaults {

    JournalFaults NONE = segment -> { };

    /** Called before each force of {@code segment}; throwing fails the batch. */
    void beforeForce(Path segment) throws IOException;
}
