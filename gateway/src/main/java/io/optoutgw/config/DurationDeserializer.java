package io.optoutgw.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@link Duration} from {@code 500ms}, {@code 5s}, {@code 1.5s}, {@code 2m}, {@code 72h},
 * {@code 1d} or ISO-8601 ({@code PT5S}). Bare numbers are rejected: their unit would be a guess.
 */
final class DurationDeserializer extends StdScalarDeserializer<Duration> {

    private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)");

    DurationDeserializer() {
        super(Duration.class);
    }

    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
            throw InvalidFormatException.from(p, "bare number without a unit", p.getNumberValue(), Duration.class);
        }
        if (t != JsonToken.VALUE_STRING) {
            return (Duration) ctxt.handleUnexpectedToken(Duration.class, p);
        }
        String text = p.getText().trim();
        Duration d = parse(text);
        if (d == null) {
            throw InvalidFormatException.from(p, "not a duration", text, Duration.class);
        }
        return d;
    }

    /** Parses {@code text}, or returns {@code null} if it is not a duration. */
    static Duration parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE.matcher(s);
        if (m.matches()) {
            long nanosPerUnit = switch (m.group(2)) {
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 86_400_000_000_000L;
            };
            try {
                BigDecimal nanos = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(nanosPerUnit));
                return Duration.ofNanos(nanos.longValueExact());
            } catch (ArithmeticException tooLargeOrFractionalNanos) {
                return null;
            }
        }
        if (s.startsWith("p") || s.startsWith("-p") || s.startsWith("+p")) {
            try {
                return Duration.parse(s);
            } catch (DateTimeParseException notIso) {
                return null;
            }
        }
        return null;
    }
}
