package io.optoutgw.suppression;

import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The do-not-contact list and its audit trail in Redis.
 *
 * <h2>Key design</h2>
 * <ul>
 *   <li>List: numbers are spread over a fixed number of hash buckets,
 *       {@code gw:s:{B}} where {@code B = mix64(number) mod buckets}. Field = the E.164 digits
 *       for a global opt-out, {@code digits|a:ACCOUNT} for an account (brand) opt-out, or
 *       {@code digits|s:ACCOUNT:SENDER} for one sender. An opt-out of one consent category puts {@code ~CATEGORY} after
 *       the digits ({@code digits~marketing|a:ACCOUNT}, {@code digits~marketing} global); a field
 *       without it covers every category, as every field written before categories existed. Value = the signed order of the latest
 *       change ({@link ConsentEvent#listOrder()}): positive = suppressed since then, negative =
 *       opted back in then (kept so that replaying an older opt-out cannot undo a newer opt-in). An
 *       order is on the scale of epoch seconds, so values written as plain signed epoch seconds
 *       read the same, and it fits a 32-bit listpack integer. Small hashes stay in
 *       Redis's compact listpack encoding, which keeps the cost per number low; the bucket count
 *       is fixed at first start ({@code gw:meta:buckets}) because changing it would move every
 *       number. No TTL: opt-outs never expire.</li>
 *   <li>One check = one HMGET of the four fields that can apply to (number, account, sender): global,
 *       account, sender of this account, and sender of any account ({@code s:*:SENDER}, used for
 *       a STOP sent to a number no account owns).</li>
 *   <li>Audit: {@code gw:a:{B}:digits}, a sorted set of the number's events as JSON, scored by
 *       time in ms (same hash tag as its bucket, so the update script touches one slot on Redis
 *       Cluster). {@code gw:audit}, a sorted set of {@code digits|eventId} by time, indexes all
 *       events for time-range queries; it is written by a separate single-key command, so every
 *       command of this class touches one slot. ZADD of identical JSON is a no-op, so replays are
 *       idempotent.</li>
 * </ul>
 */
public final class SuppressionStore {

    /**
     * Default bucket count: ~40 numbers a bucket at 10 million numbers, well within listpack limits
     * (512 fields); measured at 38.7 bytes a number at 1 million numbers and 19.9 at 10 million (docs/performance.md, "Redis memory").
     */
    public static final int DEFAULT_BUCKETS = 1 << 18;

    static final String AUDIT_INDEX = RedisKeys.AUDIT_INDEX;
    static final String META_BUCKETS = RedisKeys.META_BUCKETS;

    /**
     * The order for a change to one field that is being recorded now: the Redis server's clock in
     * epoch seconds, or one more than the greatest order the field and the fields it is weighed
     * against hold, when that is not smaller. KEYS: the bucket; ARGV: the field, then optionally
     * the all-categories field of a category entry (""), then, for an all-categories entry while
     * categories are in use, the number, the scope suffix and an HSCAN pattern for its category
     * entries (a category entry and the all-categories entry of the same scope are weighed against
     * each other, the later wins, so a change must be later than both). Read-only; Redis runs scripts one at a time, so a change recorded
     * after another one has been applied always gets a greater order, whatever the gateways' clocks.
     */
    private static final String ORDER = """
            local now = tonumber(redis.call('TIME')[1])
            local top = 0
            local function see(v)
              if v then
                local a = math.abs(tonumber(v))
                if a > top then top = a end
              end
            end
            see(redis.call('HGET', KEYS[1], ARGV[1]))
            if ARGV[2] then see(redis.call('HGET', KEYS[1], ARGV[2])) end
            if ARGV[3] then
              local head = ARGV[3] .. '~'
              local tail = ARGV[4]
              local cursor = '0'
              repeat
                local r = redis.call('HSCAN', KEYS[1], cursor, 'MATCH', ARGV[5], 'COUNT', 1000)
                cursor = r[1]
                for i = 1, #r[2], 2 do
                  local f = r[2][i]
                  if #f > #head + #tail and f:sub(1, #head) == head and (#tail == 0 or f:sub(-#tail) == tail) then
                    local cat = f:sub(#head + 1, #f - #tail)
                    if not cat:find('|', 1, true) then see(r[2][i + 1]) end
                  end
                end
              until cursor == '0'
            end
            if top > 0 and top + 1 > now then return top + 1 end
            return now
            """;

    /**
     * Greatest-order-wins update of one field plus the audit entry. ARGV: field, effect (1, -1, 0),
     * order, epoch ms, event JSON, and for a recorded opt-in its opt-in field ({@link #optInField}), set to the
     * greater of its order and what it holds. A tie keeps an opt-out (the safe side). The outcome depends only
     * on the set of events applied, not on the order they are applied in, so replays converge.
     * Returns {changed, audit entry added, an opt-out in force was lifted}.
     */
    private static final String APPLY = """
            local changed = 0
            local lifted = 0
            if ARGV[2] ~= '0' then
              local t = tonumber(ARGV[3])
              local cur = redis.call('HGET', KEYS[1], ARGV[1])
              local apply = true
              if cur then
                local c = tonumber(cur)
                local ct = math.abs(c)
                if ct > t then apply = false
                elseif ct == t and c > 0 and ARGV[2] == '-1' then apply = false end
              end
              if apply then
                local v = t
                if ARGV[2] == '-1' then v = -t end
                if cur ~= tostring(v) then
                  redis.call('HSET', KEYS[1], ARGV[1], v)
                  changed = 1
                  if v < 0 and cur and tonumber(cur) > 0 then lifted = 1 end
                end
              end
            end
            if ARGV[6] then
              local cur = redis.call('HGET', KEYS[1], ARGV[6])
              if not cur or tonumber(cur) < tonumber(ARGV[3]) then
                redis.call('HSET', KEYS[1], ARGV[6], ARGV[3])
              end
            end
            local added = redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
            return {changed, added, lifted}
            """;

    /**
     * {@link #APPLY} for an event of chain version 2, kept in the compact audit trail of its bucket
     * ({@link AuditCodec}): KEYS[2] is {@code gw:ac:{B}}, ARGV[4] the record's prefix that names the event
     * (its number and id), ARGV[5] the record. The record is added unless the trail holds the event already
     * (in any form); the whole string is written anew, so it takes no more memory than it holds.
     */
    private static final String APPLY_COMPACT =
            APPLY.replace("local added = redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])", """
            local added = 0
            local trail = redis.call('GET', KEYS[2])
            if not trail then
              redis.call('SET', KEYS[2], ARGV[5])
              added = 1
            elseif not string.find(trail, ARGV[4], 1, true) then
              redis.call('SET', KEYS[2], trail .. ARGV[5])
              added = 1
            end""");

    /**
     * Appends a time-index record to its minute (KEYS[1]), names the minute in KEYS[2] and the event's chain in
     * KEYS[3]. ARGV: record, minute, chain tag (hex), chain id.
     */
    private static final String INDEX_COMPACT = """
            redis.call('APPEND', KEYS[1], ARGV[1])
            redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[2])
            redis.call('HSETNX', KEYS[3], ARGV[3], ARGV[4])
            return 1
            """;

    /** Replaces a compact trail (KEYS[1]) with ARGV[2] if it still is ARGV[1]: 1 when replaced. */
    private static final String REPLACE_TRAIL = """
            local cur = redis.call('GET', KEYS[1])
            if cur == ARGV[1] then
              redis.call('SET', KEYS[1], ARGV[2])
              return 1
            end
            return 0
            """;

    private final RedisClusterAsyncCommands<String, String> redis;
    private final Supplier<RedisClusterAsyncCommands<String, String>> checks;
    private final int buckets;
    /** Whether {@code redis} is a Redis Cluster: keys of one script must then share a slot. */
    private final boolean cluster;

    private volatile NumberKeys keys = NumberKeys.CLEAR;

    public SuppressionStore(RedisClusterAsyncCommands<String, String> redis, int buckets) {
        this(redis, () -> redis, buckets);
    }

    /**
     * @param checks the commands {@link #check} uses (the calling event loop's own connection where
     *               it has one); everything else uses {@code redis}
     */
    public SuppressionStore(
            RedisClusterAsyncCommands<String, String> redis,
            Supplier<RedisClusterAsyncCommands<String, String>> checks,
            int buckets) {
        this.checks = checks;
        if (Integer.bitCount(buckets) != 1) {
            throw new IllegalArgumentException("buckets must be a power of two: " + buckets);
        }
        this.redis = redis;
        this.buckets = buckets;
        this.cluster = redis instanceof RedisAdvancedClusterAsyncCommands;
    }

    /**
     * Records the bucket count at first start, or checks it against the one already in use.
     * Completes exceptionally with a message naming both counts when they differ.
     */
    public CompletionStage<Void> checkLayout() {
        return redis.setnx(META_BUCKETS, Integer.toString(buckets))
                .thenCompose(created -> redis.get(META_BUCKETS))
                .thenAccept(stored -> {
                    if (!Integer.toString(buckets).equals(stored)) {
                        throw new IllegalStateException(
                                "suppression.buckets is " + buckets + " but this Redis holds a list " + "laid out in "
                                        + stored + " buckets; set suppression.buckets: " + stored);
                    }
                });
    }

    /**
     * Keys numbers by {@code keys} (privacy.mode, docs/privacy.md): every key, field and audit entry this class
     * writes then carries {@code keys.of(digits)} instead of the digits, and the audit trail keeps each event
     * {@linkplain ConsentEvent#redacted redacted}. Every method taking a number also takes its key.
     */
    public void numberKeys(NumberKeys keys) {
        this.keys = keys;
    }

    /** How numbers are keyed. */
    public NumberKeys numberKeys() {
        return keys;
    }

    /** What stands for {@code digits} in Redis: the digits (clear mode) or their HMAC key. */
    public String keyOf(String digits) {
        return keys.of(digits);
    }

    /**
     * Records the privacy mode and pepper (a check value, {@link NumberKeys#checkValue()}) at first start, or
     * checks them against the ones the list in this Redis was written with. Completes exceptionally, naming
     * {@code privacy.mode} or the pepper key, when they differ: a list keyed one way is unreadable the other.
     */
    public CompletionStage<Void> checkPrivacy(String pepperKey) {
        String mine = keys.checkValue();
        return redis.setnx(RedisKeys.PRIVACY, mine)
                .thenCompose(created -> redis.get(RedisKeys.PRIVACY))
                .thenAccept(stored -> {
                    if (stored == null || NumberKeys.sameCheck(stored, mine)) {
                        return;
                    }
                    String storedMode = stored.startsWith("hmac") ? "hmac" : "clear";
                    if (!storedMode.equals(keys.mode())) {
                        throw new IllegalStateException("privacy.mode is " + keys.mode()
                                + " but the list in this Redis is keyed in mode " + storedMode
                                + "; set privacy.mode: " + storedMode + " (changing the mode needs a new list:"
                                + " docs/privacy.md)");
                    }
                    throw new IllegalStateException(pepperKey + " gives a different pepper than the one the list in"
                            + " this Redis was keyed with (check value " + stored + ", this pepper's " + mine
                            + "); restore the pepper (docs/privacy.md, \"Pepper\")");
                });
    }

    static long mix64(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** The bucket (0..buckets-1) that holds every entry of {@code digits}. */
    public int bucket(String digits) {
        return bucketFor(keys.of(digits), buckets);
    }

    /** The bucket of a number's key (its digits in clear mode). */
    private static int bucketFor(String key, int buckets) {
        return (int) (mix64(NumberKeys.spread(key)) & (buckets - 1));
    }

    /** The list hash ({@code gw:s:{B}}) that holds every entry of {@code digits}. */
    public String bucketKey(String digits) {
        return RedisKeys.listBucket(bucket(digits));
    }

    /**
     * The Redis hash holding {@code digits} in a list laid out in {@code buckets} buckets (for
     * tools that bulk-load the list, e.g. the load test).
     */
    public static String bucketKeyFor(String digits, int buckets) {
        return RedisKeys.listBucket(bucketFor(digits, buckets));
    }

    String auditKey(String digits) {
        return RedisKeys.auditTrail(bucket(digits), keys.of(digits));
    }

    static String field(String digits, Scope scope) {
        return scope instanceof Scope.Global ? digits : digits + "|" + scope.code();
    }

    /**
     * The list field of {@code digits} in {@code scope} for {@code category}: {@link #field(String, Scope)}
     * for every category ({@code null}), else the digits, {@code ~category}, then the scope part:
     * {@code 15551234567~marketing|a:acme}, {@code 15551234567~alerts} (global).
     */
    public static String field(String digits, Scope scope, String category) {
        if (category == null) {
            return field(digits, scope);
        }
        String head = digits + "~" + category;
        return scope instanceof Scope.Global ? head : head + "|" + scope.code();
    }

    /**
     * The opt-in field of {@code digits} for {@code account}'s messages of {@code category} ({@code null}: every
     * category), in the number's list bucket so that the submit check reads it in the same HMGET:
     * {@code 15551234567^marketing|a:acme}, {@code 15551234567^|a:acme}. Value: the order of the latest recorded
     * opt-in (docs/evidence.md, "Opt-in evidence"). Never a list entry: export and verification skip it.
     */
    public static String optInField(String digits, String account, String category) {
        return digits + "^" + (category == null ? "" : category) + "|a:" + account;
    }

    /** Whether a bucket field is an opt-in field ({@link #optInField}) rather than a list entry. */
    static boolean isOptInField(String field) {
        return field.indexOf('^') >= 0;
    }

    /** The entry of a scope code and category relative to its number: the code, or {@code code~category}. */
    public static String slot(String scopeCode, String category) {
        return category == null ? scopeCode : scopeCode + "~" + category;
    }

    private static final Pattern GLOB = Pattern.compile("([*?\\[\\]\\\\])");

    private static String globQuote(String s) {
        return GLOB.matcher(s).replaceAll("\\\\$1");
    }

    /** Whether accounts declare categories: an all-categories change then weighs the number's category entries. */
    private volatile boolean categoriesInUse;

    /** Set when some account declares consent categories (start-up; tests). */
    public void categoriesInUse(boolean inUse) {
        this.categoriesInUse = inUse;
    }

    /** The ORDER script's arguments for a change of {@code digits} in {@code scope} for {@code category}. */
    private String[] orderArgs(String digits, Scope scope, String category) {
        String f = field(digits, scope, category);
        if (category != null) {
            return new String[] {f, field(digits, scope)};
        }
        if (!categoriesInUse) {
            return new String[] {f};
        }
        String tail = scope instanceof Scope.Global ? "" : "|" + scope.code();
        return new String[] {f, f, digits, tail, globQuote(digits) + "~*" + globQuote(tail)};
    }

    /**
     * Result of a check: the scope that suppresses the number and, when a category entry decided
     * it, that category ({@code null}: the entry for every category); {@code suppressedBy} is
     * {@code null} when nothing does. {@code known}: some field the check read held an entry (for
     * a number that is not suppressed: an opt-out lifted again), which the evidence ledger records.
     * {@code resubscribed}: an opt-in (or removal) is in force in a scope the check read (a deactivation list
     * yields to it). {@code optedIn}: when the check asked, the number has a recorded opt-in for the account's messages of
     * the category (or of every category).
     */
    public record Verdict(
            Scope suppressedBy, String category, boolean known, String list, boolean resubscribed, boolean optedIn) {
        public Verdict(Scope suppressedBy, String category, boolean known) {
            this(suppressedBy, category, known, null, false, false);
        }

        public Verdict(Scope suppressedBy, String category) {
            this(suppressedBy, category, suppressedBy != null);
        }

        public Verdict(Scope suppressedBy) {
            this(suppressedBy, null);
        }

        /** Refused: by the opt-out list ({@link #suppressedBy}) or by the external list named {@link #list}. */
        public boolean suppressed() {
            return suppressedBy != null || list != null;
        }

        /**
         * This verdict, or when the opt-out list allowed the number, the external list {@code name}
         * refusing it; a deactivation list ({@code yieldsToOptIn}) does not refuse a number opted in
         * (in a scope the check read) after its deactivation: every opt-in from before it was voided
         * when the file was loaded, so one still in force is the number's new holder's.
         */
        Verdict listed(String name, boolean yieldsToOptIn) {
            if (name == null || suppressedBy != null || (yieldsToOptIn && resubscribed)) {
                return this;
            }
            return new Verdict(null, null, known, name, resubscribed, optedIn);
        }
    }

    private volatile ExternalLists lists;

    /** Checks every submit against the live external lists too, on the same connection and round trip. */
    public void lists(ExternalLists lists) {
        this.lists = lists;
    }

    /** Whether {@code digits} may not receive messages from {@code account} via {@code sender}. */
    public CompletionStage<Verdict> check(String digits, String account, String sender) {
        return check(digits, account, sender, null);
    }

    /**
     * Whether {@code digits} may not receive messages of {@code category} ({@code null}: the account
     * declares none) from {@code account} via {@code sender}. One HMGET: the four all-categories
     * fields and, with a category, that category's field in the global, account and sender scopes.
     * In each scope the later of the all-categories entry and the category entry decides (a tie:
     * the opt-out). The live external lists that apply ({@link ExternalLists}) are checked by
     * commands pipelined behind the HMGET on the same connection: still one round trip; the
     * opt-out list decides first, a list only refuses what it allows.
     */
    public CompletionStage<Verdict> check(String digits, String account, String sender, String category) {
        return check(digits, account, sender, category, false);
    }

    /**
     * {@link #check(String, String, String, String)}, and with {@code optIn} whether the number has a recorded
     * opt-in for the account's messages of {@code category} ({@link Verdict#optedIn()}): one or two more fields
     * in the same HMGET (every category's, and the category's).
     */
    public CompletionStage<Verdict> check(
            String number, String account, String sender, String category, boolean optIn) {
        String digits = keys.of(number);
        Scope[] scopes = {
            Scope.Global.INSTANCE,
            new Scope.Account(account),
            new Scope.Sender(account, sender),
            new Scope.Sender(Scope.ANY_ACCOUNT, sender)
        };
        int categoryFields = category == null ? 0 : 3;
        int listFields = scopes.length + categoryFields;
        int optInFields = !optIn ? 0 : category == null ? 1 : 2;
        String[] fields = new String[listFields + optInFields];
        for (int i = 0; i < scopes.length; i++) {
            fields[i] = field(digits, scopes[i]);
        }
        for (int i = 0; i < categoryFields; i++) {
            fields[scopes.length + i] = field(digits, scopes[i], category);
        }
        if (optIn) {
            fields[listFields] = optInField(digits, account, null);
            if (category != null) {
                fields[listFields + 1] = optInField(digits, account, category);
            }
        }
        RedisClusterAsyncCommands<String, String> conn = checks.get();
        CompletionStage<Verdict> verdict = conn.hmget(bucketKey(digits), fields).thenApply(values -> {
            boolean known = false;
            for (int i = 0; i < listFields; i++) {
                known |= values.get(i).hasValue();
            }
            boolean optedIn = false;
            for (int i = listFields; i < values.size(); i++) {
                optedIn |= value(values.get(i)) > 0;
            }
            boolean resubscribed = false;
            for (int i = 0; i < scopes.length; i++) {
                long all = value(values.get(i));
                long cat = i < categoryFields ? value(values.get(scopes.length + i)) : 0;
                long decides = later(all, cat);
                if (decides > 0) {
                    return new Verdict(
                            scopes[i],
                            decides == cat && Math.abs(cat) >= Math.abs(all) ? category : null,
                            true,
                            null,
                            false,
                            optedIn);
                }
                resubscribed |= decides < 0;
            }
            return new Verdict(null, null, known, null, resubscribed, optedIn);
        });
        ExternalLists external = lists;
        CompletableFuture<String> listed = external == null ? null : external.check(conn, number, account, category);
        return listed == null
                ? verdict
                : verdict.thenCombine(listed, (v, name) -> v.listed(name, external.yieldsToOptIn(name)));
    }

    private static long value(KeyValue<String, String> kv) {
        return kv.hasValue() ? Long.parseLong(kv.getValue()) : 0;
    }

    /** Of two signed orders (0 = no entry), the later; on a tie the opt-out. */
    static long later(long a, long b) {
        long x = Math.abs(a);
        long y = Math.abs(b);
        if (x != y) {
            return x > y ? a : b;
        }
        return Math.max(a, b);
    }

    /**
     * Whether the event changed the list (it may be older than what is there), whether its audit
     * entry is new, and whether it lifted an opt-out that was in force in its entry (an opt-in or
     * removal that took effect where the number had been suppressed).
     */
    public record Applied(boolean listChanged, boolean auditAdded, boolean liftedOptOut) {
        public Applied(boolean listChanged, boolean auditAdded) {
            this(listChanged, auditAdded, false);
        }
    }

    /**
     * The order {@code event} takes on the list if it is recorded now (see {@link ConsentEvent#order()}),
     * read from the Redis server that holds the number; an event that does not change the list
     * keeps the second of its time.
     */
    public CompletionStage<Long> order(ConsentEvent event) {
        if (event.type().effect() == 0) {
            return CompletableFuture.completedFuture(event.time().getEpochSecond());
        }
        return redis.eval(
                ORDER,
                ScriptOutputType.INTEGER,
                new String[] {bucketKey(event.number())},
                orderArgs(keys.of(event.number()), event.parsedScope(), event.category()));
    }

    /**
     * Applies an event, at its {@link ConsentEvent#listOrder()}, to the list and the audit trail;
     * idempotent, so replays are harmless, and an event never overrides a change of greater order.
     */
    public CompletionStage<Applied> apply(ConsentEvent event) {
        if (!keys.hashed() && AuditCodec.compactable(event)) {
            return applyCompact(event); // hmac mode keeps the redacted JSON form: a compact record holds the number
        }
        String digits = keys.of(event.number());
        long ms = event.time().toEpochMilli();
        String json = (keys.hashed() ? event.redacted(digits) : event).toJsonString();
        String[] redisKeys = {bucketKey(digits), auditKey(digits)};
        String optIn = optInFieldOf(event, digits);
        String[] args = {
            field(digits, event.parsedScope(), event.category()),
            Integer.toString(event.type().effect()),
            Long.toString(event.listOrder()),
            Long.toString(ms),
            json
        };
        if (optIn != null) {
            args = Arrays.copyOf(args, 6);
            args[5] = optIn;
        }
        CompletionStage<List<Object>> script = redis.eval(APPLY, ScriptOutputType.MULTI, redisKeys, args);
        CompletionStage<Long> index = redis.zadd(AUDIT_INDEX, (double) ms, digits + "|" + event.id());
        return script.thenCombine(
                index,
                (result, ignored) -> new Applied(
                        ((Long) result.get(0)) == 1L, ((Long) result.get(1)) == 1L, ((Long) result.get(2)) == 1L));
    }

    /**
     * An event of chain version 2: the list as {@link #apply} does, the event's record into its bucket's compact
     * audit trail, and a record into the time index of its minute. The index record is written whether or not
     * the trail already held the event (a replay may add it twice: readers take (number, time) once). Events of
     * one number in one millisecond write one record each, the same characters: the index names (number, time),
     * and verification counts at least as many records of it as the trail holds events then.
     */
    private CompletionStage<Applied> applyCompact(ConsentEvent event) {
        String digits = event.number();
        long ms = event.time().toEpochMilli();
        int bucket = bucket(digits);
        AuditCodec.Encoded enc = AuditCodec.encode(event);
        String[] keys = {RedisKeys.listBucket(bucket), RedisKeys.auditCompact(bucket)};
        String optIn = optInFieldOf(event, digits);
        String[] args = {
            field(digits, event.parsedScope(), event.category()),
            Integer.toString(event.type().effect()),
            Long.toString(event.listOrder()),
            enc.needle(),
            enc.record()
        };
        if (optIn != null) {
            args = Arrays.copyOf(args, 6);
            args[5] = optIn;
        }
        CompletionStage<List<Object>> script = redis.eval(APPLY_COMPACT, ScriptOutputType.MULTI, keys, args);
        long minute = AuditCodec.minute(ms);
        CompletionStage<Long> index = redis.eval(
                INDEX_COMPACT,
                ScriptOutputType.INTEGER,
                new String[] {RedisKeys.auditSlice(minute), RedisKeys.AUDIT_SLICES, RedisKeys.AUDIT_CHAINS},
                AuditCodec.indexRecord(ms, digits),
                Long.toString(minute),
                AuditCodec.chainTagHex(event.chain().id()),
                event.chain().id());
        return script.thenCombine(
                index,
                (result, ignored) -> new Applied(
                        ((Long) result.get(0)) == 1L, ((Long) result.get(1)) == 1L, ((Long) result.get(2)) == 1L));
    }

    /**
     * The opt-in field an event sets: an event carrying opt-in detail ({@link ConsentEvent#consent()}) of an
     * account (its {@code account}, else its account scope's); {@code null} for any other.
     */
    static String optInFieldOf(ConsentEvent event, String key) {
        if (event.consent() == null) {
            return null;
        }
        String account = event.account();
        if (account == null && event.parsedScope() instanceof Scope.Account a) {
            account = a.account();
        }
        return account == null ? null : optInField(key, account, event.category());
    }

    /**
     * Every entry of a number: its {@linkplain #slot slot} (the scope code, or {@code code~category}
     * for one category) -> signed order of its latest change, in epoch seconds (negative = opted in
     * then).
     */
    public CompletionStage<Map<String, Long>> entries(String number) {
        String digits = keys.of(number);
        return redis.hgetall(bucketKey(digits)).thenApply(all -> {
            Map<String, Long> out = new TreeMap<>();
            all.forEach((f, v) -> {
                ListEntry e = parseField(f, v);
                if (e.digits().equals(digits)) {
                    out.put(e.slot(), e.value());
                }
            });
            return out;
        });
    }

    /** Every entry of a number, with its scope code and category ({@code null}: every category) apart. */
    public CompletionStage<List<ListEntry>> entryList(String number) {
        String digits = keys.of(number);
        return redis.hgetall(bucketKey(digits)).thenApply(all -> {
            List<ListEntry> out = new ArrayList<>();
            all.forEach((f, v) -> {
                ListEntry e = parseField(f, v);
                if (e.digits().equals(digits)) {
                    out.add(e);
                }
            });
            out.sort(Comparator.comparing(ListEntry::slot));
            return out;
        });
    }

    /** A list field and its value: digits, optional {@code ~category}, optional {@code |scope}. */
    static ListEntry parseField(String f, String v) {
        int bar = f.indexOf('|');
        String head = bar < 0 ? f : f.substring(0, bar);
        String scope = bar < 0 ? "g" : f.substring(bar + 1);
        int tilde = head.indexOf('~');
        String digits = tilde < 0 ? head : head.substring(0, tilde);
        String category = tilde < 0 ? null : head.substring(tilde + 1);
        return new ListEntry(digits, scope, Long.parseLong(v), category);
    }

    /** The bucket count a Redis already holding a list uses, or {@code null} for a fresh Redis. */
    public static CompletionStage<Integer> bucketsInUse(RedisClusterAsyncCommands<String, String> redis) {
        return redis.get(META_BUCKETS).thenApply(v -> v == null ? null : Integer.valueOf(v));
    }

    private static List<ConsentEvent> parse(List<String> jsons) {
        List<ConsentEvent> events = new ArrayList<>(jsons.size());
        for (String j : jsons) {
            events.add(ConsentEvent.fromJson(j.getBytes(StandardCharsets.UTF_8)));
        }
        return events;
    }

    /** The number's compact audit records (events of chain version 2), as stored in its bucket's trail. */
    private CompletionStage<List<AuditCodec.Decoded>> compactRecords(String digits) {
        return redis.get(RedisKeys.auditCompact(bucket(digits))).thenCompose(blob -> decoded(blob, digits));
    }

    /**
     * The records of a compact trail; when one names a chain this process has not seen, the chains' names are read
     * from {@code gw:ai:{ai}:chains} and the trail decoded again.
     */
    private CompletionStage<List<AuditCodec.Decoded>> decoded(String blob, String digits) {
        List<AuditCodec.Decoded> first = AuditCodec.decodeAll(blob, digits);
        if (first.stream().allMatch(d -> d.event() != null)) {
            return CompletableFuture.completedFuture(first);
        }
        return redis.hgetall(RedisKeys.AUDIT_CHAINS).thenApply(chains -> {
            AuditCodec.knownChains(chains);
            return AuditCodec.decodeAll(blob, digits);
        });
    }

    /** The number's audit events, oldest first: those recorded before chain version 2 and the compact ones. */
    public CompletionStage<List<ConsentEvent>> history(String digits) {
        return history(digits, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /**
     * One member of a number's audit trail as Redis holds it. Either {@code json} (an event recorded before
     * chain version 2: a member of {@code gw:a:{B}:DIGITS}, checked byte for byte) with its {@code score}, or a
     * compact {@code record} of {@code gw:ac:{B}} with its {@code event} ({@code null} when the record cannot be
     * read) and the event's time as score.
     */
    public record AuditMember(String json, double score, String record, ConsentEvent event) {
        /** Whether the member is a compact record. */
        public boolean compact() {
            return json == null;
        }

        /** The event's JSON: the stored bytes of an older member, the compact event in its JSON form; null when unreadable. */
        public String stored() {
            if (json != null) {
                return json;
            }
            return event == null ? null : event.toJsonString();
        }
    }

    /**
     * The number's audit trail as Redis holds it, for verification: the older members (JSON, scored by time in
     * ms) oldest first, then the compact records in the order stored.
     */
    public CompletionStage<List<AuditMember>> auditEntries(String digits) {
        CompletionStage<List<AuditCodec.Decoded>> compact = compactRecords(digits);
        return redis.zrangeWithScores(auditKey(digits), 0, -1).thenCombine(compact, (legacy, records) -> {
            List<AuditMember> out = new ArrayList<>(legacy.size() + records.size());
            for (ScoredValue<String> sv : legacy) {
                out.add(new AuditMember(sv.getValue(), sv.getScore(), null, null));
            }
            for (AuditCodec.Decoded d : records) {
                double score = d.event() == null
                        ? Double.NaN
                        : (double) d.event().time().toEpochMilli();
                out.add(new AuditMember(null, score, d.record(), d.event()));
            }
            return out;
        });
    }

    /**
     * The number's audit trail members with {@code fromMs <= time <= toMs}, oldest first, each as an event's JSON:
     * an older member exactly as stored, a compact one in its JSON form (what its hash covers can be recomputed
     * from it); for evidence bundles.
     */
    public CompletionStage<List<String>> auditMembers(String digits, long fromMs, long toMs) {
        CompletionStage<List<AuditCodec.Decoded>> compact = compactRecords(digits);
        return redis.zrangebyscore(auditKey(digits), Range.create((double) fromMs, (double) toMs))
                .thenCombine(compact, (legacy, records) -> {
                    List<String> out = new ArrayList<>(legacy);
                    for (ConsentEvent e : inRange(records, fromMs, toMs)) {
                        out.add(e.toJsonString());
                    }
                    return out;
                });
    }

    private static List<ConsentEvent> inRange(List<AuditCodec.Decoded> records, long fromMs, long toMs) {
        List<ConsentEvent> out = new ArrayList<>(records.size());
        for (AuditCodec.Decoded d : records) {
            ConsentEvent e = d.event();
            if (e != null && e.time().toEpochMilli() >= fromMs && e.time().toEpochMilli() <= toMs) {
                out.add(e);
            }
        }
        out.sort(Comparator.comparing(ConsentEvent::time));
        return out;
    }

    /**
     * One field of the list: a number in one scope with the signed order of its latest change, in
     * epoch seconds (positive = suppressed since then, negative = opted back in then).
     */
    public record ListEntry(String digits, String scope, long value, String category) {
        /** An entry for every category. */
        public ListEntry(String digits, String scope, long value) {
            this(digits, scope, value, null);
        }

        /** The scope code, or {@code code~category} for a category entry ({@link #slot(String, String)}). */
        public String slot() {
            return SuppressionStore.slot(scope, category);
        }

        public boolean suppressed() {
            return value > 0;
        }

        /**
         * When the entry last changed, to the second; a change that followed another one to the same
         * entry within the same second reads one second after it.
         */
        public Instant since() {
            return Instant.ofEpochSecond(Math.abs(value));
        }
    }

    /** Every field of bucket {@code bucket} (0..buckets-1), opted-in ones included; for export and verification. */
    public CompletionStage<List<ListEntry>> exportBucket(int bucket) {
        if (bucket < 0 || bucket >= buckets) {
            throw new IllegalArgumentException("bucket out of range: " + bucket);
        }
        return redis.hgetall(RedisKeys.listBucket(bucket)).thenApply(all -> {
            List<ListEntry> out = new ArrayList<>(all.size());
            all.forEach((f, v) -> {
                if (!isOptInField(f)) {
                    out.add(parseField(f, v));
                }
            });
            return out;
        });
    }

    /**
     * The list buckets in the order the admin walks (export, verification) read them, each once: by number, and
     * on Redis Cluster by the slot of their key first, so that a run of buckets in one slot can be asked about in
     * one script ({@link #presentBuckets}; buckets of consecutive numbers are in different slots).
     */
    public int[] walkOrder() {
        if (!cluster) {
            int[] order = new int[buckets];
            Arrays.setAll(order, b -> b);
            return order;
        }
        return clusterWalk().order.clone();
    }

    /** Where bucket {@code bucket} is in {@link #walkOrder()}. */
    public int walkPosition(int bucket) {
        return cluster ? clusterWalk().position[bucket] : bucket;
    }

    /** Redis Cluster: {@link #walkOrder()}, each bucket's position in it, and each bucket's slot. */
    private record ClusterWalk(int[] order, int[] position, int[] slot) {}

    private volatile ClusterWalk clusterWalk;

    private ClusterWalk clusterWalk() {
        ClusterWalk w = clusterWalk;
        if (w == null) {
            int[] slot = new int[buckets];
            int[] next = new int[SlotHash.SLOT_COUNT + 1];
            for (int b = 0; b < buckets; b++) {
                slot[b] = SlotHash.getSlot(RedisKeys.listBucket(b));
                next[slot[b] + 1]++;
            }
            for (int s = 0; s < SlotHash.SLOT_COUNT; s++) {
                next[s + 1] += next[s];
            }
            int[] order = new int[buckets];
            int[] position = new int[buckets];
            for (int b = 0; b < buckets; b++) {
                int p = next[slot[b]]++;
                order[p] = b;
                position[b] = p;
            }
            w = new ClusterWalk(order, position, slot);
            clusterWalk = w;
        }
        return w;
    }

    /**
     * Which list buckets exist (hold at least one field). KEYS: the buckets' keys, all in one Cluster slot on
     * Redis Cluster. Returns one character a key, {@code 1} for one that exists, else {@code 0} (one string: a
     * reply of one element is cheaper to read than one of an element a key). Read-only, one lookup a key.
     */
    private static final String PRESENT = """
            local bits = {}
            for i, k in ipairs(KEYS) do
              bits[i] = redis.call('EXISTS', k)
            end
            return table.concat(bits)
            """;

    /** Buckets asked about in one script at most. */
    private static final int PRESENT_KEYS = 1024;

    /**
     * Of {@code bucketList} (bucket numbers), those whose hash exists, in the given order: the only buckets an
     * export or a verification has to read, as a bucket without a hash has no field. One script a batch of
     * buckets (on Redis Cluster one a run of buckets in the same slot: pass a slice of {@link #walkOrder()} to
     * keep runs long), instead of one read a bucket. A bucket created after its batch was asked about is not
     * listed, as a bucket written after an export has read it is not exported.
     */
    public CompletionStage<int[]> presentBuckets(int[] bucketList) {
        for (int b : bucketList) {
            if (b < 0 || b >= buckets) {
                throw new IllegalArgumentException("bucket out of range: " + b);
            }
        }
        int[] slot = cluster ? clusterWalk().slot : null;
        List<CompletableFuture<String>> runs = new ArrayList<>();
        List<Integer> runStarts = new ArrayList<>();
        int start = 0;
        for (int i = 1; i <= bucketList.length; i++) {
            boolean end = i == bucketList.length
                    || i - start == PRESENT_KEYS
                    || (cluster && slot[bucketList[i]] != slot[bucketList[start]]);
            if (end) {
                String[] keys = new String[i - start];
                for (int j = start; j < i; j++) {
                    keys[j - start] = RedisKeys.listBucket(bucketList[j]);
                }
                runs.add(redis.<String>eval(PRESENT, ScriptOutputType.VALUE, keys)
                        .toCompletableFuture());
                runStarts.add(start);
                start = i;
            }
        }
        return CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).thenApply(v -> {
            int[] out = new int[bucketList.length];
            int n = 0;
            for (int r = 0; r < runs.size(); r++) {
                String bits = runs.get(r).join();
                int from = runStarts.get(r);
                int to = r + 1 < runs.size() ? runStarts.get(r + 1) : bucketList.length;
                if (bits == null || bits.length() != to - from) {
                    throw new IllegalStateException("list buckets: expected " + (to - from) + " answers, got "
                            + (bits == null ? "none" : bits.length()));
                }
                for (int i = 0; i < bits.length(); i++) {
                    if (bits.charAt(i) != '0') {
                        out[n++] = bucketList[from + i];
                    }
                }
            }
            return Arrays.copyOf(out, n);
        });
    }

    /** One member of the global audit index {@code gw:audit}: an event of a number at a time. */
    public record AuditRef(String digits, String eventId, long epochMillis) {}

    /**
     * A page of the global audit index, oldest first: events with {@code fromMs <= time <= toMs},
     * skipping {@code offset}, at most {@code count}.
     */
    public CompletionStage<List<AuditRef>> auditIndex(long fromMs, long toMs, long offset, long count) {
        return redis.zrangebyscoreWithScores(
                        AUDIT_INDEX, Range.create((double) fromMs, (double) toMs), Limit.create(offset, count))
                .thenApply(page -> {
                    List<AuditRef> out = new ArrayList<>(page.size());
                    for (ScoredValue<String> sv : page) {
                        String member = sv.getValue();
                        int bar = member.indexOf('|');
                        out.add(new AuditRef(
                                member.substring(0, bar), member.substring(bar + 1), (long) sv.getScore()));
                    }
                    return out;
                });
    }

    /**
     * Entries of the global audit index from position {@code start} (0 = the oldest), at most
     * {@code count}: a page costs O(log N + count) in Redis whatever {@code start} is, where an
     * offset into a score range costs O(offset). Walk a whole range with this, starting at
     * {@link #auditIndexRank}.
     */
    public CompletionStage<List<AuditRef>> auditIndexPage(long start, long count) {
        return redis.zrangeWithScores(AUDIT_INDEX, start, start + count - 1).thenApply(SuppressionStore::auditRefs);
    }

    /** Position in the global audit index of the first event at or after {@code fromMs}. */
    public CompletionStage<Long> auditIndexRank(long fromMs) {
        return redis.zcount(
                AUDIT_INDEX, Range.from(Range.Boundary.unbounded(), Range.Boundary.excluding((double) fromMs)));
    }

    private static List<AuditRef> auditRefs(List<ScoredValue<String>> page) {
        List<AuditRef> out = new ArrayList<>(page.size());
        for (ScoredValue<String> sv : page) {
            String member = sv.getValue();
            int bar = member.indexOf('|');
            out.add(new AuditRef(member.substring(0, bar), member.substring(bar + 1), (long) sv.getScore()));
        }
        return out;
    }

    /** Size of the global audit index. */
    public CompletionStage<Long> auditIndexSize() {
        return redis.zcard(AUDIT_INDEX);
    }

    /** The number's audit events with {@code fromMs <= time <= toMs}, oldest first (both kinds of trail). */
    public CompletionStage<List<ConsentEvent>> history(String digits, long fromMs, long toMs) {
        CompletionStage<List<AuditCodec.Decoded>> compact = compactRecords(digits);
        CompletionStage<List<String>> legacy = fromMs == Long.MIN_VALUE && toMs == Long.MAX_VALUE
                ? redis.zrange(auditKey(digits), 0, -1)
                : redis.zrangebyscore(auditKey(digits), Range.create((double) fromMs, (double) toMs));
        return legacy.thenCombine(compact, (jsons, records) -> {
            List<ConsentEvent> events = parse(jsons);
            List<ConsentEvent> newer = inRange(records, fromMs, toMs);
            if (newer.isEmpty()) {
                return events;
            }
            events.addAll(newer);
            events.sort(Comparator.comparing(ConsentEvent::time));
            return events;
        });
    }

    /**
     * Walks the audit index over {@code fromMs <= time <= toMs}, a page at a time, until {@code visitor} returns
     * false: first the index of events recorded before chain version 2 ({@code gw:audit}, in time order, with
     * event ids), then the compact time index minute by minute (each minute in time order, without ids; a
     * (number, time) listed twice by a replay is given once). Blocking; {@code timeout} bounds each read.
     */
    public void walkAuditIndex(long fromMs, long toMs, Duration timeout, Predicate<List<AuditRef>> visitor)
            throws Exception {
        walkAuditIndex(fromMs, toMs, timeout, false, visitor);
    }

    /**
     * {@link #walkAuditIndex(long, long, Duration, Predicate)}; with {@code everyRecord}, each minute of the compact
     * time index gives every record as stored: a (number, time) as often as an event of it was written (once per
     * event, and again for each replay of one). Verification counts them: events of one number in one millisecond
     * share their (number, time), one record each.
     */
    public void walkAuditIndex(
            long fromMs, long toMs, Duration timeout, boolean everyRecord, Predicate<List<AuditRef>> visitor)
            throws Exception {
        long rank = await(auditIndexRank(fromMs), timeout);
        while (true) {
            List<AuditRef> page = await(auditIndexPage(rank, INDEX_PAGE), timeout);
            List<AuditRef> in = new ArrayList<>(page.size());
            boolean past = false;
            for (AuditRef r : page) {
                if (r.epochMillis() > toMs) {
                    past = true;
                    break;
                }
                in.add(r);
            }
            if (!in.isEmpty() && !visitor.test(in)) {
                return;
            }
            if (past || page.size() < INDEX_PAGE) {
                break;
            }
            rank += page.size();
        }
        long firstMinute = AuditCodec.minute(Math.max(fromMs, 0));
        long lastMinute = AuditCodec.minute(Math.max(toMs, 0));
        long offset = 0;
        while (true) {
            List<String> minutes = await(
                    redis.zrangebyscore(
                            RedisKeys.AUDIT_SLICES,
                            Range.create((double) firstMinute, (double) lastMinute),
                            Limit.create(offset, SLICES_PAGE)),
                    timeout);
            for (int i = 0; i < minutes.size(); i += SLICES_IN_FLIGHT) {
                List<String> batch = minutes.subList(i, Math.min(minutes.size(), i + SLICES_IN_FLIGHT));
                List<CompletableFuture<String>> reads = new ArrayList<>(batch.size());
                for (String m : batch) {
                    reads.add(redis.get(RedisKeys.auditSlice(Long.parseLong(m))).toCompletableFuture());
                }
                for (int j = 0; j < batch.size(); j++) {
                    List<AuditRef> refs =
                            slice(Long.parseLong(batch.get(j)), await(reads.get(j), timeout), !everyRecord);
                    refs.removeIf(r -> r.epochMillis() < fromMs || r.epochMillis() > toMs);
                    if (!refs.isEmpty() && !visitor.test(refs)) {
                        return;
                    }
                }
            }
            if (minutes.size() < SLICES_PAGE) {
                return;
            }
            offset += minutes.size();
        }
    }

    private static final int INDEX_PAGE = 2_000;
    private static final int SLICES_PAGE = 1_000;
    private static final int SLICES_IN_FLIGHT = 16;

    /** The records of one minute of the compact time index, by time; with {@code once}, each (number, time) once. */
    static List<AuditRef> slice(long minute, String slice, boolean once) {
        if (slice == null) {
            return new ArrayList<>(0);
        }
        int n = slice.length() / AuditCodec.INDEX_RECORD;
        List<AuditRef> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(AuditCodec.indexRef(minute, slice, i * AuditCodec.INDEX_RECORD));
        }
        out.sort(Comparator.comparingLong(AuditRef::epochMillis).thenComparing(AuditRef::digits));
        if (!once) {
            return out;
        }
        List<AuditRef> unique = new ArrayList<>(out.size());
        AuditRef last = null;
        for (AuditRef r : out) {
            if (last == null
                    || last.epochMillis() != r.epochMillis()
                    || !last.digits().equals(r.digits())) {
                unique.add(r);
            }
            last = r;
        }
        return unique;
    }

    private static <T> T await(CompletionStage<T> stage, Duration timeout) throws Exception {
        return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Drops the detail of compact audit events recorded before {@code cutoffMs} in list bucket {@code bucket}:
     * each becomes its minimal form (core and detail digest, {@link io.optoutgw.suppression.evidence.EventForms}),
     * which hashes as before. The trail is replaced only if nothing changed it meanwhile (else it is left for the
     * next run). Completes with the number of events whose detail was dropped.
     */
    public CompletionStage<Integer> dropDetail(int bucket, long cutoffMs) {
        String key = RedisKeys.auditCompact(bucket);
        return redis.get(key).thenCompose(blob -> {
            if (blob == null) {
                return CompletableFuture.completedFuture(0);
            }
            return decoded(blob, null).thenCompose(records -> dropDetail(key, blob, records, cutoffMs));
        });
    }

    private CompletionStage<Integer> dropDetail(
            String key, String blob, List<AuditCodec.Decoded> records, long cutoffMs) {
        {
            StringBuilder out = new StringBuilder(blob.length());
            int dropped = 0;
            for (AuditCodec.Decoded d : records) {
                ConsentEvent e = d.event();
                if (e != null
                        && e.time().toEpochMilli() < cutoffMs
                        && !io.optoutgw.suppression.evidence.EventForms.isMinimal(e)
                        && e.chain().hash().length() == 64) {
                    out.append(AuditCodec.encode(io.optoutgw.suppression.evidence.EventForms.minimal(e))
                            .record());
                    dropped++;
                } else {
                    out.append(d.record()); // an unreadable or edited record stays as it is, for verification
                }
            }
            if (dropped == 0) {
                return CompletableFuture.completedFuture(0);
            }
            int n = dropped;
            return redis.<Long>eval(REPLACE_TRAIL, ScriptOutputType.INTEGER, new String[] {key}, blob, out.toString())
                    .thenApply(replaced -> replaced == 1L ? n : 0);
        }
    }

    public int buckets() {
        return buckets;
    }
}
