package io.optoutgw.transport;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Turns a failed TLS handshake into a short reason for one log line, e.g. "certificate not trusted";
 * never echoes bytes the peer sent.
 */
public final class TlsFailures {

    private static final String NOT_TLS = "peer does not speak TLS";

    private TlsFailures() {}

    /** Whether {@code t} (or a cause) is a TLS failure, already reported through the handshake outcome. */
    public static boolean isTls(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SSLException || c instanceof NotSslRecordException) {
                return true;
            }
        }
        return false;
    }

    /** A short reason followed by the deepest cause's message in brackets. */
    public static String reason(Throwable t) {
        String reason = classify(t);
        if (reason.equals(NOT_TLS)) {
            // Netty's message hex-dumps the clear-text bytes received, which may hold a bind password
            return reason + " (clear text on a TLS port?)";
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String detail = root.getMessage();
        return detail == null || detail.isBlank() ? reason : reason + " (" + detail + ")";
    }

    private static String classify(Throwable t) {
        StringBuilder messages = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SslHandshakeTimeoutException) {
                return "handshake timed out";
            }
            if (c instanceof NotSslRecordException) {
                return NOT_TLS;
            }
            if (c instanceof CertificateExpiredException) {
                return "certificate expired";
            }
            if (c instanceof CertificateNotYetValidException) {
                return "certificate not yet valid";
            }
            if (c instanceof CertPathBuilderException || c instanceof CertPathValidatorException) {
                return "certificate not trusted";
            }
            if (c.getMessage() != null) {
                messages.append(c.getMessage().toLowerCase(Locale.ROOT)).append('\n');
            }
            if (c.getCause() == c) {
                break;
            }
        }
        String m = messages.toString();
        if (m.contains("no subject alternative") || m.contains("no name matching")) {
            return "hostname mismatch";
        }
        if (m.contains("pkix path") || m.contains("unable to find valid certification path")) {
            return "certificate not trusted";
        }
        if (m.contains("protocol")
                && (m.contains("version") || m.contains("not enabled") || m.contains("appropriate"))) {
            return "no common protocol version";
        }
        if (m.contains("certificate_required")
                || m.contains("empty client certificate chain")
                || m.contains("empty server certificate chain")) {
            return "certificate required but not presented";
        }
        if (m.contains("bad_certificate") || m.contains("certificate_unknown") || m.contains("unknown_ca")) {
            return "certificate rejected by peer";
        }
        if (m.contains("no cipher suites") || m.contains("handshake_failure")) {
            return "no common cipher suite";
        }
        return "handshake failed";
    }
}
