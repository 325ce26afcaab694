package io.optoutgw.config;

import java.time.Duration;

/**
 * The evidence the gateway keeps per number beside the audit trail (docs/admin.md, "Trace"): every
 * refused destination, every message relayed without a readable list (fail-open), every message
 * relayed to a number the check saw an entry for, and the confirmations the gateway sent with
 * their SMSC message ids and receipts.
 *
 * @param enabled              keep the ledger (default true); off, nothing is written and a trace shows
 *                             only the audit trail
 * @param refusalDetail        how long each refusal and relay is kept in detail; older detail is
 *                             trimmed, its daily roll-up count (day, account, reason) is kept
 * @param maxDetailPerNumber   at most this many detailed entries per number (the newest); the excess
 *                             still counts in the roll-up
 * @param relayedKnown         also record a relayed message when the check saw an entry for the
 *                             number (an opt-out lifted again in one of the scopes it read)
 * @param confirmationReceipts ask the SMSC for a delivery receipt of the gateway's own replies, so
 *                             that the trace shows whether the confirmation was delivered (the
 *                             receipt is acknowledged and recorded, never forwarded)
 */
public record EvidenceConfig(
        Boolean enabled,
        Duration refusalDetail,
        Integer maxDetailPerNumber,
        Boolean relayedKnown,
        Boolean confirmationReceipts) {

    /** Default of {@code evidence.refusalDetail}: 400 days, a year of disputes and then some. */
    public static final Duration DEFAULT_REFUSAL_DETAIL = Duration.ofDays(400);

    /** Default of {@code evidence.maxDetailPerNumber}. */
    public static final int DEFAULT_MAX_DETAIL = 10_000;

    public EvidenceConfig {
        enabled = enabled == null || enabled;
        refusalDetail = ConfigChecks.positive(
                "evidence.refusalDetail", ConfigChecks.orDefault(refusalDetail, DEFAULT_REFUSAL_DETAIL));
        maxDetailPerNumber = ConfigChecks.range(
                "evidence.maxDetailPerNumber",
                maxDetailPerNumber == null ? DEFAULT_MAX_DETAIL : maxDetailPerNumber,
                1,
                100_000);
        relayedKnown = relayedKnown == null || relayedKnown;
        confirmationReceipts = confirmationReceipts == null || confirmationReceipts;
    }

    /** Defaults: everything on, 400 days of detail, 10,000 entries a number. */
    public static EvidenceConfig defaults() {
        return new EvidenceConfig(null, null, null, null, null);
    }
}
