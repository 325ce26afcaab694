package io.optoutgw.optout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.optoutgw.config.DataCodingZero;
import io.optoutgw.config.MatchMode;
import io.optoutgw.optout.MessageText.Text;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing (Jazzer) of what reads a person's message: {@link TextDecoder#decode(SmContent)}
 * for any data_coding, esm_class, user data, message_payload and SAR values, and
 * {@link KeywordEngine#match(String)} in both modes for the decoded text and for arbitrary strings.
 * Neither may throw; a decoder result is never {@code null}; an exact-mode match is also a
 * phrase-mode match with the same intent (phrase mode starts with the exact match).
 *
 * <p>Input layout (so that seeds are readable): octet 0 data_coding, octet 1 esm_class, octet 2
 * flags (bits 0-1: DataCodingZero, bit 2: text in message_payload instead of short_message, bit 3:
 * the next 4 octets are SAR ref (2), total, seq), then the user data. Seeds are in
 * {@code src/test/resources/io/optoutgw/optout/OptOutTextFuzzTestInputs/decodeAndMatch}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OptOutTextFuzzTest {

    private static final TextDecoder[] DECODERS =
            Arrays.stream(DataCodingZero.values()).map(TextDecoder::new).toArray(TextDecoder[]::new);
    private static final KeywordEngine EXACT = KeywordEngine.defaults(MatchMode.EXACT);
    private static final KeywordEngine PHRASE = KeywordEngine.defaults(MatchMode.PHRASE);

    @FuzzTest(maxDuration = "10s")
    void decodeAndMatch(byte[] data) {
        if (data.length < 3) {
            return;
        }
        int dataCoding = data[0] & 0xFF;
        int esmClass = data[1] & 0xFF;
        int flags = data[2] & 0xFF;
        int offset = 3;
        Concat sar = null;
        if ((flags & 0x08) != 0 && data.length >= offset + 4) {
            sar = SmContent.sar(
                    Arrays.copyOfRange(data, offset, offset + 2),
                    Arrays.copyOfRange(data, offset + 2, offset + 3),
                    Arrays.copyOfRange(data, offset + 3, offset + 4));
            offset += 4;
        }
        byte[] userData = Arrays.copyOfRange(data, offset, data.length);
        SmContent content = (flags & 0x04) != 0
                ? new SmContent(dataCoding, esmClass, new byte[0], userData, sar)
                : new SmContent(dataCoding, esmClass, userData, null, sar);
        MessageText decoded = DECODERS[(flags & 0x03) % DECODERS.length].decode(content);
        assertNotNull(decoded, "decode never returns null");
        if (decoded instanceof Text text) {
            assertNotNull(text.text());
            assertNotNull(text.encoding());
            match(text.text());
        }
        match(new String(userData, StandardCharsets.UTF_8));
        match(new String(userData, StandardCharsets.UTF_16BE));
        match(new String(userData, StandardCharsets.ISO_8859_1));
    }

    private static void match(String s) {
        Optional<KeywordMatch> exact = EXACT.match(s);
        Optional<KeywordMatch> phrase = PHRASE.match(s);
        assertNotNull(exact);
        assertNotNull(phrase);
        exact.ifPresent(m -> assertEquals(
                Optional.of(m.intent()),
                phrase.map(KeywordMatch::intent),
                () -> "exact mode matched " + m + " but phrase mode " + phrase + " for " + escape(s)));
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return b.toString();
    }
}
