package io.optoutgw.config;

import java.util.Objects;

/**
 * One configured keyword; {@code all} marks the widest-scope opt-out (STOPALL: every sender and
 * program, not only the one replied to). {@code language} is an ISO 639-1 code such as "en".
 */
public record Keyword(String text, String language, boolean all) {

    public Keyword {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(language, "language");
        if (text.isBlank()) {
            throw new IllegalArgumentException("blank keyword");
        }
    }

    public Keyword(String text, String language) {
        this(text, language, false);
    }
}
