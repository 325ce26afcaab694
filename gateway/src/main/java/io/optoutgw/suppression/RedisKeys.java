package io.optoutgw.suppression;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;

/**
 * Every Redis key the gateway reads or writes, in one place. All keys start with {@code gw:}.
 *
 * <table>
 *   <caption>The key space</caption>
 *   <tr><th>key</th><th>type</th><th>written by</th><th>lifetime</th></tr>
 *   <tr><td>{@code gw:s:{B}}</td><td>hash</td><td>the suppression list, bucket B</td><td>forever</td></tr>
 *   <tr><td>{@code gw:a:{B}:DIGITS}</td><td>sorted set</td><td>the audit trail of one number</td><td>forever</td></tr>
 *   <tr><td>{@code gw:r:{B}:DIGITS}</td><td>sorted set</td><td>the evidence ledger of one number: refused destinations and relays that matter for proof, compact entries scored by time in ms</td><td>{@code evidence.refusalDetail} (trimmed on write, at most {@code evidence.maxDetailPerNumber} entries; expires that long after the last write)</td></tr>
 *   <tr><td>{@code gw:rr:{B}:DIGITS}</td><td>hash</td><td>daily roll-up of the ledger: {@code YYYYMMDD|ACCOUNT|KIND} -> count, every entry counted, trimmed or not</td><td>forever</td></tr>
 *   <tr><td>{@code gw:c:{B}:DIGITS}</td><td>sorted set</td><td>the gateway's own replies (confirmations) to one number with their SMSC message ids and receipt states</td><td>forever</td></tr>
 *   <tr><td>{@code gw:audit}</td><td>sorted set</td><td>the index of all audit events by time (events recorded before chain version 2)</td><td>forever</td></tr>
 *   <tr><td>{@code gw:ac:{B}}</td><td>string</td><td>the compact audit trail of the numbers of list bucket B: events of chain version 2 as records of 7-bit characters (docs/evidence.md, "Chain version 2")</td><td>forever (detail dropped after {@code evidence.retention})</td></tr>
 *   <tr><td>{@code gw:ai:{ai}:MINUTE}</td><td>string</td><td>the time index of compact audit events of one minute (epoch minutes): 11-character records (ms within the minute, number)</td><td>forever</td></tr>
 *   <tr><td>{@code gw:ai:{ai}}</td><td>sorted set</td><td>the minutes that have a time index key, scored by minute</td><td>forever</td></tr>
 *   <tr><td>{@code gw:ai:{ai}:chains}</td><td>hash</td><td>the hash chains compact audit records name: tag (hex) -> chain id</td><td>forever</td></tr>
 *   <tr><td>{@code gw:meta:buckets}</td><td>string</td><td>the list's bucket count, fixed at first start</td><td>forever</td></tr>
 *   <tr><td>{@code gw:meta:privacy}</td><td>string</td><td>how numbers are keyed ({@code privacy.mode}): {@code clear}, or {@code hmac:} and a check value of the pepper, fixed at first start</td><td>forever</td></tr>
 *   <tr><td>{@code gw:chains}</td><td>set</td><td>the hash chains that have checkpoints (their {@code gw:chk:CHAIN} keys)</td><td>forever</td></tr>
 *   <tr><td>{@code gw:chk:CHAIN}</td><td>sorted set</td><td>checkpoints of a hash chain of consent events (signed JSON), scored by seq</td><td>forever</td></tr>
 *   <tr><td>{@code gw:verify:last:INSTANCE}</td><td>string</td><td>the last audit verification an instance ran: time, result, findings (JSON)</td><td>until the next one</td></tr>
 *   <tr><td>{@code gw:journal:INSTANCE:applied[:{T}]}</td><td>string</td><td>the consent ledger's replay marker (one per Cluster master)</td><td>forever</td></tr>
 *   <tr><td>{@code gw:mid:UPSTREAM:MESSAGE_ID}</td><td>string</td><td>receipt routing: the account that submitted a message</td><td>{@code redis.messageIdTtl}</td></tr>
 *   <tr><td>{@code gw:pend:DIGITS}</td><td>hash</td><td>messages that may still wait at the SMSC</td><td>until they can no longer be delivered</td></tr>
 *   <tr><td>{@code gw:cat:SOURCE:DESTINATION:REF:TOTAL}</td><td>hash</td><td>parts of a concatenated MO</td><td>{@code optout.reassemblyTimeout}</td></tr>
 *   <tr><td>{@code gw:confirm:{DIGITS}:SENDER:INTENT}</td><td>string</td><td>reply deduplication</td><td>{@code optout.dedupWindow}</td></tr>
 *   <tr><td>{@code gw:replies:{DIGITS}:SENDER}</td><td>string</td><td>reply cap: times of the gateway's own replies to a person from one sender</td><td>{@code optout.replyCap.window} after the newest</td></tr>
 *   <tr><td>{@code gw:clarify:{DIGITS}:SENDER}</td><td>string</td><td>a clarification awaiting its reply: the category "1" means and the opt-out's id</td><td>{@code optOut.clarifyWindow}</td></tr>
 *   <tr><td>{@code gw:{feed}:events}</td><td>stream</td><td>the consent event feed: every journaled event of every instance</td><td>capped at {@code feed.streamMaxLength} entries</td></tr>
 *   <tr><td>{@code gw:{feed}:published:INSTANCE}</td><td>string</td><td>the last journal sequence the instance published to the feed</td><td>forever</td></tr>
 *   <tr><td>{@code gw:{feed}:wh:NAME:cursor}</td><td>string</td><td>the feed entry up to which webhook NAME has had every event</td><td>forever</td></tr>
 *   <tr><td>{@code gw:{feed}:wh:NAME:failing}</td><td>string</td><td>the entry webhook NAME is retrying and when it first failed</td><td>until delivered or dead-lettered</td></tr>
 *   <tr><td>{@code gw:{feed}:wh:NAME:dead}</td><td>list</td><td>webhook NAME's dead letters</td><td>the newest 100,000</td></tr>
 *   <tr><td>{@code gw:{feed}:wh:NAME:lease}</td><td>string</td><td>the instance delivering to webhook NAME</td><td>15 s, renewed while it runs</td></tr>
 *   <tr><td>{@code gw:idem:KEY}</td><td>string</td><td>an inbound event's idempotency key: the id of the event it recorded</td><td>{@code feed.idempotencyWindow}</td></tr>
 *   <tr><td>{@code gw:reason:DIGITS:SENDER}</td><td>string</td><td>the opt-out a following free-text reason belongs to</td><td>{@code optout.reasonWindow}</td></tr>
 *   <tr><td>{@code gw:stats:relayed:YYYYMMDD}</td><td>hash</td><td>relayed messages a day, for the report</td><td>400 days</td></tr>
 *   <tr><td>{@code gw:tokens}</td><td>hash</td><td>API tokens of accounts: name -> JSON (account, role, SHA-256 of the token, created); never the token itself</td><td>until revoked</td></tr>
 *   <tr><td>{@code gw:config:reload}</td><td>pub/sub channel</td><td>a configuration reload on one instance asks the others to reload their files too (not a key: nothing is stored)</td><td>-</td></tr>
 *   <tr><td>{@code gw:cap:ACCOUNT:DIGITS}</td><td>string</td><td>send-time frequency cap: admission times in the last 24 h</td><td>24 h after the newest</td></tr>
 *   <tr><td>{@code gw:lists}</td><td>hash</td><td>external lists: name -> JSON of the list (kind, accounts, categories, live and previous version with count, loaded-at, checksum); the swap to a new version is one write of its field</td><td>until the list is removed</td></tr>
 *   <tr><td>{@code gw:lists:seq}</td><td>hash</td><td>external lists: name -> the last version number handed out</td><td>forever</td></tr>
 *   <tr><td>{@code gw:l:NAME:V:PREFIX}</td><td>set or string</td><td>version V of list NAME, the numbers whose digits without the last four are PREFIX: a set of the last four digits as integers (at most 512, an intset) or a 10,000-bit bitmap</td><td>until V is neither live nor previous, plus a grace period</td></tr>
 *   <tr><td>{@code gw:l:NAME:V:d}</td><td>set</td><td>the PREFIXes of version V of list NAME held as bitmaps (every other PREFIX is a set)</td><td>as the version</td></tr>
 * </table>
 *
 * DIGITS: the number's E.164 digits, or in privacy mode {@code hmac} its HMAC key (22 characters,
 * {@code NumberKeys}, docs/privacy.md); callers pass {@code SuppressionStore#keyOf} or {@code NumberKeys#of}.
 *
 * A hash tag ({@code {...}}) keeps keys that one script or one person touches in one Redis Cluster slot.
 */
