package io.optoutgw.optout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.config.AccountConfig;
import io.optoutgw.config.ConfigLoader;
import io.optoutgw.config.ConfigOverrides;
import io.optoutgw.config.DataCodingZero;
import io.optoutgw.optout.OptOutInstructions.Outcome;
import io.optoutgw.optout.OptOutInstructions.Result;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link OptOutInstructions}: what the check makes of a message's bytes, per action and alphabet. */
class OptOutInstructionsTest {

    private static final String EN = "Reply STOP to opt out";
    private final OptOutInstructions instructions = new OptOutInstructions();

    private static AccountConfig account(String instruction) {
        String yaml = """
                instanceId: gw-test
                redis: { uri: embedded }
                upstreams: [ { name: smsc, host: 10.0.0.1, port: 2775, systemId: gw } ]
                accounts:
                  - systemId: acme
                    password: secret
                    numbers: ["12345"]
                    optOut:
                      categories: [marketing, alerts]
                      optOutInstruction: %s
                """.formatted(instruction);
        return ConfigLoader.parse(yaml, ConfigOverrides.NONE).account("acme");
    }

    private static final AccountConfig APPEND = account("{categories: [marketing], action: append, text: {en: \"" + EN
            + "\", fr: \"Repondez ARRET pour vous desabonner\", es: \"Responde BAJA para cancelar\"}}");

    private Outcome check(AccountConfig a, String category, SmContent content) {
        return instructions.check(a, "12345", category, content, DataCodingZero.GSM7_UNPACKED, -1);
    }

    private static SmContent gsm(String text) {
        return new SmContent(0, 0, Gsm7.encodeUnpacked(text), null);
    }

    private static String repeat(int n) {
        return "x".repeat(n);
    }

    @Test
    void aMessageWithoutAnInstructionGetsTheTextAppendedInItsOwnAlphabet() {
        Outcome o = check(APPEND, "marketing", gsm("Flash sale: 30% off today"));
        assertEquals(Result.APPENDED, o.result());
        assertArrayEquals(Gsm7.encodeUnpacked("Flash sale: 30% off today " + EN), o.shortMessage());
        assertNull(o.messagePayload());

        byte[] ucs2 = "Soldes d'été pour vous ☀".getBytes(StandardCharsets.UTF_16BE);
        Outcome u = check(APPEND, "marketing", new SmContent(8, 0, ucs2, null));
        assertEquals(Result.APPENDED, u.result());
        assertEquals(
                "Soldes d'été pour vous ☀ Repondez ARRET pour vous desabonner",
                new String(u.shortMessage(), StandardCharsets.UTF_16BE),
                "French words: the French text");
    }

    @Test
    void aMessageThatCarriesAnInstructionIsLeftAlone() {
        Outcome o = check(APPEND, "marketing", gsm("Flash sale! Txt STOP to end"));
        assertEquals(Result.PRESENT, o.result());
        assertNull(o.shortMessage());
        assertEquals(
                Result.PRESENT, check(APPEND, "marketing", gsm("Sale! " + EN)).result());
    }

    @Test
    void categoriesOutsideTheListAreNotChecked() {
        assertNull(check(APPEND, "alerts", gsm("Your parcel is on its way")));
        AccountConfig every = account("{action: count}");
        assertEquals(
                Result.MISSING,
                check(every, "alerts", gsm("Your parcel is on its way")).result());
    }

    @Test
    void theResultMustFitTheSegmentsTheMessageTakesOrTheAllowedExtra() {
        String fits = repeat(160 - EN.length() - 1);
        assertEquals(Result.APPENDED, check(APPEND, "marketing", gsm(fits)).result(), "exactly 160 septets");
        Outcome over = check(APPEND, "marketing", gsm(fits + "x"));
        assertEquals(Result.REFUSED, over.result());
        assertTrue(over.detail().contains("2 segments instead of 1"), over.detail());

        AccountConfig oneMore = account("{action: append, text: {en: \"" + EN + "\"}, maxExtraSegments: 1}");
        Outcome two = check(oneMore, "marketing", gsm(fits + "x"));
        assertEquals(Result.APPENDED, two.result());
        assertEquals(161, two.shortMessage().length);
        // two parts hold 306 septets; a 290-septet message in message_payload takes two, +22 still two
        SmContent payload = new SmContent(0, 0, new byte[0], Gsm7.encodeUnpacked(repeat(284)));
        Outcome p = check(APPEND, "marketing", payload);
        assertEquals(Result.APPENDED, p.result());
        assertNull(p.shortMessage());
        assertEquals(284 + 1 + EN.length(), p.messagePayload().length);
        SmContent three = new SmContent(0, 0, new byte[0], Gsm7.encodeUnpacked(repeat(300)));
        assertEquals(Result.REFUSED, check(APPEND, "marketing", three).result());
    }

    @Test
    void anEscapedGsmCharacterCountsTwoSeptets() {
        // '€' is ESC + 0x65, two septets: 69 of them and the text make 2 * 69 + 22 = 160
        String euros = "€".repeat(69);
        assertEquals(Result.APPENDED, check(APPEND, "marketing", gsm(euros)).result());
        assertEquals(
                Result.REFUSED, check(APPEND, "marketing", gsm(euros + "x")).result());
    }

