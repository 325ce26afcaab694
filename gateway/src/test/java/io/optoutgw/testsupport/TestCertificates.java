package io.optoutgw.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed EC certificates made at test time with the JDK's keytool (no private key is ever
 * committed), written as PEM certificate and PKCS#8 PEM key files, plus client SSL contexts.
 */
public final class TestCertificates {

    private static final char[] PASSWORD = "test-only".toCharArray();
    private static final Map<String, Cert> MADE = new ConcurrentHashMap<>();
    private static Path dir;

    /** One certificate: PEM chain, PEM key and the PKCS12 store keytool wrote. */
    public record Cert(String name, Path certificate, Path privateKey, Path keystore) {

        /** The certificate file as a YAML-safe string. */
        public String certPath() {
            return certificate.toString().replace('\\', '/');
        }

        public String keyPath() {
            return privateKey.toString().replace('\\', '/');
        }
    }

    private TestCertificates() {}

    /** {@code CN=localhost} with SANs localhost and 127.0.0.1: matches what the tests connect to. */
    public static Cert localhost(String name) {
        return selfSigned(name, "localhost", "dns:localhost,ip:127.0.0.1");
    }

    /** A self-signed certificate, made once per name per JVM; {@code san} as keytool takes it. */
    public static Cert selfSigned(String name, String commonName, String san) {
        return MADE.computeIfAbsent(name, n -> make(n, commonName, san));
    }

    /** A client context trusting {@code trusted} and, if {@code clientCert} is set, presenting it. */
    public static SSLContext clientContext(Cert trusted, Cert clientCert) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("trusted", load(trusted).getCertificate("x"));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (clientCert != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(load(clientCert), PASSWORD);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A connected, handshaken TLS socket to 127.0.0.1:{@code port}. */
    public static SSLSocket connect(SSLContext context, int port) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    /** A plain socket, for tests that speak raw bytes. */
    public static Socket plain(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static KeyStore load(Cert cert) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(cert.keystore())) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    private static synchronized Path dir() throws IOException {
        if (dir == null) {
            Path d = Files.createTempDirectory("test-certs-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (var paths = Files.walk(d)) {
                    paths.sorted(Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // best effort at JVM exit
                }
            }));
            dir = d;
        }
        return dir;
    }

    private static Cert make(String name, String commonName, String san) {
        try {
            Path d = dir();
            Path keystore = d.resolve(name + ".p12");
            String keytool =
                    Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            run(List.of(
                    keytool,
                    "-genkeypair",
                    "-alias",
                    "x",
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=" + commonName,
                    "-ext",
                    "SAN=" + san,
                    "-validity",
                    "2",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    keystore.toString(),
                    "-storepass",
                    new String(PASSWORD),
                    "-keypass",
                    new String(PASSWORD),
                    "-noprompt"));
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keystore)) {
                ks.load(in, PASSWORD);
            }
            // keytool cannot export a private key: PKCS#8 PEM from the key's own encoding
            Key key = ks.getKey("x", PASSWORD);
            Certificate cert = ks.getCertificate("x");
            Path certFile = d.resolve(name + ".crt.pem");
            Path keyFile = d.resolve(name + ".key.pem");
            Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
            Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
            return new Cert(name, certFile, keyFile, keystore);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PEM text of one DER block (64-character lines). */
    public static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + out);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }
}
