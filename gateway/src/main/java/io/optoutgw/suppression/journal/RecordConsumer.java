package io.optoutgw.suppression.journal;

/**
 * Receives journal records during {@link OptOutJournal#replay}; start-up replay feeds each opt-out back
 * into Redis before any ESME may bind (docs/reliability.md scenarios 3 and 18).
 */
@FunctionalInterface
public interface RecordConsumer {

    /** Called once per record, in sequence order; an exception aborts the replay and is rethrown. */
    void accept(long sequence, byte[] payload) throws Exception;
}
