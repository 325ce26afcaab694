package io.optoutgw.upstream;

import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.optoutgw.config.UpstreamConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Every configured SMSC and route selection with failover: the first upstream of a route that can send wins. */
public final class Upstreams {

    private final Map<String, UpstreamPool> pools = new LinkedHashMap<>();

    public Upstreams(List<UpstreamConfig> configs, EventLoopGroup group, int maxFrameBytes, ChannelHandler pduMetrics) {
        this(configs, group, maxFrameBytes, pduMetrics, Map.of());
    }

    /** {@code tls}: client TLS context by upstream name; an upstream without one uses plain TCP. */
    public Upstreams(
            List<UpstreamConfig> configs,
            EventLoopGroup group,
            int maxFrameBytes,
            ChannelHandler pduMetrics,
            Map<String, SslContext> tls) {
        for (UpstreamConfig c : configs) {
            pools.put(c.name(), new UpstreamPool(c, group, maxFrameBytes, pduMetrics, tls.get(c.name())));
        }
    }

    /** Connects every session; requests from the SMSCs go to {@code traffic}. */
    public void start(UpstreamTraffic traffic) {
        pools.values().forEach(pool -> pool.start(traffic));
    }

    /** Unbinds every session, waiting at most {@code timeout}. */
    public void stop(Duration timeout) {
        CompletableFuture<?>[] all =
                pools.values().stream().map(UpstreamPool::stop).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(all).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // bounded: whatever is left is closed with the event loops
        }
    }

    public Iterable<UpstreamPool> pools() {
        return pools.values();
    }

    public UpstreamPool pool(String name) {
        return pools.get(name);
    }

    /** The upstreams a route names, in order: every upstream when the route is empty. */
    public List<String> routeNames(List<String> route) {
        return route.isEmpty() ? List.copyOf(pools.keySet()) : route;
    }

    /** A session of the first upstream in {@code route} (all upstreams when empty) that can send now. */
    public UpstreamBind pick(List<String> route) {
        Iterable<String> names = route.isEmpty() ? pools.keySet() : route;
        for (String name : names) {
            UpstreamPool pool = pools.get(name);
            UpstreamBind bind = pool == null ? null : pool.pick();
            if (bind != null) {
                return bind;
            }
        }
        return null;
    }

    /** Any session (bound or not), e.g. to borrow its event loop for a timer. */
    public UpstreamBind anyBind() {
        for (UpstreamPool p : pools.values()) {
            if (!p.binds().isEmpty()) {
                return p.binds().get(0);
            }
        }
        return null;
    }

    public long boundCount() {
        return pools.values().stream().mapToLong(UpstreamPool::boundCount).sum();
    }
}
