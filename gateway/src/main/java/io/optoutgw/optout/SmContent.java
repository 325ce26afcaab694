package io.optoutgw.optout;

import com.cloudhopper.smpp.pdu.BaseSm;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.tlv.Tlv;

/**
 * The fields of a submit_sm / deliver_sm / data_sm that carry text (SMPP 3.4 sections 4.4.1,
 * 4.6.1, 5.3.2.32 message_payload and 5.3.2.22-24 SAR TLVs), independent of the PDU class.
 * Arrays are not copied; {@code sar} is {@code null} unless all three SAR TLVs are present and valid.
 */
public record SmContent(int dataCoding, int esmClass, byte[] shortMessage, byte[] messagePayload, Concat sar) {

    static final short TAG_MESSAGE_PAYLOAD = 0x0424;
    static final short TAG_SAR_MSG_REF_NUM = 0x020C;
    static final short TAG_SAR_TOTAL_SEGMENTS = 0x020E;
    static final short TAG_SAR_SEGMENT_SEQNUM = 0x020F;

    public SmContent {
        dataCoding &= 0xFF;
        esmClass &= 0xFF;
    }

    /** Content without SAR TLVs. */
    public SmContent(int dataCoding, int esmClass, byte[] shortMessage, byte[] messagePayload) {
        this(dataCoding, esmClass, shortMessage, messagePayload, null);
    }

    /** Reads the fields from a ch-smpp PDU; never throws on odd TLV lengths. */
    public static SmContent from(BaseSm<?> sm) {
        return of(sm, sm.getDataCoding(), sm.getEsmClass(), sm.getShortMessage());
    }

    /**
     * The content of a PDU whose class is not a {@link BaseSm} (submit_multi): its fixed fields as
     * given, message_payload and the SAR TLVs read from {@code pdu}.
     */
    public static SmContent of(PduRequest<?> pdu, int dataCoding, int esmClass, byte[] shortMessage) {
        return new SmContent(dataCoding, esmClass, shortMessage, value(pdu, TAG_MESSAGE_PAYLOAD), sar(pdu));
    }

    private static Concat sar(PduRequest<?> sm) {
        byte[] ref = value(sm, TAG_SAR_MSG_REF_NUM);
        byte[] total = value(sm, TAG_SAR_TOTAL_SEGMENTS);
        byte[] seq = value(sm, TAG_SAR_SEGMENT_SEQNUM);
        return sar(ref, total, seq);
    }

    /** SAR concat from raw TLV values (ref: 2 octets, total and seq: 1 octet), or {@code null}. */
    static Concat sar(byte[] ref, byte[] total, byte[] seq) {
        if (ref == null || total == null || seq == null || ref.length != 2 || total.length != 1 || seq.length != 1) {
            return null;
        }
        int t = total[0] & 0xFF;
        int s = seq[0] & 0xFF;
        if (!Concat.valid(t, s)) {
            return null;
        }
        return new Concat(((ref[0] & 0xFF) << 8) | (ref[1] & 0xFF), t, s);
    }

    private static byte[] value(PduRequest<?> sm, short tag) {
        Tlv tlv = sm.getOptionalParameter(tag);
        return tlv == null ? null : tlv.getValue();
    }
}
