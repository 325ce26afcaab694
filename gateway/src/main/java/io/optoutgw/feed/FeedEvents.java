package io.optoutgw.feed;

import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.Scope;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a consent event reads on the feed: CloudEvents-style attributes ({@code id}, {@code type},
 * {@code time}, {@code source}) and the consent data, the number in E.164 with '+'.
 */
public final class FeedEvents {

    private FeedEvents() {}

    /**
     * The feed type of {@code e}: opt_out, opt_in, help, reason, clarification (a reply that
     * narrowed an opt-out), consent (a recorded opt-in from another channel), admin (an operator's or
     * import's change; {@code action} says which) or deactivation (a carrier's deactivation file voided an opt-in or flagged an opt-out; {@code
     * action} says which) or erased (gateway privacy erase removed the detail of the number's events).
     */
    public static String type(ConsentEvent e) {
        return switch (e.type()) {
            case OPT_OUT -> "opt_out";
            case OPT_IN -> "opt_in";
            case HELP -> "help";
            case REASON -> "reason";
            case NARROWED -> "clarification";
            case ADMIN_ADD, ADMIN_REMOVE -> "admin";
            case VOIDED, FLAGGED -> "deactivation";
            case CONSENT -> "consent";
            case ERASED -> "erased";
        };
    }

    /** The event as the feed and webhooks show it; {@code cursor} its place in the feed. */
    public static Map<String, Object> body(String cursor, ConsentEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cursor", cursor);
        m.put("id", e.id());
        m.put("type", type(e));
        if (e.type() == ConsentEvent.Type.ADMIN_ADD || e.type() == ConsentEvent.Type.ADMIN_REMOVE) {
            m.put("action", e.type() == ConsentEvent.Type.ADMIN_ADD ? "add" : "remove");
        } else if (e.type() == ConsentEvent.Type.VOIDED || e.type() == ConsentEvent.Type.FLAGGED) {
            m.put("action", e.type() == ConsentEvent.Type.VOIDED ? "opt_in_voided" : "opt_out_flagged");
        }
        m.put("time", e.time().toString());
        m.put("number", "+" + e.number());
        m.put("scope", scope(e.scope()));
        m.put("category", e.category() == null ? "all" : e.category());
        m.put("source", e.sourceLabel());
        put(m, "receivedAt", e.receivedAt() == null ? null : e.receivedAt().toString());
        put(m, "keyword", e.keyword());
        put(m, "language", e.language());
        put(m, "account", e.account());
        put(m, "sender", e.sender());
        put(m, "actor", e.actor());
        put(m, "reason", e.reason());
        m.put("instance", e.instance());
        return m;
    }

    /** {@code global}, {@code account:ACME}, {@code sender:ACME:12345}; the code itself if it does not parse. */
    static String scope(String code) {
        try {
            Scope scope = Scope.parse(code);
            if (scope instanceof Scope.Account a) {
                return "account:" + a.account();
            }
            if (scope instanceof Scope.Sender s) {
                return "sender:" + s.account() + ":" + s.sender();
            }
            return "global";
        } catch (RuntimeException ex) {
            return code;
        }
    }

    private static void put(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v);
        }
    }
}
