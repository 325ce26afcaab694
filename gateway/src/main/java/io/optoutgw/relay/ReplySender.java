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
import io.optoutgw.upstream.UpstreamBind;
import io.optoutgw.upstream.Upstreams;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the gateway's own replies to keyword MO: one submit_sm from the short code the person
 * texted to the person, sent through the account's route and never through the suppression check
 * (the confirmation of an opt-out goes to a number that is now suppressed, by design). No
 * delivery receipt is requested; any that comes back is acknowledged and dropped.
 */
final class ReplySender {

    /** The pseudo-account under which the gateway's own message ids are stored for receipt routing. */
    static final String GATEWAY_ACCOUNT = "__gateway__";

    private static final Logger log = LoggerFactory.getLogger(ReplySender.class);
    private static final int ATTEMPTS = 4;
    private static final long RETRY_MILLIS = 2000;

    private final Upstreams upstreams;
    private final MessageIdStore messageIds;
    private final GatewayMetrics metrics;
    private final long timeoutNanos;

    ReplySender(Upstreams upstreams, MessageIdStore messageIds, GatewayMetrics metrics, Duration timeout) {
        this.upstreams = upstreams;
        this.messageIds = messageIds;
        this.metrics = metrics;
        this.timeoutNanos = timeout.toNanos();
    }

    /**
     * Sends {@code reply} from {@code from} (the short code) to {@code to} (the person), retrying a
     * few times if no upstream can take it. {@code receivedNanos} is when the MO arrived.
     */
    void send(
            String account,
            List<String> route,
            Replies.Kind kind,
            Address from,
            Address to,
            ReplyText reply,
            long receivedNanos) {
        attempt(account, route, kind, from, to, reply, receivedNanos, 1);
    }

    private void attempt(
            String account,
            List<String> route,
            Replies.Kind kind,
            Address from,
            Address to,
            ReplyText reply,
            long receivedNanos,
            int attempt) {
        UpstreamBind bind = upstreams.pick(route);
        if (bind == null) {
            retry(account, route, kind, from, to, reply, receivedNanos, attempt, "no upstream bound", null);
            return;
        }
        SubmitSm submit = new SubmitSm();
        submit.setSourceAddress(new Address(from.getTon(), from.getNpi(), from.getAddress()));
        submit.setDestAddress(new Address(to.getTon(), to.getNpi(), to.getAddress()));
        submit.setDataCoding(reply.dataCoding());
        submit.setRegisteredDelivery((byte) 0);
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
                        messageIds.remember(bind.upstreamName(), r.getMessageId(), GATEWAY_ACCOUNT);
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
                            bind);
                }
            }

            @Override
            public void onFailure(RequestWindow.Failure failure) {
                retry(account, route, kind, from, to, reply, receivedNanos, attempt, failure.name(), bind);
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
            UpstreamBind via) {
        if (attempt >= ATTEMPTS) {
            metrics.confirmationFailed(account, kind.name().toLowerCase());
            log.warn("{} reply for account {} not sent after {} attempts: {}", kind, account, attempt, why);
            return;
        }
        UpstreamBind scheduler = via != null ? via : upstreams.anyBind();
        if (scheduler == null) {
            metrics.confirmationFailed(account, kind.name().toLowerCase());
            return;
        }
        scheduler.schedule(
                () -> attempt(account, route, kind, from, to, reply, receivedNanos, attempt + 1),
                RETRY_MILLIS * attempt);
    }
}
