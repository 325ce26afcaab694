package io.optoutgw.report;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.optoutgw.suppression.RedisKeys;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Messages relayed per day, account and sender, kept in Redis so that {@code gateway report} can
 * compute opt-out rates from the audit trail alone ({@code gw:stats:relayed:YYYYMMDD}, a hash of
 * {@code account|sender} -> count, kept 400 days). Counted in memory and flushed every few
 * seconds, so the hot path costs an adder, not a Redis command.
 */
public final class RelayedStats {

    private static final long KEEP_SECONDS = 400L * 24 * 3600;

    private final RedisClusterAsyncCommands<String, String> redis;
    /** account -> sender tag -> count since the last flush. */
    private final Map<String, Map<String, LongAdder>> pending = new ConcurrentHashMap<>();

    public RelayedStats(RedisClusterAsyncCommands<String, String> redis) {
        this.redis = redis;
    }

    static String key(LocalDate day) {
        return RedisKeys.relayedStats(day);
    }

    /** One message accepted by an SMSC for {@code account} from {@code sender} (a bounded label). */
    public void relayed(String account, String sender) {
        Map<String, LongAdder> bySender = pending.get(account);
        if (bySender == null) {
            bySender = pending.computeIfAbsent(account, a -> new ConcurrentHashMap<>());
        }
        LongAdder n = bySender.get(sender);
        if (n == null) {
            n = bySender.computeIfAbsent(sender, k -> new LongAdder());
        }
        n.increment();
    }

    /** Writes the counts gathered since the last flush (called periodically and at shutdown). */
    public void flush() {
        String key = key(LocalDate.now(ZoneOffset.UTC));
        boolean any = false;
        for (Map.Entry<String, Map<String, LongAdder>> a : pending.entrySet()) {
            for (Map.Entry<String, LongAdder> e : a.getValue().entrySet()) {
                long n = e.getValue().sumThenReset();
                if (n > 0) {
                    redis.hincrby(key, a.getKey() + "|" + e.getKey(), n);
                    any = true;
                }
            }
        }
        if (any) {
            redis.expire(key, KEEP_SECONDS);
        }
    }
}
