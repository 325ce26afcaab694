package io.optoutgw.relay;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseSm;
import com.cloudhopper.smpp.tlv.Tlv;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells delivery receipts from mobile-originated messages and finds the message_id a receipt
 * refers to (docs/domain.md, "MO or delivery receipt?"; SMPP 3.4 section 5.2.12 and Appendix B).
 */
public final class Receipts {

    private static final Pattern RECEIPT_TEXT = Pattern.compile("^id:(\\S+)\\s.*\\bstat:", Pattern.DOTALL);
    private static final int ESM_MESSAGE_TYPE_MASK = 0x3C;
    private static final int SMSC_DELIVERY_RECEIPT = 0x04;
    private static final int INTERMEDIATE_NOTIFICATION = 0x20;

    private Receipts() {}

    /**
     * Whether {@code sm} is a receipt: esm_class says so, or it carries receipted_message_id or
     * message_state (TLVs only an SMSC sets). A message with esm_class 0 whose text is
     * receipt-shaped ("id:... stat:...") counts only when {@code textReceipts} is set for the
     * SMSC it came from: anyone can text those words from a phone, and taking them for a
     * receipt would route that MO by message id to whichever account sent that message.
     */
    public static boolean isReceipt(BaseSm<?> sm, boolean textReceipts) {
        int type = sm.getEsmClass() & ESM_MESSAGE_TYPE_MASK;
        if (type == SMSC_DELIVERY_RECEIPT || type == INTERMEDIATE_NOTIFICATION) {
            return true;
        }
        if (sm.getOptionalParameter(SmppConstants.TAG_RECEIPTED_MSG_ID) != null
                || sm.getOptionalParameter(SmppConstants.TAG_MSG_STATE) != null) {
            return true;
        }
        return textReceipts && type == 0 && RECEIPT_TEXT.matcher(asciiText(sm)).find();
    }

    /** The SMSC message_id a receipt refers to, or {@code null} when it names none. */
    public static String messageId(BaseSm<?> sm) {
        Tlv tlv = sm.getOptionalParameter(SmppConstants.TAG_RECEIPTED_MSG_ID);
        if (tlv != null && tlv.getValue() != null) {
            byte[] v = tlv.getValue();
            int len = v.length;
            while (len > 0 && v[len - 1] == 0) {
                len--; // C-Octet String: drop the terminating NUL
            }
            if (len > 0) {
                return new String(v, 0, len, StandardCharsets.ISO_8859_1);
            }
        }
        Matcher m = RECEIPT_TEXT.matcher(asciiText(sm));
        return m.find() ? m.group(1) : null;
    }

    private static final Pattern STAT = Pattern.compile("\\bstat:(\\S+)");
    private static final Pattern ERR = Pattern.compile("\\berr:(\\S+)");
    /** message_state values (SMPP 3.4 section 5.2.28) as the receipt text spells them. */
    private static final String[] STATES = {
        null, "ENROUTE", "DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN", "REJECTD"
    };

    /**
     * A receipt's final state as its text spells it ({@code stat:DELIVRD}), else from its
     * message_state TLV in the same spelling; {@code null} when it carries neither.
     */
    public static String stat(BaseSm<?> sm) {
        Matcher m = STAT.matcher(asciiText(sm));
        if (m.find()) {
            return m.group(1);
        }
        Tlv tlv = sm.getOptionalParameter(SmppConstants.TAG_MSG_STATE);
        if (tlv != null && tlv.getValue() != null && tlv.getValue().length == 1) {
            int state = tlv.getValue()[0] & 0xFF;
            return state < STATES.length ? STATES[state] : Integer.toString(state);
        }
        return null;
    }

    /** A receipt's error code as its text gives it ({@code err:000}), or {@code null}. */
    public static String error(BaseSm<?> sm) {
        Matcher m = ERR.matcher(asciiText(sm));
        return m.find() ? m.group(1) : null;
    }

    private static String asciiText(BaseSm<?> sm) {
        byte[] text = sm.getShortMessage();
        if (text == null || text.length == 0) {
            Tlv payload = sm.getOptionalParameter(SmppConstants.TAG_MESSAGE_PAYLOAD);
            text = payload == null ? null : payload.getValue();
        }
        return text == null ? "" : new String(text, StandardCharsets.ISO_8859_1);
    }
}
