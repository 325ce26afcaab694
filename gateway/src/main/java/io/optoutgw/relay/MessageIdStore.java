package io.optoutgw.relay;

import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which ESME account submitted each SMSC message_id, so that its delivery receipt reaches that
 * account whichever bind, reconnect or gateway instance it arrives on.
 *
 * <p>Redis key: {@code gw:mid:{upstream}:{message_id}} -> account system_id, with a TTL
 * ({@code redis.messageIdTtl}). The upstream is part of the key because message ids are only
 * unique per SMSC. Writes are asynchronous (pipelined on the shared connection); until a write is
 * acknowledged the mapping is also held locally, so a receipt that overtakes the write on this
 * instance is still routed. The local map only holds unacknowledged writes, so it stays small.
 */
public final class MessageIdStore {

    private static final Logger log = LoggerFactory.getLogger(MessageIdStore.class);

    private final RedisClusterAsyncCommands<String, String> redis;
    private final SetArgs ttl;
    private final ConcurrentMap<String, String> unacknowledged = new ConcurrentHashMap<>();

    public MessageIdStore(RedisClusterAsyncCommands<String, String> redis, Duration ttl) {
        this.redis = redis;
        this.ttl = SetArgs.Builder.px(ttl.toMillis());
    }

    static String key(String upstream, String messageId) {
        return "gw:mid:" + upstream + ":" + messageId;
    }

    /** Records that {@code account} submitted {@code messageId} through {@code upstream}. */
    public void remember(String upstream, String messageId, String account) {
        String key = key(upstream, messageId);
        unacknowledged.put(key, account);
        redis.set(key, account, ttl).whenComplete((ok, error) -> {
            unacknowledged.remove(key, account);
            if (error != null) {
                log.warn("message id mapping for upstream {} not stored: {}", upstream, error.toString());
            }
        });
    }

    /** The account that submitted {@code messageId}, or {@code null} when unknown. */
    public CompletionStage<String> lookup(String upstream, String messageId) {
        String key = key(upstream, messageId);
        String local = unacknowledged.get(key);
        if (local != null) {
            return CompletableFuture.completedFuture(local);
        }
        return redis.get(key);
    }
}
