package io.optoutgw.optout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.optoutgw.config.DataCodingZero;
import io.optoutgw.config.MatchMode;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever encoding the SMSC used, whatever case and punctuation surround it, an opt-out keyword
 * decoded by {@link TextDecoder} is recognised by the default keywords, in both match modes.
 */
class KeywordCapturePropertyTest {

    /** How the SMSC sent the text: data_coding, what data_coding 0 means on the upstream, the bytes. */
    enum Sending {
        GSM7_UNPACKED(0x00, DataCodingZero.GSM7_UNPACKED),
        GSM7_PACKED(0x00, DataCodingZero.GSM7_PACKED),
        LATIN1_UNDER_DC0_GSM7_UPSTREAM(0x00, DataCodingZero.GSM7_UNPACKED),
        LATIN1_UNDER_DC0_LATIN1_UPSTREAM(0x00, DataCodingZero.LATIN1),
        LATIN1_DC3(0x03, DataCodingZero.GSM7_UNPACKED),
        IA5_DC1(0x01, DataCodingZero.GSM7_UNPACKED),
        UCS2_DC8(0x08, DataCodingZero.GSM7_UNPACKED);

        final int dataCoding;
        final TextDecoder decoder;

        Sending(int dataCoding, DataCodingZero zero) {
            this.dataCoding = dataCoding;
            this.decoder = new TextDecoder(zero);
        }

        /** The user data for {@code text}, or {@code null} when this alphabet cannot carry it. */
        byte[] encode(String text) {
            try {
                return switch (this) {
                    case GSM7_UNPACKED -> GsmTestCodec.septets(text);
                    case GSM7_PACKED -> GsmTestCodec.pack(GsmTestCodec.septets(text));
                    case UCS2_DC8 -> text.getBytes(StandardCharsets.UTF_16BE);
                    default ->
                        StandardCharsets.ISO_8859_1.newEncoder().canEncode(text)
                                ? text.getBytes(StandardCharsets.ISO_8859_1)
                                : null;
                };
            } catch (IllegalArgumentException notGsm) {
                return null;
            }
        }
    }

    private static final KeywordEngine EXACT = KeywordEngine.defaults(MatchMode.EXACT);
    private static final KeywordEngine PHRASE = KeywordEngine.defaults(MatchMode.PHRASE);

    @Property(tries = 2000)
    void anyOptOutKeywordInAnyEncodingWithAnyCaseAndPunctuationIsRecognised(
            @ForAll("optOutKeywords") String keyword,
            @ForAll("punctuation") String before,
            @ForAll("punctuation") String after,
            @ForAll long caseSeed,
            @ForAll Sending sending) {
        String text = before + randomCase(keyword, caseSeed) + after;
        byte[] ud = sending.encode(text);
        Assume.that(ud != null);
        MessageText decoded = sending.decoder.decode(new SmContent(sending.dataCoding, 0, ud, null));
        if (!(decoded instanceof MessageText.Text t)) {
            throw new AssertionError(sending + " [" + text + "] not decoded: " + decoded);
        }
        assertEquals(text, t.text(), sending + " round trip");
        for (KeywordEngine engine : new KeywordEngine[] {EXACT, PHRASE}) {
            KeywordMatch m = engine.match(t.text())
                    .orElseThrow(() -> new AssertionError(sending + " [" + text + "]: no keyword recognised"));
            assertEquals(Intent.OPT_OUT, m.intent(), sending + " [" + text + "]");
        }
    }

    @Provide
    Arbitrary<String> optOutKeywords() {
        return Arbitraries.of(
                "STOP",
                "STOPALL",
                "STOP ALL",
                "UNSUBSCRIBE",
                "CANCEL",
                "END",
                "QUIT",
                "REVOKE",
                "OPTOUT",
                "OPT OUT",
                "OPT-OUT",
                "REMOVE",
                "ARRET",
                "ARRETE",
                "ARRÊT",
                "ARRÊTE",
                "ARRÉT",
                "ALTO",
                "BAJA",
                "PARAR",
                "CANCELAR");
    }

    @Provide
    Arbitrary<String> punctuation() {
        return Arbitraries.strings().withChars(" .!?,;:\n").ofMinLength(0).ofMaxLength(4);
    }

    private static String randomCase(String keyword, long seed) {
        Random random = new Random(seed);
        StringBuilder out = new StringBuilder(keyword.length());
        for (char c : keyword.toCharArray()) {
            out.append(random.nextBoolean() ? Character.toLowerCase(c) : Character.toUpperCase(c));
        }
        return out.toString();
    }
}
