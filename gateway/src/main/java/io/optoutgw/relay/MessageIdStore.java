package io.optoutgw.relay;

import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import io.optoutgw.metrics.LogLimiter;
import io.optoutgw.suppression.RedisKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which ESME account submitted each SMSC message_id, so that its delivery receipt reaches that
 * account whichever bind, reconnect or gateway instance it arrives on.
 *
 * <p>Redis key: {@code gw:mid:{upstream}:{message_id}} -> account system_id, with a TTL
 * ({@code redis.messageIdTtl}). The upstream is part of the key because message ids are only
 * unique per SMSC. The most recent mappings are also kept in a bounded local cache: a receipt that
 * overtakes the Redis write is still routed, and most receipts (which come back to the instance
 * that relayed the submit, soon after) cost no Redis round trip. A mapping never changes, so the
 * cache cannot be stale.
 *
 * <p>Writes are asynchronous. On an event loop they are gathered for up to {@code batchDelay}
 * (or {@link #MAX_BATCH} mappings) and then go out together, as pipelined SETs in one socket
 * write, on that loop's own Redis connection: Redis then reads and answers them in one go instead
 * of once per message. Another instance that gets the receipt first looks the id up again after
 * short pauses (see {@link DeliverRouter}). {@link #flush} sends what is gathered, e.g. before the gateway
 * stops.
 */
public final class MessageIdStore {

    private static final Logger log = LoggerFactory.getLogger(MessageIdStore.class);

    /** Default time a mapping may wait for others before it is written. */
    public static final Duration DEFAULT_BATCH_DELAY = Duration.ofMillis(1);
    /** A loop's gathered mappings are written at once when there are this many. */
    static final int MAX_BATCH = 128;

    private final Supplier<RedisClusterAsyncCommands<String, String>> redis;
    private final SetArgs ttl;
    private final long batchDelayNanos;
    /** Recent mappings kept locally (about the last this many; see {@link RecentMessageIds}). */
    static final int LOCAL_ENTRIES = 131_072;

    private final RecentMessageIds recent = new RecentMessageIds(LOCAL_ENTRIES);

    /** The calling event loop's gathered writes; {@code null} on other threads. */
    private final FastThreadLocal<Batch> batches = new FastThreadLocal<>() {
        @Override
        protected Batch initialValue() {
            EventExecutor loop = ThreadExecutorMap.currentExecutor();
            if (loop == null) {
                return null;
            }
            Batch batch = new Batch(loop);
            allBatches.add(batch);
            return batch;
        }
    };

    private final List<Batch> allBatches = new CopyOnWriteArrayList<>();

    private Runnable onWriteError = () -> {};

    /** Called (on a Redis thread) for every mapping write that failed, e.g. to count it. */
    public void onWriteError(Runnable callback) {
        this.onWriteError = callback;
    }

    public MessageIdStore(RedisClusterAsyncCommands<String, String> redis, Duration ttl) {
        this(() -> redis, ttl, DEFAULT_BATCH_DELAY);
    }

    /**
     * @param redis      the per-message commands (the calling event loop's own connection where it has one)
     * @param batchDelay how long a mapping written on an event loop may wait for others; zero writes
     *                   each one at once
     */
    public MessageIdStore(
            Supplier<RedisClusterAsyncCommands<String, String>> redis, Duration ttl, Duration batchDelay) {
        this.redis = redis;
        this.ttl = SetArgs.Builder.px(ttl.toMillis());
        this.batchDelayNanos = batchDelay.toNanos();
    }

    static String key(String upstream, String messageId) {
        return RedisKeys.messageId(upstream, messageId);
    }

    /** Records that {@code account} submitted {@code messageId} through {@code upstream}. */
    public void remember(String upstream, String messageId, String account) {
        recent.put(upstream, messageId, account);
        String key = key(upstream, messageId);
        Batch batch = batchDelayNanos > 0 ? batches.get() : null;
        if (batch == null) {
            write(key, account);
        } else {
            batch.add(key, account);
        }
    }

    private CompletableFuture<String> write(String key, String account) {
        CompletableFuture<String> done = redis.get().set(key, account, ttl).toCompletableFuture();
        done.whenComplete((ok, error) -> {
            if (error != null) {
                onWriteError.run();
                warnNotStored(error);
            }
        });
        return done;
    }

    private final LogLimiter notStoredLog = new LogLimiter(Duration.ofSeconds(1));

    /** One warning a second at most: with Redis down every message's write fails (they are also counted). */
    private void warnNotStored(Throwable error) {
        long skipped = notStoredLog.admit();
        if (skipped >= 0) {
            log.warn(
                    "{} message id mapping(s) not stored in Redis, so their receipts may not be routed: {}",
                    skipped + 1,
                    error.toString());
        }
    }

    /** The account that submitted {@code messageId}, or {@code null} when unknown. */
    public CompletionStage<String> lookup(String upstream, String messageId) {
        String local = recent.get(upstream, messageId);
        if (local != null) {
            return CompletableFuture.completedFuture(local);
        }
        return redis.get().get(key(upstream, messageId));
    }

    /**
     * Writes every gathered mapping now, each on its own event loop, and waits up to
     * {@code timeout} for Redis to confirm them. Returns how many were not confirmed in time
     * (written with an error, still in flight, or on a loop that no longer runs).
     */
    public int flush(Duration timeout) {
        List<CompletableFuture<List<CompletableFuture<String>>>> perLoop = new ArrayList<>();
        int unreachable = 0;
        for (Batch batch : allBatches) {
            CompletableFuture<List<CompletableFuture<String>>> sent = new CompletableFuture<>();
            try {
                batch.loop.execute(() -> {
                    List<CompletableFuture<String>> writes = new ArrayList<>(batch.size);
                    batch.send(writes);
                    sent.complete(writes);
                });
                perLoop.add(sent);
            } catch (RejectedExecutionException e) {
                unreachable += batch.size;
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        int unconfirmed = unreachable;
        for (CompletableFuture<List<CompletableFuture<String>>> sent : perLoop) {
            List<CompletableFuture<String>> writes;
            try {
                writes = sent.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                unconfirmed++;
                continue;
            }
            for (CompletableFuture<String> w : writes) {
                try {
                    w.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (Exception e) {
                    unconfirmed++;
                }
            }
        }
        if (unconfirmed > 0) {
            log.warn("{} message id mappings not confirmed by Redis at flush", unconfirmed);
        }
        return unconfirmed;
    }

    /** One event loop's mappings waiting to be written; touched only on that loop. */
    private final class Batch implements Runnable {
        final EventExecutor loop;
        final String[] keys = new String[MAX_BATCH];
        final String[] accounts = new String[MAX_BATCH];
        int size;
        boolean timerSet;

        Batch(EventExecutor loop) {
            this.loop = loop;
        }

        void add(String key, String account) {
            keys[size] = key;
            accounts[size] = account;
            size++;
            if (size == MAX_BATCH) {
                send(null);
            } else if (!timerSet) {
                timerSet = true;
                loop.schedule(this, batchDelayNanos, TimeUnit.NANOSECONDS);
            }
        }

        /** The timer: writes what has been gathered since it was set. */
        @Override
        public void run() {
            timerSet = false;
            send(null);
        }

        /** Writes the gathered mappings; their results go to {@code writes} when given. */
        void send(List<CompletableFuture<String>> writes) {
            for (int i = 0; i < size; i++) {
                CompletableFuture<String> w = write(keys[i], accounts[i]);
                if (writes != null) {
                    writes.add(w);
                }
                keys[i] = null;
                accounts[i] = null;
            }
            size = 0;
        }
    }
}
