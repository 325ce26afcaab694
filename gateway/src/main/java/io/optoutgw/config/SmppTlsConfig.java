package io.optoutgw.config;

/**
 * The optional second ESME listener, speaking SMPP over TLS (TLS 1.2 and 1.3 only); absent from
 * {@code smpp} means no TLS listener. It listens on {@code smpp.host} like the plain listener.
 *
 * @param port                          TCP port (0 picks a free one, for tests); default 3550
 * @param certificateFile               PEM certificate chain, server certificate first
 * @param privateKeyFile                PEM private key (unencrypted PKCS#8, {@code BEGIN PRIVATE KEY})
 * @param clientAuth                    whether ESMEs must present a certificate
 * @param trustedClientCertificatesFile PEM bundle of CAs (or certificates) client certificates must
 *                                      chain to; required unless {@code clientAuth} is {@code none}
 */
public record SmppTlsConfig(
        Integer port,
        String certificateFile,
        String privateKeyFile,
        ClientAuth clientAuth,
        String trustedClientCertificatesFile) {

    public static final int DEFAULT_PORT = 3550;
    private static final String K = "smpp.tls.";

    /** Whether the TLS listener asks ESMEs for a certificate. */
    public enum ClientAuth {
        NONE,
        OPTIONAL,
        REQUIRE
    }

    public SmppTlsConfig {
        port = ConfigChecks.port(K + "port", port == null ? DEFAULT_PORT : port, true);
        ConfigChecks.readableFile(K + "certificateFile", ConfigChecks.notBlank(K + "certificateFile", certificateFile));
        ConfigChecks.readableFile(K + "privateKeyFile", ConfigChecks.notBlank(K + "privateKeyFile", privateKeyFile));
        clientAuth = clientAuth == null ? ClientAuth.NONE : clientAuth;
        if (clientAuth == ClientAuth.NONE) {
            if (trustedClientCertificatesFile != null) {
                throw new ConfigException(
                        K + "trustedClientCertificatesFile",
                        "only used with clientAuth optional or require (clientAuth is none)");
            }
        } else {
            ConfigChecks.readableFile(
                    K + "trustedClientCertificatesFile",
                    ConfigChecks.notBlank(K + "trustedClientCertificatesFile", trustedClientCertificatesFile));
        }
    }
}
