package io.optoutgw.config;

/**
 * How {@link KeywordEngine} reads a message: {@link #EXACT} when the whole message must be a
 * keyword (the CTIA-safe default), {@link #PHRASE} when revocation wording is also recognised
 * (FCC 24-24: any reasonable means of revoking consent).
 */
public enum MatchMode {
    EXACT,
    PHRASE
}
