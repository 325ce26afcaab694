package io.optoutgw.testsupport;

import io.optoutgw.app.Gateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.BooleanSupplier;

/** Starts gateways on free loopback ports from YAML written in the test, completed by {@link TestConfig}. */
public final class TestGateways {

    private TestGateways() {}

    /**
     * A gateway on 127.0.0.1 with the given Redis URI ({@code redis://}, {@code redis-cluster://}, ...);
     * {@code rest} is YAML for relay, upstreams and accounts (at column 0). The journal goes to a
     * fresh temp dir unless {@code rest} names one.
     */
    public static Gateway start(String instanceId, String redisUri, String rest) throws Exception {
        return start(instanceId, redisUri, rest, false, null);
    }

    /** As {@link #start(String, String, String)}, with {@code redis.requireSafe} set as given. */
    public static Gateway start(String instanceId, String redisUri, String rest, boolean requireSafe) throws Exception {
        return start(instanceId, redisUri, rest, requireSafe, null);
    }

    /** As {@link #start(String, String, String)}, with {@code http.adminToken} set (null = admin API disabled). */
    public static Gateway start(String instanceId, String redisUri, String rest, String adminToken) throws Exception {
        return start(instanceId, redisUri, rest, false, adminToken);
    }

    /**
     * As {@link #start(String, String, String, String)}, with {@code redis.commandTimeout} set as
     * given (for tests that must not mistake a slow, busy machine for a Redis outage).
     */
    public static Gateway start(
            String instanceId, String redisUri, String rest, String adminToken, Duration redisCommandTimeout)
            throws Exception {
        return start(instanceId, redisUri, rest, false, adminToken, redisCommandTimeout);
    }

    /**
     * As {@link #start(String, String, String, String)}, with the send-time rules and the caps
     * reading {@code clock} instead of the system clock.
     */
    public static Gateway start(String instanceId, String redisUri, String rest, String adminToken, Clock clock)
            throws Exception {
        return start(instanceId, redisUri, rest, false, adminToken, Duration.ofMillis(500), clock);
    }

    private static Gateway start(
            String instanceId, String redisUri, String rest, boolean requireSafe, String adminToken) throws Exception {
        return start(instanceId, redisUri, rest, requireSafe, adminToken, Duration.ofMillis(500));
    }

    private static Gateway start(
            String instanceId,
            String redisUri,
            String rest,
            boolean requireSafe,
            String adminToken,
            Duration redisCommandTimeout)
            throws Exception {
        return start(instanceId, redisUri, rest, requireSafe, adminToken, redisCommandTimeout, Clock.systemUTC());
    }

    private static Gateway start(
            String instanceId,
            String redisUri,
            String rest,
            boolean requireSafe,
            String adminToken,
            Duration redisCommandTimeout,
            Clock clock)
            throws Exception {
        TestConfig config = TestConfig.of(rest)
                .setIfAbsent(
                        "smpp",
                        TestConfig.yaml("{ host: 127.0.0.1, port: 0, bindTimeout: 3s, unbindDrainTimeout: 2s }"))
                .set("instanceId", instanceId)
                .set("http.host", "127.0.0.1")
                .set("http.port", 0)
                .set("redis.uri", redisUri)
                .set("redis.commandTimeout", redisCommandTimeout.toMillis() + "ms")
                .set("redis.requireSafe", requireSafe);
        if (adminToken != null) {
            config = config.set("http.adminToken", adminToken);
        }
        // every test gateway journals into its own temporary directory unless the test names one
        config = config.setIfAbsent("optout.journalDir", tempJournalDir(instanceId));
        return Gateway.start(config.parse(), clock);
    }

    /** A fresh journal directory for one gateway instance, deleted when the JVM exits. */
    public static String tempJournalDir(String instanceId) {
        try {
            Path dir = Files.createTempDirectory("journal-" + instanceId + "-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            return dir.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at JVM exit
        }
    }

    public static void awaitBound(Gateway g) throws InterruptedException {
        if (!g.awaitUpstreamsBound(Duration.ofSeconds(10))) {
            throw new AssertionError("gateway did not bind its upstreams within 10 s");
        }
    }

    /** Polls {@code condition} every 20 ms until it holds or {@code timeout} passes. */
    public static boolean eventually(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
