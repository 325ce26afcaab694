package io.optoutgw.optout;

import java.nio.charset.StandardCharsets;

/**
 * A reply the gateway sends (confirmation, HELP, opt-in), encoded to fit one SMS: GSM 7-bit
 * (data_coding 0, one octet per septet, at most 160 septets counting escapes) when every
 * character is in the GSM alphabet, else UCS-2 (data_coding 8, at most 70 characters), per
 * 3GPP TS 23.038. Replies are never split: a text that does not fit is refused at start-up.
 */
public record ReplyText(String text, byte dataCoding, byte[] bytes) {

    public static final int GSM7_MAX_SEPTETS = 160;
    public static final int UCS2_MAX_CHARS = 70;

    /** Encodes {@code text}; throws IllegalArgumentException naming the limit it exceeds. */
    public static ReplyText encode(String text) {
        byte[] gsm = Gsm7.encodeUnpacked(text);
        if (gsm != null) {
            if (gsm.length > GSM7_MAX_SEPTETS) {
                throw new IllegalArgumentException(
                        "is " + gsm.length + " GSM 7-bit septets; one SMS holds " + GSM7_MAX_SEPTETS);
            }
            return new ReplyText(text, (byte) 0x00, gsm);
        }
        if (text.length() > UCS2_MAX_CHARS) {
            throw new IllegalArgumentException("needs UCS-2 (it has characters outside the GSM alphabet) and is "
                    + text.length() + " characters; one UCS-2 SMS holds " + UCS2_MAX_CHARS);
        }
        return new ReplyText(text, (byte) 0x08, text.getBytes(StandardCharsets.UTF_16BE));
    }
}
