package io.optoutgw.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.optoutgw.config.ConfigException;
import io.optoutgw.config.SmppTlsConfig;
import io.optoutgw.config.UpstreamTlsConfig;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the Netty TLS contexts of the ESME listener, the upstream connections and the simulator:
 * JDK provider, TLS 1.3 and 1.2 only. Files are read once, at start-up.
 */
public final class TlsContexts {

    private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);

    /** The only protocol versions ever enabled, newest first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private TlsContexts() {}

    /** The ESME listener's server context (certificate, key and optional client authentication). */
    public static SslContext esmeServer(SmppTlsConfig c) {
        String k = "smpp.tls.";
        X509Certificate[] trusted = c.trustedClientCertificatesFile() == null
                ? null
                : Pem.certificates(k + "trustedClientCertificatesFile", Path.of(c.trustedClientCertificatesFile()));
        ClientAuth auth = switch (c.clientAuth()) {
            case NONE -> ClientAuth.NONE;
            case OPTIONAL -> ClientAuth.OPTIONAL;
            case REQUIRE -> ClientAuth.REQUIRE;
        };
        return server(k, Path.of(c.certificateFile()), Path.of(c.privateKeyFile()), auth, trusted);
    }

    /** A server context without client authentication (the SMSC simulator's). */
    public static SslContext server(Path certificateFile, Path privateKeyFile) {
        return server("", certificateFile, privateKeyFile, ClientAuth.NONE, null);
    }

    private static SslContext server(
            String k, Path certificateFile, Path privateKeyFile, ClientAuth auth, X509Certificate[] trustedClients) {
        X509Certificate[] chain = Pem.certificates(k + "certificateFile", certificateFile);
        PrivateKey key = Pem.privateKey(k + "privateKeyFile", privateKeyFile);
        Pem.checkPair(k + "privateKeyFile", key, chain, k + "certificateFile");
        warnIfNotValidNow(k + "certificateFile", chain[0]);
        SslContextBuilder b = SslContextBuilder.forServer(key, chain)
                .sslProvider(SslProvider.JDK)
                .protocols(PROTOCOLS)
                .clientAuth(auth);
        if (trustedClients != null) {
            b.trustManager(trustedClients);
        }
        return build(k + "certificateFile", b);
    }

    /**
     * The client context towards one SMSC; {@code k} is the key prefix for errors, e.g.
     * {@code upstreams[smsc-a].tls.}. Returns {@code null} when TLS is off.
     */
    public static SslContext upstreamClient(UpstreamTlsConfig c, String k) {
        if (!c.enabled()) {
            return null;
        }
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols(PROTOCOLS)
                .endpointIdentificationAlgorithm(c.hostnameVerification() ? "HTTPS" : null);
        if (c.trustedCertificatesFile() != null) {
            // explicit trust replaces the JDK's default trust store
            b.trustManager(Pem.certificates(k + "trustedCertificatesFile", Path.of(c.trustedCertificatesFile())));
        }
        if (c.clientCertificateFile() != null) {
            X509Certificate[] chain = Pem.certificates(k + "clientCertificateFile", Path.of(c.clientCertificateFile()));
            PrivateKey key = Pem.privateKey(k + "clientPrivateKeyFile", Path.of(c.clientPrivateKeyFile()));
            Pem.checkPair(k + "clientPrivateKeyFile", key, chain, k + "clientCertificateFile");
            warnIfNotValidNow(k + "clientCertificateFile", chain[0]);
            b.keyManager(key, chain);
        }
        return build(k + "enabled", b);
    }

    /**
     * A client handler for {@code host:port} (the name is sent as SNI and, with
     * {@code verifyHostname}, checked against the certificate's subject alternative names).
     */
    public static SslHandler clientHandler(
            SslContext context,
            ByteBufAllocator alloc,
            String host,
            int port,
            boolean verifyHostname,
            Duration handshakeTimeout) {
        SslHandler handler = context.newHandler(alloc, host, port);
        SSLEngine engine = handler.engine();
        SSLParameters params = engine.getSSLParameters();
        params.setEndpointIdentificationAlgorithm(verifyHostname ? "HTTPS" : null);
        engine.setSSLParameters(params);
        handler.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
        return handler;
    }

    /** A server handler for one accepted connection. */
    public static SslHandler serverHandler(SslContext context, ByteBufAllocator alloc, Duration handshakeTimeout) {
        SslHandler handler = context.newHandler(alloc);
        handler.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
        return handler;
    }

    private static SslContext build(String key, SslContextBuilder b) {
        try {
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigException(key, "cannot set up TLS: " + e.getMessage());
        }
    }

    private static void warnIfNotValidNow(String key, X509Certificate cert) {
        try {
            cert.checkValidity();
        } catch (CertificateExpiredException e) {
            log.warn(
                    "{}: certificate {} expired on {}",
                    key,
                    cert.getSubjectX500Principal().getName(),
                    cert.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            log.warn(
                    "{}: certificate {} is not valid before {}",
                    key,
                    cert.getSubjectX500Principal().getName(),
                    cert.getNotBefore().toInstant());
        }
    }
}
