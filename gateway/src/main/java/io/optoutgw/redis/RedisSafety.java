package io.optoutgw.redis;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Start-up checks of the Redis the list lives in (docs/reliability.md, "Security" and "Why Redis alone
 * is not enough"): an eviction policy other than noeviction could drop opt-outs, a missing AOF
 * loses acknowledged writes on restart, and a plaintext connection to an address outside the
 * loopback and private ranges exposes the list. Each finding is a warning, or stops start-up when
 * {@code redis.requireSafe} is set. A Redis that forbids CONFIG (managed services) cannot be
 * checked for the first two; that is reported too.
 */
public final class RedisSafety {

    private RedisSafety() {}

    /** Every problem found, as one line each; empty when none. */
    public static List<String> check(RedisClusterAsyncCommands<String, String> redis, String uri) {
        List<String> problems = new ArrayList<>();
        try {
            Map<String, String> policy = redis.configGet("maxmemory-policy").get(2, TimeUnit.SECONDS);
            String p = policy.get("maxmemory-policy");
            if (p != null && !"noeviction".equals(p)) {
                problems.add("maxmemory-policy is " + p
                        + ": Redis may evict opt-outs under memory pressure; set noeviction");
            }
            Map<String, String> aof = redis.configGet("appendonly").get(2, TimeUnit.SECONDS);
            if ("no".equals(aof.get("appendonly"))) {
                problems.add("appendonly is no: a Redis restart loses recent writes (the journal restores opt-outs, "
                        + "but enable AOF with appendfsync always or everysec)");
            }
        } catch (Exception e) {
            problems.add(
                    "could not read Redis configuration (" + rootMessage(e) + "): eviction policy and AOF unchecked");
        }
        String plaintext = plaintextToPublicAddress(uri);
        if (plaintext != null) {
            problems.add(plaintext);
        }
        return problems;
    }

    static String plaintextToPublicAddress(String uri) {
        if (uri == null || uri.startsWith("rediss") || uri.startsWith("redis-socket")) {
            return null;
        }
        try {
            String hostPart = uri.replaceFirst("^[a-z-]+://", "").replaceFirst("^[^@/]*@", "");
            for (String hostPort : hostPart.split("[/?#]", 2)[0].split(",")) {
                String host = URI.create("redis://" + hostPort).getHost();
                if (host == null) {
                    continue;
                }
                InetAddress a = host.matches("[0-9.]+|\\[?[0-9a-fA-F:]+\\]?")
                        ? InetAddress.getByName(host.replace("[", "").replace("]", ""))
                        : null;
                boolean internal = a != null
                        ? a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress()
                        : host.equals("localhost")
                                || !host.contains(".")
                                || host.endsWith(".internal")
                                || host.endsWith(".local")
                                || host.endsWith(".svc")
                                || host.endsWith(".cluster.local");
                if (!internal) {
                    return "plaintext connection to " + host
                            + ", which is not a loopback or private address; use rediss://";
                }
            }
        } catch (Exception e) {
            return null;
        }
        return null;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }
}
