package io.optoutgw.session;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Bind passwords as configured: plain text, or {@code pbkdf2-sha256$ITERATIONS$SALT$HASH}
 * (Base64) as printed by {@code gateway hash-password}. Comparisons are constant-time.
 */
public final class PasswordHash {

    public static final String PREFIX = "pbkdf2-sha256$";
    private static final int DEFAULT_ITERATIONS = 120_000;
    private static final int HASH_BITS = 256;

    private PasswordHash() {
    }

    /** A new hash of {@code password} with a random salt. */
    public static String hash(String password) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        byte[] hash = pbkdf2(password, salt, DEFAULT_ITERATIONS);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return PREFIX + DEFAULT_ITERATIONS + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /** Whether {@code candidate} matches the configured secret (plain or hashed). */
    public static boolean matches(String configured, String candidate) {
        String given = candidate == null ? "" : candidate;
        if (!configured.startsWith(PREFIX)) {
            return MessageDigest.isEqual(configured.getBytes(StandardCharsets.UTF_8),
                    given.getBytes(StandardCharsets.UTF_8));
        }
        String[] parts = configured.substring(PREFIX.length()).split("\\$");
        if (parts.length != 3) {
            return false;
        }
        Base64.Decoder b64 = Base64.getDecoder();
        byte[] expected = b64.decode(parts[2]);
        byte[] actual = pbkdf2(given, b64.decode(parts[1]), Integer.parseInt(parts[0]));
        return MessageDigest.isEqual(expected, actual);
    }

    private static byte[] pbkdf2(String password, byte[] salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BITS);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
        }
    }
}
