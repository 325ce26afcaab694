package io.optoutgw.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.testsupport.RedisServerProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A {@code redis-sentinel://} URI resolves the master through a real Sentinel process. */
@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RedisSentinelTest {

    @Test
    void commandsAndSuppressionChecksGoToTheMasterTheSentinelNames() throws Exception {
        try (RedisServerProcess master = RedisServerProcess.start();
                RedisServerProcess sentinel = RedisServerProcess.startSentinel("mymaster", master.port());
                RedisConnector connector = RedisConnector.connect(
                        "redis-sentinel://127.0.0.1:" + sentinel.port() + "#mymaster", Duration.ofSeconds(2))) {
            assertFalse(connector.isCluster());
            assertTrue(connector.isOpen());
            assertEquals("OK", connector.sync().set("via-sentinel", "1"));
            assertEquals("1", connector.sync().get("via-sentinel"));
            try (RedisConnector direct = RedisConnector.connect(master.uri(), Duration.ofSeconds(2))) {
                assertEquals("1", direct.sync().get("via-sentinel"), "written on the master itself");
            }

            SuppressionStore store = new SuppressionStore(connector.async(), 1024);
            store.checkLayout().toCompletableFuture().get(5, TimeUnit.SECONDS);
            store.apply(new ConsentEvent(
                            ConsentEvent.newId(),
                            Instant.ofEpochSecond(1000),
                            ConsentEvent.Type.OPT_OUT,
                            "15551239999",
                            "g",
                            "STOP",
                            "en",
                            "Stop",
                            0,
                            "sim",
                            "sim#0/1",
                            "gw-1",
                            null,
                            null))
                    .toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
            assertTrue(store.check("15551239999", "acme", "1")
                    .toCompletableFuture()
                    .get(5, TimeUnit.SECONDS)
                    .suppressed());
        }
    }
}
