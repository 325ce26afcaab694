package io.optoutgw.http;

import com.fasterxml.jackson.annotation.JsonInclude;

/** JSON request and error bodies of the admin API (the answers are the records of {@code io.optoutgw.admin}). */
public final class ApiBodies {

    private ApiBodies() {}

    /**
     * Body of {@code POST /api/suppressions}.
     *
     * @param number E.164 with '+', or a national number read in the {@code region} query parameter (default US)
     * @param scope  global, account:ACCOUNT, sender:ACCOUNT:SENDER (or g, a:ACCOUNT, s:ACCOUNT:SENDER); default global
     * @param reason why (audited)
     * @param actor  who (audited); default "api"
     * @param category one of the scope's account's categories, or all (default: all)
     * @param source where the request comes from: admin (default), api (another channel),
     *               external_list or deactivation
     * @param receivedAt when the person asked in the other channel (ISO-8601 instant; not in the future)
     */
    public record AddRequest(
            String number,
            String scope,
            String reason,
            String actor,
            String category,
            String source,
            String receivedAt) {
        /** A request of an operator. */
        public AddRequest(String number, String scope, String reason, String actor, String category) {
            this(number, scope, reason, actor, category, null, null);
        }
    }

    /**
     * Answer to {@code GET /api}: the token works; which gateway instance answered; for an
     * account's token its name, account and role (left out for the global admin token).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Hello(String api, String instance, String token, String account, String role) {
        public Hello(String api, String instance) {
            this(api, instance, null, null, null);
        }
    }

    /**
     * Body of {@code POST /api/tokens}.
     *
     * @param account the account the token acts for (a configured one)
     * @param role    viewer, operator, compliance or admin
     * @param name    the token's name (letters, digits, '.', '-'); default: the account and a random suffix
     */
    public record TokenRequest(String account, String role, String name) {}

    /** Body of every error answer: one line for the operator. */
    public record ErrorBody(String error) {}
}
