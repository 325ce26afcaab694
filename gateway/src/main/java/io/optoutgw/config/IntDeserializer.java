package io.optoutgw.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.std.NumberDeserializers;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import java.io.IOException;
import java.util.regex.Pattern;

/** Jackson's int reader plus hexadecimal ({@code 0x58}), the usual way to write SMPP command_status values. */
final class IntDeserializer extends StdScalarDeserializer<Integer> {

    private static final Pattern HEX = Pattern.compile("0[xX][0-9a-fA-F]{1,8}");

    private final NumberDeserializers.IntegerDeserializer standard;

    IntDeserializer(boolean primitive) {
        super(primitive ? Integer.TYPE : Integer.class);
        standard = new NumberDeserializers.IntegerDeserializer(
                primitive ? Integer.TYPE : Integer.class, primitive ? 0 : null);
    }

    @Override
    public Integer deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            String text = p.getText().trim();
            if (HEX.matcher(text).matches()) {
                long v = Long.parseLong(text.substring(2), 16);
                if (v > Integer.MAX_VALUE) {
                    throw InvalidFormatException.from(p, "out of range", text, handledType());
                }
                return (int) v;
            }
        }
        return standard.deserialize(p, ctxt);
    }

    @Override
    public Integer getNullValue(DeserializationContext ctxt) throws JsonMappingException {
        return standard.getNullValue(ctxt);
    }

    @Override
    public Object getEmptyValue(DeserializationContext ctxt) throws JsonMappingException {
        return standard.getEmptyValue(ctxt);
    }
}
