package io.optoutgw.config;

import java.util.List;

/**
 * Keyword lists that replace the defaults for one account or sender; an absent list keeps the
 * default list of that intent (docs/domain.md, "Keywords").
 */
public record KeywordLists(List<Keyword> optOut, List<Keyword> optIn, List<Keyword> help) {

    public KeywordLists {
        optOut = optOut == null ? null : List.copyOf(optOut);
        optIn = optIn == null ? null : List.copyOf(optIn);
        help = help == null ? null : List.copyOf(help);
    }
}
