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
 *   <tr><td>{@code gw:audit}</td><td>sorted set</td><td>the index of all audit events by time</td><td>forever</td></tr>
 *   <tr><td>{@code gw:meta:buckets}</td><td>string</td><td>the list's bucket count, fixed at first start</td><td>forever</td></tr>
 *   <tr><td>{@code gw:chains}</td><td>set</td><td>the hash chains that have checkpoints (their {@code gw:chk:CHAIN} keys)</td><td>forever</td></tr>
 *   <tr><td>{@code gw:chk:CHAIN}</td><td>sorted set</td><td>checkpoints of a hash chain of consent events (signed JSON), scored by seq</td><td>forever</td></tr>
 *   <tr><td>{@code gw:verify:last:INSTANCE}</td><td>string</td><td>the last audit verification an instance ran: time, result, findings (JSON)</td><td>until the next one</td></tr>
 *   <tr><td>{@code gw:journal:INSTANCE:applied[:{T}]}</td><td>string</td><td>the consent ledger's replay marker (one per Cluster master)</td><td>forever</td></tr>
 *   <tr><td>{@code gw:mid:UPSTREAM:MESSAGE_ID}</td><td>string</td><td>receipt routing: the account that submitted a message</td><td>{@code redis.messageIdTtl}</td></tr>
 *   <tr><td>{@code gw:pend:DIGITS}</td><td>hash</td><td>messages that may still wait at the SMSC</td><td>until they can no longer be delivered</td></tr>
 *   <tr><td>{@code gw:cat:SOURCE:DESTINATION:REF:TOTAL}</td><td>hash</td><td>parts of a concatenated MO</td><td>{@code optout.reassemblyTimeout}</td></tr>
 *   <tr><td>{@code gw:confirm:{DIGITS}:SENDER:INTENT}</td><td>string</td><td>reply deduplication</td><td>{@code optout.dedupWindow}</td></tr>
 *   <tr><td>{@code gw:clarify:{DIGITS}:SENDER}</td><td>string</td><td>a clarification awaiting its reply: the category "1" means and the opt-out's id</td><td>{@code optOut.clarifyWindow}</td></tr>
 *   <tr><td>{@code gw:reason:DIGITS:SENDER}</td><td>string</td><td>the opt-out a following free-text reason belongs to</td><td>{@code optout.reasonWindow}</td></tr>
 *   <tr><td>{@code gw:stats:relayed:YYYYMMDD}</td><td>hash</td><td>relayed messages a day, for the report</td><td>400 days</td></tr>
 *   <tr><td>{@code gw:cap:ACCOUNT:DIGITS}</td><td>string</td><td>send-time frequency cap: admission times in the last 24 h</td><td>24 h after the newest</td></tr>
 * </table>
 *
 * A hash tag ({@code {...}}) keeps keys that one script or one person touches in one Redis Cluster slot.
 */
public final class RedisKeys {

    /** The global audit index: {@code digits|eventId} scored by time in ms. */
    public static final String AUDIT_INDEX = "gw:audit";
    /** The suppression list's bucket count. */
    public static final String META_BUCKETS = "gw:meta:buckets";

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

    /** The send-time frequency cap of one number for one account. */
    public static String frequencyCap(String account, String digits) {
        return "gw:cap:" + account + ":" + digits;
    }
}
