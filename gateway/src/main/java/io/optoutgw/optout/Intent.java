package io.optoutgw.optout;

/** What a keyword asks for (docs/domain.md "Keywords"; CTIA and CWTA STOP / START / HELP). */
public enum Intent {
    OPT_OUT,
    OPT_IN,
    HELP
}
