package io.optoutgw.store;

import io.lettuce.core.KeyValue;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The Redis commands of the per-message path: the suppression check (HMGET), the message-id
 * mapping write (SET with a TTL) and its read. {@link RedisConnector#hot()} sends them on the
 * calling event loop's own connection ({@link EventLoopLanes}) where there is one.
 */
public interface HotCommands {

    /** The values of {@code fields} in hash {@code key}, in order; {@code null} where absent. */
    CompletionStage<List<String>> hmget(String key, String... fields);

    /** SET key value PX ttlMillis. */
    CompletionStage<String> setPx(String key, String value, long ttlMillis);

    /** GET key (not batched). */
    CompletionStage<String> get(String key);

    /** Plain commands on {@code redis}, one Redis command each. */
    static HotCommands of(RedisClusterAsyncCommands<String, String> redis) {
        return new HotCommands() {
            @Override
            public CompletionStage<List<String>> hmget(String key, String... fields) {
                return redis.hmget(key, fields).thenApply(HotCommands::values);
            }

            @Override
            public CompletionStage<String> setPx(String key, String value, long ttlMillis) {
                return redis.set(key, value, SetArgs.Builder.px(ttlMillis));
            }

            @Override
            public CompletionStage<String> get(String key) {
                return redis.get(key);
            }
        };
    }

    static List<String> values(List<KeyValue<String, String>> kvs) {
        List<String> out = new ArrayList<>(kvs.size());
        for (KeyValue<String, String> kv : kvs) {
            out.add(kv.hasValue() ? kv.getValue() : null);
        }
        return out;
    }
}
