package io.optoutgw.suppression;

import io.lettuce.core.BitFieldArgs;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writes one version of an external list ({@link ExternalLists}) from numbers fed in any order.
 * Numbers are gathered in chunks of {@value #CHUNK}, sorted, and written per block of 10,000
 * (the digits without the last four): while a block has at most {@value #MAX_SET} numbers they go
 * to a Redis set (an intset: 2 bytes a number), beyond that the block becomes a 1,250-byte bitmap,
 * allocated at its full size at once (a set already written is turned into it by a script, in
 * Redis), and its numbers are set with BITFIELD, at most 1,024 a command. The count of distinct
 * numbers is what SADD and BITFIELD report as new, so duplicates in the file count once. Commands
 * are pipelined, at most {@code maxInFlight} at once; nothing is one round trip per number. Not
 * thread-safe: one thread feeds it.
 */
public final class ListWriter {

    /** Numbers per block: a block is the digits without the last four. */
    public static final int BLOCK = 10_000;
    /** Most numbers of a block kept as a set (Redis keeps a set of up to 512 integers as an intset). */
    public static final int MAX_SET = 512;
    /** Numbers gathered and sorted before they are written. */
    static final int CHUNK = 1 << 20;
    /** The member every version's dense index holds (so that a version without bitmaps is still found). */
    static final String MARKER = "-1";

    private static final int BITMAP_BYTES = BLOCK / 8;
    private static final int DENSE = -1;

    /** A set block becomes a bitmap of the same numbers: KEYS[1] the block. */
    private static final String TO_BITMAP = """
            local m = redis.call('SMEMBERS', KEYS[1])
            redis.call('DEL', KEYS[1])
            redis.call('SET', KEYS[1], string.rep('\\0', %d))
            for i = 1, #m do redis.call('SETBIT', KEYS[1], tonumber(m[i]), 1) end
            return 0
            """.formatted(BITMAP_BYTES);

    /** A bitmap block's value when it is created: all zero, allocated once at its full size. */
    private static final String EMPTY_BITMAP = "\0".repeat(BITMAP_BYTES);
    /** Most numbers one command carries. */
    private static final int MAX_ARGS = 1024;

    private final RedisClusterAsyncCommands<String, String> redis;
    private final String name;
    private final long version;
    private final Duration timeout;
    private final int maxInFlight;
    private final Semaphore inFlight;
    private final long[] buffer = new long[CHUNK];
    private int buffered;
    /** Numbers sent per block so far, or {@link #DENSE}. */
    private final Map<Long, Integer> blocks = new HashMap<>();

    private final AtomicLong added = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private long denseBlocks;

    /**
     * @param maxInFlight most commands sent and not yet answered
     * @param timeout     how long one wait for Redis may take
     */
    public ListWriter(
            RedisClusterAsyncCommands<String, String> redis,
            String name,
            long version,
            int maxInFlight,
            Duration timeout)
            throws Exception {
        this.redis = redis;
        this.name = name;
        this.version = version;
        this.timeout = timeout;
        this.maxInFlight = maxInFlight;
        this.inFlight = new Semaphore(maxInFlight);
        // the index exists from the start, so that a load that fails half way is found and collected
        redis.sadd(RedisKeys.listDenseIndex(name, version), MARKER)
                .toCompletableFuture()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Adds a number (E.164 digits as a number). */
    public void add(long number) throws Exception {
        buffer[buffered++] = number;
        if (buffered == CHUNK) {
            flush();
        }
    }

    /** What was written. */
    public record Result(long count, long blocks, long denseBlocks) {}

    /** Writes what is left and waits for every command; returns the count of distinct numbers. */
    public Result finish() throws Exception {
        flush();
        if (!inFlight.tryAcquire(maxInFlight, timeout.toMillis() * 4, TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("list " + name + ": Redis did not take the last commands in time");
        }
        inFlight.release(maxInFlight);
        rethrow();
        return new Result(added.get(), blocks.size(), denseBlocks);
    }

    private void flush() throws Exception {
        rethrow();
        int n = buffered;
        buffered = 0;
        if (n == 0) {
            return;
        }
        Arrays.sort(buffer, 0, n);
        int i = 0;
        int[] run = new int[BLOCK];
        while (i < n) {
            long prefix = buffer[i] / BLOCK;
            int len = 0;
            long last = -1;
            while (i < n && buffer[i] / BLOCK == prefix) {
                if (buffer[i] != last) {
                    run[len++] = (int) (buffer[i] % BLOCK);
                    last = buffer[i];
                }
                i++;
            }
            write(prefix, run, len);
        }
    }

    private void write(long prefix, int[] run, int len) throws Exception {
        String key = RedisKeys.listBlock(name, version, prefix);
        int sent = blocks.getOrDefault(prefix, 0);
        if (sent != DENSE && sent + len <= MAX_SET) {
            String[] members = new String[len];
            for (int k = 0; k < len; k++) {
                members[k] = Integer.toString(run[k]);
            }
            blocks.put(prefix, sent + len);
            track(redis.sadd(key, members), v -> v);
            return;
        }
        if (sent != DENSE) {
            blocks.put(prefix, DENSE);
            denseBlocks++;
            if (sent == 0) {
                track(redis.set(key, EMPTY_BITMAP), v -> 0L);
            } else {
                // the numbers already in the block's set move into the bitmap, in Redis (at most MAX_SET of them)
                track(redis.eval(TO_BITMAP, ScriptOutputType.INTEGER, new String[] {key}), v -> 0L);
            }
            track(redis.sadd(RedisKeys.listDenseIndex(name, version), Long.toString(prefix)), v -> 0L);
        }
        for (int from = 0; from < len; from += MAX_ARGS) {
            BitFieldArgs args = new BitFieldArgs();
            for (int k = from; k < Math.min(len, from + MAX_ARGS); k++) {
                args.set(BitFieldArgs.unsigned(1), run[k], 1);
            }
            track(redis.bitfield(key, args), old -> {
                long fresh = 0;
                for (Long v : old) {
                    if (v != null && v == 0L) {
                        fresh++;
                    }
                }
                return fresh;
            });
        }
    }

    private interface Count<T> {
        long of(T reply);
    }

    private <T> void track(CompletionStage<T> command, Count<T> count) throws Exception {
        if (!inFlight.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("list " + name + ": Redis did not take the commands in time");
        }
        command.whenComplete((reply, error) -> {
            try {
                if (error != null) {
                    failure.compareAndSet(null, error);
                } else {
                    added.addAndGet(count.of(reply));
                }
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            } finally {
                inFlight.release();
            }
        });
    }

    private void rethrow() throws Exception {
        Throwable t = failure.get();
        if (t instanceof Exception e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }
}
