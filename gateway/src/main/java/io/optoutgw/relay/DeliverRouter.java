package io.optoutgw.relay;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseSm;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.pdu.PduResponse;
import io.optoutgw.codec.Pdus;
import io.optoutgw.config.EvidenceConfig;
import io.optoutgw.config.ReplyCapConfig;
import io.optoutgw.esme.Account;
import io.optoutgw.esme.AccountRegistry;
import io.optoutgw.esme.EsmeSession;
import io.optoutgw.metrics.GatewayMetrics;
import io.optoutgw.metrics.LogLimiter;
import io.optoutgw.optout.OptOutService;
import io.optoutgw.sendtime.FrequencyCap;
import io.optoutgw.smpp.RequestWindow;
import io.optoutgw.suppression.EvidenceLedger;
import io.optoutgw.upstream.UpstreamBind;
import io.optoutgw.upstream.UpstreamTraffic;
import io.optoutgw.upstream.Upstreams;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SMSC -> ESME (deliver_sm, data_sm): receipts go to the account that submitted the message; MO
 * is first offered to the opt-out path ({@link KeywordMo}), then goes to the account owning the
 * destination number. When no session of that account can take it the SMSC gets ESME_RX_T_APPN
 * so that it retries, never ESME_ROK.
 */
public final class DeliverRouter implements UpstreamTraffic {

    private static final Logger log = LoggerFactory.getLogger(DeliverRouter.class);
    /** Per-message lines: at most one of each kind a second (the events are counted in metrics). */
    private static final Duration LOG_INTERVAL = Duration.ofSeconds(1);
    /** Pauses before looking up an unknown receipt's message id again. */
    private static final long[] RECEIPT_LOOKUP_RETRY_MILLIS = {10, 50, 200, 1000};

    private final LogLimiter unroutableLog = new LogLimiter(LOG_INTERVAL);
    private final LogLimiter deliveryFailureLog = new LogLimiter(LOG_INTERVAL);
    private final AccountRegistry accounts;
    private final MessageIdStore messageIds;
    private final GatewayMetrics metrics;
    private final KeywordMo keywordMo;
    private final ReplySender replies;
    private Evidence evidence = Evidence.OFF;

    public DeliverRouter(
            AccountRegistry accounts,
            Upstreams upstreams,
            MessageIdStore messageIds,
            OptOutService optOut,
            GatewayMetrics metrics,
            Duration requestTimeout,
            FrequencyCap counters,
            ReplyCapConfig replyCap) {
        this.accounts = accounts;
        this.messageIds = messageIds;
        this.metrics = metrics;
        this.replies = new ReplySender(upstreams, messageIds, metrics, requestTimeout);
        this.keywordMo = new KeywordMo(optOut, replies, new ReplyCap(counters, replyCap, metrics), metrics);
    }

    /**
     * Records the gateway's own replies and the receipts that come back for them in {@code ledger}
     * ({@link Evidence}); call before the upstreams start.
     */
    public void recordEvidence(EvidenceLedger ledger, EvidenceConfig config) {
        this.evidence = new Evidence(ledger, config, metrics);
        replies.recordEvidence(evidence);
    }

    @Override
    public void fromUpstream(UpstreamBind bind, PduRequest<?> request) {
        int smscSequence = request.getSequenceNumber();
        if (!(request instanceof BaseSm<?> sm)) {
            bind.respond(request, Pdus.response(request, SmppConstants.STATUS_INVCMDID));
            return;
        }
        if (Receipts.isReceipt(sm, bind.config().textReceipts())) {
            String messageId = Receipts.messageId(sm);
            if (messageId == null) {
                long skipped = unroutableLog.admit();
                if (skipped >= 0) {
                    log.info(
                            "{} receipt without a message id cannot be routed{}",
                            bind.label(),
                            LogLimiter.leftOut(skipped));
                }
                retryLater(bind, request, smscSequence);
                return;
            }
            routeReceipt(bind, request, smscSequence, messageId, 0);
            return;
        }
        String destination =
                sm.getDestAddress() == null ? null : sm.getDestAddress().getAddress();
        Account owner = accounts.ownerOf(destination);
        Runnable routeNormally = () -> {
            if (owner == null) {
                long skipped = unroutableLog.admit();
                if (skipped >= 0) {
                    log.info(
                            "{} {} to a number no account owns{}",
                            bind.label(),
                            request.getName(),
                            LogLimiter.leftOut(skipped));
                }
            }
            deliverTo(owner, bind, request, smscSequence);
        };
        keywordMo.onMo(bind, sm, smscSequence, owner, routeNormally);
    }

