package io.optoutgw.relay;

import com.cloudhopper.smpp.pdu.BaseSm;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.type.Address;
import io.optoutgw.codec.SubmitMulti;
import io.optoutgw.config.EvidenceConfig;
import io.optoutgw.esme.Account;
import io.optoutgw.metrics.GatewayMetrics;
import io.optoutgw.metrics.GatewayMetrics.RefusalReason;
import io.optoutgw.metrics.LogLimiter;
import io.optoutgw.suppression.EvidenceLedger;
import io.optoutgw.suppression.EvidenceLedger.Entry;
import io.optoutgw.suppression.EvidenceLedger.Kind;
import io.optoutgw.suppression.PhoneNumbers;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.SuppressionGuard;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's hooks into the {@link EvidenceLedger}: each refused destination, each fail-open pass,
 * each message relayed to a number the check saw an entry for, and the gateway's own replies with
 * their receipts. Fire and forget: a write is issued and never waited for, so it neither delays nor
 * fails the submit; a write that fails is counted in {@code smppgw_redis_errors_total{operation="refusal_ledger"}}
 * and logged at most once a second.
 */
final class Evidence {

    private static final Logger log = LoggerFactory.getLogger(Evidence.class);
    static final String OPERATION = "refusal_ledger";

    /** Records nothing. */
    static final Evidence OFF = new Evidence(null, EvidenceConfig.defaults(), null);

    private final EvidenceLedger ledger;
    private final EvidenceConfig config;
    private final GatewayMetrics metrics;
    private final LogLimiter failureLog = new LogLimiter(Duration.ofSeconds(1));

    /**
     * @param ledger where entries go; {@code null} (or {@code evidence.enabled: false}) records nothing
     */
    Evidence(EvidenceLedger ledger, EvidenceConfig config, GatewayMetrics metrics) {
        this.ledger = config.enabled() ? ledger : null;
        this.config = config;
        this.metrics = metrics;
    }

    boolean enabled() {
        return ledger != null;
    }

    /** What stands for {@code digits} in Redis (its key in privacy mode hmac, docs/privacy.md). */
    String keyOf(String digits) {
        return ledger == null ? digits : ledger.keyOf(digits);
    }

    /** Whether the gateway's own replies ask for a delivery receipt (to record it). */
    boolean confirmationReceipts() {
        return ledger != null && config.confirmationReceipts();
    }

    /**
     * One destination refused. {@code digits}: the checked number, or {@code null} to read it from
     * {@code destination} in the account's default region (a destination that is not a phone
     * number is not recorded: there is no number to trace). {@code matched}: for an opt-out, the
     * decision; {@code messageId}: the id answered under {@code refusal: receipt}.
     */
    void refused(
            Account account,
            PduRequest<?> request,
            String digits,
            Address destination,
            String sender,
            String category,
            RefusalReason reason,
            SuppressionGuard.Suppressed matched,
            int status,
            int sequence,
            String messageId) {
        if (ledger == null) {
            return;
        }
        String number = digits != null ? digits : digits(account, destination);
        if (number == null) {
            return;
        }
        write(
                number,
                new Entry(
                        Kind.REFUSED,
                        request.getName(),
                        System.currentTimeMillis(),
                        account.systemId(),
                        empty(sender),
                        category,
                        reason.name().toLowerCase(),
                        matched == null ? null : matched(matched),
                        Integer.toHexString(status),
                        sequence,
                        messageId,
                        null));
    }

    /**
     * Every destination of {@code request} (a submit_sm, data_sm or submit_multi) refused for one
     * {@code reason} before or without a per-destination decision: a schedule refusal, a whole
     * submit_multi refused fail-closed, the opt-out instruction check of a submit_multi.
     */
    void refusedAll(
            Account account,
            PduRequest<?> request,
            String sender,
            String category,
            RefusalReason reason,
            int status,
            int sequence) {
        if (ledger == null) {
            return;
        }
        if (request instanceof BaseSm<?> sm) {
            refused(account, sm, null, sm.getDestAddress(), sender, category, reason, null, status, sequence, null);
        } else if (request instanceof SubmitMulti multi) {
            for (SubmitMulti.Destination d : multi.getDestinations()) {
                if (!d.isDistributionList()) {
                    refused(account, multi, null, d.address(), sender, category, reason, null, status, sequence, null);
                }
            }
        }
    }

