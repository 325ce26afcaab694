package io.optoutgw.config;

/**
 * What data_coding 0x00 ("SMSC default alphabet", SMPP 3.4 section 5.2.19) means on one upstream:
 * GSM 03.38 one septet per octet, GSM 03.38 packed septets (3GPP TS 23.038 section 6.1.2.1), or
 * ISO-8859-1. Also decides whether GSM 7-bit announced by a TS 23.038 coding group is packed.
 */
public enum DataCodingZero {
    GSM7_UNPACKED,
    GSM7_PACKED,
    LATIN1
}
