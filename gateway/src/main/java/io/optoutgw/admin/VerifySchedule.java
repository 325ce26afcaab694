package io.optoutgw.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.optoutgw.suppression.RedisKeys;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The full verification ({@link ListVerifier}: list, journal, audit trail, hash chains and checkpoints)
 * without a person: every {@code evidence.verifyInterval} on its own thread, in the verifier's bounded
 * memory. The last run's time, duration and findings by kind are metrics (alerted on), and the run
 * itself, findings listed, is kept in Redis ({@code gw:verify:last:INSTANCE}) for
 * {@code gateway audit verify --last}. A verification asked for through the admin API is recorded the
 * same way.
 */
public final class VerifySchedule implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VerifySchedule.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);
    /** The first scheduled run after start-up, at the latest (when no earlier run is known). */
    private static final Duration FIRST_RUN_WITHIN = Duration.ofMinutes(5);

    /**
     * One verification as {@code gw:verify:last:INSTANCE} keeps it.
     *
     * @param instance the instance that ran it
     * @param time     when it finished
     * @param trigger  {@code schedule} or {@code request}
     * @param report   what it found ({@code null} when it failed)
     * @param error    why it could not finish, or {@code null}
     */
    public record LastRun(String instance, Instant time, String trigger, VerifyReport report, String error) {}

    private final ListVerifier verifier;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final String instanceId;
    private final Duration interval;
    private final Duration timeout;
    private final AtomicLong failures = new AtomicLong();
    private final Map<String, Long> findings = new LinkedHashMap<>();
    private volatile double lastTimestamp;
    private volatile double lastSeconds;
    private volatile LastRun last;
    private volatile AuditRetention retention;
    private ScheduledExecutorService executor;

    /** Drops expired detail ({@code evidence.retention}) before each scheduled verification. */
    public void retention(AuditRetention retention) {
        this.retention = retention;
    }

    /** @param interval how often to run ({@code 0}: only when asked) */
    public VerifySchedule(
            ListVerifier verifier,
            RedisClusterAsyncCommands<String, String> redis,
            String instanceId,
            Duration interval,
            Duration timeout) {
        this.verifier = verifier;
        this.redis = redis;
        this.instanceId = instanceId;
        this.interval = interval;
        this.timeout = timeout;
        VerifyReport.KINDS.forEach(k -> findings.put(k, 0L));
    }

    /** Reads the last run from Redis (so the metrics carry on across a restart) and starts the schedule. */
    public synchronized void start() {
        LastRun known = readLast();
        if (known != null) {
            show(known);
        }
        if (interval.isZero()) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "audit-verify");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        });
        long first = known == null
                ? Math.min(interval.toMillis(), FIRST_RUN_WITHIN.toMillis())
                : Math.max(
                        Math.min(interval.toMillis(), FIRST_RUN_WITHIN.toMillis()),
                        known.time().plus(interval).toEpochMilli() - System.currentTimeMillis());
        executor.scheduleWithFixedDelay(
                () -> {
                    AuditRetention r = retention;
                    if (r != null) {
                        try {
                            r.run();
                        } catch (Exception e) {
                            log.warn(
                                    "audit retention failed (tried again before the next verification): {}",
                                    e.toString());
                        }
                    }
                    try {
                        run("schedule", null);
                    } catch (Exception e) {
                        // logged and recorded by run
                    }
                },
                first,
                interval.toMillis(),
                TimeUnit.MILLISECONDS);
        log.info("audit verification every {}, the first in {} s", interval, first / 1000);
    }

    /**
     * Runs the verification now and records it ({@code keys}: the public keys to check checkpoint
     * signatures with, {@code null} for the configured ones). Returns the report, or throws what stopped it.
     */
    public VerifyReport run(String trigger, Map<String, PublicKey> keys) throws Exception {
        try {
            VerifyReport r = keys == null ? verifier.verify() : verifier.verify(keys);
            record(new LastRun(instanceId, Instant.now().truncatedTo(ChronoUnit.MILLIS), trigger, r, null));
            if (r.ok()) {
                log.info("audit verification ({}): OK in {} ms", trigger, r.millis());
            } else {
                log.warn(
                        "audit verification ({}): {} finding(s) {}; list them with 'gateway audit verify --last'",
                        trigger,
                        r.discrepancyCount(),
                        nonZero(r.byKind()));
            }
            return r;
        } catch (Exception e) {
            failures.incrementAndGet();
            log.warn("audit verification ({}) failed: {}", trigger, e.toString());
            record(new LastRun(instanceId, Instant.now().truncatedTo(ChronoUnit.MILLIS), trigger, null, e.toString()));
            throw e;
        }
    }

    private static Map<String, Long> nonZero(Map<String, Long> byKind) {
        Map<String, Long> out = new LinkedHashMap<>();
        byKind.forEach((k, v) -> {
            if (v != 0) {
                out.put(k, v);
            }
        });
        return out;
    }

    private void record(LastRun run) {
        last = run;
        if (run.report() != null) {
            show(run);
        }
        try {
            redis.set(RedisKeys.lastVerify(instanceId), JSON.writeValueAsString(run))
                    .toCompletableFuture()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("audit verification: result not stored in Redis: {}", e.toString());
        }
    }

    private void show(LastRun run) {
        if (run.report() == null) {
            return;
        }
        synchronized (findings) {
            VerifyReport.KINDS.forEach(k -> findings.put(k, run.report().count(k)));
        }
        lastSeconds = run.report().millis() / 1000.0;
        lastTimestamp = run.time().toEpochMilli() / 1000.0;
    }

    /** The last run as Redis keeps it (this instance's, or another's), or {@code null} when none is known. */
    public LastRun last(String instance) {
        String who = instance == null ? instanceId : instance;
        try {
            String json = redis.get(RedisKeys.lastVerify(who))
                    .toCompletableFuture()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (json != null) {
                return JSON.readValue(json, LastRun.class);
            }
        } catch (Exception e) {
            log.debug("last audit verification of {} not read from Redis: {}", who, e.toString());
        }
        return who.equals(instanceId) ? last : null;
    }

    private LastRun readLast() {
        LastRun known = last(instanceId);
        return known != null && known.report() != null ? known : null;
    }

    /** Epoch seconds the last completed verification finished; 0 before the first. */
    public double lastTimestampSeconds() {
        return lastTimestamp;
    }

    /** How long the last completed verification took, in seconds. */
    public double lastDurationSeconds() {
        return lastSeconds;
    }

    /** Findings of {@code kind} in the last completed verification. */
    public double findings(String kind) {
        synchronized (findings) {
            return findings.getOrDefault(kind, 0L);
        }
    }

    /** Verifications that could not finish. */
    public long failures() {
        return failures.get();
    }

    /** The configured interval in seconds (0: not scheduled). */
    public double intervalSeconds() {
        return interval.toSeconds();
    }

    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
