package io.optoutgw.relay;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseSm;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.type.Address;
import io.netty.channel.EventLoop;
import io.optoutgw.codec.Pdus;
import io.optoutgw.esme.Account;
import io.optoutgw.esme.EsmeSession;
import io.optoutgw.metrics.GatewayMetrics;
import io.optoutgw.metrics.LogLimiter;
import io.optoutgw.optout.MessageText;
import io.optoutgw.optout.Mo;
import io.optoutgw.optout.MoOutcome;
import io.optoutgw.optout.OptOutService;
import io.optoutgw.optout.TextDecoder;
import io.optoutgw.smpp.RequestWindow;
import io.optoutgw.upstream.UpstreamBind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SMPP side of an MO on the opt-out path: decodes it, hands it to the {@link OptOutService}
 * and answers the SMSC from the outcome, back on the bind's event loop. The rule that matters
 * lives in {@link #act}: ESME_ROK only for an event that is durable (journal and Redis),
 * ESME_RX_T_APPN when it is not, so that the SMSC delivers it again.
 */
final class KeywordMo {

    private static final Logger log = LoggerFactory.getLogger(KeywordMo.class);

    private final OptOutService optOut;
    private final ReplySender replies;
    private final GatewayMetrics metrics;
    private final Map<String, TextDecoder> decoders = new ConcurrentHashMap<>();
    private final Set<String> latin1Logged = ConcurrentHashMap.newKeySet();
    private final LogLimiter withheldLog = new LogLimiter(Duration.ofSeconds(1));
    private final LogLimiter cappedLog = new LogLimiter(Duration.ofSeconds(1));
    private final LogLimiter uncheckedLog = new LogLimiter(Duration.ofSeconds(1));
    private final ReplyCap replyCap;

    KeywordMo(OptOutService optOut, ReplySender replies, ReplyCap replyCap, GatewayMetrics metrics) {
        this.optOut = optOut;
        this.replies = replies;
        this.replyCap = replyCap;
        this.metrics = metrics;
    }

    /**
     * Handles an MO from {@code bind}. When it carries no keyword, {@code routeNormally} relays it
     * like any other MO; otherwise the SMSC is answered here.
     */
    void onMo(UpstreamBind bind, BaseSm<?> sm, int smscSequence, Account owner, Runnable routeNormally) {
        long receivedNanos = System.nanoTime();
        MessageText decoded = decoder(bind).decode(sm);
        if (!(decoded instanceof MessageText.Text text)) {
            routeNormally.run();
            return;
        }
        if (text.latin1Fallback()) {
            metrics.latin1Fallback(ownerName(owner));
            if (latin1Logged.add(bind.upstreamName())) {
                log.info(
                        "{} MO under data_coding {} has octets above 0x7F, which GSM 7-bit unpacked cannot carry: "
                                + "read as Latin-1 (set dataCodingZero: latin1 on upstream {} if it always sends Latin-1; "
                                + "counted in smppgw_mo_latin1_fallback_total, logged once)",
                        bind.label(),
                        sm.getDataCoding() & 0xFF,
                        bind.upstreamName());
            }
        }
        Address source = sm.getSourceAddress();
        Address destination = sm.getDestAddress();
        Mo mo = new Mo(
                bind.label(),
                bind.upstreamName(),
                bind.label() + " seq " + smscSequence,
                source == null ? 0 : source.getTon(),
                addr(source),
                destination == null ? 0 : destination.getTon(),
                destination == null ? null : destination.getAddress(),
                sm.getDataCoding() & 0xFF,
                text.text(),
                text.concat(),
                owner == null ? null : owner.config(),
                text.concat() == null ? TextDecoder.userDataHex(sm) : null);
        optOut.handle(mo)
                .whenComplete((outcome, error) -> onLoop(
                        bind.eventLoop(), () -> act(bind, sm, owner, routeNormally, receivedNanos, outcome, error)));
    }

    /** Longest number treated as a short code (national short codes run from 3 to 6 digits). */
    static final int SHORT_CODE_MAX_DIGITS = 6;

    /**
     * Whether a keyword MO's originator is an automated one that must not get an auto-reply: an
     * alphanumeric sender (TON 5, or any letter in the address) or a short code (at most
     * {@value #SHORT_CODE_MAX_DIGITS} digits). People text from full phone numbers.
     */
    static boolean automatedOriginator(Address source) {
        if (source == null || source.getAddress() == null) {
            return false;
        }
        if (source.getTon() == SmppConstants.TON_ALPHANUMERIC) {
            return true;
        }
        String a = source.getAddress();
        int digits = 0;
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            if (Character.isLetter(c)) {
                return true;
            }
            if (c >= '0' && c <= '9') {
                digits++;
            }
        }
        return digits > 0 && digits <= SHORT_CODE_MAX_DIGITS;
    }

    /** What the SMSC hears, and what else happens, for each outcome. */
    private void act(
            UpstreamBind bind,
            BaseSm<?> sm,
            Account owner,
            Runnable routeNormally,
            long receivedNanos,
            MoOutcome outcome,
            Throwable error) {
        if (error != null) {
            // not expected: the service reports its failures as outcomes; never ESME_ROK on doubt
            log.warn("{} MO not handled ({}): SMSC told to retry", bind.label(), error.toString());
            retryLater(bind, sm);
        } else if (outcome instanceof MoOutcome.NotKeyword
                || outcome instanceof MoOutcome.Incomplete
                || outcome instanceof MoOutcome.NotAPhoneNumber) {
            routeNormally.run();
        } else if (outcome instanceof MoOutcome.NotDurable) {
            retryLater(bind, sm);
        } else if (outcome instanceof MoOutcome.Duplicate || outcome instanceof MoOutcome.Clarified) {
            acknowledge(bind, sm, owner);
        } else if (outcome instanceof MoOutcome.Recorded recorded) {
            acknowledge(bind, sm, owner);
            if (automatedOriginator(sm.getSourceAddress())) {
                // recorded and acknowledged, but no auto-reply: two automated systems answering
                // each other's confirmations would loop
                metrics.replyWithheld(ownerName(owner), "automated");
                long skipped = withheldLog.admit();
                if (skipped >= 0) {
                    log.info(
                            "{} {} from an alphanumeric sender or short code: recorded, no reply sent{}",
                            bind.label(),
                            recorded.kind(),
                            LogLimiter.leftOut(skipped));
                }
                return;
            }
            // the reply cap, across intents: the event is recorded and acknowledged whatever it says
            replyCap.admit(recorded.event().number(), recorded.event().sender())
                    .whenComplete((verdict, capError) ->
                            onLoop(bind.eventLoop(), () -> reply(bind, sm, owner, recorded, receivedNanos, verdict)));
        } else {
            throw new IllegalStateException("unknown MO outcome " + outcome);
        }
    }

    /** Sends the reply to a recorded keyword MO unless the person's reply cap for that sender is reached. */
    private void reply(
            UpstreamBind bind,
            BaseSm<?> sm,
            Account owner,
            MoOutcome.Recorded recorded,
            long receivedNanos,
            ReplyCap.Verdict verdict) {
        if (verdict == ReplyCap.Verdict.CAPPED) {
            metrics.replyWithheld(ownerName(owner), "cap");
            long skipped = cappedLog.admit();
            if (skipped >= 0) {
                log.info(
                        "{} {}: recorded, no reply sent: optout.replyCap reached for this person and sender{}",
                        bind.label(),
                        recorded.kind(),
                        LogLimiter.leftOut(skipped));
            }
            return;
        }
        if (verdict == ReplyCap.Verdict.UNCHECKED) {
            long skipped = uncheckedLog.admit();
            if (skipped >= 0) {
                log.info(
                        "{} {}: optout.replyCap could not be read from Redis: reply sent anyway{}",
                        bind.label(),
                        recorded.kind(),
                        LogLimiter.leftOut(skipped));
            }
        }
        List<String> route = owner == null ? List.of() : owner.config().route();
        replies.send(
                ownerName(owner),
                route,
                recorded.kind(),
                sm.getDestAddress(),
                sm.getSourceAddress(),
                recorded.reply(),
                receivedNanos,
                recorded.event());
    }

    /** ESME_ROK for a durable event, then the MO goes to the owning ESME if the account wants it. */
    private void acknowledge(UpstreamBind bind, BaseSm<?> sm, Account owner) {
        bind.respond(sm, Pdus.response(sm, SmppConstants.STATUS_OK));
        if (owner != null && owner.config().optOut().forwardMo()) {
            forward(owner, sm);
        }
    }

    private void forward(Account owner, BaseSm<?> sm) {
        EsmeSession session = owner.receiver();
        if (session == null) {
            log.info("keyword MO for account {} not forwarded: no receiver bound", owner.systemId());
            return;
        }
        session.deliver(sm, new RequestWindow.Callback() {
            @Override
            public void onResponse(PduResponse response) {}

            @Override
            public void onFailure(RequestWindow.Failure failure) {
                log.info("{} keyword MO not forwarded: {}", session.label(), failure);
            }
        });
    }

    private TextDecoder decoder(UpstreamBind bind) {
        return decoders.computeIfAbsent(
                bind.upstreamName(), n -> new TextDecoder(bind.config().dataCodingZero()));
    }

    /** ESME_RX_T_APPN: a temporary failure, so the SMSC delivers again later. */
    private static void retryLater(UpstreamBind bind, BaseSm<?> sm) {
        bind.respond(sm, Pdus.response(sm, SmppConstants.STATUS_X_T_APPN));
    }

    /** Runs {@code action} on {@code loop}: at once when already on it, else as a task there. */
    private static void onLoop(EventLoop loop, Runnable action) {
        if (loop.inEventLoop()) {
            action.run();
        } else {
            loop.execute(action);
        }
    }

    private static String addr(Address a) {
        return a == null || a.getAddress() == null ? "" : a.getAddress();
    }

    private static String ownerName(Account owner) {
        return owner == null ? "" : owner.systemId();
    }
}
