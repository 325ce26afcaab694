package io.optoutgw.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Settings given on the command line (or environment) that win over the config file; every
 * field is nullable, meaning "keep the file's value". Malformed values fail here, naming the flag.
 *
 * @param smppPort          {@code --smpp-port}: {@code smpp.port}
 * @param httpPort          {@code --http-port}: {@code http.port} (-1 disables the listener)
 * @param upstream          {@code --upstream HOST:PORT} (or {@code [::1]:2775}): host and port of
 *                          {@code upstreams[0]}, created if the file has none; also disables the simulator
 * @param upstreamSystemId  {@code --upstream-system-id}: {@code upstreams[0].systemId}
 * @param upstreamPassword  {@code --upstream-password}: {@code upstreams[0].password}
 * @param accounts          {@code --account SYSTEM_ID:PASSWORD[:SHORTCODE,...]}, repeatable: replaces
 *                          the file's accounts (null or empty keeps them)
 * @param redisUri          {@code --redis}: {@code redis.uri}
 * @param instanceId        {@code --instance-id}: {@code instanceId} (e.g. the Kubernetes pod name)
 */
public record ConfigOverrides(
        Integer smppPort,
        Integer httpPort,
        String upstream,
        String upstreamSystemId,
        String upstreamPassword,
        List<String> accounts,
        String redisUri,
        String instanceId) {

    /** No overrides: the file is used as written. */
    public static final ConfigOverrides NONE = new ConfigOverrides(null, null, null, null, null, null, null, null);

    static final String ACCOUNT_FORMAT = "SYSTEM_ID:PASSWORD[:SHORTCODE,...]";

    /** A parsed {@code --upstream} value. */
    record HostPort(String host, int port) {}

    /** A parsed {@code --account} value. */
    record AccountSpec(String systemId, String password, List<String> numbers) {}

    /** Overrides without {@code --instance-id}. */
    public ConfigOverrides(
            Integer smppPort,
            Integer httpPort,
            String upstream,
            String upstreamSystemId,
            String upstreamPassword,
            List<String> accounts,
            String redisUri) {
        this(smppPort, httpPort, upstream, upstreamSystemId, upstreamPassword, accounts, redisUri, null);
    }

    public ConfigOverrides {
        if (smppPort != null) {
            ConfigChecks.port("--smpp-port", smppPort, true);
        }
        if (httpPort != null && httpPort != -1) {
            ConfigChecks.port("--http-port", httpPort, true);
        }
        notBlankIfSet("--upstream-system-id", upstreamSystemId);
        notBlankIfSet("--redis", redisUri);
        notBlankIfSet("--instance-id", instanceId);
        instanceId = instanceId == null ? null : instanceId.trim();
        accounts = accounts == null ? null : List.copyOf(accounts);
        if (upstream != null) {
            parseHostPort(upstream);
        }
        if (accounts != null) {
            accounts.forEach(ConfigOverrides::parseAccount);
        }
    }

    /** The parsed {@link #upstream}, or {@code null} if not given. */
    HostPort upstreamAddress() {
        return upstream == null ? null : parseHostPort(upstream);
    }

    /** The parsed {@link #accounts}, empty if none given. */
    List<AccountSpec> accountSpecs() {
        List<AccountSpec> specs = new ArrayList<>();
        if (accounts != null) {
            accounts.forEach(a -> specs.add(parseAccount(a)));
        }
        return specs;
    }

    @Override
    public String toString() {
        // never print passwords
        return "ConfigOverrides[smppPort=" + smppPort + ", httpPort=" + httpPort + ", upstream=" + upstream
                + ", upstreamSystemId=" + upstreamSystemId + ", accounts="
                + accountSpecs().stream().map(AccountSpec::systemId).toList() + ", redisUri=" + redisUri
                + ", instanceId=" + instanceId + "]";
    }

    private static void notBlankIfSet(String flag, String value) {
        if (value != null && value.isBlank()) {
            throw new ConfigException(flag, "must not be blank");
        }
    }

    static HostPort parseHostPort(String value) {
        String v = value.trim();
        String host;
        String port;
        if (v.startsWith("[")) {
            int close = v.indexOf(']');
            if (close < 0 || close + 1 >= v.length() || v.charAt(close + 1) != ':') {
                throw badUpstream(value);
            }
            host = v.substring(1, close);
            port = v.substring(close + 2);
        } else {
            int colon = v.lastIndexOf(':');
            if (colon < 0 || v.indexOf(':') != colon) {
                throw badUpstream(value);
            }
            host = v.substring(0, colon);
            port = v.substring(colon + 1);
        }
        if (host.isBlank() || !port.matches("\\d{1,5}")) {
            throw badUpstream(value);
        }
        int p = Integer.parseInt(port);
        if (p < 1 || p > 65535) {
            throw new ConfigException("--upstream", "port must be 1..65535, got " + p);
        }
        return new HostPort(host, p);
    }

    private static ConfigException badUpstream(String value) {
        return new ConfigException("--upstream", "expected HOST:PORT, got '" + value + "'");
    }

    static AccountSpec parseAccount(String value) {
        String[] parts = value.split(":", 3);
        if (parts.length < 2 || parts[0].isBlank() || parts[1].isEmpty()) {
            throw badAccount(parts);
        }
        List<String> numbers = new ArrayList<>();
        if (parts.length == 3) {
            for (String n : parts[2].split(",", -1)) {
                if (n.isBlank()) {
                    throw badAccount(parts);
                }
                numbers.add(n.trim());
            }
        }
        return new AccountSpec(parts[0].trim(), parts[1], List.copyOf(numbers));
    }

    private static ConfigException badAccount(String[] parts) {
        // echo the value with its password masked
        StringBuilder shown = new StringBuilder(parts[0]);
        if (parts.length > 1) {
            shown.append(':').append(parts[1].isEmpty() ? "" : "***");
        }
        if (parts.length > 2) {
            shown.append(':').append(parts[2]);
        }
        return new ConfigException("--account", "expected " + ACCOUNT_FORMAT + ", got '" + shown + "'");
    }
}
