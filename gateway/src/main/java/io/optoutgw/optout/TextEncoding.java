package io.optoutgw.optout;

/**
 * The alphabet a text was decoded with (SMPP 3.4 section 5.2.19, 3GPP TS 23.038 section 4).
 */
public enum TextEncoding {
    GSM7_UNPACKED,
    GSM7_PACKED,
    IA5,
    LATIN1,
    UCS2,
    CYRILLIC,
    HEBREW,
    ISO_2022_JP
}
