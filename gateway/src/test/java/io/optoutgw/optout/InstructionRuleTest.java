package io.optoutgw.optout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.config.Keyword;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The opt-out instruction rule ({@link InstructionRule}) with the default opt-out keywords: texts
 * that tell the person how to stop, and texts that merely use an opt-out keyword as an ordinary
 * word. Each list fails if the rule is loosened (a rejected text accepted) or tightened (an
 * accepted text rejected).
 */
class InstructionRuleTest {

    private static final InstructionRule RULE =
            new InstructionRule(KeywordConfig.defaults().optOut(), List.of());

    /** Instructions, in the wordings of opt-out guides and real campaigns, en / fr / es. */
    static final List<String> INSTRUCTIONS = List.of(
            "Reply STOP to opt out",
            "Txt STOP to end",
            "STOP to end",
            "STOP au 36173",
            "Répondez ARRET pour vous désabonner",
            "Responde BAJA/ALTO para cancelar",
            "Text STOP to 12345 to unsubscribe",
            "Opt out: reply STOP",
            "20% off today only! Reply STOP to cancel",
            "Msg&data rates may apply. Reply HELP for help, STOP to cancel.",
            "Msg freq varies. Text HELP for help, END to quit",
            "To unsubscribe, text the word STOP to 12345",
            "Reply with STOP to unsubscribe",
            "Unsubscribe: reply stop",
            "Opt out anytime by replying STOP",
            "STOP=END",
            "STOP = opt out",
            "Send QUIT to 55555",
            "Envoyez STOP au 36173",
            "Répondez ARRÊT pour ne plus recevoir nos offres",
            "Promo -20% ! STOP SMS au 36173",
            "Responda BAJA para no recibir más mensajes",
            "Envía BAJA al 22222 para darte de baja",
            "Reply 'STOP' to opt-out",
            "Reply OPT-OUT to unsubscribe",
            "Reply STOPALL to stop all messages",
            "ＲＥＰＬＹ ＳＴＯＰ",
            "Big sale\nReply STOP");

    /** Texts with an opt-out keyword used as an ordinary word, or with no keyword at all. */
    static final List<String> NOT_INSTRUCTIONS = List.of(
            "Don't stop now",
            "the bus stop on Main St",
            "Cancel your appointment online",
            "DON'T STOP NOW, THE SALE ENDS SOON",
            "Non-stop deals all weekend",
            "Stop by our store today",
            "Text us to stop by and pick it up",
            "Send end of month statements",
            "Reply to this message to confirm",
            "Reply YES to confirm",
            "Reply HELP for help",
            "Quit smoking with our program",
            "Remove the old filter before use",
            "Cancel to end the trial early",
            "Stop at 1600 Main St for your gift",
            "STOP BY OUR STORE AT MAIN ST",
            "Arrêt de bus rue Principale",
            "ARRÊT DE BUS RUE PRINCIPALE",
            "Baja de precios este fin de semana",
            "Alto rendimiento garantizado",
            "Text STOPWATCH to 12345 to win",
            "Press STOP on the remote",
            "Our offer will end tomorrow",
            "We never stop improving. Reply YES for deals",
            "End of season sale: up to 50% off",
            "");

    @Test
    void instructionsAreRecognised() {
        List<String> missed = new ArrayList<>();
        for (String t : INSTRUCTIONS) {
            if (!RULE.carries(t)) {
                missed.add(t);
            }
        }
        assertEquals(List.of(), missed, "instructions not recognised");
        assertTrue(INSTRUCTIONS.size() >= 15);
    }

    @Test
    void ordinaryUsesOfTheKeywordsAreNotInstructions() {
        List<String> accepted = new ArrayList<>();
        for (String t : NOT_INSTRUCTIONS) {
            if (RULE.carries(t)) {
                accepted.add(t);
            }
        }
        assertEquals(List.of(), accepted, "texts taken for instructions");
        assertTrue(NOT_INSTRUCTIONS.size() >= 15);
    }

    @Test
    void theInstructionMayStandAnywhereInTheMessage() {
        assertTrue(RULE.carries("Reply STOP to opt out. Flash sale: 30% off everything until Sunday!"));
        assertTrue(RULE.carries("Flash sale: 30% off everything until Sunday! Reply STOP to opt out"));
    }

    @Test
    void onlyTheAccountsKeywordsCount() {
        InstructionRule custom = new InstructionRule(List.of(new Keyword("NOMAS", "es")), List.of());
        assertTrue(custom.carries("Responde NOMAS para cancelar"));
        assertFalse(custom.carries("Reply STOP to opt out"), "STOP is not an opt-out keyword of this account");
    }

    @Test
    void theAccountsOwnTextsCountAsWrittenWhateverTheRule() {
        String own = "Pour vous désabonner : ARRET";
        assertFalse(RULE.carries("Soldes! " + own), "the rule alone does not read this wording");
        InstructionRule withOwn = new InstructionRule(KeywordConfig.defaults().optOut(), List.of(own));
        assertTrue(withOwn.carries("Soldes! " + own));
        assertTrue(withOwn.carries("Soldes! pour vous DESABONNER: arrêt."), "compared in normal form");
        assertFalse(withOwn.carries("Soldes! pour vous désabonner : ARRETE"), "as whole words only");
    }

    @Test
    void namesKeywordFindsAKeywordAsAWholeWord() {
        assertTrue(RULE.namesKeyword("Pour vous désabonner : ARRET"));
        assertTrue(RULE.namesKeyword("opt-out here"));
        assertFalse(RULE.namesKeyword("Reply NO to leave"));
        assertFalse(RULE.namesKeyword("STOPWATCH"));
    }
}
