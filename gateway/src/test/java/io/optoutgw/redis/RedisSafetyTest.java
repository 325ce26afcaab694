package io.optoutgw.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the gateway reports about the Redis it is given, and refuses when told to. */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisSafetyTest {

    @Test
    void evictionAndMissingAofAreReported() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start();
                RedisConnector c = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2))) {
            c.async().configSet("maxmemory-policy", "allkeys-lru").get(2, TimeUnit.SECONDS);
            List<String> problems = RedisSafety.check(c.async(), redis.uri());
            assertEquals(2, problems.size(), problems.toString());
            assertTrue(problems.get(0).contains("allkeys-lru"));
            assertTrue(problems.get(1).contains("appendonly is no"));
        }
    }

    @Test
    void aSafeRedisHasNoFindings() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start(true);
                RedisConnector c = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2))) {
            assertEquals(List.of(), RedisSafety.check(c.async(), redis.uri()));
        }
    }

    @Test
    void plaintextOutsidePrivateRangesIsReported() {
        assertNull(RedisSafety.plaintextToPublicAddress("redis://127.0.0.1:6379"));
        assertNull(RedisSafety.plaintextToPublicAddress("redis://10.1.2.3:6379/0"));
        assertNull(RedisSafety.plaintextToPublicAddress("redis://user:pw@192.168.1.5"));
        assertNull(RedisSafety.plaintextToPublicAddress("redis://redis:6379"));
        assertNull(RedisSafety.plaintextToPublicAddress("redis://redis.internal:6379"));
        assertNull(RedisSafety.plaintextToPublicAddress("rediss://8.8.8.8:6380"));
        assertTrue(RedisSafety.plaintextToPublicAddress("redis://8.8.8.8:6379").contains("8.8.8.8"));
        assertTrue(RedisSafety.plaintextToPublicAddress("redis://cache.example.com:6379")
                .contains("rediss://"));
    }

    @Test
    void requireSafeStopsStartUpNamingTheProblem() {
        try (RedisServerProcess redis = RedisServerProcess.start()) {
            IllegalStateException e = assertThrows(
                    IllegalStateException.class, () -> TestGateways.start("gw-safe", redis.uri(), """
                            upstreams: [ { name: u, host: 127.0.0.1, port: 1, systemId: gw } ]
                            accounts: [ { systemId: acme, password: pw } ]
                            """, true));
            assertTrue(e.getMessage().contains("appendonly is no"), e.getMessage());
        }
    }
}