public final class RedisKeys {

    /** The global audit index: {@code digits|eventId} scored by time in ms. */
    public static final String AUDIT_INDEX = "gw:audit";
    /** The suppression list's bucket count. */
    public static final String META_BUCKETS = "gw:meta:buckets";
    /** How the list keys numbers: {@code clear}, or {@code hmac:} and the pepper's check value (docs/privacy.md). */
    public static final String PRIVACY = "gw:meta:privacy";

    private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;

    private RedisKeys() {}

    /** List bucket {@code bucket} of the suppression list. */
    public static String listBucket(int bucket) {
        return "gw:s:{" + bucket + "}";
    }

    /** The audit trail of {@code digits}, in list bucket {@code bucket} (same hash tag). */
    public static String auditTrail(int bucket, String digits) {
        return "gw:a:{" + bucket + "}:" + digits;
    }

    /** The compact audit trail of list bucket {@code bucket} (same hash tag as the bucket). */
    public static String auditCompact(int bucket) {
        return "gw:ac:{" + bucket + "}";
    }

    /** The minutes that have a compact time index key ({@link #auditSlice}). */
    public static final String AUDIT_SLICES = "gw:ai:{ai}";

    /** The chains named by compact audit records: their tag (hex) -> chain id (one slot with {@link #AUDIT_SLICES}). */
    public static final String AUDIT_CHAINS = "gw:ai:{ai}:chains";

