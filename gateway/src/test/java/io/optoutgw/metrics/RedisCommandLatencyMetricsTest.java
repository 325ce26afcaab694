package io.optoutgw.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.app.Gateway;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code redis.commandLatencyMetrics}: by default Lettuce's per-command timers are in the scrape; set
 * to false they are not (and the gateway's own Redis meters still are). Against a real redis-server.
 */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisCommandLatencyMetricsTest {

    private static final String REST = """
            upstreams: [ { name: sim, host: 127.0.0.1, port: 1, systemId: gw } ]
            accounts: [ { systemId: acme, password: pw, numbers: ["12345"] } ]
            %s
            """;

    private final HttpClient http = HttpClient.newHttpClient();
    private RedisServerProcess redis;
    private Gateway gateway;

    @BeforeEach
    void start() {
        redis = RedisServerProcess.start();
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        redis.close();
    }

    private String scrape() throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    @Test
    void redisCommandTimersAreScrapedByDefault() throws Exception {
        gateway = TestGateways.start("gw-lat", redis.uri(), REST.formatted(""));
        String metrics = scrape();
        assertTrue(metrics.contains("lettuce_command_completion_seconds"), "Lettuce's command timers are there");
        assertTrue(metrics.contains("smppgw_redis_connected"), metrics);
    }

    @Test
    void redisCommandTimersAreLeftOutWhenSwitchedOff() throws Exception {
        gateway = TestGateways.start("gw-lat", redis.uri(), REST.formatted("redis: { commandLatencyMetrics: false }"));
        String metrics = scrape();
        assertFalse(metrics.contains("lettuce_command_"), "no Lettuce command timer in the scrape");
        assertTrue(metrics.contains("smppgw_redis_connected"), "the gateway's own Redis meters stay: " + metrics);
    }
}
