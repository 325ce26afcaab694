package io.optoutgw.optout;

import static io.optoutgw.optout.GsmTestCodec.bytes;
import static io.optoutgw.optout.GsmTestCodec.concat;
import static io.optoutgw.optout.GsmTestCodec.pack;
import static io.optoutgw.optout.GsmTestCodec.septets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.tlv.Tlv;
import io.optoutgw.config.DataCodingZero;
import io.optoutgw.config.MatchMode;
import io.optoutgw.optout.MessageText.NotScannable;
import io.optoutgw.optout.MessageText.Reason;
import io.optoutgw.optout.MessageText.Text;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TextDecoderTest {

    private static final TextDecoder UNPACKED = new TextDecoder(DataCodingZero.GSM7_UNPACKED);
    private static final TextDecoder PACKED = new TextDecoder(DataCodingZero.GSM7_PACKED);
    private static final TextDecoder LATIN1 = new TextDecoder(DataCodingZero.LATIN1);

    private static Text text(MessageText m) {
        return assertInstanceOf(Text.class, m, () -> "expected text, got " + m);
    }

    private static NotScannable refused(MessageText m) {
        return assertInstanceOf(NotScannable.class, m, () -> "expected not scannable, got " + m);
    }

    private static SmContent sm(int dc, byte[] shortMessage) {
        return new SmContent(dc, 0, shortMessage, null);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    // --- data_coding 0 per upstream setting -------------------------------------------------

    @Test
    void gsmUnpackedPlainText() {
        Text t = text(UNPACKED.decode(sm(0x00, ascii("STOP"))));
        assertEquals("STOP", t.text());
        assertEquals(TextEncoding.GSM7_UNPACKED, t.encoding());
        assertNull(t.concat());
    }

    @Test
    void gsmUnpackedSpecialCharactersAndEscapes() {
        // '@' is 0x00, '$' 0x02, '_' 0x11, 'É' 0x1F, '¤' 0x24, '¡' 0x40, 'à' 0x7F.
        assertEquals(
                "@$_É¤¡à",
                text(UNPACKED.decode(sm(0, bytes(0x00, 0x02, 0x11, 0x1F, 0x24, 0x40, 0x7F))))
                        .text());
        // Escape table: ^ { } \ [ ~ ] | € and form feed.
        byte[] esc = bytes(
                0x1B, 0x14, 0x1B, 0x28, 0x1B, 0x29, 0x1B, 0x2F, 0x1B, 0x3C, 0x1B, 0x3D, 0x1B, 0x3E, 0x1B, 0x40, 0x1B,
                0x65);
        assertEquals("^{}\\[~]|€", text(UNPACKED.decode(sm(0, esc))).text());
    }

    @Test
    void gsmEscapeEdgeCases() {
        // Undefined extension -> the basic character; dangling escape -> space.
        assertEquals("A", text(UNPACKED.decode(sm(0, bytes(0x1B, 0x41)))).text());
        assertEquals("A ", text(UNPACKED.decode(sm(0, bytes(0x41, 0x1B)))).text());
    }

    @Test
    void gsmUnpackedWithHighBitIsReadAsLatin1() {
        // GSM 7-bit has no octet above 0x7F: the only reading is Latin-1, and it is marked as a guess.
        Text t = text(UNPACKED.decode(sm(0, bytes(0x53, 0xD4))));
        assertEquals("S\u00D4", t.text());
        assertEquals(TextEncoding.LATIN1, t.encoding());
        assertTrue(t.latin1Fallback());
        assertFalse(text(UNPACKED.decode(sm(0, ascii("STOP")))).latin1Fallback());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ARR\u00CAT", "Arr\u00EAt", "d\u00E9sabonner", "ARR\u00CATE", "Arr\u00EAter les messages"})
    void frenchOptOutInLatin1UnderDataCodingZeroIsRecognised(String words) {
        for (int dc : new int[] {0x00, 0x0B, 0xF0}) { // data_coding 0, a reserved one, and a GSM 7-bit class group
            Text t = text(UNPACKED.decode(sm(dc, words.getBytes(StandardCharsets.ISO_8859_1))));
            assertEquals(words, t.text());
            assertTrue(t.latin1Fallback());
            KeywordMatch m = KeywordEngine.defaults(MatchMode.PHRASE)
                    .match(t.text())
                    .orElseThrow(() -> new AssertionError("no opt-out recognised in " + words));
            assertEquals(Intent.OPT_OUT, m.intent());
            assertEquals("fr", m.language());
        }
    }

    @Test
    void latin1ConcatenatedPartUnderDataCodingZeroKeepsItsUdh() {
        byte[] udh = bytes(0x05, 0x00, 0x03, 0x42, 0x02, 0x01);
        byte[] body = "ARR\u00CA".getBytes(StandardCharsets.ISO_8859_1);
        byte[] ud = new byte[udh.length + body.length];
        System.arraycopy(udh, 0, ud, 0, udh.length);
        System.arraycopy(body, 0, ud, udh.length, body.length);
        Text t = text(UNPACKED.decode(new SmContent(0, 0x40, ud, null)));
        assertEquals("ARR\u00CA", t.text());
        assertEquals(new Concat(0x42, 2, 1), t.concat());
    }

    @Test
    void gsmPackedStop() {
        // "STOP" = septets 53 54 4F 50 packed LSB first: 53 EA 13 0A.
        byte[] packed = bytes(0x53, 0xEA, 0x13, 0x0A);
        assertEquals(packed.length, pack(septets("STOP")).length);
        Assertions.assertArrayEquals(packed, pack(septets("STOP")));
        Text t = text(PACKED.decode(sm(0, packed)));
        assertEquals("STOP", t.text());
        assertEquals(TextEncoding.GSM7_PACKED, t.encoding());
    }

    @Test
    void gsmPackedHelloWorldKnownVector() {
        // Classic TS 23.038 example: "hellohello" packs to E8 32 9B FD 46 97 D9 EC 37.
        byte[] packed = bytes(0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37);
        assertEquals("hellohello", text(PACKED.decode(sm(0, packed))).text());
    }

    @Test
    void gsmPacked160CharacterRoundTrip() {
        StringBuilder sb = new StringBuilder();
        String alphabet = "Stop the music! 0123456789 @£$¥èé [euro:€] {x} ~ | ^ ÄÖÑÜ§¿äöñüà abcXYZ. ";
        while (sb.length() < 160) {
            sb.append(alphabet.charAt(sb.length() % alphabet.length()));
        }
        // Escaped chars take two septets: trim to exactly 160 septets, ending on a letter.
        String message = sb.toString();
        while (septets(message).length > 159) {
            message = message.substring(0, message.length() - 1);
        }
        message = message + "Z";
        assertEquals(160, septets(message).length);
        byte[] packed = pack(septets(message));
        assertEquals(140, packed.length);
        assertEquals(message, text(PACKED.decode(sm(0, packed))).text());
    }

    @Test
    void gsmPackedSevenSeptetPaddingDropped() {
        // 7 septets fill 7 octets with 7 spare bits (zero): the phantom 8th '@' is dropped.
        assertEquals(
                "ABCDEFG", text(PACKED.decode(sm(0, pack(septets("ABCDEFG"))))).text());
        // ... and so is a CR used as padding (TS 23.038 6.1.2.3.1).
        assertEquals(
                "ABCDEFG",
                text(PACKED.decode(sm(0, pack(septets("ABCDEFG\r"))))).text());
        // A genuine '@' not on the boundary is kept.
        assertEquals("AB@", text(PACKED.decode(sm(0, pack(septets("AB@"))))).text());
    }

    @Test
    void dataCodingZeroLatin1() {
        Text t = text(LATIN1.decode(sm(0, "ARRÊT".getBytes(StandardCharsets.ISO_8859_1))));
        assertEquals("ARRÊT", t.text());
        assertEquals(TextEncoding.LATIN1, t.encoding());
    }

    // --- explicit codings ---------------------------------------------------------------------

    @Test
    void ia5IsAscii() {
        Text t = text(PACKED.decode(sm(0x01, ascii("Stop!"))));
        assertEquals("Stop!", t.text());
        assertEquals(TextEncoding.IA5, t.encoding());
        // Octets above 0x7F are read as Latin-1 rather than rejected.
        assertEquals(
                "Arrêt",
                text(UNPACKED.decode(sm(0x01, "Arrêt".getBytes(StandardCharsets.ISO_8859_1))))
                        .text());
    }

    @Test
    void latin1() {
        Text t = text(UNPACKED.decode(sm(0x03, "arrêt é ñ".getBytes(StandardCharsets.ISO_8859_1))));
        assertEquals("arrêt é ñ", t.text());
        assertEquals(TextEncoding.LATIN1, t.encoding());
    }

    @Test
    void ucs2BigEndian() {
        Text t = text(UNPACKED.decode(sm(0x08, "ＳＴＯＰ arrêt €😀".getBytes(StandardCharsets.UTF_16BE))));
        assertEquals("ＳＴＯＰ arrêt €😀", t.text());
        assertEquals(TextEncoding.UCS2, t.encoding());
    }

    @Test
    void ucs2OddLengthIsMalformed() {
        NotScannable n = refused(UNPACKED.decode(sm(0x08, bytes(0x00, 0x53, 0x00))));
        assertEquals(Reason.MALFORMED, n.reason());
    }

    @ParameterizedTest
    @ValueSource(ints = {0x02, 0x04})
    void binaryIsNotScanned(int dc) {
        assertEquals(
                Reason.BINARY, refused(UNPACKED.decode(sm(dc, ascii("STOP")))).reason());
    }

    @ParameterizedTest
    @ValueSource(ints = {0xF0, 0xF1, 0xF2, 0xF3, 0xF8, 0xFB})
    void messageClassGroupGsm7(int dc) {
        assertEquals("STOP", text(UNPACKED.decode(sm(dc, ascii("STOP")))).text());
        assertEquals(
                "STOP",
                text(PACKED.decode(sm(dc, bytes(0x53, 0xEA, 0x13, 0x0A)))).text());
        // With a Latin-1 upstream, class-group GSM 7-bit is still GSM (unpacked).
        Text t = text(LATIN1.decode(sm(dc, bytes(0x00, 0x53))));
        assertEquals("@S", t.text());
    }

    @ParameterizedTest
    @ValueSource(ints = {0xF4, 0xF5, 0xF6, 0xF7, 0xFC, 0xFF})
    void messageClassGroup8BitIsNotScanned(int dc) {
        assertEquals(
                Reason.EIGHT_BIT_DATA,
                refused(UNPACKED.decode(sm(dc, ascii("STOP")))).reason());
    }

    @Test
    void generalDataCodingGroup() {
        assertEquals("STOP", text(UNPACKED.decode(sm(0x10, ascii("STOP")))).text());
        assertEquals(
                Reason.EIGHT_BIT_DATA,
                refused(UNPACKED.decode(sm(0x14, ascii("STOP")))).reason());
        assertEquals(
                "STOP",
                text(UNPACKED.decode(sm(0x18, "STOP".getBytes(StandardCharsets.UTF_16BE))))
                        .text());
        assertEquals(
                Reason.COMPRESSED,
                refused(UNPACKED.decode(sm(0x20, ascii("STOP")))).reason());
        assertEquals(
                Reason.COMPRESSED,
                refused(UNPACKED.decode(sm(0x38, ascii("STOP")))).reason());
    }

    @Test
    void messageWaitingGroups() {
        assertEquals("STOP", text(UNPACKED.decode(sm(0xC0, ascii("STOP")))).text());
        assertEquals("STOP", text(UNPACKED.decode(sm(0xD8, ascii("STOP")))).text());
        assertEquals(
                "STOP",
                text(UNPACKED.decode(sm(0xE0, "STOP".getBytes(StandardCharsets.UTF_16BE))))
                        .text());
    }

    @Test
    void reservedCodingsReadLikeDataCodingZero() {
        Text t = text(LATIN1.decode(sm(0x0B, "ARRÊT".getBytes(StandardCharsets.ISO_8859_1))));
        assertEquals("ARRÊT", t.text());
        assertEquals(TextEncoding.LATIN1, t.encoding());
        assertEquals("STOP", text(UNPACKED.decode(sm(0x90, ascii("STOP")))).text());
    }

    @Test
    void unsupportedNationalCharsets() {
        assertEquals(
                Reason.UNSUPPORTED_CODING,
                refused(UNPACKED.decode(sm(0x05, ascii("STOP")))).reason());
        assertEquals(
                Reason.UNSUPPORTED_CODING,
                refused(UNPACKED.decode(sm(0x0E, ascii("STOP")))).reason());
        assertEquals("STOP", text(UNPACKED.decode(sm(0x06, ascii("STOP")))).text());
    }

    // --- where the text is --------------------------------------------------------------------

    @Test
    void textInMessagePayloadWhenShortMessageEmpty() {
        assertEquals(
                "STOP",
                text(UNPACKED.decode(new SmContent(0, 0, new byte[0], ascii("STOP"))))
                        .text());
        assertEquals(
                "STOP",
                text(UNPACKED.decode(new SmContent(0, 0, null, ascii("STOP")))).text());
        assertEquals("", text(UNPACKED.decode(new SmContent(0, 0, null, null))).text());
    }

    @Test
    void fromChSmppPduWithPayloadAndSar() throws Exception {
        DeliverSm pdu = new DeliverSm();
        pdu.setDataCoding((byte) 0x08);
        pdu.addOptionalParameter(new Tlv((short) 0x0424, "STOP".getBytes(StandardCharsets.UTF_16BE)));
        pdu.addOptionalParameter(new Tlv((short) 0x020C, bytes(0x12, 0x34)));
        pdu.addOptionalParameter(new Tlv((short) 0x020E, bytes(3)));
        pdu.addOptionalParameter(new Tlv((short) 0x020F, bytes(2)));
        Text t = text(UNPACKED.decode(pdu));
        assertEquals("STOP", t.text());
        assertEquals(new Concat(0x1234, 3, 2), t.concat());
    }

    @Test
    void sarIgnoredWhenIncompleteOrInvalid() {
        assertNull(SmContent.sar(bytes(0, 1), bytes(3), null));
        assertNull(SmContent.sar(bytes(0, 1), bytes(3), bytes(4)));
        assertNull(SmContent.sar(bytes(0, 1), bytes(0), bytes(0)));
        assertNull(SmContent.sar(bytes(1), bytes(3), bytes(1)));
        assertEquals(new Concat(1, 3, 1), SmContent.sar(bytes(0, 1), bytes(3), bytes(1)));
    }

    // --- UDH ----------------------------------------------------------------------------------

    @Test
    void udh8BitConcatStrippedUnpacked() {
        byte[] ud = concat(bytes(0x05, 0x00, 0x03, 0xA7, 0x02, 0x01), ascii("STOP"));
        Text t = text(UNPACKED.decode(new SmContent(0, 0x40, ud, null)));
        assertEquals("STOP", t.text());
        assertEquals(new Concat(0xA7, 2, 1), t.concat());
    }

    @Test
    void udh16BitConcatStrippedUcs2() {
        byte[] ud = concat(bytes(0x06, 0x08, 0x04, 0x12, 0x34, 0x03, 0x03), "Stop".getBytes(StandardCharsets.UTF_16BE));
        Text t = text(UNPACKED.decode(new SmContent(0x08, 0x43, ud, null)));
        assertEquals("Stop", t.text());
        assertEquals(new Concat(0x1234, 3, 3), t.concat());
    }

    @Test
    void udhWithOtherElementsFirst() {
        // Port addressing IE (0x05, 4 octets) before the concat IE.
        byte[] ud = concat(bytes(0x0B, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x00, 0x03, 0x01, 0x02, 0x02), ascii("x"));
        Text t = text(UNPACKED.decode(new SmContent(0, 0x40, ud, null)));
        assertEquals("x", t.text());
        assertEquals(new Concat(1, 2, 2), t.concat());
    }

    @Test
    void udhPackedGsmWithFillBits() {
        // 6-octet UDH = 48 bits -> 7 septets, 1 fill bit before the text (TS 23.040 9.2.3.24).
        byte[] udh = bytes(0x05, 0x00, 0x03, 0x42, 0x02, 0x02);
        byte[] ud = pack(udh, septets("Stop texting me"));
        Text t = text(PACKED.decode(new SmContent(0, 0x40, ud, null)));
        assertEquals("Stop texting me", t.text());
        assertEquals(new Concat(0x42, 2, 2), t.concat());
        // 7-octet UDH (16-bit ref) = 56 bits = exactly 8 septets: no fill bits.
        byte[] udh16 = bytes(0x06, 0x08, 0x04, 0x01, 0x00, 0x02, 0x01);
        Text t16 = text(PACKED.decode(new SmContent(0, 0x40, pack(udh16, septets("ARRET")), null)));
        assertEquals("ARRET", t16.text());
        assertEquals(new Concat(0x0100, 2, 1), t16.concat());
    }

    @Test
    void udhPacked153CharacterPart() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 153; i++) {
            sb.append((char) ('a' + i % 26));
        }
        byte[] ud = pack(bytes(0x05, 0x00, 0x03, 0x01, 0x02, 0x01), septets(sb.toString()));
        assertEquals(140, ud.length);
        assertEquals(
                sb.toString(),
                text(PACKED.decode(new SmContent(0, 0x40, ud, null))).text());
    }

    @Test
    void udhConcatTakesPrecedenceOverSarAndKeepsConcatWhenBinary() {
        byte[] ud = concat(bytes(0x05, 0x00, 0x03, 0x09, 0x02, 0x01), bytes(0x01, 0x02));
        NotScannable n = refused(UNPACKED.decode(new SmContent(0x04, 0x40, ud, null, new Concat(7, 5, 5))));
        assertEquals(Reason.BINARY, n.reason());
        assertEquals(new Concat(9, 2, 1), n.concat());
    }

    @Test
    void invalidConcatElementIgnored() {
        byte[] ud = concat(bytes(0x05, 0x00, 0x03, 0x09, 0x02, 0x03), ascii("hi"));
        Text t = text(UNPACKED.decode(new SmContent(0, 0x40, ud, null)));
        assertEquals("hi", t.text());
        assertNull(t.concat());
    }

    @Test
    void malformedUdh() {
        assertEquals(
                Reason.MALFORMED,
                refused(UNPACKED.decode(new SmContent(0, 0x40, bytes(0x09, 0x00, 0x03), null)))
                        .reason());
        assertEquals(
                Reason.MALFORMED,
                refused(UNPACKED.decode(new SmContent(0, 0x40, bytes(0x03, 0x00, 0x03, 0x01), null)))
                        .reason());
        assertEquals(
                Reason.MALFORMED,
                refused(UNPACKED.decode(new SmContent(0, 0x40, new byte[0], null)))
                        .reason());
        // UCS-2 body of odd length after the header.
        byte[] ud = concat(bytes(0x05, 0x00, 0x03, 0x01, 0x02, 0x01), bytes(0x00, 0x53, 0x00));
        assertEquals(
                Reason.MALFORMED,
                refused(UNPACKED.decode(new SmContent(0x08, 0x40, ud, null))).reason());
    }

    @Test
    void neverThrowsOnArbitraryInput() {
        Random random = new Random(42);
        TextDecoder[] decoders = {UNPACKED, PACKED, LATIN1};
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[random.nextInt(20)];
            random.nextBytes(b);
            MessageText m = decoders[i % 3].decode(
                    new SmContent(random.nextInt(256), random.nextInt(256), b, random.nextBoolean() ? null : b));
            assertTrue(m instanceof Text || m instanceof NotScannable);
        }
        assertFalse(refused(UNPACKED.decode(sm(0x02, null))).scannable());
    }
}
