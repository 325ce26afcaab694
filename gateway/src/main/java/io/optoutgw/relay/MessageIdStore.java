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
    /**
     * Recent mappings kept locally: a direct-mapped table (a newer mapping replaces an older one in
     * its slot), read and written by the event loops without locks. An entry is immutable, so a
     * racy read sees a whole entry or none; a miss only costs a Redis read.
     */
    static final int LOCAL_ENTRIES = 65_536;
    private record Recent(String key, String account) {
    }
    private final Recent[] recent = new Recent[LOCAL_ENTRIES];

    private static int slot(String key) {
        int h = key.hashCode();
        return (h ^ (h >>> 16)) & (LOCAL_ENTRIES - 1);
    }

    private Runnable onWriteError = () -> { };

    /** Called (on a Redis thread) for every mapping write that failed, e.g. to count it. */
    public void onWriteError(Runnable callback) {
        this.onWriteError = callback;
    }

    public MessageIdStore(RedisClusterAsyncCommands<String, String> redis, Duration ttl) {
        this(() -> redis, ttl);
    }

    /** @param redis the per-message commands (the calling event loop's own connection where it has one) */
    public MessageIdStore(java.util.function.Supplier<RedisClusterAsyncCommands<String, String>> redis,
                          Duration ttl) {
        this.redis = redis;
        this.ttl = SetArgs.Builder.px(ttl.toMillis());
    }

    static String key(String upstream, String messageId) {
        return "gw:mid:" + upstream + ":" + messageId;
    }

    /** Records that {@code account} submitted {@code messageId} through {@code upstream}. */
    public void remember(String upstream, String messageId, String account) {
        String key = key(upstream, messageId);
        recent[slot(key)] = new Recent(key, account);
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
        Recent local = recent[slot(key)];
        if (local != null && local.key.equals(key)) {
            return CompletableFuture.completedFuture(local.account);
        }
        return redis.get().get(key);
    }
}
