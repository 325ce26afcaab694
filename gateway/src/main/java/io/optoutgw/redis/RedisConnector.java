package io.optoutgw.redis;

import static io.optoutgw.transport.Transports.clientChannel;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.metrics.MicrometerCommandLatencyRecorder;
import io.lettuce.core.metrics.MicrometerOptions;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.Transports;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's single, shared Lettuce connection to a standalone Redis, a Sentinel-managed
 * master or a Redis Cluster, bounded so that a slow or absent Redis fails commands quickly instead
 * of queueing them: fixed command timeout, bounded request queue, and commands rejected while
 * disconnected.
 *
 * <p>URI schemes: {@code redis://} and {@code rediss://} (TLS) for one server,
 * {@code redis-sentinel://} and {@code rediss-sentinel://} for Sentinel ({@code #master} names the
 * master), {@code redis-cluster://[user:password@]host1:port1,host2:port2} and
 * {@code rediss-cluster://} (TLS) for Redis Cluster, the hosts being seed nodes.
 */
public final class RedisConnector implements AutoCloseable {

    static final int REQUEST_QUEUE_SIZE = 10_000;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(2);
    /** Cluster topology is also re-read this often, besides on MOVED/ASK and reconnects. */
    static final Duration TOPOLOGY_REFRESH_PERIOD = Duration.ofSeconds(30);

    private static final Pattern CLUSTER = Pattern.compile("^(rediss?)-cluster://(?:([^@/]*)@)?([^/?#]+)(/0?)?$");

    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final StatefulConnection<String, String> connection;
    private final RedisClusterAsyncCommands<String, String> async;
    private final RedisClusterCommands<String, String> sync;
    private final ClusterNodeConnections nodeConnections;
    /** Standalone/Sentinel: the address the lanes connect to; {@code null} for a cluster. */
    private RedisURI laneUri;

    private String uriText;
    private Duration commandTimeout;
    private volatile EventLoopLanes lanes;
    private boolean closed;

    private RedisConnector(ClientResources resources, RedisClient client, StatefulRedisConnection<String, String> c) {
        this(resources, client, c, c.async(), c.sync(), null);
    }

    private RedisConnector(
            ClientResources resources, RedisClusterClient client, StatefulRedisClusterConnection<String, String> c) {
        this(
                resources,
                client,
                c,
                c.async(),
                c.sync(),
                ClusterNodeConnections.open(c, resources.eventBus(), CONNECT_TIMEOUT.plusSeconds(1)));
    }

    private RedisConnector(
            ClientResources resources,
            AbstractRedisClient client,
            StatefulConnection<String, String> connection,
            RedisClusterAsyncCommands<String, String> async,
            RedisClusterCommands<String, String> sync,
            ClusterNodeConnections nodeConnections) {
        this.resources = resources;
        this.client = client;
        this.connection = connection;
        this.async = async;
        this.sync = sync;
        this.nodeConnections = nodeConnections;
    }

    /**
     * Connects to {@code uri} (see the class comment for the schemes); fails with
     * {@link RedisConnectException} if the URI is invalid or the first connection cannot be made.
     */
    public static RedisConnector connect(String uri, Duration commandTimeout) {
        return connect(uri, commandTimeout, null);
    }

    /**
     * As {@link #connect(String, Duration)}; with a registry, Lettuce records every command's
     * latency in it ({@code lettuce.command.completion} and {@code lettuce.command.firstresponse},
     * tagged by command type and Redis address).
     */
    public static RedisConnector connect(String uri, Duration commandTimeout, MeterRegistry registry) {
        boolean isCluster = uri != null && (uri.startsWith("redis-cluster://") || uri.startsWith("rediss-cluster://"));
        List<RedisURI> seeds;
        try {
            seeds = isCluster ? clusterSeeds(uri) : List.of(RedisURI.create(uri));
        } catch (RuntimeException e) {
            throw new RedisConnectException("redis: invalid URI " + mask(uri) + ": " + scrub(reason(e), uri), null);
        }
        seeds.forEach(s -> s.setTimeout(commandTimeout));
        DefaultClientResources.Builder builder = DefaultClientResources.builder()
                .reconnectDelay(
                        Delay.exponential(Duration.ofMillis(50), MAX_RECONNECT_DELAY, 2, TimeUnit.MILLISECONDS));
        if (registry != null) {
            builder.commandLatencyRecorder(new MicrometerCommandLatencyRecorder(
                    registry,
                    MicrometerOptions.builder()
                            .histogram(true)
                            // buckets from 10 us (a loopback round trip is ~30-50 us); no client-side
                            // percentiles, which cost more per command than the command itself
                            .minLatency(Duration.ofNanos(10_000))
                            .maxLatency(Duration.ofSeconds(30))
                            .targetPercentiles(new double[0])
                            .build()));
        }
        ClientResources resources = builder.build();
        AbstractRedisClient client = null;
        try {
            if (isCluster) {
                RedisClusterClient clusterClient = RedisClusterClient.create(resources, seeds);
                client = clusterClient;
                clusterClient.setOptions(clusterClientOptions(commandTimeout));
                return new RedisConnector(resources, clusterClient, clusterClient.connect(Utf8Codec.INSTANCE));
            }
            RedisClient standalone = RedisClient.create(resources);
            client = standalone;
            standalone.setOptions(clientOptions(commandTimeout));
            RedisConnector connector =
                    new RedisConnector(resources, standalone, standalone.connect(Utf8Codec.INSTANCE, seeds.get(0)));
            connector.laneUri = seeds.get(0);
            connector.uriText = uri;
            connector.commandTimeout = commandTimeout;
            return connector;
        } catch (RuntimeException e) {
            shutdown(client, resources);
            throw new RedisConnectException("redis: cannot connect to " + mask(uri) + ": " + scrub(reason(e), uri), e);
        }
    }

    /**
     * Subscribes to pub/sub {@code channel} on a connection of its own, kept and resubscribed
     * across reconnects by Lettuce; {@code onMessage} runs on a Lettuce thread. Close the answer to
     * unsubscribe. On Redis Cluster the subscription is on one node (PUBLISH reaches every node).
     */
    public AutoCloseable subscribe(String channel, Consumer<String> onMessage) {
        StatefulRedisPubSubConnection<String, String> c = client instanceof RedisClusterClient cluster
                ? cluster.connectPubSub(Utf8Codec.INSTANCE)
                : ((RedisClient) client).connectPubSub(Utf8Codec.INSTANCE, laneUri);
        c.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String ch, String message) {
                if (channel.equals(ch)) {
                    onMessage.accept(message);
                }
            }
        });
        c.sync().subscribe(channel);
        return c::close;
    }

    /**
     * Seed nodes of a {@code redis-cluster://} or {@code rediss-cluster://} URI, each carrying the
     * URI's credentials and TLS setting. Only database 0 exists on a cluster.
     */
    static List<RedisURI> clusterSeeds(String uri) {
        Matcher m = CLUSTER.matcher(uri);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "expected " + "redis-cluster://[user:password@]host:port[,host:port...]");
        }
        String userInfo = m.group(2) == null ? "" : m.group(2) + "@";
        List<RedisURI> seeds = new ArrayList<>();
        for (String hostPort : m.group(3).split(",")) {
            if (hostPort.isBlank()) {
                throw new IllegalArgumentException("empty host in the node list");
            }
            seeds.add(RedisURI.create(m.group(1) + "://" + userInfo + hostPort.strip()));
        }
        return seeds;
    }

    static ClientOptions clientOptions(Duration commandTimeout) {
        return ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(REQUEST_QUEUE_SIZE)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .socketOptions(socketOptions())
                // commands leave the stack in order; a hash index only speeds up removing a
                // cancelled command from its middle, and costs two map operations per command
                .useHashIndexQueue(false)
                .build();
    }

    /** The same bounds as {@link #clientOptions}, plus periodic and adaptive topology refresh. */
    static ClusterClientOptions clusterClientOptions(Duration commandTimeout) {
        return ClusterClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(REQUEST_QUEUE_SIZE)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .socketOptions(socketOptions())
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(TOPOLOGY_REFRESH_PERIOD)
                        .enableAllAdaptiveRefreshTriggers()
                        .build())
                .build();
    }

    private static SocketOptions socketOptions() {
        return SocketOptions.builder()
                .connectTimeout(CONNECT_TIMEOUT)
                .keepAlive(true)
                .build();
    }

    /** Async commands on the shared connection; auto-flush is on, so they are pipelined. */
    public RedisClusterAsyncCommands<String, String> async() {
        return async;
    }

    /**
     * Opens one more connection per event loop of {@code loops}, each served by that loop itself
     * (standalone and Sentinel; a cluster keeps using the shared connection). A command issued on
     * one of these loops then goes out and completes on the same thread, with no hand-off between
     * threads, and the commands of one read burst leave in one write. Fails with
     * {@link RedisConnectException} if a connection cannot be made.
     */
    public synchronized void openLanes(EventLoopGroup loops) {
        if (laneUri == null || lanes != null || closed) {
            return;
        }
        if (Transports.socketChannelClass() != clientChannel()) {
            // Lettuce's channel type cannot be registered on these loops (e.g. -Dgateway.nio=true with epoll available)
            return;
        }
        try {
            lanes = EventLoopLanes.open(loops, laneUri, resources, clientOptions(commandTimeout), commandTimeout);
        } catch (RuntimeException e) {
            throw new RedisConnectException(
                    "redis: cannot connect to " + mask(uriText) + ": " + scrub(reason(e), uriText), e);
        }
    }

    /**
     * Async commands for the per-message path (suppression check, message-id mapping): the calling
     * event loop's own connection where {@link #openLanes} covered it, else the shared one.
     */
    public RedisClusterAsyncCommands<String, String> loopAsync() {
        EventLoopLanes l = lanes;
        RedisClusterAsyncCommands<String, String> own = l == null ? null : l.current();
        return own != null ? own : async;
    }

    /** The calling event loop's command timeout queue, or {@code null} (for tests). */
    CommandDeadlines loopDeadlines() {
        EventLoopLanes l = lanes;
        return l == null ? null : l.currentDeadlines();
    }

    /** Closes the per-event-loop connections (before their event loops stop); the shared one stays. */
    public synchronized void closeLanes() {
        EventLoopLanes l = lanes;
        lanes = null;
        if (l != null) {
            l.close();
        }
    }

    /** Blocking commands on the same connection, for tools and tests. */
    public RedisClusterCommands<String, String> sync() {
        return sync;
    }

    /**
     * Whether the connection is open (for a cluster: the connection to the cluster as a whole),
     * and so is every per-event-loop connection.
     */
    public boolean isOpen() {
        EventLoopLanes l = lanes;
        return connection.isOpen() && (l == null || l.allOpen());
    }

    /** Whether this is a Redis Cluster connection. */
    public boolean isCluster() {
        return nodeConnections != null;
    }

    /** Closes the connection and shuts down the client and its event loops. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            closeLanes();
            if (nodeConnections != null) {
                nodeConnections.close();
            }
            connection.close();
        } finally {
            shutdown(client, resources);
        }
    }

    private static void shutdown(AbstractRedisClient client, ClientResources resources) {
        try {
            if (client != null) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        } finally {
            resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    /** The URI with any user:password replaced by {@code ***}. */
    public static String mask(String uri) {
        if (uri == null) {
            return "null";
        }
        // everything between "//" and the last '@': a password may itself contain '@'
        int start = uri.indexOf("//");
        int at = uri.lastIndexOf('@');
        return start < 0 || at < start + 2 ? uri : uri.substring(0, start + 2) + "***" + uri.substring(at);
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
        if (uri == null) {
            return text;
        }
        int start = uri.indexOf("//");
        int at = uri.lastIndexOf('@');
        if (start < 0 || at < start + 2) {
            return text;
        }
        String userInfo = uri.substring(start + 2, at);
        String secret = userInfo.contains(":") ? userInfo.substring(userInfo.indexOf(':') + 1) : userInfo;
        String result = text.replace(userInfo, "***");
        return secret.isEmpty() ? result : result.replace(secret, "***");
    }
}
