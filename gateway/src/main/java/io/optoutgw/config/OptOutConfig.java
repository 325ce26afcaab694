package io.optoutgw.config;

import java.time.Duration;

/**
 * Opt-out recording shared by all accounts.
 *
 * @param journalDir        local append-only journal (forced to disk before the SMSC is acknowledged)
 * @param dedupWindow       every keyword MO is recorded; within this window, a keyword of the same
 *                          intent from the same person to the same short code is not confirmed again
 *                          (recording one intent re-arms the other's confirmation)
 * @param reassemblyTimeout parts of a concatenated MO wait this long for the rest, then expire
 * @param reconcileInterval how often the journal is checked against Redis (and replayed into it if
 *                          Redis lost data)
 * @param recordTimeout     how long recording may take before the SMSC gets ESME_RX_T_APPN
 * @param reasonWindow      free text a person sends within this time after opting out is kept as the
 *                          reason they left (a REASON audit event, listed by {@code gateway report})
 * @param journalCompactAfterBytes after a reconciliation, the journal's segments that Redis holds are
 *                          compacted once they hold this many bytes (0: after every reconciliation)
 * @param replyCap          at most this many replies of any intent to one person from one sender
 *                          within a window ({@link ReplyCapConfig}; default 3 in 10 minutes)
 */
public record OptOutConfig(
        String journalDir,
        Duration dedupWindow,
        Duration reassemblyTimeout,
        Duration reconcileInterval,
        Duration recordTimeout,
        Duration reasonWindow,
        Long journalCompactAfterBytes,
        ReplyCapConfig replyCap) {

    /** Default of {@code optout.journalCompactAfterBytes}: 64 MiB, one journal segment. */
    public static final long DEFAULT_JOURNAL_COMPACT_AFTER_BYTES = 64L << 20;

    public OptOutConfig {
        journalDir = journalDir == null ? "./data/journal" : journalDir;
        dedupWindow = ConfigChecks.positive(
                "optout.dedupWindow", ConfigChecks.orDefault(dedupWindow, Duration.ofMinutes(10)));
        reassemblyTimeout = ConfigChecks.positive(
                "optout.reassemblyTimeout", ConfigChecks.orDefault(reassemblyTimeout, Duration.ofMinutes(10)));
        reconcileInterval = ConfigChecks.positive(
                "optout.reconcileInterval", ConfigChecks.orDefault(reconcileInterval, Duration.ofMinutes(1)));
        recordTimeout = ConfigChecks.positive(
                "optout.recordTimeout", ConfigChecks.orDefault(recordTimeout, Duration.ofSeconds(2)));
        reasonWindow = ConfigChecks.positive(
                "optout.reasonWindow", ConfigChecks.orDefault(reasonWindow, Duration.ofHours(24)));
        journalCompactAfterBytes =
                journalCompactAfterBytes == null ? DEFAULT_JOURNAL_COMPACT_AFTER_BYTES : journalCompactAfterBytes;
        replyCap = replyCap == null ? ReplyCapConfig.defaults() : replyCap;
        if (journalCompactAfterBytes < 0) {
            throw new ConfigException(
                    "optout.journalCompactAfterBytes", "must be 0 or more, got " + journalCompactAfterBytes);
        }
    }
}
