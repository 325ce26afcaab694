package io.optoutgw.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.optoutgw.esme.Account;
import io.optoutgw.esme.AccountRegistry;
import io.optoutgw.metrics.GatewayMeter;
import io.optoutgw.upstream.UpstreamBind;
import io.optoutgw.upstream.UpstreamPool;
import io.optoutgw.upstream.Upstreams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The JSON snapshot of {@code GET /api/status} (the web console's live page): readiness, each
 * upstream's sessions, each account's ESME binds, and the running totals the console turns into
 * rates by comparing two snapshots ({@code time} is the snapshot's clock in milliseconds). Read
 * from the same objects the metrics gauges read; no Redis command.
 */
final class LiveStatus implements Supplier<Map<String, Object>> {

    private final String instance;
    private final Supplier<String> notReadyReason;
    private final Upstreams upstreams;
    private final AccountRegistry accounts;
    private final MeterRegistry registry;
    private final long startedAt = System.currentTimeMillis();

    LiveStatus(
            String instance,
            Supplier<String> notReadyReason,
            Upstreams upstreams,
            AccountRegistry accounts,
            MeterRegistry registry) {
        this.instance = instance;
        this.notReadyReason = notReadyReason;
        this.upstreams = upstreams;
        this.accounts = accounts;
        this.registry = registry;
    }

    @Override
    public Map<String, Object> get() {
        long now = System.currentTimeMillis();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("instance", instance);
        out.put("time", now);
        out.put("uptimeSeconds", (now - startedAt) / 1000);
        String reason = notReadyReason.get();
        out.put("ready", reason == null);
        out.put("notReadyReason", reason);
        List<Map<String, Object>> ups = new ArrayList<>();
        for (UpstreamPool pool : upstreams.pools()) {
            Map<String, Object> u = new LinkedHashMap<>();
            u.put("name", pool.name());
            u.put("host", pool.config().host() + ":" + pool.config().port());
            u.put("sessions", pool.binds().size());
            u.put("bound", pool.boundCount());
            u.put("inFlight", pool.inFlight());
            u.put("window", pool.windowCapacity());
            List<Map<String, Object>> binds = new ArrayList<>();
            for (UpstreamBind b : pool.binds()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("label", b.label());
                m.put("role", b.role().name().toLowerCase(Locale.ROOT));
                m.put("bound", b.isBound());
                m.put("inFlight", b.inFlight());
                binds.add(m);
            }
            u.put("binds", binds);
            ups.add(u);
        }
        out.put("upstreams", ups);
        List<Map<String, Object>> accs = new ArrayList<>();
        Map<String, Long> totals = new LinkedHashMap<>();
        for (Account a : accounts.accounts()) {
            Map<String, Object> m = new LinkedHashMap<>();
            String id = a.systemId();
            m.put("account", id);
            m.put("binds", a.sessions().size());
            m.put("inFlight", a.inFlight());
            m.put("deliveriesWaiting", a.deliveriesWaiting());
            Map<String, Long> counters = new LinkedHashMap<>();
            counters.put("submitsChecked", count(GatewayMeter.SUBMITS_CHECKED, id));
            counters.put("submitsRefused", count(GatewayMeter.SUBMITS_REFUSED, id));
            counters.put("messagesRelayed", count(GatewayMeter.MESSAGES_RELAYED, id));
            counters.put("consentEvents", count(GatewayMeter.CONSENT_EVENTS, id));
            counters.forEach((k, v) -> totals.merge(k, v, Long::sum));
            m.put("counters", counters);
            accs.add(m);
        }
        out.put("accounts", accs);
        out.put("counters", totals);
        return out;
    }

    /** The sum of one counter over every series of {@code account}. */
    private long count(GatewayMeter meter, String account) {
        double sum = 0;
        for (Counter c :
                registry.find(meter.meterName()).tag("account", account).counters()) {
            sum += c.count();
        }
        return (long) sum;
    }
}
