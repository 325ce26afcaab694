package io.optoutgw.suppression;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What stands for a person's number in Redis keys, hash fields and audit events (docs/privacy.md).
 *
 * <ul>
 *   <li>{@code clear}: the E.164 digits themselves, as the gateway always did.</li>
 *   <li>{@code hmac}: {@code base64url(HMAC-SHA-256(pepper, digits))} truncated to its first 16 bytes: 22
 *       characters of {@code [A-Za-z0-9_-]}, never all digits, so a key and a number cannot be taken for each
 *       other. 128 bits: among 10^10 numbers (every number of a national plan) the chance that two share a
 *       key is about 10^20 / 2^129, below 10^-18.</li>
 * </ul>
 *
 * {@link #of} accepts a number (digits) or a key already computed (an erased event carries its key, not
 * its number), so that code paths fed with either agree. Thread-safe.
 */
public final class NumberKeys {

    /** Bytes of the HMAC kept. */
    public static final int KEY_BYTES = 16;
    /** Characters of a key in hmac mode. */
    public static final int KEY_CHARS = 22;
    /** Minimum pepper length, in bytes. */
    public static final int MIN_PEPPER_BYTES = 32;

    /** The number's digits, unchanged. */
    public static final NumberKeys CLEAR = new NumberKeys(null);

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    private static final byte[] CHECK_INPUT = "optoutgw-pepper-check-v1".getBytes(StandardCharsets.US_ASCII);

    private final byte[] pepper;
    private final ThreadLocal<Mac> macs;

    private NumberKeys(byte[] pepper) {
        this.pepper = pepper == null ? null : pepper.clone();
        this.macs = pepper == null ? null : ThreadLocal.withInitial(() -> mac(this.pepper));
    }

    /** Keys numbers by HMAC-SHA-256 with {@code pepper} (at least {@value #MIN_PEPPER_BYTES} bytes). */
    public static NumberKeys hmac(byte[] pepper) {
        if (pepper == null || pepper.length < MIN_PEPPER_BYTES) {
            throw new IllegalArgumentException("the pepper must be at least " + MIN_PEPPER_BYTES + " bytes");
        }
        return new NumberKeys(pepper);
    }

    /** Whether numbers are keyed by HMAC (privacy.mode: hmac). */
    public boolean hashed() {
        return pepper != null;
    }

    /** {@code clear} or {@code hmac}. */
    public String mode() {
        return hashed() ? "hmac" : "clear";
    }

    /**
     * The key of {@code numberOrKey}: in hmac mode the HMAC key of a number (all digits), or the argument
     * itself when it is a key already; in clear mode the argument.
     */
    public String of(String numberOrKey) {
        if (pepper == null || numberOrKey == null || !isDigits(numberOrKey)) {
            return numberOrKey;
        }
        return B64.encodeToString(raw(numberOrKey));
    }

    /** The first {@value #KEY_BYTES} bytes of HMAC-SHA-256(pepper, digits). */
    private byte[] raw(String digits) {
        Mac mac = macs.get();
        byte[] full = mac.doFinal(digits.getBytes(StandardCharsets.US_ASCII));
        return Arrays.copyOf(full, KEY_BYTES);
    }

    /** Whether {@code s} is a key of hmac mode (22 base64url characters, not all digits). */
    public static boolean isKey(String s) {
        if (s == null || s.length() != KEY_CHARS || isDigits(s)) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok =
                    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** 64 bits of a key for spreading it over list buckets: the number itself (clear), the HMAC's first 8 bytes. */
    static long spread(String key) {
        if (isDigits(key)) {
            return Long.parseLong(key);
        }
        byte[] b = B64D.decode(key);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }

    /**
     * A value that tells peppers apart without revealing them: hex HMAC-SHA-256(pepper,
     * "optoutgw-pepper-check-v1"), first 16 bytes; {@code "clear"} in clear mode. Stored in Redis at first
     * start ({@link RedisKeys#PRIVACY}) and compared at every start.
     */
    public String checkValue() {
        if (pepper == null) {
            return "clear";
        }
        return "hmac:" + HexFormat.of().formatHex(Arrays.copyOf(mac(pepper).doFinal(CHECK_INPUT), KEY_BYTES));
    }

    /**
     * HMAC-SHA-256 of {@code input} (UTF-8) under {@code key}, in lower-case hex: the partner export's hash
     * (docs/privacy.md, "Partner export").
     */
    public static String hmacHex(byte[] key, String input) {
        return HexFormat.of().formatHex(mac(key).doFinal(input.getBytes(StandardCharsets.UTF_8)));
    }

    private static Mac mac(byte[] key) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key, "HmacSHA256"));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Constant-time comparison of two check values. */
    public static boolean sameCheck(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }
}
