package io.optoutgw.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * One number's timeline (JSON body of {@code GET /api/trace/{number}}): its consent events, the
 * gateway's confirmations with their SMSC message ids and receipts, and every refusal and recorded
 * relay of a message to it, oldest first, each line typed. See docs/admin.md, "Trace".
 *
 * @param number             E.164 with '+'
 * @param ledger             whether the evidence ledger is kept ({@code evidence.enabled}); when not,
 *                           the trace holds the audit trail only
 * @param detailSince        refusals and relays before this time are no longer in detail: only their
 *                           daily counts ({@code rollup} lines) remain
 * @param violations         relayed messages (recorded in detail) that an opt-out in force covered
 *                           when they were relayed: each is a line with {@code violation: true}
 * @param possibleViolations relays counted only in roll-ups (their detail was trimmed) on a day on
 *                           which an opt-out that may have covered them was in force
 * @param refused            refused destinations counted, in detail and roll-ups
 * @param lines              the timeline, oldest first
 * @param truncated          {@code limit} cut the lines (counts above still cover everything)
 */
public record NumberTrace(
        String number,
        boolean ledger,
        Instant detailSince,
        long violations,
        long possibleViolations,
        long refused,
        List<Line> lines,
        boolean truncated) {

    /** Line types. */
    public static final String CONFIRMATION = "confirmation";

    public static final String CONFIRMATION_FAILED = "confirmation_failed";
    public static final String CONFIRMATION_RECEIPT = "confirmation_receipt";
    public static final String REFUSED = "refused";
    public static final String RELAYED = "relayed";
    public static final String RELAYED_UNCHECKED = "relayed_unchecked";
    public static final String ROLLUP = "rollup";

    /**
     * One line. Fields that do not apply are left out of the JSON.
     *
     * @param time         when
     * @param type         a consent event's type in lower case (opt_out, opt_in, admin_add,
     *                     admin_remove, narrowed, help, reason); confirmation, confirmation_failed,
     *                     confirmation_receipt (a receipt whose reply is not listed); refused,
     *                     relayed_unchecked (passed while the list could not be read), relayed (a
     *                     number the check saw an entry for); rollup (counts whose detail was trimmed)
     * @param command      a refused or relayed message's request: submit_sm, data_sm or submit_multi
     * @param account      the ESME account (a consent event: the account owning the short code)
     * @param sender       the message's sender (a consent event, a confirmation: the short code)
     * @param category     the consent category of the event or of the message
     * @param scope        a consent event's scope; for an opt-out refusal the entry that refused it
     * @param reason       why: a refusal's reason (suppressed, fail_closed, quiet_hours, frequency_cap,
     *                     no_instruction, schedule), a consent event's reason, a reply's kind
     *                     (opt_out, opt_in, help, clarify) or why it failed
     * @param status       the command_status the ESME got
     * @param sequence     the ESME's sequence number of the submit
     * @param messageId    the message id: the SMSC's for a confirmation, the gateway's own under
     *                     {@code refusal: receipt}
     * @param receipt      a confirmation's receipt state (DELIVRD, UNDELIV, ...) or REJECTD for a
     *                     refusal answered with a receipt
     * @param receiptAt    when a confirmation's receipt came back
     * @param receiptError a receipt's err code
     * @param eventId      a consent event's id; for a confirmation the event it answers
     * @param source       a consent event's source
     * @param keyword      a consent event's keyword
     * @param actor        an administrative change's actor
     * @param violation    true on a relay that an opt-out in force covered
     * @param violates     the opt-out it violated: event id and scope
     * @param kind         a roll-up's kind (refused, relayed_unchecked, relayed)
     * @param count        a roll-up's count of entries no longer in detail
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Line(
            Instant time,
            String type,
            String command,
            String account,
            String sender,
            String category,
            String scope,
            String reason,
            String status,
            Integer sequence,
            String messageId,
            String receipt,
            Instant receiptAt,
            String receiptError,
            String eventId,
            String source,
            String keyword,
            String actor,
            Boolean violation,
            String violates,
            String kind,
            Long count) {}
}
