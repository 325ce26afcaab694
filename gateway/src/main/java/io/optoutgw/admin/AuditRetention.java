package io.optoutgw.admin;

import io.optoutgw.suppression.SuppressionStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention of event detail in Redis ({@code evidence.retention}, docs/evidence.md, "Retention"): every
 * compact audit trail ({@code gw:ac:{B}}) is read, a batch of buckets at a time (bounded memory), and its events
 * of chain version 2 older than the retention are rewritten in their minimal form (time, type, scope, category,
 * source, order, hashes), which hashes as before, so verification still passes. The list is not touched: the
 * suppressions stay enforced. Events recorded before chain version 2 keep their detail (their hash covers it).
 * Runs before each scheduled verification; the journal drops the same detail at its compactions.
 */
public final class AuditRetention {

    private static final Logger log = LoggerFactory.getLogger(AuditRetention.class);
    private static final int BUCKET_BATCH = 256;

    private final SuppressionStore store;
    private final Duration retention;
    private final Clock clock;
    private final Duration timeout;

    public AuditRetention(SuppressionStore store, Duration retention, Clock clock, Duration timeout) {
        this.store = store;
        this.retention = retention;
        this.clock = clock;
        this.timeout = timeout;
    }

    /** Drops the detail of every event older than the retention; returns how many events lost theirs. */
    public long run() throws Exception {
        long cutoff = clock.instant().minus(retention).toEpochMilli();
        long dropped = 0;
        for (int from = 0; from < store.buckets(); from += BUCKET_BATCH) {
            List<Integer> n = Reads.batch(
                    from, Math.min(store.buckets(), from + BUCKET_BATCH), b -> store.dropDetail(b, cutoff), timeout);
            for (int x : n) {
                dropped += x;
            }
        }
        if (dropped > 0) {
            log.info("audit retention: dropped the detail of {} event(s) older than {}", dropped, retention);
        }
        return dropped;
    }
}