    /** The compact time index of the events of {@code minute} (epoch ms / 60,000); one slot with {@link #AUDIT_SLICES}. */
    public static String auditSlice(long minute) {
        return "gw:ai:{ai}:" + minute;
    }

    /** The evidence ledger of {@code digits} (refusals, relays that matter for proof), in list bucket {@code bucket}. */
    public static String refusalLedger(int bucket, String digits) {
        return "gw:r:{" + bucket + "}:" + digits;
    }

    /** The daily roll-up of the evidence ledger of {@code digits}, in list bucket {@code bucket}. */
    public static String refusalRollup(int bucket, String digits) {
        return "gw:rr:{" + bucket + "}:" + digits;
    }

    /** The gateway's own replies to {@code digits} and their receipts, in list bucket {@code bucket}. */
    public static String confirmations(int bucket, String digits) {
        return "gw:c:{" + bucket + "}:" + digits;
    }

    /** Prefix of every {@link #checkpoints} key. */
    public static final String CHECKPOINTS_PREFIX = "gw:chk:";

    /** The ids of the hash chains that have checkpoints (a set: no key-space scan needed to find them). */
    public static final String CHAINS = "gw:chains";

    /** The checkpoints of hash chain {@code chain} (docs/evidence.md), scored by seq. */
    public static String checkpoints(String chain) {
        return CHECKPOINTS_PREFIX + chain;
    }

    /** The last audit verification {@code instanceId} ran (JSON). */
    public static String lastVerify(String instanceId) {
        return "gw:verify:last:" + instanceId;
    }

    /** The consent ledger's replay marker of {@code instanceId} (on Redis Cluster, suffixed with a hash tag per master). */
    public static String journalMarker(String instanceId) {
        return "gw:journal:" + instanceId + ":applied";
    }

    /** The account that submitted {@code messageId} through {@code upstream}. */
    public static String messageId(String upstream, String messageId) {
        return "gw:mid:" + upstream + ":" + messageId;
    }

    /** The messages to {@code digits} that may still be pending at an SMSC. */
    public static String pending(String digits) {
        return "gw:pend:" + digits;
    }

