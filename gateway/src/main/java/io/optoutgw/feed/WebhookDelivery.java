package io.optoutgw.feed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.optoutgw.config.WebhookConfig;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.RedisKeys;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the consent event feed to one webhook endpoint, signed per the Standard Webhooks
 * specification ({@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature: v1,...}
 * over {@code id.timestamp.body}).
 *
 * <p>Events go out one at a time, in feed order, so in order per number. An event the endpoint
 * does not take (no answer within the timeout, or a status other than 2xx) is tried again after
 * a wait that doubles from half a second up to {@code maxRetryInterval}, with jitter, until
 * {@code retryFor} has passed since its first failure; then it goes to the dead-letter list and
 * the next event follows. The place reached ({@link RedisKeys#webhookCursor}) and the first
 * failure of the event being retried are kept in Redis, so a restart of the gateway, or another
 * instance taking over, resumes where delivery stood: at least once, never skipped. One instance
 * at a time delivers to an endpoint (a lease in Redis, renewed while it runs). Runs on its own
 * thread: the SMPP path never waits for it.
 */
public final class WebhookDelivery implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebhookDelivery.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PAGE = 100;
    private static final long LEASE_MILLIS = 15_000;
    private static final long IDLE_MILLIS = 100;
    private static final long FIRST_RETRY_MILLIS = 500;
    /** Dead letters kept per endpoint. */
    static final int DEAD_LETTER_CAP = 100_000;

    /** Takes or renews the lease. KEYS: lease; ARGV: owner, ms. 1 when held by owner. */
    private static final String LEASE = """
            local cur = redis.call('GET', KEYS[1])
            if cur == ARGV[1] then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              return 1
            end
            if not cur then
              redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
              return 1
            end
            return 0
            """;

    private final WebhookConfig config;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final String owner;
    private final HttpClient http;
    private final byte[] key;
    private final long redisTimeoutMillis;
    private final Thread thread;
    private volatile boolean running = true;

    private final LongAdder delivered = new LongAdder();
    private final LongAdder failedAttempts = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    /** Epoch ms of the oldest event not yet delivered, 0 when caught up (or not delivering here). */
    private volatile long oldestPendingMillis;

    public WebhookDelivery(
            WebhookConfig config,
            RedisClusterAsyncCommands<String, String> redis,
            String owner,
            Duration redisTimeout) {
        this.config = config;
        this.redis = redis;
        this.owner = owner;
        this.key = config.key();
        this.redisTimeoutMillis = redisTimeout.toMillis();
        this.http = HttpClient.newBuilder()
                .connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.thread = new Thread(this::run, "webhook-" + config.name());
        this.thread.setDaemon(true);
    }

    public WebhookDelivery start() {
        thread.start();
        return this;
    }

    public String name() {
        return config.name();
    }

    public long delivered() {
        return delivered.sum();
    }

    public long failedAttempts() {
        return failedAttempts.sum();
    }

    public long deadLettered() {
        return deadLettered.sum();
    }

    /** Seconds since the oldest event this endpoint has not received yet was published; 0 when caught up. */
    public double lagSeconds() {
        long t = oldestPendingMillis;
        return t == 0 ? 0 : Math.max(0, (System.currentTimeMillis() - t) / 1000.0);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (running) {
            try {
                if (!lease()) {
                    oldestPendingMillis = 0;
                    sleep(LEASE_MILLIS / 3);
                    continue;
                }
                if (!deliverPage()) {
                    sleep(IDLE_MILLIS);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                log.warn("webhook {}: {}; trying again", config.name(), e.toString());
                try {
                    sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** When the lease was last taken or renewed here (nanoTime); renewed once a third of it has passed. */
    private long leaseRenewedNanos;

    private boolean lease() throws Exception {
        long now = System.nanoTime();
        if (leaseRenewedNanos != 0 && now - leaseRenewedNanos < TimeUnit.MILLISECONDS.toNanos(LEASE_MILLIS / 3)) {
            return true;
        }
        Long held = redis.<Long>eval(
                        LEASE,
                        ScriptOutputType.INTEGER,
                        new String[] {RedisKeys.webhookLease(config.name())},
                        owner,
                        Long.toString(LEASE_MILLIS))
                .toCompletableFuture()
                .get(redisTimeoutMillis, TimeUnit.MILLISECONDS);
        boolean ok = held != null && held == 1;
        leaseRenewedNanos = ok ? now : 0;
        return ok;
    }

    /** Delivers the next page; false when there was nothing to deliver. */
    private boolean deliverPage() throws Exception {
        String cursor = await(redis.get(RedisKeys.webhookCursor(config.name())));
        Range<String> range = cursor == null
                ? Range.create("-", "+")
                : Range.from(Range.Boundary.excluding(cursor), Range.Boundary.unbounded());
        List<StreamMessage<String, String>> page = await(redis.xrange(RedisKeys.feedStream(), range, Limit.from(PAGE)));
        if (page.isEmpty()) {
            oldestPendingMillis = 0;
            return false;
        }
        for (StreamMessage<String, String> m : page) {
            if (!running || !lease()) {
                return true;
            }
            oldestPendingMillis = idMillis(m.getId());
            String json = m.getBody().get("e");
            ConsentEvent event = json == null ? null : ConsentEvent.fromJson(json.getBytes(StandardCharsets.UTF_8));
            if (event != null && wanted(event)) {
                deliverWithRetries(m.getId(), event);
            }
            await(redis.set(RedisKeys.webhookCursor(config.name()), m.getId()));
        }
        return true;
    }

    /** Whether this endpoint takes {@code e} (its {@code accounts} and {@code events} filters). */
    boolean wanted(ConsentEvent e) {
        if (!config.events().isEmpty() && !config.events().contains(FeedEvents.type(e))) {
            return false;
        }
        return config.accounts().isEmpty()
                || e.account() == null
                || config.accounts().contains(e.account());
    }

    private void deliverWithRetries(String cursor, ConsentEvent event) throws Exception {
        String failingKey = RedisKeys.webhookFailing(config.name());
        String failing = await(redis.get(failingKey));
        long firstFailure = 0;
        if (failing != null && failing.startsWith(cursor + " ")) {
            firstFailure = Long.parseLong(failing.substring(cursor.length() + 1));
        }
        String body = body(cursor, event);
        for (int attempt = 0; running; attempt++) {
            String problem = send(event.id(), body);
            if (problem == null) {
                delivered.increment();
                if (firstFailure != 0) {
                    redis.del(failingKey);
                }
                return;
            }
            failedAttempts.increment();
            long now = System.currentTimeMillis();
            if (firstFailure == 0) {
                firstFailure = now;
                await(redis.set(failingKey, cursor + " " + now));
            }
            if (now - firstFailure >= config.retryFor().toMillis()) {
                deadLetter(cursor, event, problem, attempt + 1);
                redis.del(failingKey);
                return;
            }
            if (attempt == 0 || attempt % 10 == 0) {
                log.warn(
                        "webhook {}: event {} not taken ({}), attempt {}; retrying for up to {}",
                        config.name(),
                        event.id(),
                        problem,
                        attempt + 1,
                        config.retryFor());
            }
            sleep(backoff(attempt, config.maxRetryInterval().toMillis()));
            if (!lease()) {
                return; // another instance took over: it resumes from the cursor, this event included
            }
        }
    }

    /**
     * The wait before attempt {@code attempt + 2}: half a second doubled per attempt, capped at
     * {@code maxMillis}, then a random part of it taken off (between 0 and a half), so that
     * endpoints coming back are not hit by every sender at once.
     */
    static long backoff(int attempt, long maxMillis) {
        long base = Math.min(maxMillis, FIRST_RETRY_MILLIS << Math.min(attempt, 20));
        return base - ThreadLocalRandom.current().nextLong(base / 2 + 1);
    }

    /** Sends one event; null when the endpoint took it (2xx), else why not. */
    String send(String eventId, String body) {
        long timestamp = System.currentTimeMillis() / 1000;
        String id = "msg_" + eventId;
        HttpRequest request = HttpRequest.newBuilder(URI.create(config.url()))
                .timeout(config.timeout())
                .header("content-type", "application/json")
                .header("webhook-id", id)
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", "v1," + sign(key, id, timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        try {
            HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
            return r.statusCode() / 100 == 2 ? null : "HTTP " + r.statusCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
    }

    /** The Standard Webhooks signature: base64 of HMAC-SHA256 over {@code id.timestamp.body}. */
    public static String sign(byte[] key, String id, long timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] sig = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    static String body(String cursor, ConsentEvent event) throws JsonProcessingException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("specversion", "1.0");
        m.putAll(FeedEvents.body(cursor, event));
        return JSON.writeValueAsString(m);
    }

    private void deadLetter(String cursor, ConsentEvent event, String problem, int attempts) throws Exception {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("cursor", cursor);
        entry.put("eventId", event.id());
        entry.put("error", problem);
        entry.put("attempts", attempts);
        entry.put("deadAt", Instant.now().toString());
        entry.put("event", event.toJsonString());
        String dead = RedisKeys.webhookDeadLetters(config.name());
        await(redis.rpush(dead, JSON.writeValueAsString(entry)));
        redis.ltrim(dead, -DEAD_LETTER_CAP, -1);
        deadLettered.increment();
        log.error(
                "webhook {}: event {} not taken for {} ({} attempts, last: {}): moved to the dead-letter list"
                        + " (gateway events dead-letter list / replay)",
                config.name(),
                event.id(),
                config.retryFor(),
                attempts,
                problem);
    }

    /** The endpoint's dead letters, oldest first, at most {@code limit}. */
    public List<Map<String, Object>> deadLetters(int limit) throws Exception {
        List<String> raw = await(redis.lrange(RedisKeys.webhookDeadLetters(config.name()), 0, limit - 1));
        List<Map<String, Object>> out = new ArrayList<>(raw.size());
        for (String r : raw) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = JSON.readValue(r, Map.class);
            out.add(m);
        }
        return out;
    }

    /** What a replay of the dead letters did. */
    public record Replay(String webhook, int delivered, int failed, int left) {}

    /**
     * Sends every dead letter once more, oldest first: those the endpoint takes leave the list,
     * the others stay. Returns the counts.
     */
    public Replay replayDeadLetters() throws Exception {
        String dead = RedisKeys.webhookDeadLetters(config.name());
        long n = await(redis.llen(dead));
        int ok = 0;
        int failed = 0;
        for (long i = 0; i < n; i++) {
            String raw = await(redis.lpop(dead));
            if (raw == null) {
                break;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> entry = JSON.readValue(raw, Map.class);
            ConsentEvent event =
                    ConsentEvent.fromJson(String.valueOf(entry.get("event")).getBytes(StandardCharsets.UTF_8));
            String problem = send(event.id(), body(String.valueOf(entry.get("cursor")), event));
            if (problem == null) {
                ok++;
                delivered.increment();
            } else {
                failed++;
                entry.put("error", problem);
                entry.put("attempts", ((Number) entry.getOrDefault("attempts", 0)).intValue() + 1);
                await(redis.rpush(dead, JSON.writeValueAsString(entry)));
            }
        }
        long left = await(redis.llen(dead));
        log.info("webhook {}: dead letters replayed: {} delivered, {} still failing", config.name(), ok, failed);
        return new Replay(config.name(), ok, failed, (int) left);
    }

    private static long idMillis(String streamId) {
        int dash = streamId.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? streamId : streamId.substring(0, dash));
        } catch (NumberFormatException e) {
            return System.currentTimeMillis();
        }
    }

    private <T> T await(CompletionStage<T> f) throws Exception {
        return f.toCompletableFuture().get(redisTimeoutMillis, TimeUnit.MILLISECONDS);
    }

    private void sleep(long millis) throws InterruptedException {
        if (running) {
            Thread.sleep(millis);
        }
    }
}
