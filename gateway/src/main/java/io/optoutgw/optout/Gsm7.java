package io.optoutgw.optout;

import java.io.ByteArrayOutputStream;

/**
 * GSM 03.38 / 3GPP TS 23.038 section 6.2.1 default alphabet and its extension table (reached
 * through escape 0x1B), in unpacked (one septet per octet) and packed (section 6.1.2.1) form.
 * National language shift tables (TS 23.038 section 6.2.1.2) are not supported.
 */
final class Gsm7 {

    static final int ESCAPE = 0x1B;

    /** TS 23.038 section 6.2.1, indexed by septet; 0x1B is the escape and never looked up. */
    private static final String DEFAULT_ALPHABET = "@£$¥èéùìòÇ\nØø\rÅå"
            + "Δ_ΦΓΛΩΠΨΣΘΞ\u001BÆæßÉ"
            + " !\"#¤%&'()*+,-./"
            + "0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNO"
            + "PQRSTUVWXYZÄÖÑÜ§"
            + "¿abcdefghijklmno"
            + "pqrstuvwxyzäöñüà";

    private static final char[] EXTENSION = new char[128];

    static {
        if (DEFAULT_ALPHABET.length() != 128) {
            throw new AssertionError("GSM table has " + DEFAULT_ALPHABET.length() + " entries");
        }
        // TS 23.038 section 6.2.1.1 extension table; 0 = not defined.
        EXTENSION[0x0A] = '\f';
        EXTENSION[0x14] = '^';
        EXTENSION[0x28] = '{';
        EXTENSION[0x29] = '}';
        EXTENSION[0x2F] = '\\';
        EXTENSION[0x3C] = '[';
        EXTENSION[0x3D] = '~';
        EXTENSION[0x3E] = ']';
        EXTENSION[0x40] = '|';
        EXTENSION[0x65] = '€';
    }

    private Gsm7() {}

    /**
     * Encodes {@code text} one septet per octet (escape + extension for ^ { } \\ [ ~ ] | and the
     * Euro sign), or returns {@code null} when a character is not in the GSM 7-bit alphabet.
     */
    static byte[] encodeUnpacked(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int basic = c == ESCAPE ? -1 : DEFAULT_ALPHABET.indexOf(c);
            if (basic >= 0) {
                out.write(basic);
                continue;
            }
            int ext = -1;
            for (int e = 0; e < EXTENSION.length; e++) {
                if (EXTENSION[e] == c && c != 0) {
                    ext = e;
                    break;
                }
            }
            if (ext < 0) {
                return null;
            }
            out.write(ESCAPE);
            out.write(ext);
        }
        return out.toByteArray();
    }

    /** The character of a default-alphabet septet (0x1B maps to ESC itself). */
    static char basic(int septet) {
        return DEFAULT_ALPHABET.charAt(septet & 0x7F);
    }

    /** The extension-table character after an escape, or 0 when undefined. */
    static char extension(int septet) {
        return EXTENSION[septet & 0x7F];
    }

    /**
     * Decodes one septet per octet; returns {@code null} when an octet has its top bit set
     * (not GSM 7-bit unpacked).
     */
    static String decodeUnpacked(byte[] data, int offset, int length) {
        StringBuilder sb = new StringBuilder(length);
        boolean escaped = false;
        for (int i = offset; i < offset + length; i++) {
            int septet = data[i] & 0xFF;
            if (septet > 0x7F) {
                return null;
            }
            escaped = append(sb, septet, escaped);
        }
        finish(sb, escaped);
        return sb.toString();
    }

    /**
     * Decodes packed septets (TS 23.038 section 6.1.2.1: septet n starts at bit 7n, least
     * significant bit first) from {@code data[offset..offset+length)}, skipping the first
     * {@code skipSeptets} septets (the UDH and its fill bits, TS 23.040 section 9.2.3.24).
     * The septet count is floor(length*8/7); when that leaves exactly 7 spare bits filled with
     * 0x00 ('@', an encoder that did not pad) or with CR (the TS 23.038 section 6.1.2.3.1 padding),
     * that last septet is dropped: a genuine final '@' or CR on that exact boundary is lost, which
     * is harmless for keyword scanning.
     */
    static String decodePacked(byte[] data, int offset, int length, int skipSeptets) {
        int septets = (length * 8) / 7;
        if (septets > skipSeptets && (length * 8) % 7 == 0) {
            int last = septet(data, offset, septets - 1);
            if (last == 0x00 || last == '\r') {
                septets--;
            }
        }
        StringBuilder sb = new StringBuilder(Math.max(0, septets - skipSeptets));
        boolean escaped = false;
        for (int i = skipSeptets; i < septets; i++) {
            escaped = append(sb, septet(data, offset, i), escaped);
        }
        finish(sb, escaped);
        return sb.toString();
    }

    /**
     * Packs {@code septets} (TS 23.038 section 6.1.2.1) after {@code prefix} octets (a User Data
     * Header): septet i goes at bit 7 * (skipSeptets + i), so {@code skipSeptets} must cover the
     * prefix and its fill bits (TS 23.040 section 9.2.3.24). When exactly seven bits are left over
     * in the last octet they hold CR (TS 23.038 section 6.1.2.3.1), so that no reader takes them
     * for a final '@'.
     */
    static byte[] pack(byte[] prefix, int skipSeptets, byte[] septets) {
        int total = skipSeptets + septets.length;
        byte[] out = new byte[Math.max(prefix.length, (total * 7 + 7) / 8)];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        for (int i = 0; i < septets.length; i++) {
            put(out, skipSeptets + i, septets[i]);
        }
        if ((total * 7) % 8 == 1) {
            put(out, total, '\r');
        }
        return out;
    }

    private static void put(byte[] out, int index, int septet) {
        int bit = index * 7;
        int pos = bit >>> 3;
        int shift = bit & 7;
        out[pos] |= (byte) ((septet & 0x7F) << shift);
        if (shift > 1) {
            out[pos + 1] |= (byte) ((septet & 0x7F) >>> (8 - shift));
        }
    }

    /** Septet number {@code index} of a packed array. */
    static int septet(byte[] data, int offset, int index) {
        int bit = index * 7;
        int pos = offset + (bit >>> 3);
        int shift = bit & 7;
        int value = (data[pos] & 0xFF) >>> shift;
        if (shift > 1) {
            value |= (data[pos + 1] & 0xFF) << (8 - shift);
        }
        return value & 0x7F;
    }

    private static boolean append(StringBuilder sb, int septet, boolean escaped) {
        if (escaped) {
            char ext = extension(septet);
            if (ext != 0) {
                sb.append(ext);
            } else if (septet == ESCAPE) {
                // 0x1B 0x1B is reserved for a further extension table: show a space (TS 23.038 6.2.1.1).
                sb.append(' ');
            } else {
                // Undefined extension: TS 23.038 6.2.1.1 says display the default-alphabet character.
                sb.append(basic(septet));
            }
            return false;
        }
        if (septet == ESCAPE) {
            return true;
        }
        sb.append(basic(septet));
        return false;
    }

    private static void finish(StringBuilder sb, boolean escaped) {
        if (escaped) {
            sb.append(' '); // a dangling escape is displayed as a space
        }
    }
}
