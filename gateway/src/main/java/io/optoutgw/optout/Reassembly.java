package io.optoutgw.optout;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;

/**
 * Puts concatenated MO back together, whatever order its parts arrive in and whichever bind or
 * gateway instance receives each: the parts wait in Redis, in
 * {@code gw:cat:SOURCE:DESTINATION:REF:TOTAL} (a hash of part number -> decoded text) with a TTL,
 * so an incomplete set expires by itself. The part that completes the set gets the whole text.
 */
final class Reassembly {

    /** ARGV: part number, text, ttl ms, total. Returns the hash when complete (and deletes it), else {}. */
    private static final String ADD_PART = """
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then
              local all = redis.call('HGETALL', KEYS[1])
              redis.call('DEL', KEYS[1])
              return all
            end
            return {}
            """;

    private final RedisClusterAsyncCommands<String, String> redis;
    private final String ttlMillis;

    Reassembly(RedisClusterAsyncCommands<String, String> redis, Duration ttl) {
        this.redis = redis;
        this.ttlMillis = Long.toString(ttl.toMillis());
    }

    /** Stores one part; completes with the whole text once every part is in, else with {@code null}. */
    CompletionStage<String> add(String source, String destination, Concat concat, String text) {
        String key = "gw:cat:" + source + ":" + destination + ":" + concat.reference() + ":" + concat.total();
        CompletionStage<List<Object>> result = redis.eval(ADD_PART, ScriptOutputType.MULTI, new String[] {key},
                Integer.toString(concat.sequence()), text, ttlMillis, Integer.toString(concat.total()));
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
}
