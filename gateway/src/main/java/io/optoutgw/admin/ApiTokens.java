package io.optoutgw.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.optoutgw.suppression.RedisKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * API tokens of accounts (docs/admin.md, "Tenant access"), in Redis so that every instance sees
 * them: hash {@link RedisKeys#API_TOKENS}, token name -> JSON with the account, the role and the
 * SHA-256 of the token. The token itself, {@code gwt_NAME_RANDOM} with 256 random bits, is shown
 * once when it is created and stored nowhere.
 *
 * <p>An instance keeps what it read of a token for at most {@link #CACHE_TTL}, so a token revoked
 * on any instance is refused by every instance within that time (at once on the one that revoked
 * it). Blocking methods: call them off the SMPP event loops.
 */
public final class ApiTokens {

    /** Every account token starts with this. */
    public static final String PREFIX = "gwt_";
    /** How long an instance trusts what it last read of a token. */
    public static final Duration CACHE_TTL = Duration.ofMillis(500);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,63}");
    private static final Pattern SECRET = Pattern.compile("[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final RedisClusterAsyncCommands<String, String> redis;
    private final Supplier<Set<String>> accounts;
    private final Duration timeout;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    /** A token as stored: {@code sha256} is the hex SHA-256 of the whole token. */
    public record Stored(String name, String account, String role, String sha256, Instant created, String createdBy) {}

    /** A token as listed (no hash). */
    public record TokenInfo(String name, String account, String role, Instant created, String createdBy) {}

    /** A new token: {@code token} is shown this once. */
    public record Created(String token, String name, String account, String role, Instant created) {}

    /** A token name already in use (answered 409). */
    public static final class NameTaken extends IllegalArgumentException {
        NameTaken(String name) {
            super("a token named '" + name + "' exists already (revoke it first, or choose another --name)");
        }
    }

    private record Cached(Stored token, long until) {}

    /**
     * @param accounts the configured accounts (read at each creation: a reload may add some)
     * @param timeout  bound on each Redis read or write
     */
    public ApiTokens(
            RedisClusterAsyncCommands<String, String> redis, Supplier<Set<String>> accounts, Duration timeout) {
        this.redis = redis;
        this.accounts = accounts;
        this.timeout = timeout;
    }

    /** Creates a token for {@code account} with {@code role}; {@code name} may be null (one is made up). */
    public Created create(String account, String role, String name, String createdBy) throws Exception {
        if (account == null || account.isBlank()) {
            throw new IllegalArgumentException("account is required");
        }
        String acc = account.strip();
        Set<String> known = accounts.get();
        if (!known.contains(acc)) {
            throw new IllegalArgumentException(
                    "unknown account '" + acc + "' (configured: " + String.join(", ", new TreeSet<>(known)) + ")");
        }
        ApiRole r = ApiRole.parse(role);
        String n = name == null || name.isBlank() ? defaultName(acc) : name.strip();
        if (!NAME.matcher(n).matches()) {
            throw new IllegalArgumentException("token name must be 1 to 64 letters, digits, '.' or '-' (starting with"
                    + " a letter or digit), got '" + SuppressionAdmin.abbreviate(n, 70) + "'");
        }
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String token = PREFIX + n + "_" + HexFormat.of().formatHex(secret);
        Instant now = Instant.now();
        Stored stored = new Stored(n, acc, r.label(), sha256(token), now, createdBy);
        Boolean fresh = await(redis.hsetnx(RedisKeys.API_TOKENS, n, JSON.writeValueAsString(stored)));
        if (!Boolean.TRUE.equals(fresh)) {
            throw new NameTaken(n);
        }
        cache.remove(n);
        return new Created(token, n, acc, r.label(), now);
    }

    /** Every token, by name. */
    public List<TokenInfo> list() throws Exception {
        Map<String, String> all = await(redis.hgetall(RedisKeys.API_TOKENS));
        List<TokenInfo> out = new ArrayList<>();
        for (String json : all.values()) {
            Stored s = parse(json);
            if (s != null) {
                out.add(new TokenInfo(s.name(), s.account(), s.role(), s.created(), s.createdBy()));
            }
        }
        out.sort(Comparator.comparing(TokenInfo::name));
        return out;
    }

    /** Revokes the token named {@code name}; false when there is none. */
    public boolean revoke(String name) throws Exception {
        Long removed = await(redis.hdel(RedisKeys.API_TOKENS, name));
        cache.remove(name);
        return removed != null && removed > 0;
    }

    /**
     * The caller a presented token stands for, or {@code null} when it is no valid token (never
     * issued, revoked, or of an account no longer configured). Throws when Redis cannot answer.
     */
    public ApiCaller resolve(String presented) throws Exception {
        if (presented == null || !presented.startsWith(PREFIX)) {
            return null;
        }
        int sep = presented.lastIndexOf('_');
        if (sep <= PREFIX.length()) {
            return null;
        }
        String name = presented.substring(PREFIX.length(), sep);
        if (!NAME.matcher(name).matches()
                || !SECRET.matcher(presented.substring(sep + 1)).matches()) {
            return null;
        }
        Stored s = stored(name);
        if (s == null
                || !MessageDigest.isEqual(
                        s.sha256().getBytes(StandardCharsets.US_ASCII),
                        sha256(presented).getBytes(StandardCharsets.US_ASCII))
                || !accounts.get().contains(s.account())) {
            return null;
        }
        ApiRole role;
        try {
            role = ApiRole.parse(s.role());
        } catch (IllegalArgumentException e) {
            return null;
        }
        return new ApiCaller(s.name(), s.account(), role);
    }

    private Stored stored(String name) throws Exception {
        long now = System.nanoTime();
        Cached c = cache.get(name);
        if (c != null && now - c.until() < 0) {
            return c.token();
        }
        Stored s = parse(await(redis.hget(RedisKeys.API_TOKENS, name)));
        if (cache.size() > 10_000) {
            cache.clear(); // a flood of made-up names must not grow the cache without bound
        }
        cache.put(name, new Cached(s, now + CACHE_TTL.toNanos()));
        return s;
    }

    private static Stored parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readValue(json, Stored.class);
        } catch (IOException e) {
            return null;
        }
    }

    private String defaultName(String account) {
        String base = account.replaceAll("[^A-Za-z0-9.-]", "-");
        if (base.isEmpty() || !Character.isLetterOrDigit(base.charAt(0))) {
            base = "t" + base;
        }
        if (base.length() > 50) {
            base = base.substring(0, 50);
        }
        byte[] b = new byte[3];
        random.nextBytes(b);
        return base + "-" + HexFormat.of().formatHex(b);
    }

    /** Hex SHA-256 of {@code token}. */
    public static String sha256(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
