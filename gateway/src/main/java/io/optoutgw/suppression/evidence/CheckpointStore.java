package io.optoutgw.suppression.evidence;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.optoutgw.suppression.RedisKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** The checkpoints Redis keeps: {@code gw:chk:CHAIN} sorted sets of checkpoint JSON scored by seq. Blocking reads, each bounded by the timeout. */
public final class CheckpointStore {

    private final RedisClusterAsyncCommands<String, String> redis;
    private final Duration timeout;

    public CheckpointStore(RedisClusterAsyncCommands<String, String> redis, Duration timeout) {
        this.redis = redis;
        this.timeout = timeout;
    }

    /** Every chain Redis holds checkpoints of ({@code gw:chains}), in order. */
    public List<String> chains() throws Exception {
        return new ArrayList<>(new TreeSet<>(get(redis.smembers(RedisKeys.CHAINS))));
    }

    /** The checkpoints of {@code chain} from position {@code start} (0: the lowest seq), at most {@code count}. */
    public List<String> page(String chain, long start, int count) throws Exception {
        return get(redis.zrange(RedisKeys.checkpoints(chain), start, start + count - 1));
    }

    /** The checkpoint of {@code chain} with the greatest seq, or {@code null}. */
    public Checkpoint latest(String chain) throws Exception {
        List<String> last = get(redis.zrange(RedisKeys.checkpoints(chain), -1, -1));
        return last.isEmpty() ? null : Checkpoint.fromJson(last.get(0));
    }

    private <T> T get(CompletionStage<T> read) throws Exception {
        return read.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
