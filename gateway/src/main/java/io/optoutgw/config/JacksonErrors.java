package io.optoutgw.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Turns Jackson binding failures into one {@link ConfigException} naming the key path. */
final class JacksonErrors {

    static final String DURATION_EXAMPLES = "a duration like 500ms, 5s, 2m";

    private JacksonErrors() {}

    static ConfigException translate(JsonMappingException e) {
        ConfigException fromRecord = findConfigException(e);
        String path = path(e.getPath());
        if (fromRecord != null) {
            return rekey(fromRecord, e.getPath());
        }
        String key = path.isEmpty() ? "config" : path;
        if (e instanceof UnrecognizedPropertyException u) {
            return new ConfigException(key, "unknown key (known: " + knownKeys(u) + ")");
        }
        if (e instanceof InvalidFormatException f) {
            return new ConfigException(key, invalidFormat(f.getTargetType(), f.getValue()));
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return new ConfigException(key, "expected " + expectation(m.getTargetType()) + ", got " + offending(m));
        }
        Throwable root = rootCause(e);
        if (root instanceof InputCoercionException c) {
            return new ConfigException(
                    key, "expected " + expectation(c.getTargetType()) + ", got a number out of range");
        }
        return new ConfigException(
                key,
                root instanceof JsonMappingException j ? j.getOriginalMessage() : String.valueOf(root.getMessage()));
    }

    /** {@code upstreams[0].bindMode} from Jackson's reference chain. */
    static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String invalidFormat(Class<?> target, Object value) {
        String got = "got '" + value + "'";
        if (target == Duration.class
                && (value instanceof Number || String.valueOf(value).trim().matches("[+-]?\\d+(\\.\\d*)?"))) {
            return "expected " + DURATION_EXAMPLES + ", " + got + ": a bare number needs a unit (ms, s, m, h, d)";
        }
        return "expected " + expectation(target) + ", " + got;
    }

    static String expectation(Class<?> t) {
        if (t == null) {
            return "a different value";
        }
        if (t == int.class
                || t == Integer.class
                || t == long.class
                || t == Long.class
                || t == short.class
                || t == Short.class) {
            return "an integer";
        }
        if (t == boolean.class || t == Boolean.class) {
            return "true or false";
        }
        if (t == String.class) {
            return "a string";
        }
        if (t == Duration.class) {
            return DURATION_EXAMPLES;
        }
        if (t.isEnum()) {
            return "one of "
                    + Arrays.stream(t.getEnumConstants())
                            .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT))
                            .collect(Collectors.joining(", "));
        }
        if (Collection.class.isAssignableFrom(t) || t.isArray()) {
            return "a list";
        }
        return "a mapping";
    }

    private static String offending(MismatchedInputException m) {
        if (m.getProcessor() instanceof JsonParser p) {
            JsonToken t = p.currentToken();
            if (t != null && t.isScalarValue() && t != JsonToken.VALUE_NULL) {
                try {
                    return "'" + p.getText() + "'";
                } catch (IOException ignored) {
                    // fall through to the token kind
                }
            }
            return NodeKinds.describe(t);
        }
        return "something else";
    }

    private static String knownKeys(UnrecognizedPropertyException u) {
        Class<?> owner = u.getReferringClass();
        if (owner != null && owner.isRecord()) {
            return Arrays.stream(owner.getRecordComponents())
                    .map(RecordComponent::getName)
                    .collect(Collectors.joining(", "));
        }
        Collection<Object> ids = u.getKnownPropertyIds();
        return ids == null ? "" : ids.stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
    }

    private static ConfigException findConfigException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConfigException ce) {
                return ce;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }

    /**
     * A record names an unidentifiable list entry generically ({@code accounts.systemId}); Jackson
     * knows which one it was ({@code accounts[1]}), so such keys are made precise.
     */
    private static ConfigException rekey(ConfigException ce, List<JsonMappingException.Reference> refs) {
        String where = path(refs);
        String generic = where.replaceAll("\\[\\d+]", "");
        if (!where.equals(generic) && ce.key().startsWith(generic + ".")) {
            String key = where + ce.key().substring(generic.length());
            String problem = ce.getMessage().substring(ce.key().length() + 2);
            return new ConfigException(key, problem);
        }
        return ce;
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }
}
