package io.optoutgw.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Redis connection per event loop of the gateway, registered on that very loop.
 *
 * <p>A suppression check issued while an ESME's submit_sm is being read is written to Redis by the
 * same thread, and its reply completes there too: no task is queued to another thread and no
 * thread is woken, either way. A flush-consolidation handler at the head of each connection's
 * pipeline turns the commands of one read burst into one write to the socket (pipelined plain
 * commands: a script batching the checks of one burst into one EVAL was measured to cost Redis
 * 3.4 times the CPU of the same HMGETs pipelined, and Redis is what several gateways share).
 *
 * <p>Each lane has its own Lettuce client whose event loop "group" is the single gateway loop; the
 * gateway owns that loop, so releasing or shutting the group down is a no-op here. The lanes share
 * the shared connection's timer, computation threads, event bus and latency recorder, and have
 * the same bounds (command timeout, request queue, commands rejected while disconnected); the
 * command timeout is kept on the loop ({@link CommandDeadlines}).
 */
final class EventLoopLanes {

    /** Flushes at most this many commands late: as FlushConsolidationHandler's explicit limit. */
    private static final int FLUSH_AFTER = 256;

    private record Lane(
            EventLoop loop,
            RedisClient client,
            ClientResources resources,
            StatefulRedisConnection<String, String> connection,
            RedisClusterAsyncCommands<String, String> async,
            CommandDeadlines deadlines) {}

    private final Lane[] lanes;

    private EventLoopLanes(Lane[] lanes) {
        this.lanes = lanes;
    }

    /**
     * @param options        the shared connection's options; the lanes' command timeout is
     *                       {@code commandTimeout}, kept on each loop ({@link CommandDeadlines})
     *                       instead of Lettuce's timer
     */
    static EventLoopLanes open(
            EventLoopGroup loops,
            RedisURI uri,
            ClientResources shared,
            ClientOptions options,
            Duration commandTimeout) {
        ClientOptions laneOptions = options.mutate()
                .timeoutOptions(TimeoutOptions.builder().timeoutCommands(false).build())
                .build();
        List<Lane> opened = new ArrayList<>();
        try {
            for (EventExecutor executor : loops) {
                EventLoop loop = (EventLoop) executor;
                CommandDeadlines deadlines = new CommandDeadlines(loop, commandTimeout);
                ClientResources resources = DefaultClientResources.builder()
                        .eventLoopGroupProvider(new SingleLoop(loop))
                        .eventExecutorGroup(shared.eventExecutorGroup())
                        .timer(shared.timer())
                        .eventBus(shared.eventBus())
                        .commandLatencyRecorder(shared.commandLatencyRecorder())
                        .reconnectDelay(shared.reconnectDelay())
                        .nettyCustomizer(new NettyCustomizer() {
                            @Override
                            public void afterChannelInitialized(Channel channel) {
                                channel.pipeline().addFirst("flush", new FlushConsolidationHandler(FLUSH_AFTER, true));
                                channel.pipeline().addLast("deadlines", deadlines);
                            }
                        })
                        .build();
                RedisClient client = RedisClient.create(resources);
                client.setOptions(laneOptions);
                StatefulRedisConnection<String, String> connection;
                try {
                    connection = client.connect(Utf8Codec.INSTANCE, uri);
                } catch (RuntimeException e) {
                    shutdown(client, resources);
                    throw e;
                }
                opened.add(new Lane(loop, client, resources, connection, connection.async(), deadlines));
            }
        } catch (RuntimeException e) {
            new EventLoopLanes(opened.toArray(Lane[]::new)).close();
            throw e;
        }
        return new EventLoopLanes(opened.toArray(Lane[]::new));
    }

    /** The calling event loop's own commands, or {@code null} when called from another thread. */
    RedisClusterAsyncCommands<String, String> current() {
        Lane lane = currentLane();
        return lane == null ? null : lane.async;
    }

    /** The calling event loop's command timeout, or {@code null} off the lanes' loops (for tests). */
    CommandDeadlines currentDeadlines() {
        Lane lane = currentLane();
        return lane == null ? null : lane.deadlines;
    }

    private Lane currentLane() {
        for (Lane lane : lanes) {
            if (lane.loop.inEventLoop()) {
                return lane;
            }
        }
        return null;
    }

    boolean allOpen() {
        for (Lane lane : lanes) {
            if (!lane.connection.isOpen()) {
                return false;
            }
        }
        return true;
    }

    void close() {
        for (Lane lane : lanes) {
            try {
                lane.connection.close();
            } finally {
                shutdown(lane.client, lane.resources);
            }
        }
    }

    private static void shutdown(RedisClient client, ClientResources resources) {
        try {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } finally {
            resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    /** Hands Lettuce one loop the gateway owns; Lettuce neither releases nor stops it. */
    private record SingleLoop(EventLoop loop) implements EventLoopGroupProvider {

        @Override
        @SuppressWarnings("unchecked")
        public <T extends EventLoopGroup> T allocate(Class<T> type) {
            return (T) loop;
        }

        @Override
        public int threadPoolSize() {
            return 1;
        }

        @Override
        public Future<Boolean> release(EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(Boolean.TRUE);
        }

        @Override
        public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(Boolean.TRUE);
        }
    }
}
