package io.optoutgw.admin;

import java.util.List;

/**
 * Result of comparing the list with the journal and the audit trail (JSON body of
 * {@code GET /api/audit/verify}); {@code ok} when no discrepancy was found.
 *
 * @param listEntries      fields in the list (opted-in ones included)
 * @param suppressed       of which suppress
 * @param numbers          distinct numbers examined (list, audit index and journal)
 * @param auditEvents      entries of the {@code gw:audit} index
 * @param journalEvents    records in this gateway's journal
 * @param discrepancyCount all discrepancies found
 * @param discrepancies    the first {@value ListVerifier#MAX_LISTED} of them
 * @param millis           how long the check took
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
        long millis) {

    /**
     * One disagreement.
     *
     * @param kind     LIST_ENTRY_WITHOUT_EVENT, LIST_DISAGREES_WITH_EVENTS, EVENT_NOT_IN_LIST or JOURNAL_EVENT_NOT_IN_AUDIT
     * @param number   E.164 with '+'
     * @param scope    long form of the scope
     * @param list     the list's value as text ("suppressed since T", "opted in at T", "absent")
     * @param expected what the latest event implies, same form, or null
     * @param eventId  the event concerned, or null
     * @param detail   one sentence for the operator
     */
    public record Discrepancy(
            String kind, String number, String scope, String list, String expected, String eventId, String detail) {}
}
