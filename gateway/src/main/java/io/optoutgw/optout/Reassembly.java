package io.optoutgw.optout;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.optoutgw.suppression.NumberKeys;
import io.optoutgw.suppression.RedisKeys;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;

/**
 * Puts concatenated MO back together, whatever order its parts arrive in and whichever bind or
 * gateway instance receives each: the parts wait in Redis, in
 * {@code gw:cat:SOURCE:DESTINATION:REF:TOTAL} (a hash of part number -> decoded text) with a TTL,
 * so an incomplete set expires by itself. The part that completes the set gets the whole text.
 *
 * <p>A complete set is kept until its caller {@link #release releases} it: an opt-out is not
 * durable yet when the last part arrives, and if recording it fails the SMSC delivers that part
 * again. That redelivery (or any part's) gets the whole text again, until the set is released or
 * its TTL runs out.
 */
final class Reassembly {

    /** ARGV: part number, text, ttl ms, total. Returns the hash when complete (kept), else {}. */
    private static final String ADD_PART = """
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then
              return redis.call('HGETALL', KEYS[1])
            end
            return {}
            """;

    private final RedisClusterAsyncCommands<String, String> redis;
    private final String ttlMillis;

    Reassembly(RedisClusterAsyncCommands<String, String> redis, Duration ttl) {
        this.redis = redis;
        this.ttlMillis = Long.toString(ttl.toMillis());
    }

    /**
     * Stores one part; completes with the whole text once every part is in (also for a part that
     * arrives again after that, until {@link #release}), else with {@code null}.
     */
    CompletionStage<String> add(String source, String destination, Concat concat, String text) {
        CompletionStage<List<Object>> result = redis.eval(
                ADD_PART,
                ScriptOutputType.MULTI,
                new String[] {key(source, destination, concat)},
                Integer.toString(concat.sequence()),
                text,
                ttlMillis,
                Integer.toString(concat.total()));
        return result.thenApply(flat -> {
            if (flat.isEmpty()) {
                return null;
            }
            TreeMap<Integer, String> parts = new TreeMap<>();
            for (int i = 0; i + 1 < flat.size(); i += 2) {
                parts.put(Integer.parseInt(String.valueOf(flat.get(i))), String.valueOf(flat.get(i + 1)));
            }
            return String.join("", parts.values());
        });
    }

    /**
     * Forgets a complete set once nothing depends on its parts any more (its opt-out is durable,
     * or it was no keyword), so that a later message reusing the reference starts afresh. Best
     * effort: if the delete fails, the TTL removes the set.
     */
    void release(String source, String destination, Concat concat) {
        redis.del(key(source, destination, concat));
    }

    private volatile NumberKeys keys = NumberKeys.CLEAR;

    /** Keys the parts by the sender's number key (privacy.mode, docs/privacy.md). */
    void numberKeys(NumberKeys keys) {
        this.keys = keys;
    }

    private String key(String source, String destination, Concat concat) {
        String from = keys.hashed() && source.startsWith("+") ? source.substring(1) : source;
        return RedisKeys.concatParts(keys.of(from), destination, concat.reference(), concat.total());
    }
}
