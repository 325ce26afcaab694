package io.optoutgw.config;

import java.time.Duration;

/**
 * The do-not-contact list.
 *
 * @param buckets      hash buckets the list is spread over in Redis (power of two; fixed once the
 *                     list holds numbers: the gateway refuses to start with a different value)
 * @param checkTimeout a check not answered within this time counts as "cannot check": the submit
 *                     is refused with the account's fail-closed status (or relayed if fail-open).
 *                     Checks are always bounded by {@code redis.commandTimeout} too; a shorter
 *                     value here costs a timer per submit
 */
public record SuppressionConfig(Integer buckets, Duration checkTimeout) {

    public SuppressionConfig {
        buckets = buckets == null ? 1 << 18 : buckets;
        if (buckets < 1 || Integer.bitCount(buckets) != 1) {
            throw new ConfigException("suppression.buckets", "must be a power of two, got " + buckets);
        }
        checkTimeout = ConfigChecks.positive(
                "suppression.checkTimeout", ConfigChecks.orDefault(checkTimeout, Duration.ofMillis(500)));
    }
}
