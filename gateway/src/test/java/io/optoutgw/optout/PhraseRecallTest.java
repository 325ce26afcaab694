package io.optoutgw.optout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.config.AccountConfig;
import io.optoutgw.config.ConfigLoader;
import io.optoutgw.config.ConfigOverrides;
import io.optoutgw.config.MatchMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Phrase-mode recall, measured on a corpus (src/test/resources/phrases/): per language, how many
 * of the ways people ask a sender to stop are recognised as opt-outs (recall), and how many
 * look-alikes that are not opt-outs ("I'll stop by later", "cancel my appointment", "arrêt de
 * bus") are (false-positive rate). Under FCC 24-24 any reasonable wording revokes consent, so
 * recall is a compliance figure; the floors below make a regression fail the build. The table is
 * printed, and docs/keywords.md ("Phrase recall") must show it as measured. The "-heldout" files
 * were written after the phrase rules were last tuned and are never used to tune them: their
 * figures estimate how the rules do on wordings nobody planned for.
 */
class PhraseRecallTest {

    /**
     * Per corpus (language, or language and "held-out"): recall floor and false-positive ceiling in
     * percent, set 2 points under / over what the rules reach, so that a regression fails the build.
     */
    private static final Map<String, double[]> LIMITS = new LinkedHashMap<>();

    static {
        // measured when these were set: en 97.8 / 0.0, fr 97.4 / 0.0, es 98.6 / 0.0;
        // held-out en 85.0 / 6.7, fr 90.0 / 0.0, es 95.0 / 5.0
        LIMITS.put("en", new double[] {95.8, 2.0});
        LIMITS.put("fr", new double[] {95.4, 2.0});
        LIMITS.put("es", new double[] {96.6, 2.0});
        LIMITS.put("en-heldout", new double[] {83.0, 8.7});
        LIMITS.put("fr-heldout", new double[] {88.0, 2.0});
        LIMITS.put("es-heldout", new double[] {93.0, 7.0});
    }

    /** The files of a corpus: "en" -> en-optout.txt, "en-heldout" -> en-optout-heldout.txt. */
    private static String file(String corpus, String kind) {
        int dash = corpus.indexOf('-');
        return dash < 0 ? corpus + "-" + kind : corpus.substring(0, dash) + "-" + kind + corpus.substring(dash);
    }

    private static final String YAML = """
            instanceId: gw-test
            redis:
              uri: embedded
            upstreams:
              - name: smsc
                host: 10.0.0.1
                port: 2775
                systemId: gw
            accounts:
              - systemId: phrase
                password: secret
                optOut: { keywordMode: phrase }
              - systemId: exact
                password: secret
            """;

    /** The engines production uses for an account with {@code keywordMode: phrase} and one with the default. */
    private static KeywordEngine phrase;

    private static KeywordEngine exact;

    @BeforeAll
    static void engines() {
        List<AccountConfig> accounts =
                ConfigLoader.parse(YAML, ConfigOverrides.NONE).accounts();
        KeywordEngines engines = new KeywordEngines();
        phrase = engines.forSender(accounts.get(0), null);
        exact = engines.forSender(accounts.get(1), null);
    }

    private static List<String> corpus(String name) throws IOException {
        try (InputStream in = PhraseRecallTest.class.getResourceAsStream("/phrases/" + name + ".txt")) {
            assertNotNull(in, "missing corpus file phrases/" + name + ".txt");
            List<String> lines = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String text = line.strip();
                if (text.isEmpty() || text.startsWith("#")) {
                    continue;
                }
                assertTrue(seen.add(text), () -> "duplicate line in phrases/" + name + ".txt: " + text);
                lines.add(text);
            }
            return lines;
        }
    }

    private static boolean optOut(KeywordEngine engine, String text) {
        Optional<KeywordMatch> m = engine.match(text);
        return m.isPresent() && m.get().intent() == Intent.OPT_OUT;
    }

    private static double percent(int part, int whole) {
        return Math.round(1000.0 * part / whole) / 10.0;
    }

    @Test
    void recallAndFalsePositivesPerLanguage() throws IOException {
        assertEquals(MatchMode.PHRASE, phrase.mode());
        assertEquals(MatchMode.EXACT, exact.mode());
        int optOuts = 0;
        int lookAlikes = 0;
        StringBuilder table = new StringBuilder("""
                | corpus | opt-outs | recall (phrase) | recall (exact) | look-alikes | false positives (phrase) |
                |---|---|---|---|---|---|
                """);
        StringBuilder misses = new StringBuilder();
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, double[]> e : LIMITS.entrySet()) {
            String lang = e.getKey();
            List<String> positives = corpus(file(lang, "optout"));
            List<String> negatives = corpus(file(lang, "not-optout"));
            optOuts += positives.size();
            lookAlikes += negatives.size();
            int found = 0;
            int foundExact = 0;
            for (String text : positives) {
                if (optOut(phrase, text)) {
                    found++;
                } else {
                    misses.append("  missed [")
                            .append(lang)
                            .append("] ")
                            .append(text)
                            .append('\n');
                }
                if (optOut(exact, text)) {
                    foundExact++;
                }
            }
            int falsePositives = 0;
            for (String text : negatives) {
                if (optOut(phrase, text)) {
                    falsePositives++;
                    misses.append("  false positive [")
                            .append(lang)
                            .append("] ")
                            .append(text)
                            .append(" -> ")
                            .append(phrase.match(text).orElseThrow().keyword())
                            .append('\n');
                }
                // exact mode never takes a look-alike for an opt-out
                assertTrue(!optOut(exact, text), () -> "exact mode took a look-alike for an opt-out: " + text);
            }
            double recall = percent(found, positives.size());
            double fp = percent(falsePositives, negatives.size());
            table.append("| ")
                    .append(lang.replace("-heldout", " (held-out)"))
                    .append(" | ")
                    .append(positives.size())
                    .append(" | ")
                    .append(recall)
                    .append(" % (")
                    .append(found)
                    .append(')')
                    .append(" | ")
                    .append(percent(foundExact, positives.size()))
                    .append(" % (")
                    .append(foundExact)
                    .append(')')
                    .append(" | ")
                    .append(negatives.size())
                    .append(" | ")
                    .append(fp)
                    .append(" % (")
                    .append(falsePositives)
                    .append(")")
                    .append(" |\n");
            if (recall < e.getValue()[0]) {
                failures.add(lang + " recall " + recall + " % is under its floor " + e.getValue()[0] + " %");
            }
            if (fp > e.getValue()[1]) {
                failures.add(lang + " false-positive rate " + fp + " % is over its ceiling " + e.getValue()[1] + " %");
            }
        }
        System.out.println("Phrase recall (PhraseRecallTest)\n" + table + misses);
        assertTrue(
                optOuts >= 200 && lookAlikes >= 200,
                "the corpus needs at least 200 opt-outs and 200 look-alikes: " + optOuts + " / " + lookAlikes);
        assertTrue(failures.isEmpty(), () -> String.join("\n", failures) + "\n" + table + misses);
        String doc = Files.readString(repoRoot().resolve("docs/keywords.md"));
        assertTrue(
                doc.contains(table),
                () -> "docs/keywords.md (Phrase recall) does not show the measured table:\n" + table);
    }

    private static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("docs/keywords.md"))) {
            p = p.getParent();
        }
        assertNotNull(p, "no docs/keywords.md above the working directory");
        return p;
    }

    /** The ASCII fast path and the normal-form path agree on every corpus line. */
    @Test
    void fastPathAgreesWithNormalFormOnTheCorpus() throws IOException {
        for (String lang : LIMITS.keySet()) {
            for (String name : List.of(file(lang, "optout"), file(lang, "not-optout"))) {
                for (String text : corpus(name)) {
                    assertEquals(
                            phrase.matchNormalized(text), phrase.match(text).orElse(null), text);
                }
            }
        }
    }

    /** Phrase mode leaves the exact keywords as they are: same match for a bare keyword in both modes. */
    @Test
    void bareKeywordsMatchTheSameInBothModes() {
        for (String text : List.of(
                "STOP",
                "stop",
                "Stop.",
                " STOP!! ",
                "ＳＴＯＰ",
                "ARRÊT",
                "Baja",
                "STOP ALL",
                "stopall",
                "UNSUBSCRIBE",
                "cancel",
                "END",
                "quit",
                "Opt-Out",
                "START",
                "HELP",
                "Ayuda",
                "AIDE")) {
            assertEquals(exact.match(text), phrase.match(text), text);
            assertTrue(exact.match(text).isPresent(), text);
        }
        assertEquals(
                new KeywordMatch(Intent.OPT_OUT, "STOP", "en", false),
                exact.match("Stop!").orElseThrow());
        assertEquals(Optional.empty(), exact.match("please stop"));
        assertEquals(Optional.empty(), exact.match("stop texting me"));
    }
}
