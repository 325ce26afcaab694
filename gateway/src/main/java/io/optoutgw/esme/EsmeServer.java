package io.optoutgw.esme;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.optoutgw.config.SmppServerConfig;
import io.optoutgw.metrics.LogLimiter;
import io.optoutgw.smpp.SmppPipeline;
import io.optoutgw.transport.TlsContexts;
import io.optoutgw.transport.TlsFailures;
import io.optoutgw.transport.Transports;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SMPP listeners ESMEs bind to, plain TCP and optionally TLS: one {@link EsmeSession} per
 * connection, with the same pipeline, limits and bind guard on both.
 */
public final class EsmeServer {

    private static final Logger log = LoggerFactory.getLogger(EsmeServer.class);

    private final SmppServerConfig config;
    private final AccountRegistry accounts;
    private final EsmeTraffic traffic;
    private final String gatewaySystemId;
    private final Duration relayTimeout;
    private final ChannelGroup channels = new DefaultChannelGroup("esme", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger connectionIds = new AtomicInteger();
    private Channel serverChannel;
    private volatile Channel tlsServerChannel;
    private final SslContext tls;
    private final ChannelHandler pduMetrics;
    private final BindGuard bindGuard;
    /** One line a second for refused connections: a reconnect flood would otherwise write thousands. */
    private final LogLimiter refusedLog = new LogLimiter(Duration.ofSeconds(1));

    /** Bind password checks, off the event loops (shared by both listeners). */
    private final PasswordChecks passwordChecks = new PasswordChecks();

    public EsmeServer(
            SmppServerConfig config,
            AccountRegistry accounts,
            EsmeTraffic traffic,
            String gatewaySystemId,
            Duration relayTimeout,
            ChannelHandler pduMetrics) {
        this(config, accounts, traffic, gatewaySystemId, relayTimeout, pduMetrics, null);
    }

    /**
     * As the other constructor, plus the TLS listener's context ({@code null}: no TLS listener;
     * required when {@code config.tls()} is set).
     */
    public EsmeServer(
            SmppServerConfig config,
            AccountRegistry accounts,
            EsmeTraffic traffic,
            String gatewaySystemId,
            Duration relayTimeout,
            ChannelHandler pduMetrics,
            SslContext tls) {
        if ((tls == null) != (config.tls() == null)) {
            throw new IllegalArgumentException("a TLS context goes with smpp.tls, and only with it");
        }
        this.tls = tls;
        this.pduMetrics = pduMetrics;
        this.bindGuard = new BindGuard(
                config.maxConnectionsPerIp(),
                config.bindRate(),
                config.maxBindFailures(),
                config.bindLockout(),
                BindGuard.DEFAULT_MAX_TRACKED,
                config.connectRatePerIp());
        this.config = config;
        this.accounts = accounts;
        this.traffic = traffic;
        this.gatewaySystemId = gatewaySystemId;
        this.relayTimeout = relayTimeout;
    }

    /** Starts the plain listener and, when configured, the TLS one; returns the plain listener's port. */
    public int start(EventLoopGroup boss, EventLoopGroup workers) throws InterruptedException {
        serverChannel = bind(boss, workers, config.port(), null);
        int port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        log.info("SMPP listener on {}:{} ({})", config.host(), port, Transports.name());
        if (tls != null) {
            tlsServerChannel = bind(boss, workers, config.tls().port(), tls);
            log.info(
                    "SMPP over TLS listener on {}:{} ({}, client certificates: {})",
                    config.host(),
                    tlsPort(),
                    String.join("/", TlsContexts.PROTOCOLS),
                    config.tls().clientAuth().name().toLowerCase());
        }
        return port;
    }

    /** The TLS listener's port, or -1 when there is none. */
    public int tlsPort() {
        Channel ch = tlsServerChannel;
        return ch == null ? -1 : ((InetSocketAddress) ch.localAddress()).getPort();
    }

    private Channel bind(EventLoopGroup boss, EventLoopGroup workers, int port, SslContext sslContext)
            throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(Transports.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(new Pipeline(sslContext));
        return b.bind(config.host(), port).sync().channel();
    }

    /** One pipeline for both listeners; the TLS listener's starts with an {@link SslHandler}. */
    private final class Pipeline extends ChannelInitializer<SocketChannel> {

        private final SslContext sslContext;

        Pipeline(SslContext sslContext) {
            this.sslContext = sslContext;
        }

        @Override
        protected void initChannel(SocketChannel ch) {
            InetAddress ip =
                    ch.remoteAddress() == null ? null : ch.remoteAddress().getAddress();
            String peer = ip == null ? "?" : ip.getHostAddress();
            BindGuard.Closed refused = bindGuard.open(ip);
            if (refused != null) {
                long skipped = refusedLog.admit();
                if (skipped >= 0) {
                    log.info(
                            "[esme {}] connection refused: {}{}",
                            peer,
                            refused == BindGuard.Closed.CONNECT_RATE
                                    ? "more than " + config.connectRatePerIp()
                                            + " new connections a second from this address"
                                    : config.maxConnectionsPerIp() + " connections from this address already",
                            LogLimiter.leftOut(skipped));
                }
                ch.close();
                return;
            }
            ch.closeFuture().addListener(f -> bindGuard.connectionClosed(ip));
            channels.add(ch);
            SslHandler ssl = null;
            if (sslContext != null) {
                // the bind timeout (started when the session becomes active) covers the handshake too
                ssl = TlsContexts.serverHandler(sslContext, ch.alloc(), config.bindTimeout());
                ssl.handshakeFuture().addListener(f -> {
                    if (!f.isSuccess()) {
                        log.info("[esme {}] TLS handshake failed: {}", peer, TlsFailures.reason(f.cause()));
                    }
                });
            }
            SmppPipeline.of(ch)
                    .tls(ssl)
                    .consolidateFlushes()
                    // a silent ESME is probed with enquire_link by the session
                    .readerIdle(config.enquireLinkIdle())
                    .codec(config.maxFrameBytes())
                    .metrics(pduMetrics)
                    .session(new EsmeSession(
                            config,
                            accounts,
                            traffic,
                            gatewaySystemId,
                            relayTimeout.toNanos(),
                            connectionIds.incrementAndGet(),
                            bindGuard,
                            passwordChecks));
        }
    }

    /** Stops accepting, unbinds every bound ESME and waits (bounded) for them to go. */
    public void stop() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (tlsServerChannel != null) {
            tlsServerChannel.close().syncUninterruptibly();
        }
        for (Channel ch : channels) {
            EsmeSession session = ch.pipeline().get(EsmeSession.class);
            if (session != null) {
                session.unbindFromGateway();
            }
        }
        long deadline = System.nanoTime() + config.unbindDrainTimeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
        while (!channels.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        channels.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        passwordChecks.close();
    }

    /** Connection, bind-rate and lockout limits, and the count of connections they closed. */
    public BindGuard bindGuard() {
        return bindGuard;
    }

    public int connectionCount() {
        return channels.size();
    }
}
