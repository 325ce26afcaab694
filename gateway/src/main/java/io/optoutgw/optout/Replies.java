package io.optoutgw.optout;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseSmResp;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.pdu.SubmitSm;
import com.cloudhopper.smpp.type.Address;
import com.cloudhopper.smpp.type.SmppInvalidArgumentException;
import io.optoutgw.codec.Pdus;
import io.optoutgw.config.AccountConfig;
import io.optoutgw.config.OptOutPolicy;
import io.optoutgw.config.Templates;
import io.optoutgw.metrics.GatewayMetrics;
import io.optoutgw.session.RequestWindow;
import io.optoutgw.upstream.UpstreamBind;
import io.optoutgw.upstream.Upstreams;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's own replies to keyword MO: one submit_sm from the short code the person texted
 * to the person, sent through the account's route and never through the suppression check
 * (the confirmation of an opt-out goes to a number that is now suppressed, by design). No
 * delivery receipt is requested; any that comes back is acknowledged and dropped.
 */
public final class Replies {

    /** The pseudo-account under which the gateway's own message ids are stored for receipt routing. */
    public static final String GATEWAY_ACCOUNT = "__gateway__";

    private static final Logger log = LoggerFactory.getLogger(Replies.class);
    private static final int ATTEMPTS = 4;
    private static final long RETRY_MILLIS = 2000;

    /** What kind of reply. */
    public enum Kind { OPT_OUT, OPT_IN, HELP }

    /** Where the SMSC message id of each sent reply is kept, so that its receipt is recognised. */
    @FunctionalInterface
    public interface MessageIds {
        void remember(String upstream, String messageId, String account);
    }

    private final Upstreams upstreams;
    private final MessageIds messageIds;
    private final GatewayMetrics metrics;
    private final long timeoutNanos;

    public Replies(Upstreams upstreams, MessageIds messageIds, GatewayMetrics metrics, Duration timeout) {
        this.upstreams = upstreams;
        this.messageIds = messageIds;
        this.metrics = metrics;
        this.timeoutNanos = timeout.toNanos();
    }

    /**
     * Checks every template of every account at start-up: each must fit one SMS. Throws
     * IllegalArgumentException naming the account, sender, kind and language otherwise.
     */
    public static void validate(List<AccountConfig> accounts) {
        for (AccountConfig a : accounts) {
            OptOutPolicy p = a.optOut();
            check(a.systemId(), "", p.templates(), p.surveyUrl());
            p.senderTemplates().forEach((sender, t) -> check(a.systemId(), sender, t.withDefaults(p.templates()),
                    p.surveyUrl()));
        }
    }

    private static void check(String account, String sender, Templates t, String surveyUrl) {
        Map<String, Map<String, String>> kinds = Map.of("optOut", t.optOut(), "optIn", t.optIn(), "help", t.help());
        kinds.forEach((kind, byLanguage) -> byLanguage.forEach((language, text) -> {
            try {
                ReplyText.encode(render(text, surveyUrl));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("accounts[" + account + "].optOut."
                        + (sender.isEmpty() ? "" : "senderTemplates[" + sender + "].") + "templates." + kind + "."
                        + language + ": " + e.getMessage());
            }
        }));
    }

    static String render(String template, String surveyUrl) {
        return template.replace("{surveyUrl}", surveyUrl == null ? "" : surveyUrl).strip();
    }

    /** The reply text for {@code kind} in {@code language} from {@code sender}'s templates. */
    public static ReplyText text(OptOutPolicy policy, String sender, Kind kind, String language) {
        Templates t = policy.templatesFor(sender);
        Map<String, String> byLanguage = switch (kind) {
            case OPT_OUT -> t.optOut();
            case OPT_IN -> t.optIn();
            case HELP -> t.help();
        };
        return ReplyText.encode(render(Templates.pick(byLanguage, language), policy.surveyUrl()));
    }

    /**
     * Sends {@code reply} from {@code from} (the short code) to {@code to} (the person), retrying a
     * few times if no upstream can take it. {@code receivedNanos} is when the MO arrived.
     */
    public void send(String account, List<String> route, Kind kind, Address from, Address to, ReplyText reply,
                     long receivedNanos) {
        attempt(account, route, kind, from, to, reply, receivedNanos, 1);
    }

    private void attempt(String account, List<String> route, Kind kind, Address from, Address to, ReplyText reply,
                         long receivedNanos, int attempt) {
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
                    if (response instanceof BaseSmResp r && r.getMessageId() != null && !r.getMessageId().isEmpty()) {
                        messageIds.remember(bind.upstreamName(), r.getMessageId(), GATEWAY_ACCOUNT);
                    }
                    metrics.confirmationSent(account, type, Duration.ofNanos(System.nanoTime() - receivedNanos));
                } else {
                    retry(account, route, kind, from, to, reply, receivedNanos, attempt,
                            "SMSC answered " + Pdus.status(response.getCommandStatus()), bind);
                }
            }

            @Override
            public void onFailure(RequestWindow.Failure failure) {
                retry(account, route, kind, from, to, reply, receivedNanos, attempt, failure.name(), bind);
            }
        });
    }

    private void retry(String account, List<String> route, Kind kind, Address from, Address to, ReplyText reply,
                       long receivedNanos, int attempt, String why, UpstreamBind via) {
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
        scheduler.schedule(() -> attempt(account, route, kind, from, to, reply, receivedNanos, attempt + 1),
                RETRY_MILLIS * attempt);
    }
}
