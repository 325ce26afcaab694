package io.optoutgw.store;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Gathers the per-message Redis commands issued during one turn of an event loop and sends them
 * when the turn's I/O is done: the submits read in one burst are checked by one EVAL, and the
 * message ids learnt in one burst are stored by one more. A single check or write goes as a plain
 * HMGET or SET. Used only on its own loop's thread (no locking); the connection is that loop's own
 * ({@link EventLoopLanes}).
 *
 * <p>The check script only reads (no write, so a read-only replica or an out-of-memory Redis
 * answers it as it would HMGET); the write script only sets the keys it is given. If a script
 * fails (timeout, Redis down, ...), every command in it fails, and a failed check fails closed.
 */
final class LoopBatcher implements HotCommands {

    /** Upper bound on the commands in one script call (bounds the time Redis spends in it). */
    static final int MAX_BATCH = 256;

    /**
     * KEYS: the hashes to read, one per check. ARGV[1] = fields per check, then the fields of
     * every check. Returns one array of values per check (nil where absent).
     */
    static final String CHECK_SCRIPT = """
            local per = tonumber(ARGV[1])
            local out = {}
            local a = 2
            for i = 1, #KEYS do
              out[i] = redis.call('HMGET', KEYS[i], unpack(ARGV, a, a + per - 1))
              a = a + per
            end
            return out
            """;

    /** KEYS: the keys to set. ARGV[1] = TTL in ms, then one value per key. */
    static final String WRITE_SCRIPT = """
            for i = 1, #KEYS do
              redis.call('SET', KEYS[i], ARGV[i + 1], 'PX', ARGV[1])
            end
            return #KEYS
            """;

    private record Check(String key, String[] fields, CompletableFuture<List<String>> result) {
    }

    private record Write(String key, String value, long ttlMillis, CompletableFuture<String> result) {
    }

    private final EventLoop loop;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final HotCommands direct;
    private List<Check> checks = new ArrayList<>();
    private List<Write> writes = new ArrayList<>();
    private boolean scheduled;

    LoopBatcher(EventLoop loop, RedisClusterAsyncCommands<String, String> redis) {
        this.loop = loop;
        this.redis = redis;
        this.direct = HotCommands.of(redis);
    }

    EventLoop loop() {
        return loop;
    }

    @Override
    public CompletionStage<List<String>> hmget(String key, String... fields) {
        CompletableFuture<List<String>> f = new CompletableFuture<>();
        checks.add(new Check(key, fields, f));
        added();
        return f;
    }

    @Override
    public CompletionStage<String> setPx(String key, String value, long ttlMillis) {
        CompletableFuture<String> f = new CompletableFuture<>();
        writes.add(new Write(key, value, ttlMillis, f));
        added();
        return f;
    }

    @Override
    public CompletionStage<String> get(String key) {
        return direct.get(key);
    }

    private void added() {
        if (checks.size() >= MAX_BATCH || writes.size() >= MAX_BATCH) {
            flush();
        } else if (!scheduled) {
            scheduled = true;
            // runs after the I/O of this loop turn: everything read in the same burst joins in
            loop.execute(this::flush);
        }
    }

    private void flush() {
        scheduled = false;
        if (!checks.isEmpty()) {
            List<Check> c = checks;
            checks = new ArrayList<>();
            sendChecks(c);
        }
        if (!writes.isEmpty()) {
            List<Write> w = writes;
            writes = new ArrayList<>();
            sendWrites(w);
        }
    }

    private void sendChecks(List<Check> c) {
        int per = c.get(0).fields.length;
        boolean oneShape = true;
        for (Check x : c) {
            oneShape &= x.fields.length == per;
        }
        if (c.size() == 1 || !oneShape) {
            c.forEach(x -> forward(direct.hmget(x.key, x.fields), x.result));
            return;
        }
        String[] keys = new String[c.size()];
        String[] args = new String[1 + c.size() * per];
        args[0] = Integer.toString(per);
        int a = 1;
        for (int i = 0; i < keys.length; i++) {
            Check x = c.get(i);
            keys[i] = x.key;
            System.arraycopy(x.fields, 0, args, a, per);
            a += per;
        }
        CompletionStage<List<Object>> reply;
        try {
            reply = redis.eval(CHECK_SCRIPT, ScriptOutputType.MULTI, keys, args);
        } catch (RuntimeException e) {
            c.forEach(x -> x.result.completeExceptionally(e));
            return;
        }
        reply.whenComplete((rows, error) -> {
            for (int i = 0; i < c.size(); i++) {
                if (error != null) {
                    c.get(i).result.completeExceptionally(error);
                } else {
                    c.get(i).result.complete(row(rows.get(i)));
                }
            }
        });
    }

    private void sendWrites(List<Write> w) {
        long ttl = w.get(0).ttlMillis;
        boolean oneTtl = true;
        for (Write x : w) {
            oneTtl &= x.ttlMillis == ttl;
        }
        if (w.size() == 1 || !oneTtl) {
            w.forEach(x -> forward(direct.setPx(x.key, x.value, x.ttlMillis), x.result));
            return;
        }
        String[] keys = new String[w.size()];
        String[] args = new String[1 + w.size()];
        args[0] = Long.toString(ttl);
        for (int i = 0; i < keys.length; i++) {
            keys[i] = w.get(i).key;
            args[i + 1] = w.get(i).value;
        }
        CompletionStage<Long> reply;
        try {
            reply = redis.eval(WRITE_SCRIPT, ScriptOutputType.INTEGER, keys, args);
        } catch (RuntimeException e) {
            w.forEach(x -> x.result.completeExceptionally(e));
            return;
        }
        reply.whenComplete((n, error) -> w.forEach(x -> {
            if (error != null) {
                x.result.completeExceptionally(error);
            } else {
                x.result.complete("OK");
            }
        }));
    }

    @SuppressWarnings("unchecked")
    private static List<String> row(Object row) {
        List<Object> values = (List<Object>) row;
        List<String> out = new ArrayList<>(values.size());
        for (Object v : values) {
            out.add(v == null ? null : v.toString());
        }
        return out;
    }

    private static <T> void forward(CompletionStage<T> from, CompletableFuture<T> to) {
        try {
            from.whenComplete((v, e) -> {
                if (e != null) {
                    to.completeExceptionally(e);
                } else {
                    to.complete(v);
                }
            });
        } catch (RuntimeException e) {
            to.completeExceptionally(e);
        }
    }
}
