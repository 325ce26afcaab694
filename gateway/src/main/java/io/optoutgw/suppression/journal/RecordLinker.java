package io.optoutgw.suppression.journal;

/**
 * Turns a record into the bytes the journal writes, on the writer thread, in sequence order: for a hash
 * chain, where each record carries the hash of the one before it (docs/evidence.md). Only appends made
 * with {@link OptOutJournal#appendLinked} are linked.
 *
 * <p>Links made since the last {@link #durable} are tentative: when their batch fails (it was never
 * acknowledged, and its sequences are skipped), {@link #rollback()} forgets them, so that the next link
 * follows the last record that is on disk.
 */
public interface RecordLinker {

    /** The bytes to write for {@code payload}, linked to the record linked before it. */
    byte[] link(byte[] payload);

    /**
     * Every record linked so far is on disk, except the last {@code unwritten} ones (0 or 1: a record
     * linked, then found not to fit the segment, which is forced before the record goes to the next).
     */
    void durable(int unwritten);

    /** The records linked since the last {@link #durable} were not written: forget them. */
    void rollback();
}
