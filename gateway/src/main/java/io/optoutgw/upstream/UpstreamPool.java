package io.optoutgw.upstream;

import io.netty.channel.EventLoopGroup;
import io.optoutgw.config.UpstreamConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** The sessions the gateway keeps to one SMSC, and a round-robin pick among those that can send. */
public final class UpstreamPool {

    private final UpstreamConfig config;
    private final List<UpstreamBind> binds = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    UpstreamPool(UpstreamConfig config, EventLoopGroup group, UpstreamTraffic traffic, int maxFrameBytes,
                 io.netty.channel.ChannelHandler pduMetrics, io.netty.handler.ssl.SslContext tls) {
        this.config = config;
        for (int i = 0; i < config.binds(); i++) {
            if (config.bindMode() == UpstreamConfig.BindMode.TRANSCEIVER) {
                binds.add(new UpstreamBind(config, UpstreamBind.Role.TRANSCEIVER, i, group, traffic, maxFrameBytes, pduMetrics, tls));
            } else {
                binds.add(new UpstreamBind(config, UpstreamBind.Role.TRANSMITTER, i, group, traffic, maxFrameBytes, pduMetrics, tls));
                binds.add(new UpstreamBind(config, UpstreamBind.Role.RECEIVER, i, group, traffic, maxFrameBytes, pduMetrics, tls));
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

    void start() {
        binds.forEach(UpstreamBind::start);
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
        return binds.stream().filter(b -> b.isBound() && b.role() != UpstreamBind.Role.RECEIVER)
                .mapToInt(b -> config.windowSize()).sum();
    }

    public long boundCount() {
        return binds.stream().filter(UpstreamBind::isBound).count();
    }

    /**
     * A bound session able to send now, or {@code null}: the one with the most free window slots,
     * preferring the sessions served by the calling event loop (a request relayed on the loop that
     * read it is written to the SMSC at once, without a hand-off to another thread, and its
     * response comes back on that loop). Ties go round robin. Window sizes read here from other
     * threads may be a moment old; {@link UpstreamBind#send} checks again on the session's loop.
     */
    public UpstreamBind pick() {
        int n = binds.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        UpstreamBind bestHere = null;
        int roomHere = 0;
        UpstreamBind best = null;
        int room = 0;
        int window = config.windowSize();
        for (int i = 0; i < n; i++) {
            UpstreamBind b = binds.get((start + i) % n);
            if (!b.canSubmit()) {
                continue;
            }
            int free = window - b.inFlight();
            if (free <= 0) {
                continue;
            }
            if (free > roomHere && b.onThisLoop()) {
                bestHere = b;
                roomHere = free;
            }
            if (free > room) {
                best = b;
                room = free;
            }
        }
        return bestHere != null ? bestHere : best;
    }
}
