package io.optoutgw.admin;

/**
 * Outcome of an administrative add or remove (JSON body of the answer): the event recorded and
 * the state of that number in that scope afterwards.
 *
 * @param number     E.164 with '+'
 * @param scope      long form of the scope
 * @param type       ADMIN_ADD or ADMIN_REMOVE
 * @param eventId    id of the audit event
 * @param suppressed whether the number is suppressed in that scope now (an older event never overrides a newer one)
 * @param category   the category the change is about, or {@code all}
 * @param source     the source recorded on the event (admin, api, external_list, deactivation)
 * @param resubscribe when the removal lifted the person's own opt-out: how it was justified
 *                   ({@code evidence} or {@code override}); {@code null} otherwise
 */
public record ChangeResult(
        String number,
        String scope,
        String type,
        String eventId,
        boolean suppressed,
        String category,
        String source,
        String resubscribe) {}
