package io.optoutgw.esme;

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
    static final int DEFAULT_ITERATIONS = 120_000;
    private static final int HASH_BITS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** PBKDF2 iterations computed by each thread, for tests that compare the cost of checks. */
    private static final ThreadLocal<long[]> SPENT = ThreadLocal.withInitial(() -> new long[1]);

    /**
     * A configured password ready for checking: a PBKDF2 salt, iteration count and hash. A plain
     * text password becomes one too (hashed once, at load time), so checking it costs the same
     * as checking a hashed one.
     */
    public record Credential(byte[] salt, int iterations, byte[] hash) {

        /** {@code configured} as a credential; plain text is hashed with {@code plainIterations}. */
        public static Credential of(String configured, int plainIterations) {
            if (!configured.startsWith(PREFIX)) {
                byte[] salt = newSalt();
                return new Credential(salt, plainIterations, pbkdf2(configured, salt, plainIterations));
            }
            String[] parts = configured.substring(PREFIX.length()).split("\\$");
            if (parts.length != 3) {
                throw new IllegalArgumentException("password hash must be " + PREFIX + "ITERATIONS$SALT$HASH");
            }
            Base64.Decoder b64 = Base64.getDecoder();
            try {
                int iterations = Integer.parseInt(parts[0]);
                if (iterations < 1) {
                    throw new IllegalArgumentException("password hash: iterations must be positive");
                }
                return new Credential(b64.decode(parts[1]), iterations, b64.decode(parts[2]));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "password hash must be " + PREFIX + "ITERATIONS$SALT$HASH (Base64): " + e.getMessage());
            }
        }

        /** Whether {@code candidate} is this password (constant time for a given iteration count). */
        public boolean matches(String candidate) {
            return MessageDigest.isEqual(hash, pbkdf2(candidate == null ? "" : candidate, salt, iterations));
        }

        /** Keeps the hash out of logs. */
        @Override
        public String toString() {
            return "Credential[pbkdf2-sha256, " + iterations + " iterations]";
        }
    }

    private PasswordHash() {}

    /** A new hash of {@code password} with a random salt. */
    public static String hash(String password) {
        byte[] salt = newSalt();
        byte[] hash = pbkdf2(password, salt, DEFAULT_ITERATIONS);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return PREFIX + DEFAULT_ITERATIONS + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /** Whether {@code candidate} matches the configured secret (plain or hashed). */
    public static boolean matches(String configured, String candidate) {
        String given = candidate == null ? "" : candidate;
        if (!configured.startsWith(PREFIX)) {
            return MessageDigest.isEqual(
                    configured.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
        }
        try {
            return Credential.of(configured, DEFAULT_ITERATIONS).matches(given);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Spends {@code iterations} PBKDF2 iterations on nothing (evens out the cost of a check). */
    static void burn(int iterations) {
        if (iterations > 0) {
            pbkdf2("", new byte[16], iterations);
        }
    }

    /** PBKDF2 iterations the calling thread has computed so far. */
    static long iterationsOnThisThread() {
        return SPENT.get()[0];
    }

    private static byte[] newSalt() {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return salt;
    }

    private static byte[] pbkdf2(String password, byte[] salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BITS);
            SPENT.get()[0] += iterations;
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(spec)
                    .getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
        }
    }
}
