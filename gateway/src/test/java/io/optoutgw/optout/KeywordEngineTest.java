package io.optoutgw.optout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.config.DataCodingZero;
import io.optoutgw.config.Keyword;
import io.optoutgw.config.MatchMode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeywordEngineTest {

    private static final KeywordEngine EXACT = KeywordEngine.defaults(MatchMode.EXACT);
    private static final KeywordEngine PHRASE = KeywordEngine.defaults(MatchMode.PHRASE);

    private static KeywordMatch match(KeywordEngine engine, String text) {
        Optional<KeywordMatch> m = engine.match(text);
        assertTrue(m.isPresent(), () -> "expected a match for [" + text + "]");
        return m.get();
    }

    // --- default table, every keyword --------------------------------------------------------

    @ParameterizedTest(name = "{0} -> {1} {2} all={3}")
    @CsvSource({
        "STOP, OPT_OUT, en, false",
        "STOPALL, OPT_OUT, en, true",
        "STOP ALL, OPT_OUT, en, true",
        "UNSUBSCRIBE, OPT_OUT, en, false",
        "CANCEL, OPT_OUT, en, false",
        "END, OPT_OUT, en, false",
        "QUIT, OPT_OUT, en, false",
        "REVOKE, OPT_OUT, en, false",
        "OPTOUT, OPT_OUT, en, false",
        "OPT OUT, OPT_OUT, en, false",
        "OPT-OUT, OPT_OUT, en, false",
        "REMOVE, OPT_OUT, en, false",
        "ARRET, OPT_OUT, fr, false",
        "ARRETE, OPT_OUT, fr, false",
        "ARRETT, OPT_OUT, fr, false",
        "ALTO, OPT_OUT, es, false",
        "BAJA, OPT_OUT, es, false",
        "PARAR, OPT_OUT, es, false",
        "CANCELAR, OPT_OUT, es, false",
        "START, OPT_IN, en, false",
        "UNSTOP, OPT_IN, en, false",
        "YES, OPT_IN, en, false",
        "SUBSCRIBE, OPT_IN, en, false",
        "ALTA, OPT_IN, es, false",
        "HELP, HELP, en, false",
        "INFO, HELP, en, false",
        "AIDE, HELP, fr, false",
        "AYUDA, HELP, es, false",
    })
    void defaultTable(String text, Intent intent, String language, boolean all) {
        for (KeywordEngine engine : List.of(EXACT, PHRASE)) {
            for (String form : List.of(text, text.toLowerCase(), " " + text + "!! ", "\"" + text + ".\"")) {
                KeywordMatch m = match(engine, form);
                assertEquals(intent, m.intent(), form);
                assertEquals(language, m.language(), form);
                assertEquals(all, m.all(), form);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Stop.",
                " STOP!! ",
                "stop",
                "sToP",
                "ｓｔｏｐ",
                "ＳＴＯＰ",
                "\tSTOP\r\n",
                "...stop...",
                "STOP 🛑",
                "\u00A0STOP\u3000",
                "S\u200BTOP",
                "\uFEFFSTOP",
                "Ŝtöp",
                "STOP\u0301",
                "(stop)",
                "¡STOP!",
                "*STOP*"
            })
    void stopInManyForms(String text) {
        KeywordMatch m = match(EXACT, text);
        assertEquals(Intent.OPT_OUT, m.intent());
        assertEquals("STOP", m.keyword());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ARRÊT", "arrêt", "Arrêt!", "ARRET", "arrêté", "ＡＲＲÊＴ", "ARRE\u0302T"})
    void frenchWithAccents(String text) {
        KeywordMatch m = match(EXACT, text);
        assertEquals(Intent.OPT_OUT, m.intent());
        assertEquals("fr", m.language());
    }

    @ParameterizedTest
    @ValueSource(strings = {"opt-out", "OPT OUT", "opt   out", "opt_out", "Opt–Out", "OPT - OUT", "optout"})
    void optOutSpellings(String text) {
        assertEquals(Intent.OPT_OUT, match(EXACT, text).intent());
    }

    @ParameterizedTest
    @ValueSource(strings = {"stop all", "STOPALL", "Stop  All!", "stop-all", "ＳＴＯＰ ＡＬＬ"})
    void stopAllIsWidestScope(String text) {
        KeywordMatch m = match(EXACT, text);
        assertEquals(Intent.OPT_OUT, m.intent());
        assertTrue(m.all());
    }

    @Test
    void plainStopIsNotAll() {
        assertFalse(match(EXACT, "STOP").all());
    }

    @Test
    void spanishAndFrenchHelpAndOptIn() {
        assertEquals(new KeywordMatch(Intent.HELP, "AYUDA", "es", false), match(EXACT, "¡Ayuda!"));
        assertEquals(new KeywordMatch(Intent.HELP, "AIDE", "fr", false), match(EXACT, "aide"));
        assertEquals(new KeywordMatch(Intent.OPT_IN, "ALTA", "es", false), match(EXACT, "alta"));
        assertEquals(new KeywordMatch(Intent.OPT_OUT, "BAJA", "es", false), match(EXACT, "Baja."));
    }

    // --- exact mode negatives ----------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "   ",
                "!!!",
                "stopwatch",
                "STOPS",
                "nonstop",
                "non-stop",
                "non-stop deals",
                "unstoppable",
                "please stop texting me",
                "stop texting me",
                "STOP IT",
                "Please stop",
                "don't stop",
                "bus stop",
                "I'll stop by later",
                "stop by the store",
                "S T O P",
                "ST0P",
                "STOPP",
                "STO",
                "endless",
                "friend",
                "help me with my order",
                "yes please",
                "remove me",
                "opt me out",
                "cancelled",
                "quitting",
                "id:123 sub:001 dlvrd:001 submit date:2401010000 done date:2401010000 stat:DELIVRD err:000 text:STOP",
                "STOP STOP"
            })
    void exactModeNegatives(String text) {
        assertEquals(Optional.empty(), EXACT.match(text), text);
    }

    @Test
    void nullMatchesNothing() {
        assertEquals(Optional.empty(), EXACT.match(null));
        assertEquals(Optional.empty(), PHRASE.match(null));
    }

    @Test
    void longTextsAreRejectedCorrectly() {
        String padding = " ".repeat(500);
        assertEquals(Intent.OPT_OUT, match(EXACT, padding + "STOP" + padding).intent());
        assertEquals(
                Intent.OPT_OUT,
                match(EXACT, "\u3000".repeat(300) + "ｓｔｏｐ" + "!".repeat(300)).intent());
        assertEquals(Optional.empty(), EXACT.match("x".repeat(160)));
        assertEquals(Optional.empty(), EXACT.match("é".repeat(160)));
        // Zalgo-style combining marks do not hide the keyword.
        assertEquals(
                Intent.OPT_OUT,
                match(EXACT, "S\u0336\u0336T\u0336\u0336O\u0336\u0336P\u0336\u0336")
                        .intent());
    }

    // --- phrase mode ------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(
            strings = {
                "please stop texting me",
                "Stop texting me",
                "stop texting me!!",
                "Can you stop sending me messages?",
                "STOP SENDING ME THESE",
                "stop messaging me",
                "quit texting me",
                "stop contacting me",
                "Who is this? Stop texting me.",
                "I don't know who this is, stop texting me",
                "If you don't stop texting me I'll report you",
                "stop these messages",
                "Stop the texts please",
                "stop all messages",
                "stop spam",
                "opt me out",
                "Please opt me out.",
                "I want to opt out",
                "please opt-out",
                "take me off your list",
                "Take my number off your list",
                "remove me",
                "Remove me from this list",
                "remove my number",
                "delete my number please",
                "unsubscribe me",
                "I want to unsubscribe",
                "how do I unsubscribe?",
                "no more texts",
                "No more messages please",
                "don't text me",
                "Do not contact me again",
                "never text me again",
                "leave me alone",
                "I revoke my consent",
                "please stop",
                "Stop please",
                "STOP IT",
                "stop now!",
                "just stop.",
                "Cancel please",
                "STOP ALL please",
                "unsubscribe, thank you",
                "Arrêtez de m'envoyer des messages",
                "arrête les textos",
                "Ne m'envoyez plus de messages",
                "laissez-moi tranquille",
                "me désabonner",
                "Dejen de enviarme mensajes",
                "no me envíen más mensajes",
                "quiero darme de baja",
                "No más mensajes",
                "Stop, thanks",
                "STOP STOP",
                "Stop. STOP! stop",
                "Wrong number, please remove",
                "Not interested. STOP",
                "STOPP",
                "sotp",
                "Unsubscrib",
                "Arrêtez svp",
                "Arrêt s.v.p.",
                "Pas intéressé, arrêtez",
                "I want out please",
                "Retirez-moi svp",
                "Denme de baja",
                "No me vuelvan a escribir",
            })
    void phrasePositives(String text) {
        KeywordMatch m = match(PHRASE, text);
        assertEquals(Intent.OPT_OUT, m.intent(), text);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "non-stop deals",
                "nonstop deals all weekend",
                "don't stop",
                "Don't stop texting me, I love these deals",
                "please don't stop sending me messages",
                "I can't stop laughing",
                "can't stop won't stop",
                "stopwatch",
                "bus stop",
                "I'm at the bus stop",
                "I'll stop by later",
                "stop by the store",
                "Can we stop at the bar",
                "The show will not end",
                "the end",
                "quit my job today lol",
                "weekend deals",
                "stop sign ahead",
                "where is the nearest stop",
                "I won't unsubscribe",
                "please don't remove me",
                "take me to the store",
                "Send me more texts",
                "Yes",
                "Help",
                "Start",
                "please help",
                "non stop action",
                "remove the item from my cart",
                "my order was cancelled",
                "I never stop texting my mom",
                // around the reasons, aliases, slips and end-anchored phrases
                "No thanks, I'll stop by later",
                "wrong stop, I got off too early",
                "Take me off the waitlist, I found one",
                "I want out of my contract",
                "stoop",
                "alot",
                "Arrêtez-vous au dépanneur",
                "Je ne veux plus de dessert",
                "Retirer l'article de mon panier",
                "No dejen de mandarme las ofertas",
                "Can you cancel my order",
                "remove this number from my account",
                "I don't want to get any charges",
                "Stop pub crawl tonight?",
            })
    void phraseNegatives(String text) {
        Optional<KeywordMatch> m = PHRASE.match(text);
        assertFalse(m.isPresent() && m.get().intent() == Intent.OPT_OUT, () -> text + " -> " + m);
    }

    @Test
    void phraseModeNeverWeakensExactMode() {
        for (String k : List.of("STOP", "stop all", "ＡＲＲＥＴ", "Ayuda", "YES", "opt-out")) {
            assertEquals(EXACT.match(k), PHRASE.match(k), k);
        }
        assertEquals("STOPALL", match(PHRASE, "STOPALL!").keyword());
    }

    @Test
    void phraseMatchReportsPhraseAndLanguage() {
        KeywordMatch en = match(PHRASE, "Please stop texting me");
        assertEquals("STOP TEXTING", en.keyword());
        assertEquals("en", en.language());
        assertFalse(en.all());
        assertEquals("fr", match(PHRASE, "Arrêtez de m'envoyer des messages").language());
        assertEquals("es", match(PHRASE, "Dejen de enviarme mensajes").language());
        assertEquals("STOP", match(PHRASE, "please stop").keyword());
        assertTrue(match(PHRASE, "stop all please").all());
    }

    @Test
    void politenessDoesNotTurnOptInOrHelpIntoMatches() {
        assertEquals(Optional.empty(), PHRASE.match("please start"));
        assertEquals(Optional.empty(), PHRASE.match("help please"));
    }

    // --- configuration ----------------------------------------------------------------------

    @Test
    void customListsReplaceDefaults() {
        KeywordConfig config = new KeywordConfig(
                MatchMode.EXACT,
                List.of(new Keyword("HALT", "en"), new Keyword("Tout arrêter", "fr", true)),
                List.of(new Keyword("GO", "en")),
                List.of());
        KeywordEngine engine = new KeywordEngine(config);
        assertEquals(new KeywordMatch(Intent.OPT_OUT, "HALT", "en", false), match(engine, "halt!"));
        assertEquals(new KeywordMatch(Intent.OPT_OUT, "Tout arrêter", "fr", true), match(engine, "TOUT ARRETER"));
        assertEquals(Intent.OPT_IN, match(engine, "Go").intent());
        assertEquals(Optional.empty(), engine.match("STOP"));
        assertEquals(Optional.empty(), engine.match("HELP"));
        assertEquals(Optional.empty(), engine.match("START"));
    }

    @Test
    void emptyConfigMatchesNothing() {
        KeywordEngine engine = new KeywordEngine(new KeywordConfig(MatchMode.EXACT, List.of(), List.of(), List.of()));
        assertEquals(Optional.empty(), engine.match("STOP"));
    }

    @Test
    void conflictingIntentsRejected() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new KeywordEngine(new KeywordConfig(
                        MatchMode.EXACT,
                        List.of(new Keyword("STOP", "en")),
                        List.of(new Keyword("stop", "en")),
                        List.of())));
        assertThrows(
                IllegalArgumentException.class,
                () -> new KeywordEngine(
                        new KeywordConfig(MatchMode.EXACT, List.of(new Keyword("!!!", "en")), List.of(), List.of())));
    }

    @Test
    void defaultsMatchDomainTable() {
        KeywordConfig d = KeywordConfig.defaults();
        assertEquals(MatchMode.EXACT, d.mode());
        assertEquals(19, d.optOut().size());
        assertEquals(5, d.optIn().size());
        assertEquals(4, d.help().size());
    }

    @Test
    void worksOnDecodedText() {
        TextDecoder decoder = new TextDecoder(DataCodingZero.GSM7_PACKED);
        MessageText text = decoder.decode(new SmContent(0, 0, GsmTestCodec.pack(GsmTestCodec.septets("Stop.")), null));
        assertEquals(
                Intent.OPT_OUT, match(EXACT, ((MessageText.Text) text).text()).intent());
    }
}
