package io.optoutgw.testsupport;

import io.netty.channel.EventLoopGroup;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.transport.Transports;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server, a connector to it with a 500 ms command timeout, and two event loops with
 * their own Redis connections (as the gateway's workers have): the setup of the tests of the
 * per-message Redis commands.
 */
public final class RedisLanes implements AutoCloseable {

    public final RedisServerProcess server;
    public final RedisConnector connector;
    public final EventLoopGroup loops;

    private RedisLanes(RedisServerProcess server, RedisConnector connector, EventLoopGroup loops) {
        this.server = server;
        this.connector = connector;
        this.loops = loops;
    }

    public static RedisLanes start() {
        RedisServerProcess server = RedisServerProcess.start();
        RedisConnector connector = RedisConnector.connect(server.uri(), Duration.ofMillis(500));
        EventLoopGroup loops = Transports.group(2);
        connector.openLanes(loops);
        return new RedisLanes(server, connector, loops);
    }

    @Override
    public void close() {
        try {
            connector.close();
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            server.close();
        }
    }
}
