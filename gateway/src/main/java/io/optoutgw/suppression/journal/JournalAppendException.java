package io.optoutgw.suppression.journal;

/**
 * Why an {@link OptOutJournal#append} future failed; any of these means the opt-out is not durable, so the
 * caller must answer the SMSC with a temporary error instead of ESME_ROK (docs/reliability.md scenario 1).
 */
public final class JournalAppendException extends RuntimeException {

    /** The failure category. */
    public enum Reason {
        /** The bounded queue was full; the append was refused without blocking. */
        QUEUE_FULL,
        /** The journal was closed, or failed earlier. */
        CLOSED,
        /** Writing or forcing this batch failed; the journal is now failed. */
        WRITE_FAILED
    }

    private final Reason reason;

    JournalAppendException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
