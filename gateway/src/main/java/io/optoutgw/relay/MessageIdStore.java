package io.optoutgw.relay;

import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which ESME account submitted each SMSC message_id, so that its delivery receipt reaches that
 * account whichever bind, reconnect or gateway instance it arrives on.
 *
 * <p>Redis key: {@code gw:mid:{upstream}:{message_id}} -> account system_id, with a TTL
 * ({@code redis.messageIdTtl}). The upstream is part of the key because message ids are only
 * unique per SMSC. Writes are asynchronous (pipelined on the shared connection). The most recent
 * mappings are also kept in a bounded local cache: a receipt that overtakes the Redis write is
 * still routed, and most receipts (which come back to the instance that relayed the submit, soon
 * after) cost no Redis round trip. A mapping never changes, so the cache cannot be stale.
 */
public final class MessageIdStore {

    private static final Logger log = LoggerFactory.getLogger(MessageIdStore.class);

    private final java.util.function.Supplier<RedisClusterAsyncCommands<String, String>> redis;
    private final SetArgs ttl;
    /** Recent mappings kept locally; a bounded LRU shared by the event loops. */
    static final int LOCAL_ENTRIES = 65_536;
    private final java.util.Map<String, String> recent = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(1024, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, String> eldest) {
                    return size() > LOCAL_ENTRIES;
                }
            });

    private Runnable onWriteError = () -> { };

    /** Called (on a Redis thread) for every mapping write that failed, e.g. to count it. */
    public void onWriteError(Runnable callback) {
        this.onWriteError = callback;
    }

    public MessageIdStore(RedisClusterAsyncCommands<String, String> redis, Duration ttl) {
        this(() -> redis, ttl);
    }

    /** @param redis the commands to use on the calling thread (e.g. its event loop's own connection) */
    public MessageIdStore(java.util.function.Supplier<RedisClusterAsyncCommands<String, String>> redis, Duration ttl) {
        this.redis = redis;
        this.ttl = SetArgs.Builder.px(ttl.toMillis());
    }

    static String key(String upstream, String messageId) {
        return "gw:mid:" + upstream + ":" + messageId;
    }

    /** Records that {@code account} submitted {@code messageId} through {@code upstream}. */
    public void remember(String upstream, String messageId, String account) {
        String key = key(upstream, messageId);
        recent.put(key, account);
        redis.get().set(key, account, ttl).whenComplete((ok, error) -> {
            if (error != null) {
                onWriteError.run();
                log.warn("message id mapping for upstream {} not stored: {}", upstream, error.toString());
            }
        });
    }

    /** The account that submitted {@code messageId}, or {@code null} when unknown. */
    public CompletionStage<String> lookup(String upstream, String messageId) {
        String key = key(upstream, messageId);
        String local = recent.get(key);
        if (local != null) {
            return CompletableFuture.completedFuture(local);
        }
        return redis.get().get(key);
    }
}
