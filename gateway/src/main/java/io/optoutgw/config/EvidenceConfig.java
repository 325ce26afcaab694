package io.optoutgw.config;

import java.time.Duration;
import java.util.List;

/**
 * Tamper evidence of the consent record (docs/evidence.md): the journal's hash chain is always on;
 * these settings sign its checkpoints and run the full audit verification on a schedule.
 *
 * @param signingKey         PEM file with an Ed25519 key pair (PRIVATE KEY and PUBLIC KEY blocks, as
 *                           {@code gateway audit keygen} writes it) that signs checkpoints; without it
 *                           checkpoints are written unsigned
 * @param publicKeys         further PEM files whose PUBLIC KEY blocks verification trusts (keys used
 *                           before a rotation, other instances' keys); the signing key's own public key
 *                           is always trusted
 * @param checkpointInterval a checkpoint is written when the chain has grown and this long has passed
 *                           since the last one
 * @param checkpointEvery    ... or when the chain has grown by this many events since the last one
 * @param verifyInterval     how often the gateway runs the full verification (list, journal, audit trail
 *                           and hash chains) by itself; {@code 0s} turns it off
 */
public record EvidenceConfig(
        String signingKey,
        List<String> publicKeys,
        Duration checkpointInterval,
        Integer checkpointEvery,
        Duration verifyInterval) {

    public EvidenceConfig {
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
    }

    /** Whether the gateway runs the verification by itself. */
    public boolean verifyScheduled() {
        return !verifyInterval.isZero();
    }
}
