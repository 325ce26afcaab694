package io.optoutgw.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads {@code gateway.yaml}, applies command-line overrides and builds a validated
 * {@link GatewayConfig}; every problem surfaces as one {@link ConfigException} naming its key.
 */
public final class ConfigLoader {

    private static final ObjectMapper MAPPER = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .withCoercionConfigDefaults(c -> c.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
            .addModule(new SimpleModule("gateway-config")
                    .addDeserializer(Duration.class, new DurationDeserializer())
                    .addDeserializer(int.class, new IntDeserializer(true))
                    .addDeserializer(Integer.class, new IntDeserializer(false)))
            .build();

    private ConfigLoader() {}

    /** Reads and validates the YAML file at {@code file}. */
    public static GatewayConfig load(Path file, ConfigOverrides overrides) {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config", "cannot read " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new ConfigException("config", "cannot read " + file + ": permission denied");
        } catch (CharacterCodingException e) {
            throw new ConfigException("config", "cannot read " + file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException("config", "cannot read " + file + ": " + e.getMessage());
        }
        return parse(yaml, file.toString(), overrides);
    }

    /** Parses and validates YAML text. */
    public static GatewayConfig parse(String yaml, ConfigOverrides overrides) {
        return parse(yaml, null, overrides);
    }

    private static GatewayConfig parse(String yaml, String source, ConfigOverrides overrides) {
        ObjectNode root = readTree(yaml, source);
        OverridesApplier.apply(root, overrides == null ? ConfigOverrides.NONE : overrides);
        applySectionDefaults(root);
        rejectEmptyListEntries(root, "");
        try {
            return MAPPER.treeToValue(root, GatewayConfig.class);
        } catch (JsonMappingException e) {
            throw JacksonErrors.translate(e);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ConfigException("config", String.valueOf(e.getMessage()));
        }
    }

    private static ObjectNode readTree(String yaml, String source) {
        String in = source == null ? "" : " in " + source;
        JsonNode tree;
        try {
            tree = YamlTree.read(MAPPER, yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException("config", "invalid YAML" + in + syntaxProblem(e));
        } catch (IOException e) {
            throw new ConfigException("config", "cannot read YAML" + in + ": " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            throw new ConfigException("config", "the configuration" + in + " is empty");
        }
        if (!(tree instanceof ObjectNode root)) {
            throw new ConfigException(
                    "config",
                    "expected a mapping of settings at the top level" + in + ", got " + NodeKinds.describe(tree));
        }
        return root;
    }

    /** {@code " at line 3, column 7: mapping values are not allowed here"}. */
    private static String syntaxProblem(JsonProcessingException e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof MarkedYAMLException y && y.getProblemMark() != null) {
                Mark m = y.getProblemMark();
                return " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + ": "
                        + (y.getContext() == null ? "" : y.getContext() + ": ") + y.getProblem();
            }
        }
        JsonLocation at = e.getLocation();
        String where =
                at == null || at.getLineNr() < 0 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return where + ": "
                + e.getOriginalMessage().lines().findFirst().orElse("").trim();
    }

    /**
     * Optional sections may be left out, and a left-out port means the default port, not 0
     * (which the records read as "pick a free port").
     */
    private static void applySectionDefaults(ObjectNode root) {
        defaultPort(root, "smpp", SmppServerConfig.DEFAULT_PORT);
        defaultPort(root, "http", HttpConfig.DEFAULT_PORT);
        for (String optionalSection : new String[] {"suppression", "optout", "evidence"}) {
            if (!root.hasNonNull(optionalSection)) {
                root.putObject(optionalSection);
            }
        }
        if (!root.hasNonNull("relay")) {
            root.putObject("relay");
        }
        if (!root.hasNonNull("simulator")) {
            root.putObject("simulator").put("enabled", false);
        }
    }

    private static void defaultPort(ObjectNode root, String section, int port) {
        JsonNode node = root.get(section);
        if (node == null || node.isNull()) {
            root.putObject(section).put("port", port);
        } else if (node instanceof ObjectNode obj && !obj.hasNonNull("port")) {
            obj.put("port", port);
        }
    }

    /** {@code - } with nothing after it is a null list entry; name it instead of failing obscurely. */
    private static void rejectEmptyListEntries(JsonNode node, String path) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode child = node.get(i);
                String p = path + "[" + i + "]";
                if (child.isNull()) {
                    throw new ConfigException(p, "empty list entry");
                }
                rejectEmptyListEntries(child, p);
            }
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                rejectEmptyListEntries(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey());
            }
        }
    }

    /** Parses a duration the way the configuration does ("500ms", "5s", "2m", "72h", "30d", ISO-8601). */
    public static Duration parseDuration(String text) {
        return DurationDeserializer.parse(text);
    }
}
