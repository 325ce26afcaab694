package io.optoutgw.simulator;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseSm;
import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.tlv.Tlv;
import com.cloudhopper.smpp.type.Address;
import com.cloudhopper.smpp.type.SmppInvalidArgumentException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/** Builds SMSC delivery receipts (SMPP 3.4 appendix B format) for submitted messages. */
final class DeliveryReceipts {

    /** esm_class of an SMSC delivery receipt. */
    static final byte ESM_CLASS_RECEIPT = 0x04;
    /** message_state DELIVERED. */
    static final byte STATE_DELIVERED = 2;

    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("yyMMddHHmm").withZone(ZoneOffset.UTC);
    private static final int TEXT_CHARS = 20;
    private static final byte DATA_CODING_UCS2 = 0x08;

    private DeliveryReceipts() {}

    /** A deliver_sm reporting {@code submitted} (a submit_sm or data_sm) as delivered. */
    static DeliverSm delivered(BaseSm<?> submitted, String messageId, Instant submitDate, Instant doneDate) {
        String text = "id:" + messageId + " sub:001 dlvrd:001 submit date:" + DATE.format(submitDate) + " done date:"
                + DATE.format(doneDate) + " stat:DELIVRD err:000 text:" + textOf(submitted);
        DeliverSm receipt = new DeliverSm();
        receipt.setEsmClass(ESM_CLASS_RECEIPT);
        receipt.setSourceAddress(copy(submitted.getDestAddress()));
        receipt.setDestAddress(copy(submitted.getSourceAddress()));
        receipt.setServiceType(submitted.getServiceType());
        try {
            receipt.setShortMessage(text.getBytes(StandardCharsets.ISO_8859_1));
        } catch (SmppInvalidArgumentException e) {
            throw new IllegalStateException("receipt text too long", e);
        }
        receipt.addOptionalParameter(
                new Tlv(SmppConstants.TAG_RECEIPTED_MSG_ID, cString(messageId), "receipted_message_id"));
        receipt.addOptionalParameter(
                new Tlv(SmppConstants.TAG_MSG_STATE, new byte[] {STATE_DELIVERED}, "message_state"));
        return receipt;
    }

    /** The first 20 characters of the message, printable ASCII only. */
    static String textOf(BaseSm<?> sm) {
        byte[] body = sm.getShortMessage();
        if ((body == null || body.length == 0) && sm.hasOptionalParameter(SmppConstants.TAG_MESSAGE_PAYLOAD)) {
            body = sm.getOptionalParameter(SmppConstants.TAG_MESSAGE_PAYLOAD).getValue();
        }
        if (body == null) {
            return "";
        }
        boolean ucs2 = sm.getDataCoding() == DATA_CODING_UCS2;
        int maxBytes = ucs2 ? TEXT_CHARS * 2 : TEXT_CHARS;
        byte[] head = Arrays.copyOf(body, Math.min(body.length, maxBytes));
        String text = new String(head, ucs2 ? StandardCharsets.UTF_16BE : StandardCharsets.ISO_8859_1);
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return out.toString();
    }

    static byte[] cString(String value) {
        byte[] ascii = value.getBytes(StandardCharsets.ISO_8859_1);
        return Arrays.copyOf(ascii, ascii.length + 1);
    }

    private static Address copy(Address a) {
        return a == null ? new Address() : new Address(a.getTon(), a.getNpi(), a.getAddress());
    }
}
