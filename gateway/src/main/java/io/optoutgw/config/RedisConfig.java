package io.optoutgw.config;

import java.time.Duration;

/**
 * Where the shared state lives.
 *
 * @param uri             {@code embedded} (the gateway starts a local redis-server), or a
 *                        {@code redis://}, {@code rediss://} (TLS), {@code redis-sentinel://host:port#master}
 *                        or {@code redis-cluster://host1:port1,host2:port2} ({@code rediss-cluster://}
 *                        with TLS) URI
 * @param embeddedDataDir data directory of the embedded redis-server
 * @param embeddedPort    port of the embedded redis-server on 127.0.0.1 (0 picks a free one)
 * @param commandTimeout  a Redis command not answered within this time fails
 * @param messageIdTtl    how long a message_id -> account mapping is kept for receipt routing
 * @param requireSafe     refuse to start (instead of warning) when Redis evicts keys, has no AOF,
 *                        or is reached in plaintext outside loopback/private addresses
 * @param commandLatencyMetrics whether Lettuce times every Redis command into the metrics
 *                        ({@code lettuce_command_completion_seconds}, {@code lettuce_command_firstresponse_seconds});
 *                        default true. Two timers per command: at saturation they cost about 15% of the
 *                        gateway's CPU per relayed submit
 */
public record RedisConfig(
        String uri,
        String embeddedDataDir,
        int embeddedPort,
        Duration commandTimeout,
        Duration messageIdTtl,
        Boolean requireSafe,
        Boolean commandLatencyMetrics) {

    public static final String EMBEDDED = "embedded";

    public RedisConfig {
        ConfigChecks.notBlank("redis.uri", uri);
        if (!uri.equals(EMBEDDED)
                && !uri.matches(
                        "^(redis|rediss|redis-sentinel|rediss-sentinel|redis-cluster|rediss-cluster|redis-socket)://.+")) {
            throw new ConfigException(
                    "redis.uri",
                    "must be 'embedded' or a redis://, rediss://, redis-sentinel:// or redis-cluster:// URI, got '"
                            + uri.replaceAll("//[^@/]*@", "//***@") + "'");
        }
        embeddedDataDir = embeddedDataDir == null ? "./data" : embeddedDataDir;
        ConfigChecks.port("redis.embeddedPort", embeddedPort, true);
        commandTimeout = ConfigChecks.positive(
                "redis.commandTimeout", ConfigChecks.orDefault(commandTimeout, Duration.ofMillis(500)));
        messageIdTtl =
                ConfigChecks.positive("redis.messageIdTtl", ConfigChecks.orDefault(messageIdTtl, Duration.ofHours(72)));
        requireSafe = requireSafe != null && requireSafe;
        commandLatencyMetrics = commandLatencyMetrics == null || commandLatencyMetrics;
    }

    public boolean embedded() {
        return EMBEDDED.equals(uri);
    }
}
