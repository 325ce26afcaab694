package io.optoutgw.optout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.config.MatchMode;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AsciiWordsTest {

    /** Pieces of ASCII messages: words of the phrase rules, other words, separators, punctuation. */
    private static final String[] PIECES = {
        "stop",
        "STOP",
        "Stop",
        "texting",
        "me",
        "don't",
        "DON'T",
        "dont",
        "never",
        "if",
        "you",
        "please",
        "pls",
        "thanks",
        "now",
        "opt",
        "out",
        "opt-out",
        "optout",
        "unsubscribe",
        "UNSUB",
        "remove",
        "my",
        "number",
        "take",
        "off",
        "no",
        "more",
        "texts",
        "leave",
        "alone",
        "do",
        "not",
        "contact",
        "us",
        "arretez",
        "de",
        "m'envoyer",
        "dejen",
        "enviar",
        "start",
        "help",
        "info",
        "cancel",
        "end",
        "quit",
        "O'Neil",
        "hello",
        "bridge",
        "42",
        "x1",
        "wrong",
        "number",
        "not",
        "interested",
        "sotp",
        "STOPP",
        "want",
        "this",
        "list",
        "your",
        "svp",
        "s.v.p.",
        "arretez",
        "tout",
        "already",
        "subscription",
        "be",
        "removed",
        "no",
        "quiero",
        "recibir",
        "mensajes",
        "moi",
        "retirez",
        "de",
        "baja",
        "denme",
        "'",
        "`",
        "-",
        "_",
        "--",
        " ",
        " ",
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        ".",
        ",",
        ";",
        ":",
        "!",
        "?",
        "...",
        "(",
        ")",
        "\"",
        "#",
        "@",
        "*",
        "/",
        "&",
        "+",
        "=",
        "\u007f"
    };

    private static String randomText(SplittableRandom random) {
        StringBuilder sb = new StringBuilder();
        int count = random.nextInt(1, 14);
        for (int i = 0; i < count; i++) {
            if (random.nextInt(10) == 0) {
                sb.append((char) random.nextInt(0, 0x80)); // any ASCII character
            } else {
                sb.append(PIECES[random.nextInt(PIECES.length)]);
            }
            if (random.nextBoolean()) {
                sb.append(' ');
            }
        }
        return sb.toString();
    }

    @Test
    void clausesEqualThoseOfTheNormalFormWithUnknownWordsAsOther() {
        Set<String> known = Set.of("STOP", "TEXTING", "ME", "DONT", "PLEASE", "OPT", "OUT", "42", "ONEIL");
        AsciiWords words = new AsciiWords(known);
        SplittableRandom random = new SplittableRandom(20261126);
        for (int n = 0; n < 20_000; n++) {
            String text = randomText(random);
            List<List<String>> expected = TextNormalizer.clauses(TextNormalizer.normalize(text)).stream()
                    .map(clause -> clause.stream()
                            .map(w -> known.contains(w) ? w : AsciiWords.OTHER)
                            .toList())
                    .toList();
            assertEquals(expected, words.clauses(text), () -> "clauses differ for \"" + text + "\"");
        }
    }

    @Test
    void knownWordsComeBackAsTheSetsInstances() {
        String stop = new String("STOP");
        AsciiWords words = new AsciiWords(Set.of(stop, "DONT"));
        List<List<String>> clauses = words.clauses("please, don't STOP!stop");
        assertEquals(List.of(List.of(AsciiWords.OTHER), List.of("DONT", "STOP"), List.of("STOP")), clauses);
        assertSame(stop, clauses.get(1).get(1));
        assertEquals(List.of(), words.clauses(" ... ,,, !"));
    }

    @Test
    void phraseModeGivesTheSameAnswerWithAndWithoutTheNormalForm() {
        KeywordEngine engine = KeywordEngine.defaults(MatchMode.PHRASE);
        SplittableRandom random = new SplittableRandom(7);
        int matched = 0;
        for (int n = 0; n < 50_000; n++) {
            String text = randomText(random);
            KeywordMatch viaNormalForm = engine.matchNormalized(text);
            assertEquals(viaNormalForm, engine.match(text).orElse(null), () -> "differs for \"" + text + "\"");
            if (viaNormalForm != null) {
                matched++;
            }
        }
        assertTrue(
                matched > 2_000,
                "too few texts matched a keyword or phrase for the comparison to mean much: " + matched);
    }
}
