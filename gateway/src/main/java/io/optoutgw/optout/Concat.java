package io.optoutgw.optout;

/**
 * One part of a concatenated message: from a UDH information element 0x00 or 0x08
 * (3GPP TS 23.040 sections 9.2.3.24.1 and 9.2.3.24.8) or from the SAR TLVs (SMPP 3.4 section
 * 5.3.2.22-24). {@code reference} is 0-255 for an 8-bit reference and 0-65535 otherwise.
 */
public record Concat(int reference, int total, int sequence) {

    public Concat {
        if (reference < 0 || reference > 0xFFFF) {
            throw new IllegalArgumentException("reference out of range: " + reference);
        }
        if (!valid(total, sequence)) {
            throw new IllegalArgumentException("bad total/sequence: " + total + "/" + sequence);
        }
    }

    /** TS 23.040: a zero total, a zero sequence or a sequence above total makes the element void. */
    static boolean valid(int total, int sequence) {
        return total >= 1 && total <= 255 && sequence >= 1 && sequence <= total;
    }
}
