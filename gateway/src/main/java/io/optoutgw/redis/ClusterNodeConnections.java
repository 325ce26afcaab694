package io.optoutgw.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.event.EventBus;
import io.lettuce.core.protocol.ConnectionIntent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * Opens the connection to every slot-owning cluster node up front, at start and after each
 * topology change. Lettuce opens node connections lazily and, with
 * {@code DisconnectedBehavior.REJECT_COMMANDS}, rejects commands whose node connection is still
 * being opened, so without this the first commands to each node would fail.
 */
final class ClusterNodeConnections implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterNodeConnections.class);

    private final StatefulRedisClusterConnection<String, String> connection;
    private final Disposable subscription;

    private ClusterNodeConnections(StatefulRedisClusterConnection<String, String> connection, EventBus events) {
        this.connection = connection;
        this.subscription = events.get()
                .filter(ClusterTopologyChangedEvent.class::isInstance)
                .subscribe(e -> openAll(), e -> log.warn("cluster topology events stopped: {}", e.toString()));
    }

    /** Opens all node connections, waiting up to {@code wait}, and keeps doing so on topology changes. */
    static ClusterNodeConnections open(
            StatefulRedisClusterConnection<String, String> connection, EventBus events, Duration wait) {
        ClusterNodeConnections nodes = new ClusterNodeConnections(connection, events);
        try {
            CompletableFuture.allOf(nodes.openAll().toArray(CompletableFuture[]::new))
                    .get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // A node that is down now is connected later, by Lettuce on demand or after the next topology change.
            log.warn("redis cluster: not every node connection opened at start: {}", e.toString());
        }
        return nodes;
    }

    private List<CompletableFuture<?>> openAll() {
        List<CompletableFuture<?>> opening = new ArrayList<>();
        for (RedisClusterNode node : connection.getPartitions()) {
            if (node.getSlots().isEmpty() || node.getUri() == null) {
                continue;
            }
            RedisURI uri = node.getUri();
            opening.add(connection
                    .getConnectionAsync(uri.getHost(), uri.getPort(), ConnectionIntent.WRITE)
                    .whenComplete((c, e) -> {
                        if (e != null) {
                            log.debug(
                                    "redis cluster: connection to {}:{} not opened: {}",
                                    uri.getHost(),
                                    uri.getPort(),
                                    e.toString());
                        }
                    }));
        }
        return opening;
    }

    @Override
    public void close() {
        subscription.dispose();
    }
}
