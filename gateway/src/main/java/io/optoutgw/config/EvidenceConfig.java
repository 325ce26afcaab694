package io.optoutgw.config;

import java.time.Duration;
import java.util.List;

/**
 * The evidence the gateway keeps: the ledger per number beside the audit trail (docs/admin.md,
 * "Trace": every refused destination, every message relayed without a readable list, every message
 * relayed to a number the check saw an entry for, the confirmations with their SMSC message ids and
 * receipts), and the tamper evidence of the consent record (docs/evidence.md: the journal's hash
 * chain is always on; these settings sign its checkpoints and run the full verification on a
 * schedule).
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
 * @param signingKey           PEM file with an Ed25519 key pair (PRIVATE KEY and PUBLIC KEY blocks, as
 *                             {@code gateway audit keygen} writes it) that signs checkpoints; without it
 *                             checkpoints are written unsigned
 * @param publicKeys           further PEM files whose PUBLIC KEY blocks verification trusts (keys used
 *                             before a rotation, other instances' keys); the signing key's own public
 *                             key is always trusted
 * @param checkpointInterval   a checkpoint is written when the chain has grown and this long has passed
 *                             since the last one
 * @param checkpointEvery      ... or when the chain has grown by this many events since the last one
 * @param verifyInterval       how often the gateway runs the full verification (list, journal, audit
 *                             trail and hash chains) by itself; {@code 0s} turns it off
 * @param retention            how long consent events keep their detail (text, raw MO, keyword, actor,
 *                             reason, opt-in wording, ...; default 1826d, five years): after it the journal
 *                             (at its next compaction) and the audit trail in Redis (before each scheduled
 *                             verification) keep only the minimal record (time, type, scope, category,
 *                             source, order, hashes) of events of chain version 2; the list is not touched
 */
public record EvidenceConfig(
        Boolean enabled,
        Duration refusalDetail,
        Integer maxDetailPerNumber,
        Boolean relayedKnown,
        Boolean confirmationReceipts,
        String signingKey,
        List<String> publicKeys,
        Duration checkpointInterval,
        Integer checkpointEvery,
        Duration verifyInterval,
        Duration retention) {

    /** Default of {@code evidence.retention}: five years (1,826 days), the US exposure of four years plus margin. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(1826);

    /** A configuration without {@code retention} (the default). */
    public EvidenceConfig(
            Boolean enabled,
            Duration refusalDetail,
            Integer maxDetailPerNumber,
            Boolean relayedKnown,
            Boolean confirmationReceipts,
            String signingKey,
            List<String> publicKeys,
            Duration checkpointInterval,
            Integer checkpointEvery,
            Duration verifyInterval) {
        this(
                enabled,
                refusalDetail,
                maxDetailPerNumber,
                relayedKnown,
                confirmationReceipts,
                signingKey,
                publicKeys,
                checkpointInterval,
                checkpointEvery,
                verifyInterval,
                null);
    }

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
        if (signingKey != null) {
            ConfigChecks.readableFile("evidence.signingKey", signingKey);
        }
        publicKeys = ConfigChecks.orEmpty(publicKeys);
        for (int i = 0; i < publicKeys.size(); i++) {
            ConfigChecks.readableFile("evidence.publicKeys[" + i + "]", publicKeys.get(i));
        }
        checkpointInterval = ConfigChecks.positive(
                "evidence.checkpointInterval", ConfigChecks.orDefault(checkpointInterval, Duration.ofMinutes(10)));
        checkpointEvery = checkpointEvery == null ? 10_000 : checkpointEvery;
        if (checkpointEvery < 1) {
            throw new ConfigException("evidence.checkpointEvery", "must be 1 or more, got " + checkpointEvery);
        }
        verifyInterval = ConfigChecks.orDefault(verifyInterval, Duration.ofHours(24));
        if (verifyInterval.isNegative()) {
            throw new ConfigException("evidence.verifyInterval", "must be 0s (off) or positive, got " + verifyInterval);
        }
        retention = ConfigChecks.positive("evidence.retention", ConfigChecks.orDefault(retention, DEFAULT_RETENTION));
    }

    /** Defaults: the ledger on, 400 days of detail, 10,000 entries a number; checkpoints unsigned, verify daily. */
    public static EvidenceConfig defaults() {
        return new EvidenceConfig(null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Whether the gateway runs the verification by itself. */
    public boolean verifyScheduled() {
        return !verifyInterval.isZero();
    }
}
