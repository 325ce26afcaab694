package io.optoutgw.optout;

import com.cloudhopper.smpp.pdu.BaseSm;
import io.optoutgw.config.DataCodingZero;
import io.optoutgw.optout.MessageText.NotScannable;
import io.optoutgw.optout.MessageText.Reason;
import io.optoutgw.optout.MessageText.Text;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Turns the user data of a short message into text for keyword scanning, following SMPP 3.4
 * section 5.2.19 (data_coding), 5.2.12 (esm_class UDHI) and 3GPP TS 23.038 section 4 (coding
 * groups). Never throws on bad input: contradictory bytes give {@link Reason#MALFORMED}.
 *
 * <p>Rules: the user data is short_message, or message_payload (TLV 0x0424) when short_message is
 * empty. Reserved data_coding values (0x0B, 0x0C, 0x0F, 0x80-0xBF and the reserved alphabet of the
 * general group) are read like data_coding 0, as TS 23.038 section 4 says: "any reserved codings
 * shall be assumed to be the GSM 7 bit default alphabet". GSM 7-bit announced by a TS 23.038 coding
 * group is packed when the upstream's {@link DataCodingZero} is {@code GSM7_PACKED}, unpacked
 * otherwise. IA5 (0x01) is read as ASCII with octets above 0x7F taken as Latin-1 rather than
 * rejected, so that a sloppy SMSC does not hide an opt-out. For the same reason GSM 7-bit unpacked
 * text (data_coding 0 by default) with an octet above 0x7F, which that alphabet cannot have, is read
 * as Latin-1 and marked {@link Text#latin1Fallback()}.
 */
public final class TextDecoder {

    private static final byte[] EMPTY = new byte[0];
    private static final int ESM_UDHI = 0x40;
    private static final int IEI_CONCAT_8BIT = 0x00;
    private static final int IEI_CONCAT_16BIT = 0x08;

    private final DataCodingZero dataCodingZero;

    public TextDecoder(DataCodingZero dataCodingZero) {
        this.dataCodingZero = Objects.requireNonNull(dataCodingZero, "dataCodingZero");
    }

    /** Decodes the text of a submit_sm / deliver_sm / data_sm. */
    public MessageText decode(BaseSm<?> sm) {
        return decode(SmContent.from(sm));
    }

    /** Decodes the text carried by {@code content}. */
    public MessageText decode(SmContent content) {
        byte[] ud = userData(content);
        Plan plan = plan(content.dataCoding());
        Concat concat = content.sar();
        int bodyOffset = 0;
        if ((content.esmClass() & ESM_UDHI) != 0) {
            if (ud.length == 0) {
                return new NotScannable(Reason.MALFORMED, "UDHI set but no user data", concat);
            }
            int headerOctets = 1 + (ud[0] & 0xFF);
            if (headerOctets > ud.length) {
                return new NotScannable(
                        Reason.MALFORMED,
                        "UDH length " + (headerOctets - 1) + " exceeds user data of " + ud.length,
                        concat);
            }
            Udh udh = parseUdh(ud, headerOctets);
            if (!udh.wellFormed()) {
                return new NotScannable(Reason.MALFORMED, "UDH information element overruns the header", concat);
            }
            if (udh.concat() != null) {
                concat = udh.concat();
            }
            bodyOffset = headerOctets;
        }
        if (plan.reason() != null) {
            return new NotScannable(plan.reason(), plan.detail(), concat);
        }
        return body(plan.encoding(), ud, bodyOffset, concat);
    }

    /**
     * The user data of {@code sm} as received (short_message, else message_payload; UDH included) in
     * lower-case hex, for the audit trail's record of the MO.
     */
    public static String userDataHex(BaseSm<?> sm) {
        return HexFormat.of().formatHex(userData(SmContent.from(sm)));
    }

    private static byte[] userData(SmContent content) {
        byte[] sm = content.shortMessage();
        if (sm != null && sm.length > 0) {
            return sm;
        }
        byte[] payload = content.messagePayload();
        return payload != null ? payload : EMPTY;
    }

    private MessageText body(TextEncoding encoding, byte[] ud, int offset, Concat concat) {
        int length = ud.length - offset;
        switch (encoding) {
            case GSM7_UNPACKED: {
                String text = Gsm7.decodeUnpacked(ud, offset, length);
                if (text == null) {
                    // No GSM 7-bit reading exists; the SMSC sent Latin-1 (ARRÊT, désabonner) under
                    // its default alphabet. Missing a STOP costs more than a wrong guess.
                    return new Text(
                            new String(ud, offset, length, StandardCharsets.ISO_8859_1),
                            TextEncoding.LATIN1,
                            concat,
                            true);
                }
                return new Text(text, encoding, concat);
            }
            case GSM7_PACKED: {
                // TS 23.040 section 9.2.3.24: the UDH takes whole septets, padded with fill bits.
                int skipSeptets = (offset * 8 + 6) / 7;
                return new Text(Gsm7.decodePacked(ud, 0, ud.length, skipSeptets), encoding, concat);
            }
            case UCS2: {
                if ((length & 1) != 0) {
                    return new NotScannable(Reason.MALFORMED, "UCS-2 text of odd length " + length, concat);
                }
                char[] chars = new char[length / 2];
                for (int i = 0; i < chars.length; i++) {
                    chars[i] = (char) (((ud[offset + 2 * i] & 0xFF) << 8) | (ud[offset + 2 * i + 1] & 0xFF));
                }
                return new Text(new String(chars), encoding, concat);
            }
            case IA5:
            case LATIN1:
                return new Text(new String(ud, offset, length, StandardCharsets.ISO_8859_1), encoding, concat);
            case CYRILLIC:
                return charset("ISO-8859-5", encoding, ud, offset, length, concat);
            case HEBREW:
                return charset("ISO-8859-8", encoding, ud, offset, length, concat);
            case ISO_2022_JP:
                return charset("ISO-2022-JP", encoding, ud, offset, length, concat);
            default:
                throw new AssertionError(encoding);
        }
    }

    private static MessageText charset(
            String name, TextEncoding encoding, byte[] ud, int offset, int length, Concat concat) {
        Charset cs;
        try {
            cs = Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return new NotScannable(Reason.UNSUPPORTED_CODING, name + " not available in this JVM", concat);
        }
        return new Text(new String(ud, offset, length, cs), encoding, concat);
    }

    /** SMPP 3.4 section 5.2.19 for 0x00-0x0F, 3GPP TS 23.038 section 4 coding groups above. */
    private Plan plan(int dc) {
        if (dc < 0x10) {
            switch (dc) {
                case 0x00:
                    return zero();
                case 0x01:
                    return Plan.of(TextEncoding.IA5);
                case 0x02:
                    return Plan.refuse(Reason.BINARY, "data_coding 0x02 (8-bit binary)");
                case 0x03:
                    return Plan.of(TextEncoding.LATIN1);
                case 0x04:
                    return Plan.refuse(Reason.BINARY, "data_coding 0x04 (8-bit binary)");
                case 0x05:
                    return Plan.refuse(Reason.UNSUPPORTED_CODING, "data_coding 0x05 (JIS X 0208)");
                case 0x06:
                    return Plan.of(TextEncoding.CYRILLIC);
                case 0x07:
                    return Plan.of(TextEncoding.HEBREW);
                case 0x08:
                    return Plan.of(TextEncoding.UCS2);
                case 0x09:
                    return Plan.refuse(Reason.UNSUPPORTED_CODING, "data_coding 0x09 (pictogram)");
                case 0x0A:
                    return Plan.of(TextEncoding.ISO_2022_JP);
                case 0x0D:
                    return Plan.refuse(Reason.UNSUPPORTED_CODING, "data_coding 0x0D (extended kanji JIS)");
                case 0x0E:
                    return Plan.refuse(Reason.UNSUPPORTED_CODING, "data_coding 0x0E (KS C 5601)");
                default:
                    return zero(); // 0x0B, 0x0C, 0x0F reserved
            }
        }
        if (dc < 0x80) {
            // 00xxxxxx general data coding and 01xxxxxx automatic deletion groups.
            if ((dc & 0x20) != 0) {
                return Plan.refuse(Reason.COMPRESSED, String.format("data_coding 0x%02X (compressed)", dc));
            }
            switch ((dc >>> 2) & 0x03) {
                case 0:
                    return gsm7();
                case 1:
                    return Plan.refuse(Reason.EIGHT_BIT_DATA, String.format("data_coding 0x%02X (8-bit data)", dc));
                case 2:
                    return Plan.of(TextEncoding.UCS2);
                default:
                    return zero(); // reserved alphabet
            }
        }
        if (dc < 0xC0) {
            return zero(); // 1000xxxx-1011xxxx reserved coding groups
        }
        if (dc < 0xE0) {
            return gsm7(); // message waiting indication, discard / store, GSM 7-bit
        }
        if (dc < 0xF0) {
            return Plan.of(TextEncoding.UCS2); // message waiting indication, store, UCS2
        }
        // 1111xxxx data coding / message class: bit 2 = message coding.
        return (dc & 0x04) != 0
                ? Plan.refuse(Reason.EIGHT_BIT_DATA, String.format("data_coding 0x%02X (8-bit data)", dc))
                : gsm7();
    }

    private Plan zero() {
        switch (dataCodingZero) {
            case GSM7_PACKED:
                return Plan.of(TextEncoding.GSM7_PACKED);
            case LATIN1:
                return Plan.of(TextEncoding.LATIN1);
            default:
                return Plan.of(TextEncoding.GSM7_UNPACKED);
        }
    }

    private Plan gsm7() {
        return Plan.of(
                dataCodingZero == DataCodingZero.GSM7_PACKED ? TextEncoding.GSM7_PACKED : TextEncoding.GSM7_UNPACKED);
    }

    /**
     * Walks the information elements of the UDH in {@code ud[1..headerOctets)} (TS 23.040 section
     * 9.2.3.24). The first valid concatenation element wins; one with a zero or out-of-range
     * sequence is ignored, as TS 23.040 9.2.3.24.1 asks.
     */
    static Udh parseUdh(byte[] ud, int headerOctets) {
        Concat concat = null;
        int i = 1;
        while (i < headerOctets) {
            if (i + 2 > headerOctets) {
                return Udh.MALFORMED;
            }
            int iei = ud[i] & 0xFF;
            int iel = ud[i + 1] & 0xFF;
            int data = i + 2;
            if (data + iel > headerOctets) {
                return Udh.MALFORMED;
            }
            if (concat == null) {
                if (iei == IEI_CONCAT_8BIT && iel == 3) {
                    concat = concat(ud[data] & 0xFF, ud[data + 1] & 0xFF, ud[data + 2] & 0xFF);
                } else if (iei == IEI_CONCAT_16BIT && iel == 4) {
                    concat = concat(
                            ((ud[data] & 0xFF) << 8) | (ud[data + 1] & 0xFF), ud[data + 2] & 0xFF, ud[data + 3] & 0xFF);
                }
            }
            i = data + iel;
        }
        return new Udh(true, concat);
    }

    private static Concat concat(int reference, int total, int sequence) {
        return Concat.valid(total, sequence) ? new Concat(reference, total, sequence) : null;
    }

    record Udh(boolean wellFormed, Concat concat) {
        static final Udh MALFORMED = new Udh(false, null);
    }

    private record Plan(TextEncoding encoding, Reason reason, String detail) {
        static Plan of(TextEncoding encoding) {
            return new Plan(encoding, null, null);
        }

        static Plan refuse(Reason reason, String detail) {
            return new Plan(null, reason, detail);
        }
    }
}
