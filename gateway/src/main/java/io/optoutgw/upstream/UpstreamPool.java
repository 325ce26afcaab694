package io.optoutgw.upstream;

import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.optoutgw.config.UpstreamConfig;
import io.optoutgw.smpp.BindType;
import io.optoutgw.smpp.SessionPick;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** The sessions the gateway keeps to one SMSC, and a round-robin pick among those that can send. */
public final class UpstreamPool {

    private final UpstreamConfig config;
    private final List<UpstreamBind> binds = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    UpstreamPool(
            UpstreamConfig config, EventLoopGroup group, int maxFrameBytes, ChannelHandler pduMetrics, SslContext tls) {
        this.config = config;
        for (int i = 0; i < config.binds(); i++) {
            if (config.bindMode() == UpstreamConfig.BindMode.TRANSCEIVER) {
                binds.add(new UpstreamBind(config, BindType.TRANSCEIVER, i, group, maxFrameBytes, pduMetrics, tls));
            } else {
                binds.add(new UpstreamBind(config, BindType.TRANSMITTER, i, group, maxFrameBytes, pduMetrics, tls));
                binds.add(new UpstreamBind(config, BindType.RECEIVER, i, group, maxFrameBytes, pduMetrics, tls));
            }
        }
    }

    public String name() {
        return config.name();
    }

    public UpstreamConfig config() {
        return config;
    }

    public List<UpstreamBind> binds() {
        return binds;
    }

    void start(UpstreamTraffic traffic) {
        binds.forEach(bind -> bind.start(traffic));
    }

    CompletableFuture<Void> stop() {
        return CompletableFuture.allOf(binds.stream().map(UpstreamBind::stop).toArray(CompletableFuture[]::new));
    }

    /** Failed TLS handshakes over all sessions of this upstream. */
    public long tlsHandshakeFailures() {
        return binds.stream().mapToLong(UpstreamBind::tlsHandshakeFailures).sum();
    }

    public long lateResponses() {
        return binds.stream().mapToLong(UpstreamBind::lateResponses).sum();
    }

    public int inFlight() {
        return binds.stream().mapToInt(UpstreamBind::inFlight).sum();
    }

    /** Window capacity of the bound sessions that can carry submits. */
    public int windowCapacity() {
        return binds.stream()
                .filter(b -> b.isBound() && b.role().canTransmit())
                .mapToInt(b -> config.windowSize())
                .sum();
    }

    public long boundCount() {
        return binds.stream().filter(UpstreamBind::isBound).count();
    }

    /**
     * A bound session able to send now, or {@code null}: the one with the most free window slots,
     * preferring the sessions served by the calling event loop ({@link SessionPick}).
     */
    public UpstreamBind pick() {
        int window = config.windowSize();
        return SessionPick.mostRoom(
                binds,
                next.getAndIncrement(),
                b -> b.canSubmit() ? window - b.inFlight() : 0,
                UpstreamBind::onThisLoop,
                null);
    }
}
