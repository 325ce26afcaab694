package io.optoutgw.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The gateway's own meters, in one place: name, description and tag keys. Tags take bounded
 * values only (account, upstream, reason, type, scope, keyword, language), never a phone number or
 * a message id.
 */
public final class GatewayMetrics {

    /** Why a submit was refused. */
    public enum RefusalReason { SUPPRESSED, FAIL_CLOSED, INVALID_NUMBER }

    private final MeterRegistry registry;

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void submitRefused(String account, RefusalReason reason) {
        Counter.builder("smppgw.submits.refused")
                .description("Submits the gateway refused instead of relaying, by reason")
                .tags("account", account, "reason", reason.name().toLowerCase())
                .register(registry).increment();
    }

    public void failOpenPass(String account) {
        Counter.builder("smppgw.submits.fail.open")
                .description("Submits relayed unchecked because the list could not be read and the account is fail-open")
                .tag("account", account)
                .register(registry).increment();
    }

    public void submitChecked(String account) {
        Counter.builder("smppgw.submits.checked")
                .description("Submit destinations checked against the suppression list")
                .tag("account", account)
                .register(registry).increment();
    }

    public void consentEvent(String account, String type, String scope, String keyword, String language) {
        Counter.builder("smppgw.consent.events")
                .description("Opt-outs, opt-ins, HELP and reasons recorded, by keyword and language")
                .tags("account", account, "type", type, "scope", scope, "keyword", keyword == null ? "" : keyword,
                        "language", language == null ? "" : language)
                .register(registry).increment();
    }

    public void recordFailed(String account, String cause) {
        Counter.builder("smppgw.consent.record.failures")
                .description("Keyword MO that could not be made durable; the SMSC got ESME_RX_T_APPN and will retry")
                .tags("account", account, "cause", cause)
                .register(registry).increment();
    }

    public void confirmationSent(String account, String type, Duration sinceMo) {
        Timer.builder("smppgw.confirmation.delay")
                .description("Time from receiving a keyword MO to the SMSC accepting the gateway's reply")
                .tags("account", account, "type", type)
                .publishPercentileHistogram()
                .register(registry).record(sinceMo);
    }

    public void confirmationFailed(String account, String type) {
        Counter.builder("smppgw.confirmation.failures")
                .description("Replies (confirmation, HELP, opt-in) the SMSC did not accept")
                .tags("account", account, "type", type)
                .register(registry).increment();
    }

    public void duplicateMo(String account) {
        Counter.builder("smppgw.mo.duplicates")
                .description("Keyword MO recognised as a redelivery: acknowledged, not recorded or confirmed again")
                .tag("account", account)
                .register(registry).increment();
    }
}
