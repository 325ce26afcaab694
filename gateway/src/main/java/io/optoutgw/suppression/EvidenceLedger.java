package io.optoutgw.suppression;

import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * What happened to the messages for one number, beside its audit trail: every refused destination,
 * every message relayed while the list could not be read (fail-open), every message relayed to a
 * number the check saw an entry for, and the gateway's own replies (confirmations) with their SMSC
 * message ids and receipt states. {@code gateway audit trace} merges it with the audit trail.
 *
 * <h2>Keys (in the number's list bucket hash tag, so one script touches one Cluster slot)</h2>
 * <ul>
 *   <li>{@code gw:r:{B}:DIGITS}: sorted set, one compact member per refused destination or relay
 *       ({@link Entry#encode}), scored by the gateway's time in ms. Each write trims detail older
 *       than {@code evidence.refusalDetail} and keeps at most {@code evidence.maxDetailPerNumber}
 *       (the newest); the key expires {@code refusalDetail} after its last write.</li>
 *   <li>{@code gw:rr:{B}:DIGITS}: hash, the daily roll-up {@code YYYYMMDD|ACCOUNT|CODE} -> count,
 *       bumped by the same script for every entry (trimmed or not); kept forever. No sampling: the
 *       roll-up counts every entry, the detail holds each one until it is trimmed.</li>
 *   <li>{@code gw:c:{B}:DIGITS}: sorted set of the gateway's replies and their receipts; never
 *       trimmed (a few per opt-out, as many as the person's own keyword messages).</li>
 * </ul>
 *
 * <p>A member is short so that a number with few entries stays in Redis's compact listpack
 * encoding (members of at most 64 bytes, at most 128 of them): {@code KIND|COMMAND|ACCOUNT|SENDER|CATEGORY|REASON|MATCHED|STATUS|SEQ|MESSAGE_ID|REF|NONCE},
 * with {@code |} and {@code %} in a field percent-encoded and empty fields left empty. The nonce
 * keeps two otherwise identical entries of the same millisecond apart.
 */
public final class EvidenceLedger {

    /**
     * KEYS: the detail, the roll-up. ARGV: time ms, member, roll-up field, cut-off ms (detail
     * older than this goes), the most detail entries kept, the detail key's TTL in ms. Returns
     * {detail entries, entries trimmed}.
     */
    private static final String RECORD = """
            redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
            local trimmed = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
            local n = redis.call('ZCARD', KEYS[1])
            local max = tonumber(ARGV[5])
            if n > max then
              trimmed = trimmed + redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - max - 1)
              n = max
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[6])
            redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
            return {n, trimmed}
            """;

    /** What an entry records. */
    public enum Kind {
        /** A destination refused (any reason). */
        REFUSED("r", "refused"),
        /** Relayed although the list could not be read (the account is fail-open). */
        RELAYED_UNCHECKED("u", "relayed_unchecked"),
        /** Relayed after a check that saw an entry for the number (opted out before, opted in again). */
        RELAYED("k", "relayed"),
        /** The gateway's own reply to the person, accepted by the SMSC under its message id. */
        CONFIRMATION("c", "confirmation"),
        /** A delivery receipt for one of the gateway's own replies. */
        CONFIRMATION_RECEIPT("d", "confirmation_receipt"),
        /** The gateway's own reply could not be sent. */
        CONFIRMATION_FAILED("x", "confirmation_failed");

        private final String code;
        private final String label;

        Kind(String code, String label) {
            this.code = code;
            this.label = label;
        }

        /** The name the trace shows. */
        public String label() {
            return label;
        }

        static Kind ofCode(String code) {
            for (Kind k : values()) {
                if (k.code.equals(code)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("not a ledger entry kind: '" + code + "'");
        }
    }

    /** Refusal reasons as stored (one letter) and as shown; a reason not listed is stored as is. */
    private static final String[][] REASONS = {
        {"s", "suppressed"},
        {"l", "listed"},
        {"f", "fail_closed"},
        {"q", "quiet_hours"},
        {"c", "frequency_cap"},
        {"i", "no_instruction"},
        {"d", "schedule"},
        {"n", "invalid_number"}
    };

    /** Commands as stored (one letter) and as shown. */
    private static final String[][] COMMANDS = {{"s", "submit_sm"}, {"d", "data_sm"}, {"m", "submit_multi"}};

    /**
     * One entry. Fields that do not apply are {@code null}.
     *
     * @param kind        what happened
     * @param command     the ESME's request: submit_sm, data_sm or submit_multi
     * @param epochMillis when (the gateway's clock)
     * @param account     the ESME account of the message (for a confirmation: the account owning the short code)
     * @param sender      the message's sender in the account's canonical form (a confirmation: the short code)
     * @param category    the consent category the message was checked as
     * @param reason      a refusal's reason (suppressed, fail_closed, quiet_hours, frequency_cap,
     *                    no_instruction, schedule); a confirmation's reply kind (opt_out, opt_in,
     *                    help, clarify); a receipt's stat (DELIVRD, UNDELIV, ...); a failed
     *                    confirmation's cause
     * @param matched     for an opt-out refusal, the entry that refused it: {@code g} (global),
     *                    {@code a} (the account), {@code s} (the sender of the account), {@code *}
     *                    (the sender, any account), followed by {@code ~} when a category entry decided;
     *                    for a refusal by an external list ({@code listed}), {@code l:} and the list's name
     * @param status      the command_status the ESME got (hex, e.g. {@code 45}); a receipt's err
     * @param sequence    the ESME's sequence number of the submit
     * @param messageId   the message id: the one the gateway answered under {@code refusal: receipt}
     *                    (with a REJECTD receipt), or the SMSC's for a relayed message or a confirmation
     * @param ref         a confirmation's consent event id
     */
    public record Entry(
            Kind kind,
            String command,
            long epochMillis,
            String account,
            String sender,
            String category,
            String reason,
            String matched,
            String status,
            Integer sequence,
            String messageId,
            String ref) {

        /** The member stored in Redis; {@code nonce} keeps equal entries of one millisecond apart. */
        String encode(String nonce) {
            StringBuilder sb = new StringBuilder(48).append(kind.code);
            for (String f : new String[] {
                code(COMMANDS, command),
                account,
                sender,
                category,
                code(REASONS, reason),
                matched,
                status,
                sequence == null ? null : sequence.toString(),
                messageId,
                ref,
                nonce
            }) {
                sb.append('|');
                if (f != null) {
                    escape(f, sb);
                }
            }
            return sb.toString();
        }

        static Entry decode(String member, long epochMillis) {
            String[] f = member.split("\\|", -1);
            if (f.length < 12) {
                throw new IllegalArgumentException("not a ledger entry: '" + member + "'");
            }
            String seq = field(f[8]);
            return new Entry(
                    Kind.ofCode(f[0]),
                    name(COMMANDS, field(f[1])),
                    epochMillis,
                    field(f[2]),
                    field(f[3]),
                    field(f[4]),
                    name(REASONS, field(f[5])),
                    field(f[6]),
                    field(f[7]),
                    seq == null ? null : Integer.valueOf(seq),
                    field(f[9]),
                    field(f[10]));
        }

        public Instant time() {
            return Instant.ofEpochMilli(epochMillis);
        }

        /** The roll-up code of this entry: the kind, and for a refusal its reason. */
        String rollupCode() {
            return kind == Kind.REFUSED ? kind.code + code(REASONS, reason) : kind.code;
        }
    }

    /** One field of the daily roll-up: entries of {@code kind} ({@code reason}) of {@code account} on {@code day}. */
    public record Rollup(LocalDate day, String account, Kind kind, String reason, long count) {}

    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

    private final Supplier<RedisClusterAsyncCommands<String, String>> redis;
    private final SuppressionStore list;
    private final Duration detail;
    private final int maxDetail;

    /**
     * @param redis     the commands to use (the calling event loop's own connection where it has one)
     * @param list      where each number's bucket comes from (the ledger shares its hash tag)
     * @param detail    how long detail is kept
     * @param maxDetail the most detail entries per number
     */
    public EvidenceLedger(
            Supplier<RedisClusterAsyncCommands<String, String>> redis,
            SuppressionStore list,
            Duration detail,
            int maxDetail) {
        this.redis = redis;
        this.list = list;
        this.detail = detail;
        this.maxDetail = maxDetail;
    }

    public Duration detail() {
        return detail;
    }

    public int maxDetail() {
        return maxDetail;
    }

    /** What stands for {@code digits} in Redis (its key in privacy mode hmac, docs/privacy.md). */
    public String keyOf(String digits) {
        return list.keyOf(digits);
    }

    public String detailKey(String digits) {
        return RedisKeys.refusalLedger(list.bucket(digits), list.keyOf(digits));
    }

    public String rollupKey(String digits) {
        return RedisKeys.refusalRollup(list.bucket(digits), list.keyOf(digits));
    }

    public String confirmationKey(String digits) {
        return RedisKeys.confirmations(list.bucket(digits), list.keyOf(digits));
    }

    /**
     * Records a refusal or relay of {@code digits} ({@link Kind#REFUSED}, {@link Kind#RELAYED_UNCHECKED},
     * {@link Kind#RELAYED}): one script adds it, trims the number's detail and bumps its roll-up.
     * Completes with the number of detail entries kept.
     */
    public CompletionStage<Long> record(String digits, Entry entry) {
        if (entry.kind() != Kind.REFUSED && entry.kind() != Kind.RELAYED_UNCHECKED && entry.kind() != Kind.RELAYED) {
            throw new IllegalArgumentException("not a refusal or relay: " + entry.kind());
        }
        long cutoff = entry.epochMillis() - detail.toMillis();
        String day = DAY.format(entry.time().atZone(ZoneOffset.UTC).toLocalDate());
        StringBuilder roll = new StringBuilder(day).append('|');
        escape(entry.account() == null ? "" : entry.account(), roll);
        roll.append('|').append(entry.rollupCode());
        return redis.get()
                .<List<Object>>eval(
                        RECORD,
                        ScriptOutputType.MULTI,
                        new String[] {detailKey(digits), rollupKey(digits)},
                        Long.toString(entry.epochMillis()),
                        entry.encode(nonce()),
                        roll.toString(),
                        Long.toString(cutoff),
                        Integer.toString(maxDetail),
                        Long.toString(detail.toMillis()))
                .thenApply(r -> (Long) r.get(0));
    }

    /** Records a confirmation, its receipt or its failure ({@code gw:c:{B}:DIGITS}, kept forever). */
    public CompletionStage<Long> recordConfirmation(String digits, Entry entry) {
        if (entry.kind() != Kind.CONFIRMATION
                && entry.kind() != Kind.CONFIRMATION_RECEIPT
                && entry.kind() != Kind.CONFIRMATION_FAILED) {
            throw new IllegalArgumentException("not a confirmation: " + entry.kind());
        }
        return redis.get().zadd(confirmationKey(digits), (double) entry.epochMillis(), entry.encode(nonce()));
    }

    /** The number's detail entries, oldest first. */
    public CompletionStage<List<Entry>> detail(String digits) {
        return redis.get().zrangeWithScores(detailKey(digits), 0, -1).thenApply(EvidenceLedger::entries);
    }

    /** The number's confirmations and their receipts, oldest first. */
    public CompletionStage<List<Entry>> confirmations(String digits) {
        return redis.get().zrangeWithScores(confirmationKey(digits), 0, -1).thenApply(EvidenceLedger::entries);
    }

    /** The number's daily roll-up, by day, account and code. */
    public CompletionStage<List<Rollup>> rollups(String digits) {
        return redis.get().hgetall(rollupKey(digits)).thenApply(EvidenceLedger::rollups);
    }

    private static List<Entry> entries(List<ScoredValue<String>> page) {
        List<Entry> out = new ArrayList<>(page.size());
        for (ScoredValue<String> sv : page) {
            out.add(Entry.decode(sv.getValue(), (long) sv.getScore()));
        }
        return out;
    }

    static List<Rollup> rollups(Map<String, String> all) {
        List<Rollup> out = new ArrayList<>(all.size());
        all.forEach((field, count) -> {
            String[] f = field.split("\\|", -1);
            if (f.length != 3 || f[2].isEmpty()) {
                return; // not written by this class
            }
            Kind kind = Kind.ofCode(f[2].substring(0, 1));
            String reason = kind == Kind.REFUSED ? name(REASONS, f[2].substring(1)) : null;
            out.add(new Rollup(LocalDate.parse(f[0], DAY), unescape(f[1]), kind, reason, Long.parseLong(count)));
        });
        out.sort((a, b) -> a.day().compareTo(b.day()) != 0
                ? a.day().compareTo(b.day())
                : (a.account() + a.kind() + a.reason()).compareTo(b.account() + b.kind() + b.reason()));
        return out;
    }

    private static String nonce() {
        return Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
    }

    /** The stored code of {@code name} in {@code table}; a name not listed is stored as is. */
    private static String code(String[][] table, String name) {
        if (name == null) {
            return null;
        }
        for (String[] r : table) {
            if (r[1].equals(name)) {
                return r[0];
            }
        }
        return name;
    }

    private static String name(String[][] table, String code) {
        if (code == null) {
            return null;
        }
        for (String[] r : table) {
            if (r[0].equals(code)) {
                return r[1];
            }
        }
        return code;
    }

    private static String field(String raw) {
        return raw.isEmpty() ? null : unescape(raw);
    }

    private static void escape(String s, StringBuilder out) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '|') {
                out.append("%7C");
            } else if (c == '%') {
                out.append("%25");
            } else {
                out.append(c);
            }
        }
    }

    private static String unescape(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        return s.replace("%7C", "|").replace("%25", "%");
    }
}
