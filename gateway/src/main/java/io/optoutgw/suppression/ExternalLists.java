package io.optoutgw.suppression;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.ValueScanCursor;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * External lists (a national do-not-call file, a litigator list, a customer's CSV, a carrier's
 * deactivation file) with snapshot semantics, checked on every submit beside the opt-out list.
 *
 * <h2>Layout</h2>
 * Each load of a list writes a new <em>version</em> beside the live one
 * ({@link RedisKeys#listBlock}: one key per block of 10,000 numbers, the digits without the last
 * four; a block of at most {@value ListWriter#MAX_SET} numbers is a Redis set of the last four
 * digits as integers, which Redis keeps as an intset of 2 bytes a number, a denser block a
 * 10,000-bit bitmap of 1,250 bytes). The prefixes held as bitmaps are listed in
 * {@link RedisKeys#listDenseIndex}. When the version is complete, one write of the list's field in
 * {@link RedisKeys#LISTS} makes it live and the former live version the previous one (kept for
 * {@link #rollback}). Versions that are neither live nor previous are deleted after a grace
 * period ({@link #collect}).
 *
 * <h2>The check</h2>
 * Each gateway keeps the live version of every list in memory ({@link #refresh}, every second and
 * at once after its own loads), with the list's dense prefixes. A check sends one SISMEMBER or
 * GETBIT per list that applies to the submit's account and category, pipelined with the opt-out
 * list's HMGET on the same connection: still one round trip. A check reads one version of each
 * list from start to end, and a version is complete before it becomes live and is kept until
 * every gateway has moved on, so no submit ever sees a list half loaded. A missing key means
 * "not on the list".
 */
public final class ExternalLists {

    /** List names: lower-case letters, digits, '_' and '-' (they are Redis key parts and metric labels). */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
    /** Most lists: they are checked on every submit and named in a metric label. */
    public static final int MAX_LISTS = 32;

    static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);

    /** What a list is. */
    public enum Kind {
        /** Numbers not to be messaged (a do-not-call list, a litigator list, a customer's CSV). */
        NUMBERS,
        /** A carrier's deactivation file: numbers disconnected or reassigned, with the date. */
        DEACTIVATION;

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** IllegalArgumentException naming the kinds for anything but numbers or deactivation. */
        public static Kind of(String code) {
            if (code == null || code.isBlank()) {
                return NUMBERS;
            }
            for (Kind k : values()) {
                if (k.code().equals(code.strip().toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
            throw new IllegalArgumentException("kind must be numbers or deactivation, got '" + code.strip() + "'");
        }
    }

    /**
     * One loaded version of a list.
     *
     * @param version     its number (one more for every load of the list)
     * @param count       distinct numbers in it
     * @param loadedAt    when it became live, epoch ms
     * @param checksum    SHA-256 (hex) of the file it was loaded from
     * @param denseBlocks blocks of 10,000 held as bitmaps
     * @param rows        data rows the file had
     * @param bad         rows that were not a number (reported by line when it was loaded)
     * @param origin      where it came from: {@code upload} or the URL it was fetched from
     */
    public record Version(
            long version,
            long count,
            long loadedAt,
            String checksum,
            long denseBlocks,
            long rows,
            long bad,
            String origin) {}

    /**
     * A list as stored in {@link RedisKeys#LISTS}.
     *
     * @param accounts   only submits of these accounts are checked against it; empty: every account
     * @param categories only submits of these consent categories; empty: every category (and
     *                   accounts without categories)
     * @param live       the version submits are checked against
     * @param previous   the version a rollback returns to, or null
     */
    public record Meta(
            String name, String kind, List<String> accounts, List<String> categories, Version live, Version previous) {
        public Meta {
            accounts = accounts == null ? List.of() : List.copyOf(accounts);
            categories = categories == null ? List.of() : List.copyOf(categories);
        }

        public Kind parsedKind() {
            return Kind.of(kind);
        }

        String toJson() {
            try {
                return JSON.writeValueAsString(this);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        static Meta fromJson(String json) {
            try {
                return JSON.readValue(json, Meta.class);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("not a list: " + e.getOriginalMessage());
            }
        }
    }

    /** A live version as the check uses it. */
    private record Live(
            String name,
            long version,
            long loadedAt,
            String keyPrefix,
            long[] dense,
            String[] accounts,
            String[] categories,
            boolean deactivation) {

        boolean applies(String account, String category) {
            if (accounts != null && !contains(accounts, account)) {
                return false;
            }
            return categories == null || (category != null && contains(categories, category));
        }

        private static boolean contains(String[] values, String v) {
            for (String s : values) {
                if (s.equals(v)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Compare-and-set of one list's field: KEYS[1] {@code gw:lists}; ARGV: name, new JSON ("" to
     * delete), the JSON expected now ("" for none). Returns 1 when written, 0 when the field changed.
     */
    private static final String SWAP = """
            local cur = redis.call('HGET', KEYS[1], ARGV[1]) or ''
            if cur ~= ARGV[3] then return 0 end
            if ARGV[2] == '' then redis.call('HDEL', KEYS[1], ARGV[1])
            else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
            return 1
            """;

    private static final Live[] NONE = new Live[0];

    private final RedisClusterAsyncCommands<String, String> redis;
    private final Duration timeout;
    private volatile Live[] live = NONE;
    /** Versions seen live or previous by this instance, with when they stopped being either (for {@link #collect}). */
    private final Map<String, Long> retired = new HashMap<>();

    public ExternalLists(RedisClusterAsyncCommands<String, String> redis, Duration timeout) {
        this.redis = redis;
        this.timeout = timeout;
    }

    /** IllegalArgumentException when {@code name} is not a valid list name. */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a list name is 1 to 32 lower-case letters, digits, '_' or '-' "
                    + "(starting with a letter or digit), got '" + (name == null ? "" : name) + "'");
        }
        return name;
    }

    // ---------------------------------------------------------------- the check (event loop)

    /** Whether any list is live (the check costs nothing more when none is). */
    public boolean any() {
        return live.length > 0;
    }

    /**
     * The first live list that applies to {@code account} and {@code category} and holds
     * {@code digits}, or {@code null}; {@code null} future when no list applies (nothing sent).
     * The commands go out on {@code conn}, after whatever the caller already queued there.
     */
    public CompletableFuture<String> check(
            RedisClusterAsyncCommands<String, String> conn, String digits, String account, String category) {
        Live[] ls = live;
        if (ls.length == 0) {
            return null;
        }
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return null;
        }
        long prefix = n / ListWriter.BLOCK;
        int suffix = (int) (n % ListWriter.BLOCK);
        String member = null;
        CompletableFuture<Boolean>[] hits = null;
        Live only = null;
        CompletableFuture<Boolean> single = null;
        int applied = 0;
        for (int i = 0; i < ls.length; i++) {
            Live l = ls[i];
            if (!l.applies(account, category)) {
                continue;
            }
            String key = l.keyPrefix + prefix;
            CompletableFuture<Boolean> hit;
            if (Arrays.binarySearch(l.dense, prefix) >= 0) {
                hit = conn.getbit(key, suffix).toCompletableFuture().thenApply(v -> v != null && v == 1L);
            } else {
                if (member == null) {
                    member = Integer.toString(suffix);
                }
                hit = conn.sismember(key, member).toCompletableFuture().thenApply(Boolean.TRUE::equals);
            }
            if (applied == 0) {
                only = l;
                single = hit;
            } else {
                if (hits == null) {
                    @SuppressWarnings("unchecked")
                    CompletableFuture<Boolean>[] h = new CompletableFuture[ls.length];
                    hits = h;
                }
                hits[i] = hit;
            }
            applied++;
        }
        if (applied == 0) {
            return null;
        }
        if (applied == 1) {
            String name = only.name;
            return single.thenApply(h -> h ? name : null);
        }
        CompletableFuture<Boolean>[] all = hits;
        String first = only.name;
        CompletableFuture<Boolean> firstHit = single;
        List<CompletableFuture<?>> waiting = new ArrayList<>(applied);
        waiting.add(firstHit);
        for (CompletableFuture<Boolean> h : all) {
            if (h != null) {
                waiting.add(h);
            }
        }
        return CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> {
                    if (firstHit.join()) {
                        return first;
                    }
                    for (int i = 0; i < all.length; i++) {
                        if (all[i] != null && all[i].join()) {
                            return ls[i].name;
                        }
                    }
                    return null;
                });
    }

    /** Whether {@code name} is a deactivation list (it does not refuse a number opted in since). */
    public boolean yieldsToOptIn(String name) {
        for (Live l : live) {
            if (l.name.equals(name)) {
                return l.deactivation;
            }
        }
        return false;
    }

    /** The live version of {@code name} this instance checks against, or -1. */
    public long liveVersion(String name) {
        for (Live l : live) {
            if (l.name.equals(name)) {
                return l.version;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- registry

    /** Every list, by name. */
    public Map<String, Meta> metas() throws Exception {
        Map<String, String> all = get(redis.hgetall(RedisKeys.LISTS));
        Map<String, Meta> out = new TreeMap<>();
        all.forEach((name, json) -> out.put(name, Meta.fromJson(json)));
        return out;
    }

    /** The list {@code name}, or null. */
    public Meta meta(String name) throws Exception {
        String json = get(redis.hget(RedisKeys.LISTS, name));
        return json == null ? null : Meta.fromJson(json);
    }

    /** Pipelined commands in flight while a version is written. */
    static final int WRITE_IN_FLIGHT = 32;

    /** A connection of its own for writing a version, so that bulk writes delay no other command. */
    public interface Bulk extends AutoCloseable {
        RedisClusterAsyncCommands<String, String> commands();

        @Override
        void close();
    }

    /** Opens a {@link Bulk} connection. */
    public interface BulkOpener {
        Bulk open();
    }

    private volatile BulkOpener bulk;
    private volatile Duration bulkTimeout = Duration.ofSeconds(30);

    /** Writes versions on connections {@code opener} opens, waiting up to {@code timeout} for Redis. */
    public ExternalLists bulk(BulkOpener opener, Duration timeout) {
        this.bulk = opener;
        this.bulkTimeout = timeout;
        return this;
    }

    /**
     * A writer of version {@code version} of {@code name} (from {@link #nextVersion}) on a bulk
     * connection when one is set, else on the shared one; close it after ({@link Writing#close}).
     */
    public Writing writer(String name, long version) throws Exception {
        BulkOpener opener = bulk;
        if (opener == null) {
            return new Writing(new ListWriter(redis, name, version, WRITE_IN_FLIGHT, timeout), null);
        }
        Bulk b = opener.open();
        try {
            return new Writing(new ListWriter(b.commands(), name, version, WRITE_IN_FLIGHT, bulkTimeout), b);
        } catch (Exception | Error e) {
            b.close();
            throw e;
        }
    }

    /** A writer and the connection it writes on. */
    public record Writing(ListWriter writer, Bulk connection) implements AutoCloseable {
        @Override
        public void close() {
            if (connection != null) {
                connection.close();
            }
        }
    }

    /** A new version number for {@code name} (its keys are still empty). */
    public long nextVersion(String name) throws Exception {
        return get(redis.hincrby(RedisKeys.LISTS_SEQ, name, 1));
    }

    /**
     * Makes {@code version} (completely written) the live version of {@code name}, the live one the
     * previous; returns the list as now stored. IllegalStateException when {@value #MAX_LISTS}
     * other lists exist.
     */
    public Meta publish(String name, Kind kind, List<String> accounts, List<String> categories, Version version)
            throws Exception {
        for (int attempt = 0; ; attempt++) {
            String curJson = get(redis.hget(RedisKeys.LISTS, name));
            Meta cur = curJson == null ? null : Meta.fromJson(curJson);
            if (cur == null && get(redis.hlen(RedisKeys.LISTS)) >= MAX_LISTS) {
                throw new IllegalStateException("there are already " + MAX_LISTS + " lists; remove one first");
            }
            Meta next = new Meta(name, kind.code(), accounts, categories, version, cur == null ? null : cur.live());
            if (swap(name, next.toJson(), curJson)) {
                refresh();
                return next;
            }
            if (attempt > 10) {
                throw new IllegalStateException("list " + name + " kept changing under this load");
            }
        }
    }

    /** Makes the previous version of {@code name} live again (and the live one the previous). */
    public Meta rollback(String name) throws Exception {
        for (int attempt = 0; ; attempt++) {
            String curJson = get(redis.hget(RedisKeys.LISTS, name));
            if (curJson == null) {
                throw new NoSuchElementException("no list named '" + name + "'");
            }
            Meta cur = Meta.fromJson(curJson);
            if (cur.previous() == null) {
                throw new IllegalStateException("list " + name + " has no previous version to roll back to");
            }
            Meta next = new Meta(name, cur.kind(), cur.accounts(), cur.categories(), cur.previous(), cur.live());
            if (swap(name, next.toJson(), curJson)) {
                refresh();
                return next;
            }
            if (attempt > 10) {
                throw new IllegalStateException("list " + name + " kept changing under this rollback");
            }
        }
    }

    /** Removes {@code name}: no submit is checked against it from the next refresh on; its keys are collected. */
    public Meta remove(String name) throws Exception {
        for (int attempt = 0; ; attempt++) {
            String curJson = get(redis.hget(RedisKeys.LISTS, name));
            if (curJson == null) {
                throw new NoSuchElementException("no list named '" + name + "'");
            }
            if (swap(name, "", curJson)) {
                // every version of the list is now older than the last handed out: collected after the grace period
                get(redis.hincrby(RedisKeys.LISTS_SEQ, name, 1));
                refresh();
                return Meta.fromJson(curJson);
            }
            if (attempt > 10) {
                throw new IllegalStateException("list " + name + " kept changing under this removal");
            }
        }
    }

    /** A list that does not exist. */
    public static final class NoSuchElementException extends RuntimeException {
        public NoSuchElementException(String message) {
            super(message);
        }
    }

    private boolean swap(String name, String json, String expected) throws Exception {
        Long done = get(redis.eval(
                SWAP,
                ScriptOutputType.INTEGER,
                new String[] {RedisKeys.LISTS},
                name,
                json,
                expected == null ? "" : expected));
        return done != null && done == 1L;
    }

    // ---------------------------------------------------------------- refresh and collection

    /**
     * Reads the lists and makes their live versions the ones this instance checks against. A new
     * version's dense prefixes are read before it replaces the old one in memory, so a check uses
     * either the old version or the new one, whole.
     */
    public synchronized void refresh() throws Exception {
        Map<String, Meta> metas = metas();
        Live[] current = live;
        List<Live> next = new ArrayList<>(metas.size());
        for (Meta m : metas.values()) {
            if (m.live() == null) {
                continue;
            }
            Live have = null;
            for (Live l : current) {
                // the load time too: a Redis that lost its data hands out version numbers again
                if (l.name.equals(m.name())
                        && l.version == m.live().version()
                        && l.loadedAt == m.live().loadedAt()) {
                    have = l;
                }
            }
            String[] accounts = m.accounts().isEmpty() ? null : m.accounts().toArray(String[]::new);
            String[] categories =
                    m.categories().isEmpty() ? null : m.categories().toArray(String[]::new);
            if (have == null
                    || !Arrays.equals(have.accounts, accounts)
                    || !Arrays.equals(have.categories, categories)) {
                long[] dense = have != null
                        ? have.dense
                        : denseIndex(m.name(), m.live().version());
                have = new Live(
                        m.name(),
                        m.live().version(),
                        m.live().loadedAt(),
                        RedisKeys.listVersionPrefix(m.name(), m.live().version()),
                        dense,
                        accounts,
                        categories,
                        m.parsedKind() == Kind.DEACTIVATION);
            }
            next.add(have);
        }
        // numbers lists first: a number on one is refused whatever a deactivation list says
        next.sort((a, b) -> Boolean.compare(a.deactivation, b.deactivation));
        live = next.toArray(Live[]::new);
    }

    /** The sorted prefixes of version {@code version} of {@code name} held as bitmaps. */
    long[] denseIndex(String name, long version) throws Exception {
        String key = RedisKeys.listDenseIndex(name, version);
        long[] out = new long[16];
        int n = 0;
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            ValueScanCursor<String> page = get(redis.sscan(key, cursor, ScanArgs.Builder.limit(10_000)));
            for (String v : page.getValues()) {
                if (v.startsWith("-")) {
                    continue; // the marker every version's index holds
                }
                if (n == out.length) {
                    out = Arrays.copyOf(out, n * 2);
                }
                out[n++] = Long.parseLong(v);
            }
            cursor = page;
        } while (!cursor.isFinished());
        long[] dense = Arrays.copyOf(out, n);
        Arrays.sort(dense);
        return dense;
    }

    /**
     * Deletes the keys of versions that are neither live nor previous of any list and have not been
     * for at least {@code grace} (so that every gateway has moved off them), and of versions a
     * failed load left behind once a later load has started. Returns the keys deleted.
     */
    public long collect(Duration grace) throws Exception {
        Map<String, Meta> metas = metas();
        Map<String, String> seq = get(redis.hgetall(RedisKeys.LISTS_SEQ));
        Map<String, Long> versions = new HashMap<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            var page = get(redis.scan(
                    cursor,
                    ScanArgs.Builder.matches(RedisKeys.LIST_DENSE_INDEXES).limit(10_000)));
            for (String k : page.getKeys()) {
                String[] parts = k.split(":");
                if (parts.length == 5) {
                    versions.put(parts[2] + ":" + parts[3], 0L);
                }
            }
            cursor = page;
        } while (!cursor.isFinished());
        long now = System.currentTimeMillis();
        long deleted = 0;
        synchronized (retired) {
            for (String v : versions.keySet()) {
                int colon = v.indexOf(':');
                String name = v.substring(0, colon);
                long version = Long.parseLong(v.substring(colon + 1));
                Meta m = metas.get(name);
                String last = seq.get(name);
                // the newest version handed out may be a load still running: a later load or a removal retires it
                boolean kept = last == null
                        || version >= Long.parseLong(last)
                        || (m != null
                                && ((m.live() != null && m.live().version() == version)
                                        || (m.previous() != null && m.previous().version() == version)));
                if (kept) {
                    retired.remove(v);
                    continue;
                }
                Long since = retired.putIfAbsent(v, now);
                if (since != null && now - since >= grace.toMillis()) {
                    deleted += deleteVersion(name, version);
                    retired.remove(v);
                }
            }
        }
        return deleted;
    }

    /** Deletes every key of one version (its dense index last: it marks the version as present). */
    public long deleteVersion(String name, long version) throws Exception {
        String match = RedisKeys.listVersionPrefix(name, version) + "*";
        String index = RedisKeys.listDenseIndex(name, version);
        long deleted = 0;
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            var page = get(redis.scan(cursor, ScanArgs.Builder.matches(match).limit(10_000)));
            List<String> keys = new ArrayList<>(page.getKeys());
            keys.remove(index);
            if (!keys.isEmpty()) {
                deleted += get(redis.unlink(keys.toArray(String[]::new)));
            }
            cursor = page;
        } while (!cursor.isFinished());
        deleted += get(redis.unlink(index));
        return deleted;
    }

    private <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
