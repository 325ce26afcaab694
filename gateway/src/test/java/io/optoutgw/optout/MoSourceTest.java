package io.optoutgw.optout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.optoutgw.suppression.ConsentEvent.Source;
import org.junit.jupiter.api.Test;

/** The source an MO's consent event records: a configured keyword as such, or what phrase mode recognised. */
class MoSourceTest {

    private static KeywordMatch optOut(String keyword) {
        return new KeywordMatch(Intent.OPT_OUT, keyword, "en", false);
    }

    @Test
    void aKeywordInAnySpellingIsAKeyword() {
        assertEquals(Source.MO_KEYWORD, OptOutService.moSource("STOP", optOut("STOP"), null));
        assertEquals(Source.MO_KEYWORD, OptOutService.moSource(" stop!! ", optOut("STOP"), null));
        assertEquals(Source.MO_KEYWORD, OptOutService.moSource("opt-out", optOut("OPT OUT"), null));
        assertEquals(
                Source.MO_KEYWORD,
                OptOutService.moSource("START", new KeywordMatch(Intent.OPT_IN, "START", "en", false), null));
    }

    @Test
    void aKeywordNamingACategoryIsAKeyword() {
        assertEquals(Source.MO_KEYWORD, OptOutService.moSource("STOP marketing", optOut("STOP"), "marketing"));
    }

    @Test
    void whatPhraseModeRecognisedIsAPhrase() {
        assertEquals(
                Source.MO_PHRASE, OptOutService.moSource("please stop texting me", optOut("STOP TEXTING ME"), null));
        assertEquals(Source.MO_PHRASE, OptOutService.moSource("STOPP", optOut("STOP"), null));
        assertEquals(Source.MO_PHRASE, OptOutService.moSource("stop please", optOut("STOP"), null));
    }
}
