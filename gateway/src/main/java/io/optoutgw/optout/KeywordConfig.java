package io.optoutgw.optout;

import io.optoutgw.config.Keyword;
import io.optoutgw.config.MatchMode;
import java.util.List;
import java.util.Objects;

/**
 * Keyword lists per intent and the match mode. Lists given here replace the defaults entirely;
 * {@link #defaults()} holds the docs/domain.md table (CTIA, CWTA bilingual STOP/ARRET/AIDE, FCC 24-24).
 */
public record KeywordConfig(MatchMode mode, List<Keyword> optOut, List<Keyword> optIn, List<Keyword> help) {

    public KeywordConfig {
        Objects.requireNonNull(mode, "mode");
        optOut = List.copyOf(optOut);
        optIn = List.copyOf(optIn);
        help = List.copyOf(help);
    }

    private static final List<Keyword> DEFAULT_OPT_OUT = List.of(
            new Keyword("STOP", "en"),
            new Keyword("STOPALL", "en", true),
            new Keyword("STOP ALL", "en", true),
            new Keyword("UNSUBSCRIBE", "en"),
            new Keyword("CANCEL", "en"),
            new Keyword("END", "en"),
            new Keyword("QUIT", "en"),
            new Keyword("REVOKE", "en"),
            new Keyword("OPTOUT", "en"),
            new Keyword("OPT OUT", "en"),
            new Keyword("OPT-OUT", "en"),
            new Keyword("REMOVE", "en"),
            new Keyword("ARRET", "fr"),
            new Keyword("ARRETE", "fr"),
            new Keyword("ARRETT", "fr"),
            new Keyword("ALTO", "es"),
            new Keyword("BAJA", "es"),
            new Keyword("PARAR", "es"),
            new Keyword("CANCELAR", "es"));

    private static final List<Keyword> DEFAULT_OPT_IN = List.of(
            new Keyword("START", "en"),
            new Keyword("UNSTOP", "en"),
            new Keyword("YES", "en"),
            new Keyword("SUBSCRIBE", "en"),
            new Keyword("ALTA", "es"));

    private static final List<Keyword> DEFAULT_HELP = List.of(
            new Keyword("HELP", "en"),
            new Keyword("INFO", "en"),
            new Keyword("AIDE", "fr"),
            new Keyword("AYUDA", "es"));

    /** The default table in {@link MatchMode#EXACT} mode. */
    public static KeywordConfig defaults() {
        return new KeywordConfig(MatchMode.EXACT, DEFAULT_OPT_OUT, DEFAULT_OPT_IN, DEFAULT_HELP);
    }

    /** The same lists with another mode. */
    public KeywordConfig withMode(MatchMode newMode) {
        return new KeywordConfig(newMode, optOut, optIn, help);
    }

    /** The keywords of one intent. */
    public List<Keyword> keywords(Intent intent) {
        switch (intent) {
            case OPT_OUT:
                return optOut;
            case OPT_IN:
                return optIn;
            default:
                return help;
        }
    }
}
