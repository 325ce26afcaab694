package io.optoutgw.suppression.journal;

/**
 * Counters of an {@link OptOutJournal}, for metrics: {@code appended / batches} shows how much group commit
 * amortises each fsync, and {@code rejectedQueueFull} shows overload being refused (docs/reliability.md BR).
 *
 * @param appended          records forced to disk and acknowledged
 * @param batches           group commits (one force per segment touched)
 * @param bytes             record bytes written, framing included
 * @param rejectedQueueFull appends refused because the queue was full
 * @param skippedCorrupt    corrupt regions skipped at open (only with {@code skipCorruptRecords})
 */
public record JournalStats(long appended, long batches, long bytes, long rejectedQueueFull, long skippedCorrupt) {}
