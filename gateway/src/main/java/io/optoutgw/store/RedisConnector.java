package io.optoutgw.store;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's single, shared Lettuce connection, bounded so that a slow or absent Redis fails
 * commands quickly instead of queueing them: fixed command timeout, bounded request queue, and
 * commands rejected while disconnected.
 */
public final class RedisConnector implements AutoCloseable {

    static final int REQUEST_QUEUE_SIZE = 10_000;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(2);
    private static final Pattern USER_INFO = Pattern.compile("//([^@/]*)@");

    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private boolean closed;

    private RedisConnector(ClientResources resources, RedisClient client,
                           StatefulRedisConnection<String, String> connection) {
        this.resources = resources;
        this.client = client;
        this.connection = connection;
    }

    /**
     * Connects to {@code uri} ({@code redis://}, {@code rediss://}, {@code redis-sentinel://}); fails with
     * {@link RedisConnectException} if the first connection cannot be made.
     */
    public static RedisConnector connect(String uri, Duration commandTimeout) {
        RedisURI redisUri;
        try {
            redisUri = RedisURI.create(uri);
        } catch (RuntimeException e) {
            throw new RedisConnectException("redis: invalid URI " + mask(uri) + ": " + scrub(reason(e), uri), null);
        }
        redisUri.setTimeout(commandTimeout);
        ClientResources resources = DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), MAX_RECONNECT_DELAY, 2, TimeUnit.MILLISECONDS))
                .build();
        RedisClient client = RedisClient.create(resources);
        client.setOptions(clientOptions(commandTimeout));
        try {
            return new RedisConnector(resources, client, client.connect(redisUri));
        } catch (RuntimeException e) {
            shutdown(client, resources);
            throw new RedisConnectException("redis: cannot connect to " + mask(uri) + ": "
                    + scrub(reason(e), uri), e);
        }
    }

    static ClientOptions clientOptions(Duration commandTimeout) {
        return ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(REQUEST_QUEUE_SIZE)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .socketOptions(SocketOptions.builder().connectTimeout(CONNECT_TIMEOUT).keepAlive(true).build())
                .build();
    }

    /** The shared connection; auto-flush is on, so async commands are pipelined on it. */
    public StatefulRedisConnection<String, String> connection() {
        return connection;
    }

    public RedisAsyncCommands<String, String> async() {
        return connection.async();
    }

    /** Closes the connection and shuts down the client and its event loops. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            connection.close();
        } finally {
            shutdown(client, resources);
        }
    }

    private static void shutdown(RedisClient client, ClientResources resources) {
        try {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } finally {
            resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    /** The URI with any user:password replaced by {@code ***}. */
    public static String mask(String uri) {
        return uri == null ? "null" : USER_INFO.matcher(uri).replaceAll("//***@");
    }

    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }

    /** Removes the URI's user-info secret from {@code text}, should a reason ever echo it. */
    private static String scrub(String text, String uri) {
        Matcher m = USER_INFO.matcher(uri);
        if (!m.find()) {
            return text;
        }
        String userInfo = m.group(1);
        String secret = userInfo.contains(":") ? userInfo.substring(userInfo.indexOf(':') + 1) : userInfo;
        String result = text.replace(userInfo, "***");
        return secret.isEmpty() ? result : result.replace(secret, "***");
    }
}
