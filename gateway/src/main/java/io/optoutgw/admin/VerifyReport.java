package io.optoutgw.admin;

import java.util.List;
import java.util.Map;

/**
 * Result of comparing the list with the journal and the audit trail, and of checking the hash chains
 * of both (JSON body of {@code GET /api/audit/verify}); {@code ok} when nothing was found.
 *
 * @param listEntries      fields in the list (opted-in ones included)
 * @param suppressed       of which suppress
 * @param numbers          distinct numbers examined (list, audit index and journal)
 * @param auditEvents      events the audit index lists ({@code gw:audit}, and the compact time index {@code gw:ai}
 *                         where a record a replay wrote again counts once)
 * @param journalEvents    records in this gateway's journal
 * @param discrepancyCount all findings (discrepancies of the list and of the hash chains)
 * @param discrepancies    the first {@value ListVerifier#MAX_LISTED} of them: the chains' first, then the
 *                         list's in number order
 * @param millis           how long the check took
 * @param byKind           the findings by {@link Discrepancy#kind()} (every kind, 0 included)
 * @param chain            the hash chains and their checkpoints
 */
public record VerifyReport(
        boolean ok,
        long listEntries,
        long suppressed,
        long numbers,
        long auditEvents,
        long journalEvents,
        long discrepancyCount,
        List<Discrepancy> discrepancies,
        long millis,
        Map<String, Long> byKind,
        ChainSummary chain) {

    /** A list entry that no audit or journal event explains. */
    public static final String LIST_ENTRY_WITHOUT_EVENT = "LIST_ENTRY_WITHOUT_EVENT";
    /** A list entry that contradicts the latest event of its scope. */
    public static final String LIST_DISAGREES_WITH_EVENTS = "LIST_DISAGREES_WITH_EVENTS";
    /** A latest event the list has no entry for. */
    public static final String EVENT_NOT_IN_LIST = "EVENT_NOT_IN_LIST";
    /** A journal event the audit trail in Redis lacks. */
    public static final String JOURNAL_EVENT_NOT_IN_AUDIT = "JOURNAL_EVENT_NOT_IN_AUDIT";
    /** An event whose content does not fit its hash (or is not what the gateway writes). */
    public static final String EVENT_EDITED = "EVENT_EDITED";
    /** Events missing from a chain (a gap in its seqs), or from the audit trail or its index. */
    public static final String EVENT_DELETED = "EVENT_DELETED";
    /** An event out of its place: after a later one in the journal, or scored at another time in Redis. */
    public static final String EVENT_REORDERED = "EVENT_REORDERED";
    /** An event without a link, recorded by an instance after its chain began (its link was removed). */
    public static final String EVENT_UNCHAINED = "EVENT_UNCHAINED";
    /** An event that does not link to the one before it, or two events claiming one seq. */
    public static final String CHAIN_BROKEN = "CHAIN_BROKEN";
    /** The journal's and Redis's copies of an event disagree. */
    public static final String CHAIN_COPIES_DIFFER = "CHAIN_COPIES_DIFFER";
    /** A checkpoint whose signature does not fit (forged or edited). */
    public static final String CHECKPOINT_INVALID = "CHECKPOINT_INVALID";
    /** A checkpoint that names a hash the chain does not have at its seq, or a seq beyond the chain. */
    public static final String CHECKPOINT_MISMATCH = "CHECKPOINT_MISMATCH";

    /** Every kind of finding, in the order reports list them. */
    public static final List<String> KINDS = List.of(
            LIST_ENTRY_WITHOUT_EVENT,
            LIST_DISAGREES_WITH_EVENTS,
            EVENT_NOT_IN_LIST,
            JOURNAL_EVENT_NOT_IN_AUDIT,
            EVENT_EDITED,
            EVENT_DELETED,
            EVENT_REORDERED,
            EVENT_UNCHAINED,
            CHAIN_BROKEN,
            CHAIN_COPIES_DIFFER,
            CHECKPOINT_INVALID,
            CHECKPOINT_MISMATCH);

    /**
     * One finding.
     *
     * @param kind     one of {@link #KINDS}
     * @param number   E.164 with '+' (a chain finding shows all but the last 4 digits as '*'), or null
     * @param scope    long form of the scope, or null
     * @param list     the list's value as text ("suppressed since T", "opted in at T", "absent"), or null
     * @param expected what the latest event implies, same form, or null
     * @param eventId  the event concerned, or null
     * @param detail   one sentence for the operator
     * @param where    where it was found: list, journal, redis (an audit trail), audit index; null for the
     *                 list's own discrepancies
     * @param chain    the hash chain concerned, or null
     * @param seq      the seq in that chain, or null
     */
    public record Discrepancy(
            String kind,
            String number,
            String scope,
            String list,
            String expected,
            String eventId,
            String detail,
            String where,
            String chain,
            Long seq) {

        /** A discrepancy of the list. */
        public Discrepancy(
                String kind, String number, String scope, String list, String expected, String eventId, String detail) {
            this(kind, number, scope, list, expected, eventId, detail, null, null, null);
        }
    }

    /**
     * The hash chains found (in the journal, the audit trail and the checkpoints).
     *
     * @param chains            each chain
     * @param eventsBeforeChain events without a link recorded before their instance's chain began
     *                          (journal records and audit trail members)
     * @param trustedKeys       ids of the public keys checkpoint signatures were checked with
     */
    public record ChainSummary(List<ChainStatus> chains, long eventsBeforeChain, List<String> trustedKeys) {}

    /**
     * One chain.
     *
     * @param chain             its id
     * @param redisEvents       its events in the audit trail
     * @param journalEvents     its events in this gateway's journal
     * @param lastSeq           the greatest seq seen
     * @param checkpoints       its checkpoints (journal and Redis copies)
     * @param signatureValid    of which signed with a trusted key, signature valid
     * @param unsigned          of which unsigned (no evidence.signingKey when they were written)
     * @param unknownKey        of which signed with a key not trusted here (give it with --public-key)
     * @param compactedThrough  the journal compacted its events up to this seq (0: never)
     * @param rebuiltRanges     seq ranges Redis was rebuilt from a compacted journal (after it lost data):
     *                          events missing there are counted, not reported
     * @param missingAfterRebuild events missing in those ranges
     */
    public record ChainStatus(
            String chain,
            long redisEvents,
            long journalEvents,
            long lastSeq,
            long checkpoints,
            long signatureValid,
            long unsigned,
            long unknownKey,
            long compactedThrough,
            List<String> rebuiltRanges,
            long missingAfterRebuild) {}

    /** The report's discrepancies of one kind. */
    public long count(String kind) {
        return byKind == null ? 0 : byKind.getOrDefault(kind, 0L);
    }
}
