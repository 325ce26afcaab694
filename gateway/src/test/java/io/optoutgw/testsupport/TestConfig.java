package io.optoutgw.testsupport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.optoutgw.config.ConfigLoader;
import io.optoutgw.config.ConfigOverrides;
import io.optoutgw.config.GatewayConfig;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A gateway configuration built for a test as a YAML tree, edited by path instead of by text:
 * {@code TestConfig.of(yaml).set("accounts[0].password", "no").remove("instanceId").parse()}.
 * Paths are dotted keys with {@code [i]} for list entries ({@code relay.window},
 * {@code upstreams[0].host}); missing mappings on the way are created. Every edit returns a new
 * configuration, so a shared base stays as it was.
 */
public final class TestConfig {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Pattern STEP = Pattern.compile("([^.\\[\\]]+)|\\[(\\d+)]");

    private final ObjectNode root;

    private TestConfig(ObjectNode root) {
        this.root = root;
    }

    /** The configuration written as {@code yaml} (a mapping at the top level; empty text is an empty mapping). */
    public static TestConfig of(String yaml) {
        try {
            JsonNode tree = YAML.readTree(yaml);
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                return new TestConfig(JsonNodeFactory.instance.objectNode());
            }
            if (!(tree instanceof ObjectNode o)) {
                throw new IllegalArgumentException("not a mapping at the top level: " + yaml);
            }
            return new TestConfig(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code path} set to {@code value}: a string, number, boolean, list, or YAML given by {@link #yaml}. */
    public TestConfig set(String path, Object value) {
        ObjectNode copy = root.deepCopy();
        Parent p = walk(copy, path, true);
        p.put(toNode(value));
        return new TestConfig(copy);
    }

    /** {@link #set} unless the configuration already has {@code path}. */
    public TestConfig setIfAbsent(String path, Object value) {
        return has(path) ? this : set(path, value);
    }

    /** Without {@code path} (no change if it is absent). */
    public TestConfig remove(String path) {
        ObjectNode copy = root.deepCopy();
        Parent p = walk(copy, path, false);
        if (p != null) {
            p.remove();
        }
        return new TestConfig(copy);
    }

    /** Whether {@code path} is present. */
    public boolean has(String path) {
        Parent p = walk(root, path, false);
        return p != null && p.get() != null;
    }

    /** The YAML text of this configuration. */
    public String toYaml() {
        try {
            return YAML.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parsed and validated by the gateway's own loader. */
    public GatewayConfig parse() {
        return ConfigLoader.parse(toYaml(), ConfigOverrides.NONE);
    }

    @Override
    public String toString() {
        return toYaml();
    }

    /** A YAML fragment to {@link #set} as a whole mapping or list: {@code yaml("{ window: 10 }")}. */
    public static JsonNode yaml(String fragment) {
        try {
            return YAML.readTree(fragment);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode toNode(Object value) {
        if (value instanceof JsonNode n) {
            return n.deepCopy();
        }
        return YAML.valueToTree(value);
    }

    /** The container holding the path's last step, and that step. */
    private record Parent(JsonNode container, String key, int index) {
        JsonNode get() {
            return key != null ? container.get(key) : container.get(index);
        }

        void put(JsonNode value) {
            if (key != null) {
                ((ObjectNode) container).set(key, value);
            } else {
                ArrayNode a = (ArrayNode) container;
                while (a.size() <= index) {
                    a.addNull();
                }
                a.set(index, value);
            }
        }

        void remove() {
            if (key != null) {
                ((ObjectNode) container).remove(key);
            } else if (index < container.size()) {
                ((ArrayNode) container).remove(index);
            }
        }
    }

    private static Parent walk(JsonNode root, String path, boolean create) {
        List<Object> steps = steps(path);
        JsonNode node = root;
        for (int i = 0; i < steps.size() - 1; i++) {
            Object step = steps.get(i);
            boolean nextIsIndex = steps.get(i + 1) instanceof Integer;
            JsonNode child = step instanceof String k ? node.get(existingKey(node, k)) : node.get((Integer) step);
            if (child == null || child.isNull()) {
                if (!create) {
                    return null;
                }
                child = nextIsIndex ? JsonNodeFactory.instance.arrayNode() : JsonNodeFactory.instance.objectNode();
                new Parent(
                                node,
                                step instanceof String k ? existingKey(node, k) : null,
                                step instanceof Integer n ? n : -1)
                        .put(child);
            }
            node = child;
        }
        Object last = steps.get(steps.size() - 1);
        if (last instanceof String k) {
            if (!(node instanceof ObjectNode)) {
                throw new IllegalArgumentException(path + ": not a mapping before " + k);
            }
            return new Parent(node, existingKey(node, k), -1);
        }
        if (!(node instanceof ArrayNode)) {
            throw new IllegalArgumentException(path + ": not a list before [" + last + "]");
        }
        return new Parent(node, null, (Integer) last);
    }

    /** The key as the configuration spells it ({@code optOut} or {@code optout}), else {@code key}. */
    private static String existingKey(JsonNode node, String key) {
        if (node instanceof ObjectNode o && !o.has(key)) {
            for (var names = o.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (name.equalsIgnoreCase(key)) {
                    return name;
                }
            }
        }
        return key;
    }

    private static List<Object> steps(String path) {
        List<Object> steps = new ArrayList<>();
        Matcher m = STEP.matcher(path);
        int at = 0;
        while (m.find()) {
            if (m.start() != at && path.charAt(at) != '.') {
                throw new IllegalArgumentException("bad path: " + path);
            }
            steps.add(m.group(1) != null ? m.group(1) : (Object) Integer.valueOf(m.group(2)));
            at = m.end();
        }
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("empty path");
        }
        return steps;
    }
}
