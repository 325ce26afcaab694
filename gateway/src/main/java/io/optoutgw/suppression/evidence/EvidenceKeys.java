package io.optoutgw.suppression.evidence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ed25519 keys for signing checkpoints, with the JDK's own provider: PEM files holding a
 * {@code PRIVATE KEY} (PKCS#8) and a {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo) block, as
 * {@code gateway audit keygen} writes them and {@code openssl genpkey -algorithm ed25519} plus
 * {@code openssl pkey -pubout} make them.
 */
public final class EvidenceKeys {

    private static final String ALGORITHM = "Ed25519";
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

    private EvidenceKeys() {}

    /** A private key and its public key, with the public key's id. */
    public record Signer(PrivateKey privateKey, PublicKey publicKey, String keyId) {
        public byte[] sign(byte[] message) {
            try {
                Signature s = Signature.getInstance(ALGORITHM);
                s.initSign(privateKey);
                s.update(message);
                return s.sign();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("signing failed: " + e.getMessage(), e);
            }
        }
    }

    /** A new key pair. */
    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
    }

    /** The PEM text of a key pair: the private key block, then the public key block. */
    public static String pem(KeyPair pair) {
        return pem("PRIVATE KEY", pair.getPrivate().getEncoded())
                + pem("PUBLIC KEY", pair.getPublic().getEncoded());
    }

    /** One PEM block. */
    public static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    /** The public key's id: the first 16 hex digits of SHA-256 over its encoding. */
    public static String keyId(PublicKey key) {
        return HexFormat.of()
                .formatHex(EventChain.sha256().digest(key.getEncoded()))
                .substring(0, 16);
    }

    /**
     * The signer of a PEM file holding both blocks. IllegalArgumentException naming what is wrong: no
     * private key, no public key, not Ed25519, or a public key that is not the private key's.
     */
    public static Signer readSigner(Path file) throws IOException {
        Map<String, List<byte[]>> blocks = blocks(Files.readString(file, StandardCharsets.US_ASCII));
        List<byte[]> priv = blocks.getOrDefault("PRIVATE KEY", List.of());
        List<byte[]> pub = blocks.getOrDefault("PUBLIC KEY", List.of());
        if (priv.size() != 1) {
            throw new IllegalArgumentException(
                    file + " must hold one PRIVATE KEY block (PKCS#8), found " + priv.size());
        }
        if (pub.size() != 1) {
            throw new IllegalArgumentException(file + " must also hold its PUBLIC KEY block (append it with "
                    + "'openssl pkey -in " + file + " -pubout >> " + file + "', or make the file with "
                    + "'gateway audit keygen')");
        }
        PrivateKey privateKey;
        PublicKey publicKey;
        try {
            KeyFactory f = KeyFactory.getInstance(ALGORITHM);
            privateKey = f.generatePrivate(new PKCS8EncodedKeySpec(priv.get(0)));
            publicKey = f.generatePublic(new X509EncodedKeySpec(pub.get(0)));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(file + " does not hold an Ed25519 key pair: " + e.getMessage());
        }
        Signer signer = new Signer(privateKey, publicKey, keyId(publicKey));
        byte[] probe = "optoutgw-key-probe".getBytes(StandardCharsets.US_ASCII);
        if (!verify(publicKey, probe, signer.sign(probe))) {
            throw new IllegalArgumentException(file + ": the PUBLIC KEY block is not the private key's");
        }
        return signer;
    }

    /** Every Ed25519 public key in PEM text (PUBLIC KEY blocks; private keys are ignored), by key id. */
    public static Map<String, PublicKey> publicKeys(String pemText) {
        Map<String, PublicKey> out = new LinkedHashMap<>();
        for (byte[] der : blocks(pemText).getOrDefault("PUBLIC KEY", List.of())) {
            PublicKey k = publicKey(der);
            out.put(keyId(k), k);
        }
        return out;
    }

    /** The Ed25519 public key of an X.509 SubjectPublicKeyInfo encoding; IllegalArgumentException when it is not one. */
    public static PublicKey publicKey(byte[] der) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + e.getMessage());
        }
    }

    /** Whether {@code signature} is {@code key}'s over {@code message}. */
    public static boolean verify(PublicKey key, byte[] message, byte[] signature) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(message);
            return s.verify(signature);
        } catch (InvalidKeyException | SignatureException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
    }

    private static Map<String, List<byte[]>> blocks(String text) {
        Map<String, List<byte[]>> out = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(2));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("a " + m.group(1) + " block is not valid base64");
            }
            out.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(der);
        }
        return out;
    }
}