    /**
     * A message the SMSC accepted under {@code messageId}, to be recorded when it matters for
     * proof: passed without a check (fail-open: {@code digits} null, read from {@code destination}),
     * or checked and the check saw an entry for the number ({@code known}, under
     * {@code evidence.relayedKnown}). Others are not recorded (see docs/admin.md, "What a trace proves").
     */
    void relayed(
            Account account,
            PduRequest<?> request,
            String digits,
            boolean known,
            Address destination,
            String sender,
            String category,
            int sequence,
            String messageId) {
        if (ledger == null || !matters(digits, known)) {
            return;
        }
        String number = digits != null ? digits : digits(account, destination);
        if (number == null) {
            return;
        }
        write(
                number,
                new Entry(
                        digits == null ? Kind.RELAYED_UNCHECKED : Kind.RELAYED,
                        request.getName(),
                        System.currentTimeMillis(),
                        account.systemId(),
                        empty(sender),
                        category,
                        null,
                        null,
                        "0",
                        sequence,
                        messageId,
                        null));
    }

    /** Whether a relay of a number checked as {@code digits} ({@code null}: unchecked) is recorded. */
    boolean matters(String digits, boolean known) {
        return ledger != null && (digits == null || (known && config.relayedKnown()));
    }

    /** The gateway's own reply ({@code replyKind}: opt_out, opt_in, help, clarify) accepted by the SMSC. */
    void confirmation(
            String digits, String account, String shortCode, String replyKind, String eventId, String messageId) {
        if (ledger == null || digits == null) {
            return;
        }
        writeConfirmation(
                digits,
                new Entry(
                        Kind.CONFIRMATION,
                        null,
                        System.currentTimeMillis(),
                        empty(account),
                        empty(shortCode),
                        null,
                        replyKind,
                        null,
                        "0",
                        null,
                        messageId,
                        eventId));
    }

    /** The gateway's own reply could not be sent ({@code why}). */
    void confirmationFailed(
            String digits, String account, String shortCode, String replyKind, String eventId, String why) {
        if (ledger == null || digits == null) {
            return;
        }
        writeConfirmation(
                digits,
                new Entry(
                        Kind.CONFIRMATION_FAILED,
                        null,
                        System.currentTimeMillis(),
                        empty(account),
                        empty(shortCode),
                        null,
                        why,
                        null,
                        null,
                        null,
                        null,
                        eventId));
    }

    /** A delivery receipt ({@code stat}, {@code err}) for the gateway's own reply {@code messageId}. */
    void confirmationReceipt(String digits, String messageId, String stat, String err) {
        if (ledger == null || digits == null) {
            return;
        }
        writeConfirmation(
                digits,
                new Entry(
                        Kind.CONFIRMATION_RECEIPT,
                        null,
                        System.currentTimeMillis(),
                        null,
                        null,
                        null,
                        stat,
                        null,
                        err,
                        null,
                        messageId,
                        null));
    }

    private void write(String digits, Entry entry) {
        try {
            watch(ledger.record(digits, entry));
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void writeConfirmation(String digits, Entry entry) {
        try {
            watch(ledger.recordConfirmation(digits, entry));
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void watch(CompletionStage<Long> write) {
        write.whenComplete((ignored, error) -> {
            if (error != null) {
                failed(error);
            }
        });
    }

    private void failed(Throwable error) {
        if (metrics != null) {
            metrics.redisError(OPERATION);
        }
        long skipped = failureLog.admit();
        if (skipped >= 0) {
            log.warn("evidence ledger write failed: {}{}", error.toString(), LogLimiter.leftOut(skipped));
        }
    }

    /**
     * The list entry that refused: {@code g}, {@code a}, {@code s} (this account's sender) or
     * {@code *} (the sender, any account), then {@code ~} when a category entry decided; for an
     * external list, {@code l:} and the list's name.
     */
    private static String matched(SuppressionGuard.Suppressed s) {
        if (s.list() != null) {
            return "l:" + s.list();
        }
        String kind;
        if (s.scope() instanceof Scope.Global) {
            kind = "g";
        } else if (s.scope() instanceof Scope.Account) {
            kind = "a";
        } else {
            kind = Scope.ANY_ACCOUNT.equals(((Scope.Sender) s.scope()).account()) ? "*" : "s";
        }
        return s.category() == null ? kind : kind + "~";
    }

    private static String digits(Account account, Address destination) {
        if (destination == null) {
            return null;
        }
        PhoneNumbers.Normalized n = PhoneNumbers.normalizeDestination(
                destination.getTon(), destination.getAddress(), account.config().defaultRegion());
        return n.ok() ? n.digits() : null;
    }

    private static String empty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
