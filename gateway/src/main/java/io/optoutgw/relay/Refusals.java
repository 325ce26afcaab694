package io.optoutgw.relay;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseSm;
import com.cloudhopper.smpp.pdu.BaseSmResp;
import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.tlv.Tlv;
import com.cloudhopper.smpp.type.Address;
import com.cloudhopper.smpp.type.SmppInvalidArgumentException;
import io.optoutgw.codec.Pdus;
import io.optoutgw.config.OptOutPolicy;
import io.optoutgw.esme.EsmeSession;
import io.optoutgw.smpp.RequestWindow;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses a submit to an opted-out number the way the account chose: a permanent error response
 * ({@code reject}), or ESME_ROK with a gateway message id followed by a delivery receipt
 * {@code stat:REJECTD} ({@code receipt}, only when the submit asked for a receipt; otherwise
 * {@code reject}). Either way nothing reaches the SMSC.
 */
final class Refusals {

    private static final Logger log = LoggerFactory.getLogger(Refusals.class);
    private static final DateTimeFormatter RECEIPT_DATE = DateTimeFormatter.ofPattern("yyMMddHHmm");
    /** message_state REJECTED (SMPP 3.4 section 5.2.28). */
    private static final byte STATE_REJECTED = 8;

    private static final int RECEIPT_ATTEMPTS = 5;
    private static final long RECEIPT_RETRY_MILLIS = 1000;

    /**
     * Answers the refused submit; returns the message id answered with ESME_ROK (a REJECTD receipt
     * follows), or {@code null} when the submit got the refusal status.
     */
    String refuse(EsmeSession session, BaseSm<?> sm, int esmeSequence, OptOutPolicy policy) {
        boolean wantsReceipt = (sm.getRegisteredDelivery() & 0x03) != 0;
        if (policy.refusal() != OptOutPolicy.Refusal.RECEIPT || !wantsReceipt) {
            session.respond(Pdus.response(sm, policy.refusalStatus()), esmeSequence);
            return null;
        }
        String messageId = "GW" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        PduResponse ok = Pdus.response(sm, SmppConstants.STATUS_OK);
        ((BaseSmResp) ok).setMessageId(messageId);
        session.respond(ok, esmeSequence);
        sendReceipt(session, rejectedReceipt(sm, messageId, policy.receiptErrorCode()), 1);
        return messageId;
    }

    private void sendReceipt(EsmeSession origin, DeliverSm receipt, int attempt) {
        EsmeSession target = origin.canReceive() ? origin : origin.account().receiver();
        if (target == null) {
            retry(origin, receipt, attempt, "no receiver bound");
            return;
        }
        target.deliver(receipt, new RequestWindow.Callback() {
            @Override
            public void onResponse(PduResponse response) {
                if (response.getCommandStatus() != SmppConstants.STATUS_OK) {
                    retry(origin, receipt, attempt, "ESME answered " + Pdus.status(response.getCommandStatus()));
                }
            }

            @Override
            public void onFailure(RequestWindow.Failure failure) {
                retry(origin, receipt, attempt, failure.name());
            }
        });
    }

    private void retry(EsmeSession origin, DeliverSm receipt, int attempt, String why) {
        if (attempt >= RECEIPT_ATTEMPTS) {
            log.warn("{} REJECTD receipt not delivered after {} attempts ({})", origin.label(), attempt, why);
            return;
        }
        origin.executor()
                .schedule(() -> sendReceipt(origin, receipt, attempt + 1), RECEIPT_RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** A receipt in the SMPP 3.4 Appendix B format with receipted_message_id and message_state TLVs. */
    static DeliverSm rejectedReceipt(BaseSm<?> sm, String messageId, int errorCode) {
        DeliverSm dlr = new DeliverSm();
        dlr.setEsmClass((byte) 0x04);
        dlr.setSourceAddress(copy(sm.getDestAddress()));
        dlr.setDestAddress(copy(sm.getSourceAddress()));
        String now = ZonedDateTime.now(ZoneOffset.UTC).format(RECEIPT_DATE);
        byte[] original = sm.getShortMessage() == null ? new byte[0] : sm.getShortMessage();
        String text = new String(original, 0, Math.min(20, original.length), StandardCharsets.ISO_8859_1);
        String body = "id:" + messageId + " sub:001 dlvrd:000 submit date:" + now + " done date:" + now
                + " stat:REJECTD err:" + String.format("%03d", errorCode) + " text:" + text;
        try {
            dlr.setShortMessage(body.getBytes(StandardCharsets.ISO_8859_1));
        } catch (SmppInvalidArgumentException e) {
            throw new IllegalStateException(e);
        }
        byte[] id = (messageId + "\0").getBytes(StandardCharsets.ISO_8859_1);
        dlr.addOptionalParameter(new Tlv(SmppConstants.TAG_RECEIPTED_MSG_ID, id));
        dlr.addOptionalParameter(new Tlv(SmppConstants.TAG_MSG_STATE, new byte[] {STATE_REJECTED}));
        return dlr;
    }

    private static Address copy(Address a) {
        return a == null ? new Address() : new Address(a.getTon(), a.getNpi(), a.getAddress());
    }
}