    /**
     * Finds the account that submitted {@code messageId}. A receipt can overtake the mapping: the
     * SMSC may send it before the submit_sm_resp has even reached the gateway instance that
     * stores the mapping. So an unknown id is looked up again after short pauses before the SMSC
     * is told to retry later.
     */
    private void routeReceipt(
            UpstreamBind bind, PduRequest<?> request, int smscSequence, String messageId, int attempt) {
        messageIds.lookup(bind.upstreamName(), messageId).whenComplete((systemId, error) -> {
            if (error != null) {
                log.warn("{} receipt lookup failed: {}", bind.label(), error.toString());
                metrics.redisError("receipt_lookup");
                retryLater(bind, request, smscSequence);
                return;
            }
            if (systemId == null && attempt < RECEIPT_LOOKUP_RETRY_MILLIS.length) {
                bind.schedule(
                        () -> routeReceipt(bind, request, smscSequence, messageId, attempt + 1),
                        RECEIPT_LOOKUP_RETRY_MILLIS[attempt]);
                return;
            }
            if (ReplySender.isGatewayOwner(systemId)) {
                // a receipt for one of the gateway's own replies: recorded, nobody to forward it to
                bind.respond(request, Pdus.response(request, SmppConstants.STATUS_OK));
                String digits = ReplySender.gatewayOwnerDigits(systemId);
                if (digits != null) {
                    BaseSm<?> receipt = (BaseSm<?>) request;
                    evidence.confirmationReceipt(digits, messageId, Receipts.stat(receipt), Receipts.error(receipt));
                }
                return;
            }
            Account account = systemId == null ? null : accounts.account(systemId);
            if (account == null) {
                long skipped = unroutableLog.admit();
                if (skipped >= 0) {
                    log.info(
                            "{} receipt for unknown message id: no account to route it to{}",
                            bind.label(),
                            LogLimiter.leftOut(skipped));
                }
            }
            deliverTo(account, bind, request, smscSequence);
        });
    }

    private void deliverTo(Account account, UpstreamBind bind, PduRequest<?> request, int smscSequence) {
        EsmeSession session = account == null ? null : account.receiver();
        if (session == null) {
            if (account != null) {
                long skipped = unroutableLog.admit();
                if (skipped >= 0) {
                    log.info(
                            "{} no bound receiver of account {} for {}{}",
                            bind.label(),
                            account.systemId(),
                            request.getName(),
                            LogLimiter.leftOut(skipped));
                }
            }
            retryLater(bind, request, smscSequence);
            return;
        }
        session.deliver(request, new RequestWindow.Callback() {
            @Override
            public void onResponse(PduResponse response) {
                bind.respond(request, Pdus.adapt(request, response));
            }

            @Override
            public void onFailure(RequestWindow.Failure failure) {
                long skipped = deliveryFailureLog.admit();
                if (skipped >= 0) {
                    log.info(
                            "{} {} to {}: {}{}",
                            bind.label(),
                            request.getName(),
                            session.label(),
                            failure,
                            LogLimiter.leftOut(skipped));
                }
                retryLater(bind, request, smscSequence);
            }
        });
    }

    /** ESME_RX_T_APPN: a temporary failure, so the SMSC delivers again later (docs/domain.md). */
    private static void retryLater(UpstreamBind bind, PduRequest<?> request, int smscSequence) {
        bind.respond(request, Pdus.response(request, SmppConstants.STATUS_X_T_APPN));
    }
}
