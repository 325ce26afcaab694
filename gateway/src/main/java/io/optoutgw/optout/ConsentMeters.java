package io.optoutgw.optout;

import io.optoutgw.metrics.GatewayMetrics;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.HonourClock;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.SuppressionStore;
import java.util.function.BiConsumer;

/**
 * Metrics of every consent event the ledger made durable ({@code ConsentLedger.onRecorded}):
 * a START that lifted an opt-out in force is a re-subscribe via start; an opt-out from another
 * channel that carries the time the person asked there ({@link ConsentEvent#receivedAt()}) is
 * observed on the honour clock, in business days of the person's jurisdiction
 * (docs/consent-rules.md, "Honour clock"). Re-subscribes an operator makes with evidence or an
 * override are counted where the re-subscribe guard lets them through.
 */
public final class ConsentMeters implements BiConsumer<ConsentEvent, SuppressionStore.Applied> {

    private final GatewayMetrics metrics;

    public ConsentMeters(GatewayMetrics metrics) {
        this.metrics = metrics;
    }

    /** Creates the honour-clock histograms of every jurisdiction at zero. */
    public ConsentMeters init() {
        HonourClock.Jurisdiction[] all = HonourClock.Jurisdiction.values();
        String[] labels = new String[all.length];
        for (int i = 0; i < all.length; i++) {
            labels[i] = all[i].label();
        }
        metrics.initHonourClock(labels);
        return this;
    }

    @Override
    public void accept(ConsentEvent event, SuppressionStore.Applied applied) {
        if (event.type() == ConsentEvent.Type.OPT_IN && applied.liftedOptOut()) {
            metrics.resubscribed(accountOf(event), "start");
        }
        if (event.receivedAt() != null && event.type().effect() > 0) {
            HonourClock.Jurisdiction j = HonourClock.jurisdiction(event.number());
            metrics.optOutHonoured(j.label(), HonourClock.businessDays(event.receivedAt(), event.time(), j));
        }
    }

    /**
     * The account label of an event: the account the person texted, else the account of its
     * scope ({@code *} for a sender scope of any account), else "" (global).
     */
    public static String accountOf(ConsentEvent event) {
        if (event.account() != null) {
            return event.account();
        }
        Scope scope = event.parsedScope();
        if (scope instanceof Scope.Account a) {
            return a.account();
        }
        return scope instanceof Scope.Sender s ? s.account() : "";
    }
}