    @Test
    void aTextOutsideTheMessagesAlphabetIsNotAppended() {
        AccountConfig accented = account("{action: append, text: {en: \"Répondez ARRÊT\"}}");
        Outcome o = check(accented, "marketing", gsm("Soldes"));
        assertEquals(Result.REFUSED, o.result());
        assertTrue(o.detail().contains("GSM 7-bit"), o.detail());
        byte[] ucs2 = "Soldes".getBytes(StandardCharsets.UTF_16BE);
        assertEquals(
                Result.APPENDED,
                check(accented, "marketing", new SmContent(8, 0, ucs2, null)).result());
    }

    @Test
    void packedGsmIsRepackedAndReadsBack() {
        String text = "Weekend deals at Acme";
        byte[] packed = Gsm7.pack(new byte[0], 0, Gsm7.encodeUnpacked(text));
        SmContent content = new SmContent(0, 0, packed, null);
        Outcome o = instructions.check(APPEND, "12345", "marketing", content, DataCodingZero.GSM7_PACKED, -1);
        assertEquals(Result.APPENDED, o.result());
        assertEquals(text + " " + EN, Gsm7.decodePacked(o.shortMessage(), 0, o.shortMessage().length, 0));
        // eight septets leave seven spare bits: padded with CR, which the reader drops
        byte[] eight = Gsm7.pack(new byte[0], 0, Gsm7.encodeUnpacked("abcdefgh"));
        assertEquals(7, eight.length);
        byte[] seven = Gsm7.pack(new byte[0], 0, Gsm7.encodeUnpacked("abcdefg"));
        assertEquals("abcdefg", Gsm7.decodePacked(seven, 0, seven.length, 0));
    }

    @Test
    void binaryMessagesAreSkipped() {
        Outcome o = check(APPEND, "marketing", new SmContent(0x04, 0, new byte[] {1, 2, 3}, null));
        assertEquals(Result.SKIPPED, o.result());
    }

    @Test
    void aConcatenatedMessageIsJudgedOnItsLastPartAndNeverRefused() {
        byte[] udh1 = {5, 0, 3, 42, 2, 1};
        byte[] udh2 = {5, 0, 3, 42, 2, 2};
        SmContent first = new SmContent(0, 0x40, concat(udh1, Gsm7.encodeUnpacked(repeat(153))), null);
        assertNull(check(APPEND, "marketing", first), "an earlier part is not judged");
        SmContent last = new SmContent(0, 0x40, concat(udh2, Gsm7.encodeUnpacked("end of the text")), null);
        Outcome o = check(APPEND, "marketing", last);
        assertEquals(Result.APPENDED, o.result());
        assertArrayEquals(concat(udh2, Gsm7.encodeUnpacked("end of the text " + EN)), o.shortMessage());
        SmContent full = new SmContent(0, 0x40, concat(udh2, Gsm7.encodeUnpacked(repeat(140))), null);
        assertEquals(Result.MISSING, check(APPEND, "marketing", full).result(), "no room in the part");
        AccountConfig refuse = account("{action: refuse}");
        assertEquals(
                Result.MISSING,
                check(refuse, "marketing", last).result(),
                "the earlier parts went out: refusing the last would cut the message");
    }

    @Test
    void refuseAndCountActions() {
        AccountConfig refuse = account("{action: refuse, refuseStatus: 0x401}");
        assertEquals(Result.REFUSED, check(refuse, "marketing", gsm("Sale")).result());
        assertEquals(0x401, refuse.optOut().optOutInstruction().refuseStatus());
        AccountConfig count = account("{action: count}");
        assertEquals(Result.MISSING, check(count, "marketing", gsm("Sale")).result());
        assertEquals(
                Result.PRESENT,
                check(count, "marketing", gsm("Sale. STOP to end")).result());
    }

    @Test
    void theLanguageIndicatorChoosesTheText() {
        Outcome o = instructions.check(APPEND, "12345", "marketing", gsm("Sale"), DataCodingZero.GSM7_UNPACKED, 3);
        assertArrayEquals(Gsm7.encodeUnpacked("Sale Responde BAJA para cancelar"), o.shortMessage());
        Outcome de = instructions.check(APPEND, "12345", "marketing", gsm("Sale"), DataCodingZero.GSM7_UNPACKED, 4);
        assertArrayEquals(Gsm7.encodeUnpacked("Sale " + EN), de.shortMessage(), "no German text: English");
        Outcome es = check(APPEND, "marketing", gsm("Ofertas para ti hoy con el 20%"));
        assertArrayEquals(
                Gsm7.encodeUnpacked("Ofertas para ti hoy con el 20% Responde BAJA para cancelar"), es.shortMessage());
    }

    @Test
    void startUpRefusesATextThatNamesNoKeyword() {
        AccountConfig a = account("{action: append, text: {en: \"Reply NO to leave\"}}");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> OptOutInstructions.validate(List.of(a)));
        assertTrue(
                e.getMessage()
                        .startsWith("accounts[acme].optOut.optOutInstruction.text.en: 'Reply NO to leave' names"
                                + " none of the opt-out keywords of the account"),
                e.getMessage());
        OptOutInstructions.validate(List.of(APPEND));
        assertNotNull(APPEND.optOut().optOutInstruction());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
