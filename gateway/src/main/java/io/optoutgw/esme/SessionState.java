package io.optoutgw.esme;

/** Life of an SMPP session (SMPP 3.4 section 2.2). */
public enum SessionState {
    /** connected, not bound: only bind and enquire_link are allowed */
    OPEN,
    BOUND,
    /** unbind received or shutdown started: requests in flight drain, new ones are refused */
    UNBINDING,
    CLOSED
}
