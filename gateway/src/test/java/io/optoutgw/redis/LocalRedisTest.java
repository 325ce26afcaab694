package io.optoutgw.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.optoutgw.testsupport.FreePorts;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
class LocalRedisTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    Path tmp;

    @Test
    @Timeout(30)
    void startsRedisFromPathWritesAofAndStopsOnClose() throws Exception {
        Path dataDir = tmp.resolve("data/redis");
        long pid;
        LocalRedis redis = LocalRedis.start(dataDir, 0, LocalRedis.Executable.PATH);
        try (RedisConnector connector = RedisConnector.connect(redis.uri(), TIMEOUT)) {
            pid = redis.pid();
            assertEquals(LocalRedis.findOnPath("redis-server").orElseThrow(), redis.binary());
            assertEquals("redis://127.0.0.1:" + redis.port(), redis.uri());
            assertTrue(redis.port() > 0);
            RedisClusterCommands<String, String> sync = connector.sync();
            assertEquals("OK", sync.set("optout:1", "yes"));
            assertEquals("yes", sync.get("optout:1"));
            assertEquals("yes", connector.async().get("optout:1").get());
            assertEquals("yes", sync.configGet("appendonly").get("appendonly"));
            assertEquals("always", sync.configGet("appendfsync").get("appendfsync"));
            assertEquals("noeviction", sync.configGet("maxmemory-policy").get("maxmemory-policy"));
            assertEquals("", sync.configGet("save").get("save"));
            assertEquals("127.0.0.1", sync.configGet("bind").get("bind").trim());
            assertTrue(
                    Files.exists(dataDir.resolve("appendonlydir")) || Files.exists(dataDir.resolve("appendonly.aof")),
                    "an AOF appears in the data dir");
            assertTrue(Files.size(dataDir.resolve(LocalRedis.LOG_FILE)) > 0, "redis.log has the server output");
        } finally {
            redis.close();
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " stopped");

        // the AOF (fsync always) brings the data back on the next start over the same dir
        try (LocalRedis again = LocalRedis.start(dataDir, FreePorts.find());
                RedisConnector connector = RedisConnector.connect(again.uri(), TIMEOUT)) {
            assertEquals("yes", connector.sync().get("optout:1"));
        }
    }

    @Test
    @Timeout(30)
    void runsTheBinaryBundledInTheEmbeddedRedisJar() throws Exception {
        int port = FreePorts.find();
        LocalRedis redis = LocalRedis.start(tmp.resolve("bundled"), port, LocalRedis.Executable.BUNDLED);
        Path binary = redis.binary();
        long pid = redis.pid();
        try (RedisConnector connector = RedisConnector.connect(redis.uri(), TIMEOUT)) {
            assertEquals(port, redis.port());
            assertNotEquals(LocalRedis.findOnPath("redis-server").orElse(null), binary);
            assertTrue(Files.isExecutable(binary));
            Optional<String> command =
                    ProcessHandle.of(pid).flatMap(h -> h.info().command());
            String realBinary = binary.toRealPath().toString();
            command.ifPresent(c -> assertEquals(realBinary, c));
            RedisClusterCommands<String, String> sync = connector.sync();
            assertTrue(sync.info("server").contains("redis_version:6.2."), "the bundled 6.2 binary runs");
            assertEquals("OK", sync.set("k", "v"));
            assertEquals("v", sync.get("k"));
        } finally {
            redis.close();
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertFalse(Files.exists(binary), "the extracted binary is deleted on close");
    }

    @Test
    @Timeout(30)
    void failsWithRedisOutputWhenThePortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> LocalRedis.start(tmp.resolve("taken"), taken.getLocalPort())
                            .close());
            assertTrue(e.getMessage().contains("exited"), e.getMessage());
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
    }
}
