package io.optoutgw.optout;

/**
 * A recognised keyword: its intent, the configured keyword text (or, for a phrase-mode match,
 * the matched normalised phrase), its language, and whether it asks for the widest scope.
 */
public record KeywordMatch(Intent intent, String keyword, String language, boolean all) {}
