package io.optoutgw.sendtime;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * At most N messages per number per account in a rolling window (24 h for {@code maxPer24h}),
 * counted in Redis so that every gateway sharing it counts the same messages.
 *
 * <p>Redis: {@link #KEY_PATTERN}, a list of the epoch milliseconds at which the messages still
 * inside the window were admitted, never more than N entries. One Lua script prunes the entries
 * that left the window, counts, and appends the new one only when fewer than N remain, so
 * concurrent gateways cannot admit more than N between them. The key expires one window after its
 * newest entry, so a number that stops receiving messages costs nothing after 24 h. Cost: about
 * 100 bytes per number with N = 3 (measured with MEMORY USAGE on Redis 7, see
 * {@code FrequencyCapTest} and docs/consent-rules.md).
 *
 * <p>Times come from this gateway's {@link Clock}, not Redis's, so that tests can move through a
 * window; gateways whose clocks disagree by a few seconds move the window's edge by as much.
 */
public final class FrequencyCap {

    /**
     * {@code gw:cap:ACCOUNT:DIGITS}: list of admission times (epoch ms) of the messages of
     * {@code ACCOUNT} to {@code DIGITS} inside the window; at most N entries; PEXPIRE one window
     * after the newest.
     */
    public static final String KEY_PATTERN = "gw:cap:ACCOUNT:DIGITS";
    static final String KEY_PREFIX = "gw:cap:";

    /**
     * KEYS: the list. ARGV: now ms, window ms, cap. Returns {admitted 0/1, count inside the window
     * including this one when admitted, ms when a slot frees when refused}.
     */
    private static final String ACQUIRE = """
            local now = tonumber(ARGV[1])
            local window = tonumber(ARGV[2])
            local cap = tonumber(ARGV[3])
            local all = redis.call('LRANGE', KEYS[1], 0, -1)
            local kept = {}
            for i = 1, #all do
              local t = tonumber(all[i])
              if t and t > now - window then
                kept[#kept + 1] = t
              end
            end
            if #kept ~= #all then
              redis.call('DEL', KEYS[1])
              for i = 1, #kept do
                redis.call('RPUSH', KEYS[1], kept[i])
              end
            end
            table.sort(kept)
            if #kept >= cap then
              if #kept ~= #all then
                redis.call('PEXPIRE', KEYS[1], kept[#kept] + window - now)
              end
              return {0, #kept, kept[#kept - cap + 1] + window}
            end
            redis.call('RPUSH', KEYS[1], now)
            redis.call('LTRIM', KEYS[1], -cap, -1)
            local newest = now
            if #kept > 0 and kept[#kept] > now then
              newest = kept[#kept]
            end
            redis.call('PEXPIRE', KEYS[1], newest + window - now)
            return {1, #kept + 1, 0}
            """;

    /** The outcome of one {@link #acquire}. */
    public record Result(boolean admitted, int count, Instant freesAt) {
    }

    private final Supplier<RedisClusterAsyncCommands<String, String>> redis;
    private final Clock clock;

    public FrequencyCap(Supplier<RedisClusterAsyncCommands<String, String>> redis, Clock clock) {
        this.redis = redis;
        this.clock = clock;
    }

    static String key(String account, String digits) {
        return KEY_PREFIX + account + ":" + digits;
    }

    /**
     * Admits one more message of {@code account} to {@code digits} when fewer than {@code cap}
     * were admitted within {@code window}, and counts it. Completes exceptionally when Redis cannot
     * be asked: the caller decides whether to fail open or closed.
     */
    public CompletionStage<Result> acquire(String account, String digits, int cap, Duration window) {
        if (cap < 1) {
            throw new IllegalArgumentException("cap must be at least 1, got " + cap);
        }
        long now = clock.millis();
        CompletionStage<List<Object>> reply = redis.get().eval(ACQUIRE, ScriptOutputType.MULTI,
                new String[] {key(account, digits)}, Long.toString(now), Long.toString(window.toMillis()),
                Integer.toString(cap));
        return reply.thenApply(r -> {
            boolean admitted = ((Number) r.get(0)).longValue() == 1;
            int count = ((Number) r.get(1)).intValue();
            Instant frees = admitted ? null : Instant.ofEpochMilli(((Number) r.get(2)).longValue());
            return new Result(admitted, count, frees);
        });
    }
}
