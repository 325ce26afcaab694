package io.optoutgw.optout;

import java.io.ByteArrayOutputStream;

/** Test-only GSM 03.38 encoder and septet packer, written independently of the decoder. */
final class GsmTestCodec {

    private static final String BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001BÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    private static final String EXT_CHARS = "\f^{}\\[~]|€";
    private static final int[] EXT_CODES = {0x0A, 0x14, 0x28, 0x29, 0x2F, 0x3C, 0x3D, 0x3E, 0x40, 0x65};

    private GsmTestCodec() {}

    /** Septets (one per array element) for {@code text}. */
    static byte[] septets(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (char c : text.toCharArray()) {
            int ext = EXT_CHARS.indexOf(c);
            if (ext >= 0) {
                out.write(0x1B);
                out.write(EXT_CODES[ext]);
                continue;
            }
            int i = BASIC.indexOf(c);
            if (i < 0 || i == 0x1B) {
                throw new IllegalArgumentException("not GSM: " + c);
            }
            out.write(i);
        }
        return out.toByteArray();
    }

    /** Packs septets (TS 23.038 6.1.2.1) after a UDH of {@code udh.length} octets plus fill bits. */
    static byte[] pack(byte[] udh, byte[] septets) {
        int headerSeptets = (udh.length * 8 + 6) / 7;
        int totalBits = (headerSeptets + septets.length) * 7;
        byte[] out = new byte[(totalBits + 7) / 8];
        System.arraycopy(udh, 0, out, 0, udh.length);
        for (int i = 0; i < septets.length; i++) {
            int bit = (headerSeptets + i) * 7;
            int v = septets[i] & 0x7F;
            out[bit / 8] |= (byte) (v << (bit % 8));
            if (bit % 8 > 1) {
                out[bit / 8 + 1] |= (byte) (v >>> (8 - bit % 8));
            }
        }
        return out;
    }

    static byte[] pack(byte[] septets) {
        return pack(new byte[0], septets);
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
