package io.optoutgw.optout;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.optoutgw.store.OptOutJournal;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.SuppressionStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes consent events durable: first the local journal (forced to disk), then Redis (the list and
 * the audit trail). {@link #record} completes normally only when both hold the event; the SMSC is
 * acknowledged only then (reliability.md scenario 1).
 *
 * <p>The journal is the source of truth Redis is rebuilt from (scenarios 3 and 4): at start-up,
 * before any ESME may bind, every entry Redis has not yet seen is replayed; periodically, the
 * reconciler checks the instance's marker key {@code gw:journal:INSTANCE:applied} and replays what
 * Redis lacks: entries whose Redis write failed, or everything when the marker is gone (Redis
 * restarted empty, FLUSHALL, failover to a lagging replica). Replays are idempotent.
 */
public final class ConsentRecorder {

    private static final Logger log = LoggerFactory.getLogger(ConsentRecorder.class);
    private static final int REPLAY_BATCH = 512;

    private final OptOutJournal journal;
    private final SuppressionStore store;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final String markerKey;
    private final long recordTimeoutMillis;
    private final ConcurrentSkipListSet<Long> unapplied = new ConcurrentSkipListSet<>();
    private final AtomicLong lastJournaled = new AtomicLong();
    private final LongAdder replayed = new LongAdder();
    private final LongAdder discrepancies = new LongAdder();
    private volatile boolean replayDone;

    public ConsentRecorder(OptOutJournal journal, SuppressionStore store, RedisClusterAsyncCommands<String, String> redis,
                           String instanceId, Duration recordTimeout) {
        this.journal = journal;
        this.store = store;
        this.redis = redis;
        this.markerKey = "gw:journal:" + instanceId + ":applied";
        this.recordTimeoutMillis = recordTimeout.toMillis();
        this.lastJournaled.set(journal.lastSequence());
    }

    /** Journal, then Redis. Fails when either cannot take the event in time. */
    public CompletableFuture<Void> record(ConsentEvent event) {
        return journal.append(event.toJson())
                .thenCompose(seq -> {
                    unapplied.add(seq);
                    lastJournaled.accumulateAndGet(seq, Math::max);
                    return store.apply(event).toCompletableFuture().thenRun(() -> unapplied.remove(seq));
                })
                .orTimeout(recordTimeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** Entries replayed into Redis so far (start-up and reconciliation). */
    public long replayedEntries() {
        return replayed.sum();
    }

    /** Entries a replay found missing from Redis (the list or the audit trail lacked them). */
    public long discrepancies() {
        return discrepancies.sum();
    }

    public boolean replayDone() {
        return replayDone;
    }

    /** Journaled entries whose Redis write has not succeeded yet. */
    public int unappliedCount() {
        return unapplied.size();
    }

    /**
     * Brings Redis up to date with the journal: from the marker, or from the beginning when the
     * marker is missing although the journal has entries. Blocking; call it before ESMEs may bind.
     */
    public void replayAtStartup(Duration timeout) throws Exception {
        String marker = redis.get(markerKey).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        long from = marker == null ? 0 : Long.parseLong(marker);
        if (from > journal.lastSequence()) {
            log.warn("journal marker {} is ahead of the journal ({}): another journal was used before; replaying all",
                    from, journal.lastSequence());
            from = 0;
        }
        int n = replayFrom(from, timeout);
        redis.set(markerKey, Long.toString(journal.lastSequence())).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        replayDone = true;
        log.info("journal replayed into Redis: {} entries after sequence {} ({} were missing)", n, from,
                discrepancies.sum());
    }

    /**
     * One reconciliation pass: replays what Redis may lack and moves the marker. Returns the number
     * of entries Redis had lost (found missing and restored); 0 when it held everything.
     */
    public int reconcile(Duration timeout) throws Exception {
        String marker = redis.get(markerKey).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        long from;
        if (marker == null && lastJournaled.get() > 0) {
            log.warn("journal marker missing from Redis: it lost data (restart without persistence, FLUSHALL or "
                    + "failover); replaying the whole journal");
            from = 0;
        } else {
            // Entries after the marker were applied once, but Redis may have lost them since while
            // keeping the older marker (a torn AOF tail, a failover to a lagging replica): the marker
            // only moves after a replay, so everything after it is replayed. Replays are idempotent.
            long markerSeq = marker == null ? 0 : Long.parseLong(marker);
            from = unapplied.isEmpty() ? markerSeq : Math.min(markerSeq, unapplied.first() - 1);
            if (from >= lastJournaled.get()) {
                return 0;
            }
        }
        long watermark = lastJournaled.get();
        long missingBefore = discrepancies.sum();
        replayFrom(from, timeout);
        unapplied.removeIf(seq -> seq <= watermark);
        redis.set(markerKey, Long.toString(watermark)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        journal.compactThrough(watermark);
        return (int) (discrepancies.sum() - missingBefore);
    }

    private int replayFrom(long fromExclusive, Duration timeout) throws IOException, Exception {
        List<CompletableFuture<?>> batch = new ArrayList<>(REPLAY_BATCH);
        int[] count = {0};
        journal.replay(fromExclusive, (seq, payload) -> {
            ConsentEvent event = ConsentEvent.fromJson(payload);
            batch.add(store.apply(event).toCompletableFuture().thenAccept(applied -> {
                if (applied.auditAdded()) {
                    discrepancies.increment();
                }
            }));
            count[0]++;
            if (batch.size() == REPLAY_BATCH) {
                awaitAll(batch, timeout);
            }
        });
        awaitAll(batch, timeout);
        replayed.add(count[0]);
        return count[0];
    }

    private static void awaitAll(List<CompletableFuture<?>> batch, Duration timeout) throws Exception {
        CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        batch.clear();
    }
}
