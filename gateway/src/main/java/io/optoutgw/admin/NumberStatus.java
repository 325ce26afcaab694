package io.optoutgw.admin;

import io.optoutgw.suppression.ConsentEvent;
import java.time.Instant;
import java.util.List;

/**
 * What the list says about one number (JSON body of {@code GET /api/suppressions/{number}}): its
 * state in every scope that has an entry (with its category), and its audit trail, oldest first.
 *
 * @param number     E.164 with '+'
 * @param suppressed whether any scope suppresses it
 */
public record NumberStatus(String number, boolean suppressed, List<ScopeStatus> scopes, List<ConsentEvent> history) {

    /**
     * One scope of a number.
     *
     * @param scope      long form (global, account:ACME, sender:ACME:12345)
     * @param code       compact form as stored (g, a:ACME, s:ACME:12345)
     * @param suppressed true = opted out, false = opted back in
     * @param since      when it last changed
     * @param category   the consent category the entry is about, or {@code all} (every category:
     *                   the entries of accounts without categories, STOPALL, revoke-all, and every
     *                   entry recorded before categories existed)
     * @param source     the source of the event that set the entry ({@code ConsentEvent.Source} code, or
     *                   {@code unknown} for one recorded before sources existed); {@code null} when the
     *                   audit trail holds no such event
     * @param fromPerson whether the entry is an opt-out the person sent themselves: removing it needs
     *                   a START from them, a consent evidence reference or an override (the
     *                   re-subscribe guard)
     */
    public record ScopeStatus(
            String scope,
            String code,
            boolean suppressed,
            Instant since,
            String category,
            String source,
            boolean fromPerson) {}
}
