package io.optoutgw.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Reads YAML into a tree whose scalars keep their text exactly as written: YAML 1.1 would read
 * {@code 012345} as octal 5349 and {@code no} as false, which must not happen to a short code or a
 * password. Binding then converts the text to the type each setting needs.
 */
final class YamlTree {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private YamlTree() {}

    /** The document's root node, or {@code null} for an empty document. */
    static JsonNode read(ObjectMapper yamlMapper, String yaml) throws IOException {
        try (JsonParser p = yamlMapper.createParser(yaml)) {
            JsonToken t = p.nextToken();
            return t == null ? null : value(p, "");
        }
    }

    private static JsonNode value(JsonParser p, String path) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT:
                ObjectNode obj = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonLocation at = p.currentTokenLocation();
                    String childPath = path.isEmpty() ? name : path + "." + name;
                    if (obj.has(name)) {
                        throw new ConfigException(
                                childPath,
                                "appears twice (again at line " + at.getLineNr() + ", column " + at.getColumnNr()
                                        + ")");
                    }
                    p.nextToken();
                    obj.set(name, value(p, childPath));
                }
                return obj;
            case START_ARRAY:
                ArrayNode arr = NODES.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    arr.add(value(p, path + "[" + arr.size() + "]"));
                }
                return arr;
            case VALUE_NULL:
                return NODES.nullNode();
            default:
                // strings, numbers, booleans: the text as written
                return NODES.textNode(p.getText());
        }
    }
}
