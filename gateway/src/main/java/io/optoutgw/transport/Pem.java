package io.optoutgw.transport;

import io.optoutgw.config.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and unencrypted PKCS#8 private keys, failing with a one-line
 * {@link ConfigException} that names the setting. Messages never contain key material.
 */
public final class Pem {

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    private static final List<String> KEY_ALGORITHMS = List.of("EC", "RSA", "EdDSA", "RSASSA-PSS");

    private Pem() {}

    /** Every {@code CERTIFICATE} block of the file, in order; at least one. */
    public static X509Certificate[] certificates(String key, Path file) {
        String text = read(key, file);
        List<X509Certificate> certs = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Matcher m = BLOCK.matcher(text);
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE")) {
                    byte[] der = Base64.getMimeDecoder().decode(m.group(2));
                    certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
                }
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw new ConfigException(key, file + " holds a malformed PEM certificate");
        }
        if (certs.isEmpty()) {
            throw new ConfigException(key, file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return certs.toArray(X509Certificate[]::new);
    }

    /** The one {@code PRIVATE KEY} (PKCS#8) block of the file. */
    public static PrivateKey privateKey(String key, Path file) {
        String text = read(key, file);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            if (type.equals("PRIVATE KEY")) {
                return decode(key, file, Base64.getMimeDecoder().decode(m.group(2)));
            }
            if (type.equals("ENCRYPTED PRIVATE KEY")) {
                throw new ConfigException(
                        key,
                        file + " holds an encrypted key; give an unencrypted PKCS#8 key "
                                + "(openssl pkcs8 -topk8 -nocrypt) and protect the file instead");
            }
            if (type.endsWith(" PRIVATE KEY")) {
                throw new ConfigException(
                        key,
                        file + " holds a " + type + " (PKCS#1/SEC1); convert it to "
                                + "PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in OLD -out NEW");
            }
        }
        throw new ConfigException(key, file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
    }

    /** Fails unless {@code privateKey} belongs to the first certificate of {@code chain}. */
    public static void checkPair(String key, PrivateKey privateKey, X509Certificate[] chain, String certificateKey) {
        String algorithm = switch (privateKey.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
        if (algorithm == null) {
            return;
        }
        try {
            byte[] probe = "optout-gateway key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(chain[0].getPublicKey());
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another type than the certificate's: a mismatch too
        }
        throw new ConfigException(key, "does not belong to the first certificate in " + certificateKey);
    }

    private static PrivateKey decode(String key, Path file, byte[] der) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // try the next algorithm
            }
        }
        throw new ConfigException(key, file + " holds a PKCS#8 key of an unsupported type or a malformed one");
    }

    private static String read(String key, Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new ConfigException(
                    key, "cannot read " + file + ": " + e.getClass().getSimpleName());
        }
    }
}