    /** The parts received so far of one concatenated MO. */
    public static String concatParts(String source, String destination, int reference, int total) {
        return "gw:cat:" + source + ":" + destination + ":" + reference + ":" + total;
    }

    /** Set while a reply of {@code intent} (lower case) to {@code digits} from {@code sender} is deduplicated. */
    public static String confirmation(String digits, String sender, String intent) {
        return "gw:confirm:{" + digits + "}:" + sender + ":" + intent;
    }

    /** The consent event feed (one stream for every instance; hash tag {@code feed}). */
    public static String feedStream() {
        return "gw:{feed}:events";
    }

    /** The last journal sequence {@code instanceId} published to the feed (same slot as the stream). */
    public static String feedPublished(String instanceId) {
        return "gw:{feed}:published:" + instanceId;
    }

    /** The feed entry up to which webhook {@code name} has had every event. */
    public static String webhookCursor(String name) {
        return "gw:{feed}:wh:" + name + ":cursor";
    }

    /** The entry webhook {@code name} is retrying, and when it first failed. */
    public static String webhookFailing(String name) {
        return "gw:{feed}:wh:" + name + ":failing";
    }

    /** Webhook {@code name}'s dead letters. */
    public static String webhookDeadLetters(String name) {
        return "gw:{feed}:wh:" + name + ":dead";
    }

    /** The instance delivering to webhook {@code name}. */
    public static String webhookLease(String name) {
        return "gw:{feed}:wh:" + name + ":lease";
    }

    /** What an inbound event with idempotency key {@code key} recorded. */
    public static String idempotency(String key) {
        return "gw:idem:" + key;
    }

    /**
     * The gateway's own replies (of any intent) sent to {@code digits} from {@code sender} within
     * {@code optout.replyCap.window}: the send times, at most {@code optout.replyCap.max} of them.
     */
    public static String replyCap(String digits, String sender) {
        return "gw:replies:{" + digits + "}:" + sender;
    }

    /** A clarification sent to {@code digits} from {@code sender} that awaits its reply. */
    public static String clarification(String digits, String sender) {
        return "gw:clarify:{" + digits + "}:" + sender;
    }

    /** The id of the opt-out of {@code digits} from {@code sender} that a following free-text MO explains. */
    public static String reason(String digits, String sender) {
        return "gw:reason:" + digits + ":" + sender;
    }

    /** Relayed messages on {@code day}, by account and sender. */
    public static String relayedStats(LocalDate day) {
        return "gw:stats:relayed:" + DAY.format(day);
    }

    /** External lists: list name -> JSON of the list and its live and previous versions. */
    public static final String LISTS = "gw:lists";

    /** External lists: list name -> the last version number handed out. */
    public static final String LISTS_SEQ = "gw:lists:seq";

    /** Prefix of every key of version {@code version} of list {@code name}. */
    public static String listVersionPrefix(String name, long version) {
        return "gw:l:" + name + ":" + version + ":";
    }

    /** The numbers of version {@code version} of list {@code name} whose digits without the last four are {@code prefix}. */
    public static String listBlock(String name, long version, long prefix) {
        return listVersionPrefix(name, version) + prefix;
    }

    /** The prefixes of version {@code version} of list {@code name} held as bitmaps. */
    public static String listDenseIndex(String name, long version) {
        return listVersionPrefix(name, version) + "d";
    }

    /** SCAN pattern matching {@link #listDenseIndex} of every version of every list. */
    public static final String LIST_DENSE_INDEXES = "gw:l:*:d";

    /** The send-time frequency cap of one number for one account. */
    public static String frequencyCap(String account, String digits) {
        return "gw:cap:" + account + ":" + digits;
    }

    /** API tokens of accounts ({@code tokens create}): token name -> JSON with the token's SHA-256, never the token. */
    public static final String API_TOKENS = "gw:tokens";

    /** Pub/sub channel: an instance that reloaded its configuration asks the others sharing Redis to reload theirs. */
    public static final String CONFIG_RELOAD_CHANNEL = "gw:config:reload";
}
