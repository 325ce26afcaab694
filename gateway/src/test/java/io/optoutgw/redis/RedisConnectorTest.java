package io.optoutgw.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.optoutgw.testsupport.FreePorts;
import io.optoutgw.testsupport.RedisServerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Tag("integration")
class RedisConnectorTest {

    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(300);

    private RedisServerProcess server;
    private RedisConnector connector;

    @BeforeEach
    void startServer() {
        server = RedisServerProcess.start();
    }

    @AfterEach
    void stop() {
        try {
            if (connector != null) {
                connector.close();
            }
        } finally {
            server.close();
        }
    }

    @Test
    @Timeout(20)
    void commandsSucceed() throws Exception {
        connector = RedisConnector.connect(server.uri(), COMMAND_TIMEOUT);
        assertEquals("OK", connector.sync().set("a", "1"));
        assertEquals("1", connector.async().get("a").get(1, TimeUnit.SECONDS));
        assertTrue(connector.isOpen());
    }

    @Test
    @Timeout(20)
    void aPausedServerTimesCommandsOutWithinTheCommandTimeout() throws Exception {
        connector = RedisConnector.connect(server.uri(), COMMAND_TIMEOUT);
        RedisClusterCommands<String, String> sync = connector.sync();
        sync.set("a", "1");
        server.pause();
        try {
            long start = System.nanoTime();
            RedisCommandTimeoutException e = assertThrows(RedisCommandTimeoutException.class, () -> sync.get("a"));
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(elapsedMs < 2_000, "timed out after " + elapsedMs + " ms: " + e.getMessage());
            assertTrue(elapsedMs >= 250, "failed only after the command timeout, not before: " + elapsedMs + " ms");

            ExecutionException async = assertThrows(
                    ExecutionException.class, () -> connector.async().get("a").get(2, TimeUnit.SECONDS));
            assertInstanceOf(RedisCommandTimeoutException.class, async.getCause());
        } finally {
            server.resume();
        }
        assertEquals("1", sync.get("a"), "the same connection works again once the server resumes");
    }

