package io.optoutgw.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Writes {@link ConfigOverrides} into the configuration tree before it is bound to records. */
final class OverridesApplier {

    static final String DEFAULT_UPSTREAM_NAME = "upstream";

    private OverridesApplier() {}

    static void apply(ObjectNode root, ConfigOverrides o) {
        if (o.instanceId() != null) {
            root.put("instanceId", o.instanceId());
        }
        if (o.smppPort() != null) {
            object(root, "smpp").put("port", o.smppPort());
        }
        if (o.httpPort() != null) {
            object(root, "http").put("port", o.httpPort());
        }
        if (o.redisUri() != null) {
            object(root, "redis").put("uri", o.redisUri());
        }
        ConfigOverrides.HostPort address = o.upstreamAddress();
        if (address != null) {
            ObjectNode up = firstUpstream(root);
            up.put("host", address.host());
            up.put("port", address.port());
            object(root, "simulator").put("enabled", false);
        }
        if (o.upstreamSystemId() != null) {
            firstUpstream(root).put("systemId", o.upstreamSystemId());
        }
        if (o.upstreamPassword() != null) {
            firstUpstream(root).put("password", o.upstreamPassword());
        }
        if (o.accounts() != null && !o.accounts().isEmpty()) {
            ArrayNode accounts = root.putArray("accounts");
            for (ConfigOverrides.AccountSpec spec : o.accountSpecs()) {
                ObjectNode a = accounts.addObject();
                a.put("systemId", spec.systemId());
                a.put("password", spec.password());
                ArrayNode numbers = a.putArray("numbers");
                spec.numbers().forEach(numbers::add);
            }
        }
    }

    /** The child object {@code name} of {@code parent}, created (or replacing a null) if absent. */
    private static ObjectNode object(ObjectNode parent, String name) {
        JsonNode child = parent.get(name);
        if (child instanceof ObjectNode existing) {
            return existing;
        }
        if (child != null && !child.isNull()) {
            throw new ConfigException(name, "expected a mapping, got " + NodeKinds.describe(child));
        }
        return parent.putObject(name);
    }

    private static ObjectNode firstUpstream(ObjectNode root) {
        JsonNode list = root.get("upstreams");
        if (list == null || list.isNull() || (list.isArray() && list.isEmpty())) {
            ObjectNode up = root.putArray("upstreams").addObject();
            up.put("name", DEFAULT_UPSTREAM_NAME);
            return up;
        }
        if (!list.isArray()) {
            throw new ConfigException("upstreams", "expected a list, got " + NodeKinds.describe(list));
        }
        JsonNode first = list.get(0);
        if (!(first instanceof ObjectNode up)) {
            throw new ConfigException("upstreams[0]", "expected a mapping, got " + NodeKinds.describe(first));
        }
        return up;
    }
}
