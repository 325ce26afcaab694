package io.optoutgw.relay;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseSmResp;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.pdu.SubmitSm;
import com.cloudhopper.smpp.type.Address;
import com.cloudhopper.smpp.type.SmppInvalidArgumentException;
import io.optoutgw.codec.Pdus;
import io.optoutgw.metrics.GatewayMetrics;
import io.optoutgw.optout.Replies;
import io.optoutgw.optout.ReplyText;
import io.optoutgw.smpp.RequestWindow;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.upstream.UpstreamBind;
import io.optoutgw.upstream.Upstreams;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the gateway's own replies to keyword MO: one submit_sm from the short code the person
 * texted to the person, sent through the account's route and never through the suppression check
 * (the confirmation of an opt-out goes to a number that is now suppressed, by design). Each reply
 * the SMSC accepts is recorded in the evidence ledger with its message id and the consent event it
 * answers ({@link Evidence}); under {@code evidence.confirmationReceipts} a delivery receipt is
 * requested, and when it comes back it is acknowledged, recorded and dropped (never forwarded).
 * The message id is then stored for receipt routing under {@code __gateway__:DIGITS} (the number's key in
 * privacy mode hmac).
 */
final class ReplySender {

    /** The pseudo-account under which the gateway's own message ids are stored for receipt routing. */
    static final String GATEWAY_ACCOUNT = "__gateway__";

    /** The receipt-routing owner of a reply to {@code digits}: {@code __gateway__:DIGITS}. */
    static String gatewayOwner(String digits) {
        return GATEWAY_ACCOUNT + ":" + digits;
    }

    /** Whether a receipt-routing owner is the gateway itself (with or without the person's digits). */
    static boolean isGatewayOwner(String owner) {
        return owner != null
                && owner.startsWith(GATEWAY_ACCOUNT)
                && (owner.length() == GATEWAY_ACCOUNT.length() || owner.charAt(GATEWAY_ACCOUNT.length()) == ':');
    }

    /** The person's digits in a receipt-routing owner {@code __gateway__:DIGITS}, or {@code null}. */
    static String gatewayOwnerDigits(String owner) {
        return owner.length() > GATEWAY_ACCOUNT.length() + 1 ? owner.substring(GATEWAY_ACCOUNT.length() + 1) : null;
    }

    private static final Logger log = LoggerFactory.getLogger(ReplySender.class);
    private static final int ATTEMPTS = 4;
    private static final long RETRY_MILLIS = 2000;

    private final Upstreams upstreams;
    private final MessageIdStore messageIds;
    private final GatewayMetrics metrics;
    private final long timeoutNanos;
    private Evidence evidence = Evidence.OFF;

    ReplySender(Upstreams upstreams, MessageIdStore messageIds, GatewayMetrics metrics, Duration timeout) {
        this.upstreams = upstreams;
        this.messageIds = messageIds;
        this.metrics = metrics;
        this.timeoutNanos = timeout.toNanos();
    }

    /** Records the replies in the evidence ledger; call before traffic flows. */
    void recordEvidence(Evidence evidence) {
        this.evidence = evidence;
    }

    /**
     * Sends {@code reply} from {@code from} (the short code) to {@code to} (the person), retrying a
     * few times if no upstream can take it. {@code receivedNanos} is when the MO arrived;
     * {@code event} the consent event the reply answers ({@code null}: not recorded as evidence).
     */
    void send(
            String account,
            List<String> route,
            Replies.Kind kind,
            Address from,
            Address to,
            ReplyText reply,
            long receivedNanos,
            ConsentEvent event) {
        attempt(account, route, kind, from, to, reply, receivedNanos, 1, event);
    }

    private void attempt(
            String account,
            List<String> route,
            Replies.Kind kind,
            Address from,
            Address to,
            ReplyText reply,
            long receivedNanos,
            int attempt,
            ConsentEvent event) {
        UpstreamBind bind = upstreams.pick(route);
        if (bind == null) {
            retry(account, route, kind, from, to, reply, receivedNanos, attempt, "no upstream bound", null, event);
            return;
        }
        SubmitSm submit = new SubmitSm();
        submit.setSourceAddress(new Address(from.getTon(), from.getNpi(), from.getAddress()));
        submit.setDestAddress(new Address(to.getTon(), to.getNpi(), to.getAddress()));
        submit.setDataCoding(reply.dataCoding());
        // a receipt is asked for only to record whether the confirmation was delivered
        submit.setRegisteredDelivery(event != null && evidence.confirmationReceipts() ? (byte) 1 : (byte) 0);
        try {
            submit.setShortMessage(reply.bytes());
        } catch (SmppInvalidArgumentException e) {
            throw new IllegalStateException(e);
        }
        String type = kind.name().toLowerCase();
        bind.send(submit, timeoutNanos, new RequestWindow.Callback() {
            @Override
            public void onResponse(PduResponse response) {
                if (response.getCommandStatus() == SmppConstants.STATUS_OK) {
                    if (response instanceof BaseSmResp r
                            && r.getMessageId() != null
                            && !r.getMessageId().isEmpty()) {
                        boolean recorded = event != null && evidence.enabled();
                        messageIds.remember(
                                bind.upstreamName(),
                                r.getMessageId(),
                                recorded ? gatewayOwner(evidence.keyOf(event.number())) : GATEWAY_ACCOUNT);
                        if (recorded) {
                            evidence.confirmation(
                                    event.number(), account, from.getAddress(), type, event.id(), r.getMessageId());
                        }
                    }
                    metrics.confirmationSent(account, type, Duration.ofNanos(System.nanoTime() - receivedNanos));
                } else {
                    retry(
                            account,
                            route,
                            kind,
                            from,
                            to,
                            reply,
                            receivedNanos,
                            attempt,
                            "SMSC answered " + Pdus.status(response.getCommandStatus()),
                            bind,
                            event);
                }
            }

            @Override
            public void onFailure(RequestWindow.Failure failure) {
                retry(account, route, kind, from, to, reply, receivedNanos, attempt, failure.name(), bind, event);
            }
        });
    }

    private void retry(
            String account,
            List<String> route,
            Replies.Kind kind,
            Address from,
            Address to,
            ReplyText reply,
            long receivedNanos,
            int attempt,
            String why,
            UpstreamBind via,
            ConsentEvent event) {
        String type = kind.name().toLowerCase();
        if (attempt >= ATTEMPTS) {
            metrics.confirmationFailed(account, type);
            log.warn("{} reply for account {} not sent after {} attempts: {}", kind, account, attempt, why);
            if (event != null) {
                evidence.confirmationFailed(event.number(), account, from.getAddress(), type, event.id(), why);
            }
            return;
        }
        UpstreamBind scheduler = via != null ? via : upstreams.anyBind();
        if (scheduler == null) {
            metrics.confirmationFailed(account, type);
            if (event != null) {
                evidence.confirmationFailed(
                        event.number(), account, from.getAddress(), type, event.id(), "no upstream bound");
            }
            return;
        }
        scheduler.schedule(
                () -> attempt(account, route, kind, from, to, reply, receivedNanos, attempt + 1, event),
                RETRY_MILLIS * attempt);
    }
}