    @Test
    @Timeout(30)
    void aKilledServerRejectsCommandsAndARestartedOneIsReconnected() throws Exception {
        connector = RedisConnector.connect(server.uri(), COMMAND_TIMEOUT);
        RedisClusterCommands<String, String> sync = connector.sync();
        assertEquals("OK", sync.set("a", "1"));

        server.kill();
        awaitTrue(() -> !connector.isOpen(), Duration.ofSeconds(5), "connection noticed the kill");

        long start = System.nanoTime();
        RedisException rejected = assertThrows(RedisException.class, () -> sync.get("a"));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertFalse(rejected instanceof RedisCommandTimeoutException, "rejected, not timed out: " + rejected);
        assertTrue(elapsedMs < 150, "rejected immediately, took " + elapsedMs + " ms");

        // many async commands fail at once instead of queueing until Redis comes back
        List<RedisFuture<String>> futures = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            futures.add(connector.async().get("k" + i));
        }
        for (RedisFuture<String> f : futures) {
            assertTrue(f.isDone(), "completed at submission");
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(0, TimeUnit.MILLISECONDS));
            assertInstanceOf(RedisException.class, e.getCause());
        }

        server.restart();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                assertEquals("OK", sync.set("b", "2"));
                break;
            } catch (RedisException e) {
                if (System.nanoTime() > deadline) {
                    fail("no reconnect within 10 s: " + e);
                }
                Thread.sleep(50);
            }
        }
        assertTrue(connector.isOpen());
        assertEquals("2", sync.get("b"));
        assertEquals(null, sync.get("a"), "the restarted server has no persistence");
    }

    @Test
    @Timeout(20)
    void connectFailsFastWithAClearMessageAndNoPassword() {
        int port = FreePorts.find();
        long start = System.nanoTime();
        RedisConnectException e = assertThrows(
                RedisConnectException.class,
                () -> RedisConnector.connect("redis://127.0.0.1:" + port, COMMAND_TIMEOUT));
        assertTrue((System.nanoTime() - start) / 1_000_000 < 5_000);
        assertTrue(
                e.getMessage().startsWith("redis: cannot connect to redis://127.0.0.1:" + port + ": "), e.getMessage());
        assertTrue(e.getMessage().length() > ("redis: cannot connect to redis://127.0.0.1:" + port + ": ").length());

        RedisConnectException withPassword = assertThrows(
                RedisConnectException.class,
                () -> RedisConnector.connect("redis://gw:s3cretPw@127.0.0.1:" + port + "/0", COMMAND_TIMEOUT));
        assertTrue(
                withPassword.getMessage().startsWith("redis: cannot connect to redis://***@127.0.0.1:" + port + "/0: "),
                withPassword.getMessage());
        assertFalse(withPassword.getMessage().contains("s3cretPw"));
    }

    @Test
    @Timeout(20)
    void aWrongPasswordIsReportedWithoutThePassword() {
        try (RedisConnector admin = RedisConnector.connect(server.uri(), COMMAND_TIMEOUT)) {
            assertEquals("OK", admin.sync().configSet("requirepass", "rightPw"));
        }
        RedisConnectException e = assertThrows(
                RedisConnectException.class,
                () -> RedisConnector.connect("redis://:wr0ngPw@127.0.0.1:" + server.port(), COMMAND_TIMEOUT));
        assertTrue(
                e.getMessage().startsWith("redis: cannot connect to redis://***@127.0.0.1:" + server.port() + ": "),
                e.getMessage());
        assertFalse(e.getMessage().contains("wr0ngPw"), e.getMessage());

        try (RedisConnector authed =
                RedisConnector.connect("redis://:rightPw@127.0.0.1:" + server.port(), COMMAND_TIMEOUT)) {
            assertEquals("PONG", authed.sync().ping());
        }
    }

    @Test
    void masksUserInfo() {
        assertEquals("redis://***@host:6379/0", RedisConnector.mask("redis://user:pw@host:6379/0"));
        assertEquals("rediss://***@host", RedisConnector.mask("rediss://pw@host"));
        assertEquals(
                "redis-sentinel://***@s1:26379,s2:26379/0#main",
                RedisConnector.mask("redis-sentinel://pw@s1:26379,s2:26379/0#main"));
        assertEquals("redis://host:6379", RedisConnector.mask("redis://host:6379"));
        assertEquals(
                "redis://***@host:6379",
                RedisConnector.mask("redis://user:p@ss@host:6379"),
                "a password containing '@' is masked whole");
        assertEquals("redis://***@host", RedisConnector.mask("redis://:a/b@c@host"));
    }

    private static void awaitTrue(BooleanSupplier condition, Duration max, String what) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + max + ": " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void clusterUrisGiveOneSeedPerNodeWithTheCredentialsAndTls() {
        List<RedisURI> seeds = RedisConnector.clusterSeeds("rediss-cluster://gw:s3cret@h1:7000,h2:7001/0");
        assertEquals(2, seeds.size());
        assertEquals("h1", seeds.get(0).getHost());
        assertEquals(7001, seeds.get(1).getPort());
        for (RedisURI seed : seeds) {
            assertTrue(seed.isSsl());
            RedisCredentials credentials =
                    seed.getCredentialsProvider().resolveCredentials().block();
            assertEquals("gw", credentials.getUsername());
            assertEquals("s3cret", new String(credentials.getPassword()));
        }
        assertFalse(RedisConnector.clusterSeeds("redis-cluster://127.0.0.1:7000")
                .get(0)
                .isSsl());
        assertEquals(
                "redis-cluster://***@h1:7000,h2:7001", RedisConnector.mask("redis-cluster://u:pw@h1:7000,h2:7001"));
        RedisConnectException bad = assertThrows(
                RedisConnectException.class,
                () -> RedisConnector.connect("redis-cluster://u:s3cret@h1:7000/3", COMMAND_TIMEOUT));
        assertFalse(bad.getMessage().contains("s3cret"), bad.getMessage());
    }

    @Test
    @Timeout(20)
    void noClusterNodeListeningFailsToConnect() {
        int port = FreePorts.find();
        RedisConnectException e = assertThrows(
                RedisConnectException.class,
                () -> RedisConnector.connect("redis-cluster://127.0.0.1:" + port, COMMAND_TIMEOUT));
        assertTrue(e.getMessage().contains("cannot connect"), e.getMessage());
    }
}
