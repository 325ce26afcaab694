package io.optoutgw.suppression.evidence;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
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

    /**
     * The checkpoints of {@code chain} at the lowest seq at or after {@code seq} (a plain checkpoint and a
     * compaction's summary may share one), as Redis holds them; empty when none is that far yet.
     */
    public List<Checkpoint> covering(String chain, long seq) throws Exception {
        List<String> first = get(redis.zrangebyscore(
                RedisKeys.checkpoints(chain),
                Range.create((double) seq, Double.POSITIVE_INFINITY),
                Limit.create(0, 8)));
        List<Checkpoint> out = new ArrayList<>();
        for (String json : first) {
            Checkpoint c = Checkpoint.fromJson(json);
            if (out.isEmpty() || out.get(0).seq() == c.seq()) {
                out.add(c);
            }
        }
        return out;
    }

    private <T> T get(CompletionStage<T> read) throws Exception {
        return read.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
