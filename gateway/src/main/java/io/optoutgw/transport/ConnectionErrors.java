package io.optoutgw.transport;

import java.io.IOException;
import org.slf4j.Logger;

/**
 * One triage of the errors that end a connection, for every side of the gateway and the
 * simulator. A TLS failure is already reported with the handshake's outcome, and an I/O error is
 * a peer gone away: both are DEBUG. Anything else is unexpected: WARN. The caller closes the
 * connection afterwards.
 */
public final class ConnectionErrors {

    private ConnectionErrors() {}

    /** Logs {@code cause} under {@code label} (the connection's log prefix) at the level it deserves. */
    public static void log(Logger log, String label, Throwable cause) {
        if (TlsFailures.isTls(cause)) {
            log.debug("{} TLS error: {}", label, TlsFailures.reason(cause));
        } else if (cause instanceof IOException) {
            log.debug("{} connection error: {}", label, cause.getMessage());
        } else {
            log.warn("{} closing: {}", label, cause.toString());
        }
    }
}
