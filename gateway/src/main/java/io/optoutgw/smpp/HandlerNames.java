package io.optoutgw.smpp;

/**
 * The names of the handlers of an SMPP connection's pipeline, in their order (see
 * {@link SmppPipeline}); each is there only when the connection uses it.
 */
public final class HandlerNames {

    /** TLS ({@code SslHandler}), on TLS connections only: everything after it sees clear text. */
    public static final String TLS = "tls";
    /** Flush consolidation: flushes of PDUs produced together leave in one syscall. */
    public static final String FLUSH = "flush";
    /** Reader idle detection: a silent peer is announced to the session, which probes it. */
    public static final String IDLE = "idle";
    /** Framing and PDU decoding ({@code SmppDecoder}). */
    public static final String DECODER = "decoder";
    /** PDU encoding ({@code SmppEncoder}). */
    public static final String ENCODER = "encoder";
    /** PDU counters, between codec and session so that they see PDUs both ways. */
    public static final String METRICS = "metrics";
    /** The session: bind state, window, requests and responses. Always last. */
    public static final String SESSION = "session";

    private HandlerNames() {}
}
