package io.optoutgw.relay;

import com.cloudhopper.smpp.SmppConstants;
import io.optoutgw.config.OptOutPolicy;
import io.optoutgw.metrics.GatewayMetrics.RefusalReason;
import io.optoutgw.suppression.SuppressionGuard;

/**
 * What one destination of a submit gets: the suppression decision ({@link SuppressionGuard}) under
 * the account's policy. The one table for submit_sm, data_sm and every destination of a
 * submit_multi; {@link SubmitRelay} answers the ESME from it.
 */
sealed interface SubmitDecision {

    /**
     * Relayed. {@code digits} is the checked number (to remember a message that may stay pending
     * at the SMSC), {@code null} when the list could not be read and the account is fail-open.
     * {@code known}: the check saw an entry for the number (an opt-out lifted again).
     */
    record Relay(String digits, boolean known) implements SubmitDecision {
        /** Passed without a check: the list could not be read and the account is fail-open. */
        boolean unchecked() {
            return digits == null;
        }
    }

    /** Refused: an ESME status, and the reason counted in {@code smppgw_submits_refused_total}. */
    sealed interface Refusal extends SubmitDecision {
        int status();

        RefusalReason reason();
    }

    /**
     * The number opted out, or an external list holds it: refused with the account's refusal status, or, for a single submit under
     * {@code refusal: receipt}, with ESME_ROK and a REJECTD receipt ({@link Refusals}).
     */
    record OptedOut(SuppressionGuard.Suppressed suppressed, int status) implements Refusal {
        @Override
        public RefusalReason reason() {
            return suppressed.list() != null ? RefusalReason.LISTED : RefusalReason.SUPPRESSED;
        }
    }

    /** The account requires a recorded opt-in for the message's category and the number has none. */
    record NoOptIn(String digits, int status) implements Refusal {
        @Override
        public RefusalReason reason() {
            return RefusalReason.NO_OPT_IN;
        }
    }

    /** The destination cannot be checked (not a phone number, a distribution list): ESME_RINVDSTADR. */
    record Uncheckable(String problem) implements Refusal {
        @Override
        public int status() {
            return SmppConstants.STATUS_INVDSTADR;
        }

        @Override
        public RefusalReason reason() {
            return RefusalReason.INVALID_NUMBER;
        }
    }

    /** The list cannot be read and the account fails closed: the whole request is refused. */
    record FailClosed(Throwable cause, int status) implements Refusal {
        @Override
        public RefusalReason reason() {
            return RefusalReason.FAIL_CLOSED;
        }
    }

    /** The decision table (docs/domain.md, "How the field refuses"). */
    static SubmitDecision of(SuppressionGuard.Decision decision, OptOutPolicy policy) {
        if (decision instanceof SuppressionGuard.Allow allow) {
            return new Relay(allow.digits(), allow.known());
        }
        if (decision instanceof SuppressionGuard.Suppressed suppressed) {
            return new OptedOut(suppressed, policy.refusalStatus());
        }
        if (decision instanceof SuppressionGuard.NoOptIn none) {
            return new NoOptIn(none.digits(), policy.noOptInStatus());
        }
        if (decision instanceof SuppressionGuard.InvalidNumber invalid) {
            return new Uncheckable(invalid.problem());
        }
        if (decision instanceof SuppressionGuard.Unavailable unavailable) {
            return policy.failOpen()
                    ? new Relay(null, false)
                    : new FailClosed(unavailable.cause(), policy.failClosedStatus());
        }
        throw new IllegalArgumentException("unknown suppression decision " + decision);
    }
}
