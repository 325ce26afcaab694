package io.optoutgw.config;

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
        EvidenceConfig evidence) {

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
        ConfigChecks.present("evidence", evidence);
        ConfigChecks.unique(
                "upstreams", upstreams.stream().map(UpstreamConfig::name).toList());
        ConfigChecks.unique(
                "accounts", accounts.stream().map(AccountConfig::systemId).toList());
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

    /** The account with this system_id, or {@code null}. */
    public AccountConfig account(String systemId) {
        for (AccountConfig a : accounts) {
            if (a.systemId().equals(systemId)) {
                return a;
            }
        }
        return null;
    }
}
