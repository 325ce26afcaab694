package io.optoutgw.config;

import io.optoutgw.suppression.ExternalLists;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole gateway configuration, as read from {@code gateway.yaml} and overridden by CLI flags
 * and environment variables. Immutable; every part validates itself when built, so a gateway
 * never starts on a half-valid configuration.
 */
public record GatewayConfig(
        String instanceId,
        SmppServerConfig smpp,
        HttpConfig http,
        RedisConfig redis,
        RelayConfig relay,
        List<UpstreamConfig> upstreams,
        List<AccountConfig> accounts,
        SimulatorConfig simulator,
        SuppressionConfig suppression,
        OptOutConfig optout,
        FeedConfig feed,
        List<WebhookConfig> webhooks,
        EvidenceConfig evidence,
        List<ListConfig> lists,
        PrivacyConfig privacy) {

    public GatewayConfig {
        ConfigChecks.notBlank("instanceId", instanceId);
        ConfigChecks.present("smpp", smpp);
        ConfigChecks.present("http", http);
        ConfigChecks.present("redis", redis);
        ConfigChecks.present("relay", relay);
        upstreams = ConfigChecks.nonEmpty("upstreams", upstreams);
        accounts = ConfigChecks.nonEmpty("accounts", accounts);
        ConfigChecks.present("simulator", simulator);
        ConfigChecks.present("suppression", suppression);
        ConfigChecks.present("optout", optout);
        ConfigChecks.present("feed", feed);
        webhooks = webhooks == null ? List.of() : nameWebhooks(webhooks);
        evidence = evidence == null ? EvidenceConfig.defaults() : evidence;
        lists = lists == null ? List.of() : List.copyOf(lists);
        privacy = privacy == null ? PrivacyConfig.defaults() : privacy;
        ConfigChecks.unique(
                "upstreams", upstreams.stream().map(UpstreamConfig::name).toList());
        ConfigChecks.unique(
                "accounts", accounts.stream().map(AccountConfig::systemId).toList());
        checkLists(lists, accounts);
        List<String> upstreamNames =
                upstreams.stream().map(UpstreamConfig::name).toList();
        for (int i = 0; i < accounts.size(); i++) {
            for (String hop : accounts.get(i).route()) {
                if (!upstreamNames.contains(hop)) {
                    throw new ConfigException(
                            "accounts[" + i + "].route",
                            "names unknown upstream '" + hop + "' (known: " + String.join(", ", upstreamNames) + ")");
                }
            }
        }
    }

    /** Names unique, at most {@link ExternalLists#MAX_LISTS}; accounts and categories the accounts declare. */
    private static void checkLists(List<ListConfig> lists, List<AccountConfig> accounts) {
        ConfigChecks.unique("lists", lists.stream().map(ListConfig::name).toList());
        if (lists.size() > ExternalLists.MAX_LISTS) {
            throw new ConfigException("lists", "at most " + ExternalLists.MAX_LISTS + " lists, got " + lists.size());
        }
        List<String> known = accounts.stream().map(AccountConfig::systemId).toList();
        for (int i = 0; i < lists.size(); i++) {
            ListConfig l = lists.get(i);
            for (String a : l.accounts()) {
                if (!known.contains(a)) {
                    throw new ConfigException(
                            "lists[" + i + "].accounts",
                            "names unknown account '" + a + "' (known: " + String.join(", ", known) + ")");
                }
            }
            for (String c : l.categories()) {
                boolean declared = accounts.stream()
                        .filter(a -> l.accounts().isEmpty() || l.accounts().contains(a.systemId()))
                        .anyMatch(a -> a.optOut().categories().contains(c));
                if (!declared) {
                    throw new ConfigException(
                            "lists[" + i + "].categories",
                            "no account it applies to declares the category '" + c + "' (optOut.categories)");
                }
            }
        }
    }

    /** The configured list named {@code name}, or {@code null}. */
    public ListConfig list(String name) {
        for (ListConfig l : lists) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        return null;
    }

    /** The account with this system_id, or {@code null}. */
    public AccountConfig account(String systemId) {
        for (AccountConfig a : accounts) {
            if (a.systemId().equals(systemId)) {
                return a;
            }
        }
        return null;
    }

    /** Each webhook with its name (default {@code webhook-N}); names must differ. */
    private static List<WebhookConfig> nameWebhooks(List<WebhookConfig> webhooks) {
        List<WebhookConfig> named = new ArrayList<>();
        for (int i = 0; i < webhooks.size(); i++) {
            WebhookConfig w = webhooks.get(i);
            named.add(w.name() == null ? w.named("webhook-" + (i + 1)) : w);
        }
        ConfigChecks.unique("webhooks", named.stream().map(WebhookConfig::name).toList());
        return List.copyOf(named);
    }
}
