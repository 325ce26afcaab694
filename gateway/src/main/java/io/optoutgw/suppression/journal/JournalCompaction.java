package io.optoutgw.suppression.journal;

import java.util.List;

/**
 * What compaction keeps of the journal's records, which are opaque to the journal: for each key only the
 * record of the highest rank survives (the later record on equal rank), and records without a key are
 * dropped. For consent events the key is (number, scope) and the rank follows the list's own rule, so that
 * replaying the compacted journal into an empty Redis restores the same list.
 */
@FunctionalInterface
public interface JournalCompaction {

    /** A record's key and rank. */
    record Kept(String key, long rank) {}

    /** The key and rank of {@code payload}, or {@code null} to drop it when compacting. */
    Kept classify(byte[] payload) throws Exception;

    /**
     * What one compaction says about the records it replaces: it sees every covered record in sequence
     * order, then gives the records the snapshot starts with (before the kept ones), e.g. where a hash
     * chain through the dropped records ended (docs/evidence.md).
     */
    interface Summary {
        void see(byte[] payload) throws Exception;

        List<byte[]> records() throws Exception;
    }

    /**
     * The bytes the snapshot keeps of a kept record ({@code payload} unchanged by default): e.g. a consent
     * event past its retention without its detail. The key and rank must not change.
     */
    default byte[] rewrite(byte[] payload) throws Exception {
        return payload;
    }

    /** A fresh summary for one compaction, or {@code null} for none. */
    default Summary summary() {
        return null;
    }
}
