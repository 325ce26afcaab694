package io.optoutgw.sendtime;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.optoutgw.suppression.NumberKeys;
import io.optoutgw.suppression.RedisKeys;
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
 * <p>Redis: {@code gw:cap:ACCOUNT:DIGITS} ({@link RedisKeys#frequencyCap}), a string holding the epoch milliseconds at which the messages
 * still inside the window were admitted, comma-separated, never more than N of them. One Lua
 * script drops the times that left the window, counts, and adds the new one only when fewer than
 * N remain, so concurrent gateways cannot admit more than N between them. The key expires one
 * window after its newest time, so a number that stops receiving messages costs nothing after
 * 24 h. Cost with N = 3: 120 bytes by MEMORY USAGE, about 190 bytes of Redis memory with the
 * keyspace and expiry entries (Redis 7.0; {@code FrequencyCapTest} and docs/consent-rules.md).
 *
 * <p>Times come from this gateway's {@link Clock}, not Redis's, so that tests can move through a
 * window; gateways whose clocks disagree by a few seconds move the window's edge by as much.
 */
public final class FrequencyCap {

    /**
     * {@code gw:cap:ACCOUNT:DIGITS}: string, the admission times (epoch ms, comma-separated) of
     * the messages of {@code ACCOUNT} to {@code DIGITS} inside the window; at most N of them;
     * expires one window after the newest.
     */

    /**
     * KEYS: the counter. ARGV: now ms, window ms, cap. Returns {admitted 0/1, messages inside the
     * window (with this one when admitted), ms when a slot frees when refused}. A refusal writes
     * nothing: entries that left the window go at the next admission or with the key.
     */
    private static final String ACQUIRE = """
            local now = tonumber(ARGV[1])
            local window = tonumber(ARGV[2])
            local cap = tonumber(ARGV[3])
            local kept = {}
            local value = redis.call('GET', KEYS[1])
            if value then
              for t in string.gmatch(value, '%d+') do
                t = tonumber(t)
                if t > now - window then
                  kept[#kept + 1] = t
                end
              end
            end
            table.sort(kept)
            if #kept >= cap then
              return {0, #kept, kept[#kept - cap + 1] + window}
            end
            kept[#kept + 1] = now
            table.sort(kept)
            local out = {}
            for i = 1, #kept do
              out[i] = string.format('%d', kept[i])
            end
            redis.call('SET', KEYS[1], table.concat(out, ','), 'PX', kept[#kept] + window - now)
            return {1, #kept, 0}
            """;

    /** The outcome of one {@link #acquire}. */
    public record Result(boolean admitted, int count, Instant freesAt) {}

    private final Supplier<RedisClusterAsyncCommands<String, String>> redis;
    private final Clock clock;

    public FrequencyCap(Supplier<RedisClusterAsyncCommands<String, String>> redis, Clock clock) {
        this.redis = redis;
        this.clock = clock;
    }

    private volatile NumberKeys keys = NumberKeys.CLEAR;

    /** Keys the counters by {@code keys} (privacy.mode, docs/privacy.md). */
    public void numberKeys(NumberKeys keys) {
        this.keys = keys;
    }

    /** What stands for {@code digits} in this counter's keys. */
    public String keyOf(String digits) {
        return keys.of(digits);
    }

    String key(String account, String digits) {
        return RedisKeys.frequencyCap(account, keys.of(digits));
    }

    /**
     * Admits one more message of {@code account} to {@code digits} when fewer than {@code cap}
     * were admitted within {@code window}, and counts it. Completes exceptionally when Redis cannot
     * be asked: the caller decides whether to fail open or closed.
     */
    public CompletionStage<Result> acquire(String account, String digits, int cap, Duration window) {
        return acquire(key(account, digits), cap, window);
    }

    /**
     * As {@link #acquire(String, String, int, Duration)} for any counter {@code key} (at most
     * {@code cap} admissions within {@code window}); the gateway's reply cap counts its own replies
     * to a person this way ({@link RedisKeys#replyCap}).
     */
    public CompletionStage<Result> acquire(String key, int cap, Duration window) {
        if (cap < 1) {
            throw new IllegalArgumentException("cap must be at least 1, got " + cap);
        }
        long now = clock.millis();
        CompletionStage<List<Object>> reply = redis.get()
                .eval(
                        ACQUIRE,
                        ScriptOutputType.MULTI,
                        new String[] {key},
                        Long.toString(now),
                        Long.toString(window.toMillis()),
                        Integer.toString(cap));
        return reply.thenApply(r -> {
            boolean admitted = ((Number) r.get(0)).longValue() == 1;
            int count = ((Number) r.get(1)).intValue();
            Instant frees = admitted ? null : Instant.ofEpochMilli(((Number) r.get(2)).longValue());
            return new Result(admitted, count, frees);
        });
    }
}
