package io.optoutgw.admin;

import io.lettuce.core.RedisCommandTimeoutException;
import io.optoutgw.suppression.SuppressionStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Batched Redis reads for the long admin walks (export, verification): a batch whose command timed
 * out (a busy Redis, a large reply) is read again a few times before the walk gives up.
 */
public final class Reads {

    private static final int ATTEMPTS = 4;

    private Reads() {}

    /** Reads items {@code from..to-1} with {@code read}, all at once, and returns them in order. */
    public static <T> List<T> batch(int from, int to, IntFunction<CompletionStage<T>> read, Duration timeout)
            throws Exception {
        for (int attempt = 1; ; attempt++) {
            List<CompletableFuture<T>> futures = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                futures.add(read.apply(i).toCompletableFuture());
            }
            try {
                List<T> out = new ArrayList<>(futures.size());
                for (CompletableFuture<T> f : futures) {
                    out.add(f.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
                }
                return out;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RedisCommandTimeoutException) || attempt == ATTEMPTS) {
                    throw e;
                }
                Thread.sleep(100L * attempt);
            }
        }
    }

    /** List buckets read at once at most. */
    private static final int BUCKET_READS = 256;

    /**
     * The entries of the list buckets at positions {@code from..to-1} of {@code order} (a
     * {@link SuppressionStore#walkOrder()}): one script finds the buckets that exist, and only those are read
     * (an empty list costs one script per batch, not one read per bucket). Each read is retried like a batch.
     */
    public static List<List<SuppressionStore.ListEntry>> listBuckets(
            SuppressionStore store, int[] order, int from, int to, Duration timeout) throws Exception {
        int[] present = one(i -> store.presentBuckets(Arrays.copyOfRange(order, from, to)), timeout);
        List<List<SuppressionStore.ListEntry>> out = new ArrayList<>(present.length);
        for (int i = 0; i < present.length; i += BUCKET_READS) {
            out.addAll(
                    batch(i, Math.min(present.length, i + BUCKET_READS), j -> store.exportBucket(present[j]), timeout));
        }
        return out;
    }

    /** One read, retried like a batch. */
    public static <T> T one(IntFunction<CompletionStage<T>> read, Duration timeout) throws Exception {
        return batch(0, 1, read, timeout).get(0);
    }
}
