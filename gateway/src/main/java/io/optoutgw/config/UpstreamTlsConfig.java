package io.optoutgw.config;

/**
 * TLS towards one SMSC (TLS 1.2 and 1.3 only). The SMSC's certificate must chain to a trusted
 * certificate and, unless turned off, name the upstream's host; either failure refuses the
 * connection, which is retried with backoff like any other.
 *
 * @param enabled                 TLS on; defaults to true once a {@code tls} section is present
 * @param trustedCertificatesFile PEM bundle of CAs (or the SMSC's own certificate) to trust;
 *                                absent = the JDK's default trust store
 * @param hostnameVerification    the certificate must match {@code host} (DNS name or IP SAN); default true
 * @param clientCertificateFile   PEM certificate chain presented to the SMSC, with {@code clientPrivateKeyFile}
 * @param clientPrivateKeyFile    PEM private key (unencrypted PKCS#8) of that certificate
 */
public record UpstreamTlsConfig(
        Boolean enabled,
        String trustedCertificatesFile,
        Boolean hostnameVerification,
        String clientCertificateFile,
        String clientPrivateKeyFile) {

    /** What an upstream without a {@code tls} section gets: plain TCP. */
    public static final UpstreamTlsConfig DISABLED = new UpstreamTlsConfig(false, null, null, null, null);

    public UpstreamTlsConfig {
        enabled = enabled == null || enabled;
        hostnameVerification = hostnameVerification == null || hostnameVerification;
    }

    /**
     * Checks the files (the owning upstream knows the key prefix, e.g. {@code upstreams[smsc-a].tls.});
     * nothing is checked while TLS is off.
     */
    void check(String prefix) {
        if (!enabled) {
            return;
        }
        if (trustedCertificatesFile != null) {
            ConfigChecks.readableFile(prefix + "trustedCertificatesFile", trustedCertificatesFile);
        }
        if ((clientCertificateFile == null) != (clientPrivateKeyFile == null)) {
            String missing = clientCertificateFile == null ? "clientCertificateFile" : "clientPrivateKeyFile";
            throw new ConfigException(
                    prefix + missing,
                    "clientCertificateFile and clientPrivateKeyFile go together; set both or neither");
        }
        if (clientCertificateFile != null) {
            ConfigChecks.readableFile(prefix + "clientCertificateFile", clientCertificateFile);
            ConfigChecks.readableFile(prefix + "clientPrivateKeyFile", clientPrivateKeyFile);
        }
    }
}
