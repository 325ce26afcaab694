package io.optoutgw.optout;

/**
 * What {@link TextDecoder} made of a short message: either its text or the reason it cannot be
 * keyword-scanned. Both carry the concatenation info when the message has any.
 */
public sealed interface MessageText permits MessageText.Text, MessageText.NotScannable {

    /** Concatenation info from the UDH or the SAR TLVs, or {@code null} for a single message. */
    Concat concat();

    /** Whether there is text to scan. */
    default boolean scannable() {
        return this instanceof Text;
    }

    /**
     * Decoded text (User Data Header already stripped). {@code latin1Fallback}: announced as GSM
     * 7-bit unpacked, but with octets above 0x7F, which that alphabet does not have, so read as
     * Latin-1 ({@code encoding} is then {@link TextEncoding#LATIN1}).
     */
    record Text(String text, TextEncoding encoding, Concat concat, boolean latin1Fallback) implements MessageText {

        public Text(String text, TextEncoding encoding, Concat concat) {
            this(text, encoding, concat, false);
        }
    }

    /** No text to scan; {@code detail} is a short human-readable explanation for logs. */
    record NotScannable(Reason reason, String detail, Concat concat) implements MessageText {}

    /** Why a message is not scanned. */
    enum Reason {
        /** data_coding 0x02 / 0x04 (SMPP 3.4 section 5.2.19). */
        BINARY,
        /** 8-bit data announced by a TS 23.038 coding group (0xF4-0xF7, 0xFC-0xFF, 0x14...). */
        EIGHT_BIT_DATA,
        /** TS 23.038 compressed text (bit 5 of the general data coding group). */
        COMPRESSED,
        /** A character set this decoder does not implement (JIS, KS C 5601, pictogram, ...). */
        UNSUPPORTED_CODING,
        /** Bytes that contradict their coding: odd-length UCS-2, truncated UDH, ... */
        MALFORMED
    }
}
