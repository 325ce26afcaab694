package io.optoutgw.suppression;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.optoutgw.suppression.evidence.Checkpoint;
import io.optoutgw.suppression.evidence.EventChain;
import io.optoutgw.suppression.evidence.EventForms;
import io.optoutgw.suppression.journal.OptOutJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes consent events durable: first the local journal (forced to disk), then Redis (the list and
 * the audit trail). {@link #record} completes normally only when both hold the event; the SMSC is
 * acknowledged only then (docs/reliability.md scenario 1).
 *
 * <p>Before an event that changes the list is journaled, it gets its order on the list from the
 * Redis server that holds the number ({@link SuppressionStore#order}), so the journal carries the
 * order and a replay puts every event back where it stood. When Redis cannot be asked, the event
 * is journaled without one and placed by the second of its time (this gateway's clock); those
 * are counted ({@link #localOrders()}).
 *
 * <p>The journal is the source of truth Redis is rebuilt from (scenarios 3 and 4): at start-up,
 * before any ESME may bind, every entry Redis has not yet seen is replayed; periodically, the
 * reconciler checks the instance's marker keys and replays what Redis lacks: entries whose Redis
 * write failed, or everything when a marker is gone (Redis restarted empty, FLUSHALL, failover to
 * an empty replica). Checkpoints of the journal's hash chain ({@link #recordCheckpoint}) are
 * journaled and replayed the same way. On a single Redis the marker is {@code gw:journal:INSTANCE:applied}; on Redis
 * Cluster every master that serves slots holds its own, {@code gw:journal:INSTANCE:applied:{T}}
 * with a hash tag T in that master's slots (chosen again from the current topology on every
 * pass), so a master that loses its data loses its marker with it. Replays are idempotent.
 *
 * <p>Every event is linked into the journal's hash chain as the journal writes it ({@link EventChain},
 * docs/evidence.md): what Redis gets, and what a replay gives it again, is the linked event, byte for
 * byte the journal's record.
 */
public final class ConsentLedger {

    private static final Logger log = LoggerFactory.getLogger(ConsentLedger.class);
    /**
     * Records replayed per pipelined batch. Every command of a batch must be answered within the
     * command timeout of its own sending, so a batch is kept small enough for a Redis that applies a
     * few thousand records a second.
     */
    private static final int REPLAY_BATCH = 128;

    private static final int REPLAY_ATTEMPTS = 6;
    private static final long REPLAY_PAUSE_FIRST_MS = 250;
    private static final long REPLAY_PAUSE_MAX_MS = 4_000;

    private final OptOutJournal journal;
    private final EventChain chain;
    private final SuppressionStore store;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final String markerKey;
    private final long recordTimeoutMillis;
    private final ConcurrentSkipListSet<Long> unapplied = new ConcurrentSkipListSet<>();
    private final AtomicLong lastJournaled = new AtomicLong();
    private final LongAdder replayed = new LongAdder();
    private final LongAdder replayRetries = new LongAdder();
    private final LongAdder discrepancies = new LongAdder();
    private final LongAdder localOrders = new LongAdder();
    private final AtomicLong nextLocalOrderLog = new AtomicLong(System.nanoTime());
    private volatile double clockSkewSeconds = Double.NaN;
    private volatile boolean replayDone;
    private volatile int chainVersion = EventForms.VERSION;
    private volatile LongSupplier compactionLimit = () -> Long.MAX_VALUE;
    private volatile BiConsumer<ConsentEvent, SuppressionStore.Applied> onRecorded = (event, applied) -> {};

    public ConsentLedger(
            OptOutJournal journal,
            SuppressionStore store,
            RedisClusterAsyncCommands<String, String> redis,
            String instanceId,
            Duration recordTimeout) {
        this.journal = journal;
        try {
            this.chain = EventChain.open(journal, instanceId);
        } catch (IOException e) {
            throw new UncheckedIOException("journal " + journal.directory() + ": hash chain not readable", e);
        }
        journal.linkWith(chain);
        this.store = store;
        this.redis = redis;
        this.markerKey = RedisKeys.journalMarker(instanceId);
        this.recordTimeoutMillis = recordTimeout.toMillis();
        this.lastJournaled.set(journal.lastSequence());
    }

    /**
     * Called with every event {@link #record} made durable (journal and Redis) and what applying it
     * did, on the thread that completed the Redis write (e.g. for metrics: re-subscribes, the
     * honour clock). Not called for replays. A listener that throws is logged and ignored.
     */
    /**
     * The journal is compacted only up to this sequence as well (another reader of the journal,
     * the event feed, has not read further yet); -1 or less: nothing.
     */
    public void compactionLimit(LongSupplier limit) {
        this.compactionLimit = limit;
    }

    /**
     * Records events in chain version {@code version}: 2 (the default; compact in Redis, docs/evidence.md) or 1, as
     * gateways before chain version 2 did (the event's JSON hashed, kept whole in {@code gw:a:{B}:DIGITS}): for
     * tests of data written by such gateways.
     */
    public void chainVersion(int version) {
        if (version != 1 && version != EventForms.VERSION) {
            throw new IllegalArgumentException("chain version 1 or 2, not " + version);
        }
        this.chainVersion = version;
    }

    public void onRecorded(BiConsumer<ConsentEvent, SuppressionStore.Applied> listener) {
        this.onRecorded = listener;
    }

    /**
     * Order (from Redis), journal, then Redis. Fails when the journal or Redis cannot take the event
     * in time; an event Redis could not order is still journaled.
     */
    public CompletableFuture<Void> record(ConsentEvent event) {
        return recordOrdered(event).thenApply(e -> null);
    }

    /**
     * {@link #record}, completing with the event as it was journaled: with its order on the list and its
     * link in the hash chain.
     */
    public CompletableFuture<ConsentEvent> recordOrdered(ConsentEvent event) {
        return recordOrdered(event, journaled -> {});
    }

    /**
     * {@link #recordOrdered(ConsentEvent)}, telling {@code onJournaled} the event as the journal holds it
     * as soon as it is on disk (on the journal's writer thread; it must not block): whoever applies it to
     * Redis again after a failed Redis write must apply that one, byte for byte.
     */
    public CompletableFuture<ConsentEvent> recordOrdered(ConsentEvent event, Consumer<ConsentEvent> onJournaled) {
        ConsentEvent unlinked = event.chain() == null ? event : event.withChain(null);
        return ordered(unlinked)
                .thenCompose(e -> {
                    byte[] canonical = e.toJson();
                    // chain version 2: the hash covers the core and a digest of the detail (docs/evidence.md)
                    byte[] payload = chainVersion == 1 ? canonical : EventChain.v2Payload(e, canonical);
                    return journal.appendLinked(payload).thenCompose(appended -> {
                        long seq = appended.seq();
                        unapplied.add(seq);
                        lastJournaled.accumulateAndGet(seq, Math::max);
                        ConsentEvent linked = e.withChain(EventChain.linkOf(canonical, appended.payload()));
                        try {
                            onJournaled.accept(linked);
                        } catch (RuntimeException x) {
                            log.warn("listener of journaled consent events failed: {}", x.toString());
                        }
                        return store.apply(linked).toCompletableFuture().thenApply(applied -> {
                            unapplied.remove(seq);
                            notifyRecorded(linked, applied);
                            return linked;
                        });
                    });
                })
                .orTimeout(recordTimeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** The journal's hash chain: its id and the last event on disk. */
    public EventChain.Head chainHead() {
        return chain.head();
    }

    /**
     * Journals {@code checkpoint} and adds it to {@code gw:chk:CHAIN} in Redis. Completes once both hold
     * it; a checkpoint the journal holds but Redis did not take is replayed by reconciliation.
     * {@code onJournaled} runs (on the journal's writer thread) once the journal holds it.
     */
    public CompletableFuture<Void> recordCheckpoint(Checkpoint checkpoint, Runnable onJournaled) {
        return journal.append(checkpoint.toRecord())
                .thenCompose(seq -> {
                    unapplied.add(seq);
                    lastJournaled.accumulateAndGet(seq, Math::max);
                    onJournaled.run();
                    return applyCheckpoint(checkpoint).thenApply(added -> {
                        unapplied.remove(seq);
                        return (Void) null;
                    });
                })
                .orTimeout(recordTimeoutMillis, TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<Long> applyCheckpoint(Checkpoint c) {
        CompletableFuture<Long> listed = redis.sadd(RedisKeys.CHAINS, c.chain()).toCompletableFuture();
        return redis.zadd(RedisKeys.checkpoints(c.chain()), (double) c.seq(), c.toJson())
                .toCompletableFuture()
                .thenCombine(listed, (added, ignored) -> added);
    }

    private void notifyRecorded(ConsentEvent event, SuppressionStore.Applied applied) {
        try {
            onRecorded.accept(event, applied);
        } catch (RuntimeException e) {
            log.warn("listener of recorded consent events failed: {}", e.toString());
        }
    }

    /** The event with its order on the list, or as it is when it has one, needs none or Redis cannot say. */
    private CompletableFuture<ConsentEvent> ordered(ConsentEvent event) {
        if (event.order() != null || event.type().effect() == 0) {
            return CompletableFuture.completedFuture(event);
        }
        return store.order(event).toCompletableFuture().handle((order, error) -> {
            if (error == null) {
                return event.withOrder(order);
            }
            localOrders.increment();
            long now = System.nanoTime();
            long due = nextLocalOrderLog.get();
            if (now - due >= 0 && nextLocalOrderLog.compareAndSet(due, now + TimeUnit.SECONDS.toNanos(1))) {
                // at most one line a second: with Redis down, every keyword MO and import row lands here
                log.warn(
                        "no order from Redis for a {} ({}): journaled in the order of this gateway's clock "
                                + "({} so far)",
                        event.type(),
                        error.toString(),
                        localOrders.sum());
            }
            return event;
        });
    }

    /** Events journaled without an order from Redis (it could not be asked): placed by this gateway's clock. */
    public long localOrders() {
        return localOrders.sum();
    }

    /**
     * This host's clock minus the Redis servers' ({@code TIME}), in seconds, the largest difference
     * over the masters as of the last reconciliation pass; NaN before the first.
     */
    public double clockSkewSeconds() {
        return clockSkewSeconds;
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
     * Brings Redis up to date with the journal: from the oldest marker, or from the beginning when a
     * marker is missing although the journal has entries. Blocking; call it before ESMEs may bind.
     */
    public void replayAtStartup(Duration timeout) throws Exception {
        List<String> keys = markerKeys();
        sampleClockSkew(keys, timeout);
        Markers markers = readMarkers(keys, timeout);
        long from = markers.missing().isEmpty() ? markers.oldest() : 0;
        if (from > journal.lastSequence()) {
            log.warn(
                    "journal marker {} is ahead of the journal ({}): another journal was used before; replaying all",
                    from,
                    journal.lastSequence());
            from = 0;
        }
        int n = replayFrom(from, timeout);
        writeMarkers(keys, journal.lastSequence(), timeout);
        replayDone = true;
        log.info(
                "journal replayed into Redis: {} entries after sequence {} ({} were missing)",
                n,
                from,
                discrepancies.sum());
    }

    /**
     * One reconciliation pass: replays what Redis may lack and moves the markers. Returns the number
     * of entries Redis had lost (found missing and restored); 0 when it held everything.
     */
    public int reconcile(Duration timeout) throws Exception {
        List<String> keys = markerKeys();
        sampleClockSkew(keys, timeout);
        Markers markers = readMarkers(keys, timeout);
        long from;
        if (!markers.missing().isEmpty() && lastJournaled.get() > 0) {
            log.warn(
                    "journal marker {} missing from Redis: {} lost data (restart without persistence, FLUSHALL or "
                            + "failover); replaying the whole journal",
                    markers.missing(),
                    keys.size() == 1 ? "it" : "the master holding it");
            from = 0;
        } else {
            // Entries after the marker were applied once, but Redis may have lost them since while
            // keeping the older marker (a torn AOF tail, a failover to a lagging replica): the marker
            // only moves after a replay, so everything after it is replayed. Replays are idempotent.
            long markerSeq = markers.oldest();
            from = unapplied.isEmpty() ? markerSeq : Math.min(markerSeq, unapplied.first() - 1);
            if (from >= lastJournaled.get()) {
                return 0;
            }
        }
        long watermark = lastJournaled.get();
        long missingBefore = discrepancies.sum();
        replayFrom(from, timeout);
        unapplied.removeIf(seq -> seq <= watermark);
        writeMarkers(keys, watermark, timeout);
        journal.compactThrough(Math.min(watermark, compactionLimit.getAsLong()));
        return (int) (discrepancies.sum() - missingBefore);
    }

    /** The oldest sequence the present markers hold (0 when none is present) and the markers that are missing. */
    private record Markers(long oldest, List<String> missing) {}

    /**
     * The marker keys: the one key on a single Redis; on Redis Cluster, one per master serving
     * slots, each with the first hash tag {@code {0}}, {@code {1}}, ... that falls in that master's
     * slots (the tag of list bucket T, so the marker shares that bucket's slot).
     */
    List<String> markerKeys() {
        if (redis instanceof RedisAdvancedClusterAsyncCommands<String, String> cluster) {
            TreeSet<String> keys = new TreeSet<>();
            for (RedisClusterNode node : cluster.getStatefulConnection().getPartitions()) {
                if (node.getRole().isUpstream() && !node.getSlots().isEmpty()) {
                    keys.add(markerKey + ":{" + firstTagIn(node) + "}");
                }
            }
            if (!keys.isEmpty()) {
                return List.copyOf(keys);
            }
        }
        return List.of(markerKey);
    }

    private static int firstTagIn(RedisClusterNode node) {
        for (int tag = 0; tag < 1 << 22; tag++) {
            if (node.hasSlot(SlotHash.getSlot(Integer.toString(tag)))) {
                return tag;
            }
        }
        throw new IllegalStateException("no hash tag falls in the slots of " + node.getNodeId());
    }

    private Markers readMarkers(List<String> keys, Duration timeout) throws Exception {
        List<CompletableFuture<String>> reads = new ArrayList<>(keys.size());
        for (String key : keys) {
            reads.add(redis.get(key).toCompletableFuture());
        }
        awaitAll(new ArrayList<>(reads), timeout);
        long oldest = Long.MAX_VALUE;
        List<String> missing = new ArrayList<>(0);
        for (int i = 0; i < keys.size(); i++) {
            String value = reads.get(i).join();
            if (value == null) {
                missing.add(keys.get(i));
            } else {
                oldest = Math.min(oldest, Long.parseLong(value));
            }
        }
        return new Markers(oldest == Long.MAX_VALUE ? 0 : oldest, missing);
    }

    private void writeMarkers(List<String> keys, long sequence, Duration timeout) throws Exception {
        List<CompletableFuture<?>> writes = new ArrayList<>(keys.size());
        for (String key : keys) {
            writes.add(redis.set(key, Long.toString(sequence)).toCompletableFuture());
        }
        awaitAll(writes, timeout);
    }

    private static final String TIME = "return redis.call('TIME')";

    /**
     * Measures this host's clock against {@code TIME} on the server holding each marker key (every
     * master of a cluster). Best effort: a failure leaves the last measurement.
     */
    private void sampleClockSkew(List<String> keys, Duration timeout) {
        double worst = 0;
        try {
            for (String key : keys) {
                long before = System.currentTimeMillis();
                List<Object> time = redis.<List<Object>>eval(TIME, ScriptOutputType.MULTI, key)
                        .toCompletableFuture()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                long after = System.currentTimeMillis();
                double redisSeconds = Long.parseLong(time.get(0).toString())
                        + Long.parseLong(time.get(1).toString()) / 1e6;
                double skew = (before + after) / 2000.0 - redisSeconds;
                if (Math.abs(skew) > Math.abs(worst)) {
                    worst = skew;
                }
            }
            clockSkewSeconds = worst;
        } catch (Exception e) {
            log.debug("clock skew against Redis not measured: {}", e.toString());
        }
    }

    private int replayFrom(long fromExclusive, Duration timeout) throws IOException, Exception {
        List<byte[]> batch = new ArrayList<>(REPLAY_BATCH);
        int[] count = {0};
        long[] last = {fromExclusive};
        journal.replay(fromExclusive, (seq, payload) -> {
            batch.add(payload);
            count[0]++;
            last[0] = seq;
            if (batch.size() == REPLAY_BATCH) {
                applyReplayed(batch, seq, timeout);
            }
        });
        applyReplayed(batch, last[0], timeout);
        replayed.add(count[0]);
        return count[0];
    }

    /**
     * Applies one batch of replayed records (pipelined, in journal order) and clears it. A batch that
     * fails (a command timed out: Redis busy, loading or frozen for a moment; the connection dropped) is
     * applied again, whole, after a pause that doubles up to {@value #REPLAY_PAUSE_MAX_MS} ms, at most
     * {@value #REPLAY_ATTEMPTS} times: records are idempotent, and a gateway that gave up at the first
     * slow moment of a Redis that is rebuilding would not start at all. Then the failure is thrown.
     */
    private void applyReplayed(List<byte[]> batch, long lastSeq, Duration timeout) throws Exception {
        if (batch.isEmpty()) {
            return;
        }
        long pauseMs = REPLAY_PAUSE_FIRST_MS;
        for (int attempt = 1; ; attempt++) {
            List<CompletableFuture<?>> pending = new ArrayList<>(batch.size());
            for (byte[] payload : batch) {
                pending.add(applyRecord(payload));
            }
            try {
                awaitAll(pending, timeout);
                batch.clear();
                return;
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                if (attempt == REPLAY_ATTEMPTS) {
                    throw new IOException(
                            "journal replay into Redis failed for the " + batch.size() + " entries up to sequence "
                                    + lastSeq + " after " + attempt + " attempts: " + cause,
                            cause);
                }
                replayRetries.increment();
                log.warn(
                        "journal replay: the {} entries up to sequence {} were not all applied ({}); "
                                + "applying them again in {} ms (attempt {} of {})",
                        batch.size(),
                        lastSeq,
                        cause.toString(),
                        pauseMs,
                        attempt + 1,
                        REPLAY_ATTEMPTS);
                Thread.sleep(pauseMs);
                pauseMs = Math.min(2 * pauseMs, REPLAY_PAUSE_MAX_MS);
            }
        }
    }

    /** Applies one journal record (an event or a checkpoint) as a replay does, counting what Redis lacked. */
    private CompletableFuture<?> applyRecord(byte[] payload) {
        if (Checkpoint.isCheckpoint(payload)) {
            return applyCheckpoint(Checkpoint.fromRecord(payload)).thenAccept(added -> {
                if (added != null && added > 0) {
                    discrepancies.increment();
                }
            });
        }
        return store.apply(ConsentEvent.fromJson(payload)).toCompletableFuture().thenAccept(applied -> {
            if (applied.auditAdded()) {
                discrepancies.increment();
            }
        });
    }

    /** Batches of replayed entries applied again after a failed attempt (start-up and reconciliation). */
    public long replayRetries() {
        return replayRetries.sum();
    }

    private static void awaitAll(List<CompletableFuture<?>> batch, Duration timeout) throws Exception {
        CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        batch.clear();
    }
}
