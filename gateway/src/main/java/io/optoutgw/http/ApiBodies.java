package io.optoutgw.http;

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

    /** Answer to {@code GET /api}: the token works; which gateway instance answered. */
    public record Hello(String api, String instance) {}

    /** Body of every error answer: one line for the operator. */
    public record ErrorBody(String error) {}
}
