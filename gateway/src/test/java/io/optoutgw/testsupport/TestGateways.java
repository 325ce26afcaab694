package io.optoutgw.testsupport;

import io.optoutgw.app.Gateway;
import io.optoutgw.config.ConfigLoader;
import io.optoutgw.config.ConfigOverrides;
import java.time.Duration;

/** Starts gateways on free loopback ports from YAML written in the test. */
public final class TestGateways {

    private TestGateways() {
    }

    /**
     * A gateway on 127.0.0.1 with the given Redis URI; {@code rest} is YAML for relay, upstreams
     * and accounts (at column 0).
     */
    public static Gateway start(String instanceId, String redisUri, String rest) throws Exception {
        return start(instanceId, redisUri, rest, null);
    }

    /** As {@link #start(String, String, String)}, with {@code http.adminToken} set (null = admin API disabled). */
    public static Gateway start(String instanceId, String redisUri, String rest, String adminToken) throws Exception {
        String yaml = """
                instanceId: %s
                smpp: { host: 127.0.0.1, port: 0, bindTimeout: 3s, unbindDrainTimeout: 2s }
                http: { host: 127.0.0.1, port: 0%s }
                redis: { uri: "%s", commandTimeout: 500ms }
                """.formatted(instanceId, adminToken == null ? "" : ", adminToken: \"" + adminToken + "\"", redisUri) + (rest.contains("optout:") ? "" : "optout: { journalDir: \""
                + tempJournalDir(instanceId) + "\" }\n") + rest;
        return Gateway.start(ConfigLoader.parse(yaml, ConfigOverrides.NONE));
    }

    /** A fresh journal directory for one gateway instance, deleted when the JVM exits. */
    public static String tempJournalDir(String instanceId) {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("journal-" + instanceId + "-");
            dir.toFile().deleteOnExit();
            return dir.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static void awaitBound(Gateway g) throws InterruptedException {
        if (!g.awaitUpstreamsBound(Duration.ofSeconds(10))) {
            throw new AssertionError("gateway did not bind its upstreams within 10 s");
        }
    }

    /** Polls {@code condition} every 20 ms until it holds or {@code timeout} passes. */
    public static boolean eventually(Duration timeout, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
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
