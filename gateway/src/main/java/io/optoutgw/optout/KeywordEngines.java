package io.optoutgw.optout;

import io.optoutgw.config.AccountConfig;
import io.optoutgw.config.KeywordLists;
import io.optoutgw.config.MatchMode;
import io.optoutgw.config.OptOutPolicy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The keyword engine for each account and short code: the account's mode with its lists (or a
 * short code's own lists), a missing list keeping its defaults. Built once per policy and cached
 * (a configuration reload's new policy builds it again).
 */
final class KeywordEngines {

    /** Each engine with the policy it was built from: a reloaded policy (another object) builds a new one. */
    private final Map<String, Built> engines = new ConcurrentHashMap<>();

    private record Built(OptOutPolicy policy, KeywordEngine engine) {}

    /** The engine for MO sent to {@code sender} of {@code account} ({@code null}: no owner, defaults). */
    KeywordEngine forSender(AccountConfig account, String sender) {
        if (account == null) {
            return engines.computeIfAbsent("", n -> new Built(null, KeywordEngine.defaults(MatchMode.EXACT)))
                    .engine();
        }
        OptOutPolicy p = account.optOut();
        KeywordLists own = sender == null ? null : p.senderKeywords().get(sender);
        String key = account.systemId() + (own == null ? "" : "/" + sender);
        KeywordLists lists = own != null ? own : p.keywords();
        Built b = engines.get(key);
        if (b == null || b.policy() != p) {
            b = new Built(p, build(p, lists));
            engines.put(key, b);
        }
        return b.engine();
    }

    private static KeywordEngine build(OptOutPolicy p, KeywordLists lists) {
        KeywordConfig defaults = KeywordConfig.defaults().withMode(p.keywordMode());
        if (lists == null) {
            return new KeywordEngine(defaults);
        }
        return new KeywordEngine(new KeywordConfig(
                p.keywordMode(),
                lists.optOut() != null ? lists.optOut() : defaults.optOut(),
                lists.optIn() != null ? lists.optIn() : defaults.optIn(),
                lists.help() != null ? lists.help() : defaults.help()));
    }
}
