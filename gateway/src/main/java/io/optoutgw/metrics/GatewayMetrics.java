package io.optoutgw.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Records the gateway's meters as listed in {@link GatewayMeter}. Meters are created on first use
 * and cached, so hot paths (every PDU, every submit) cost a map lookup, not a registry lookup.
 */
public final class GatewayMetrics {

    /** Why a submit was refused. */
    public enum RefusalReason {
        SUPPRESSED,
        /** On an external list (a do-not-call list, a deactivation file): refused as an opt-out is. */
        LISTED,
        FAIL_CLOSED,
        INVALID_NUMBER,
        SCHEDULE,
        NOT_OWNER,
        QUIET_HOURS,
        FREQUENCY_CAP,
        /** A message without an opt-out instruction, under {@code optOut.optOutInstruction}. */
        NO_INSTRUCTION,
        /** A message to India without its DLT registration TLVs, under {@code optOut.indiaDlt: require}. */
        MISSING_DLT,
        /** A message to a number without a recorded opt-in, under {@code optOut.requireOptIn}. */
        NO_OPT_IN
    }

    /** The {@code result} values of {@link GatewayMeter#OPTOUT_INSTRUCTION}. */
    public static final String[] INSTRUCTION_RESULTS = {"present", "appended", "refused", "missing", "skipped"};

    /** The {@code category} value of {@link GatewayMeter#OPTOUT_INSTRUCTION} for an account without categories. */
    public static final String NO_CATEGORY = "none";

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Map<String, DistributionSummary> histograms = new ConcurrentHashMap<>();

    /**
     * Buckets of {@link GatewayMeter#OPTOUT_HONOUR_BUSINESS_DAYS}: every day up to 10 (the first,
     * {@code le="1.0"}, holds the same day and the next business day), then the deadlines and beyond,
     * so that the alerts can read "more than 4, 5, 8, 10, 12, 15 days".
     */
    static final double[] BUSINESS_DAY_BUCKETS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 30, 60};

    /** How a person's opt-out was lifted again ({@link GatewayMeter#RESUBSCRIBES}). */
    public static final String[] RESUBSCRIBE_VIA = {"start", "evidence", "override"};

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The counter {@code meter} with {@code tagValues} in the order of its tag keys. */
    public Counter counter(GatewayMeter meter, String... tagValues) {
        String key = meter.ordinal() + "\u0000" + String.join("\u0000", tagValues);
        Counter c = counters.get(key);
        if (c == null) {
            c = counters.computeIfAbsent(
                    key,
                    k -> Counter.builder(meter.meterName())
                            .description(meter.description())
                            .baseUnit(meter.baseUnit())
                            .tags(tags(meter, tagValues))
                            .register(registry));
        }
        return c;
    }

    /**
     * Bucket range of the published histograms: the gateway's own share of a relay is tens to
     * hundreds of microseconds, below Micrometer's default lowest bucket of one millisecond.
     */
    static final Duration HISTOGRAM_MIN = Duration.ofNanos(20_000);

    static final Duration HISTOGRAM_MAX = Duration.ofSeconds(60);

    /** The timer {@code meter} (histogram published, so Prometheus can aggregate across instances). */
    public Timer timer(GatewayMeter meter, String... tagValues) {
        String key = meter.ordinal() + "\u0000" + String.join("\u0000", tagValues);
        Timer t = timers.get(key);
        if (t == null) {
            t = timers.computeIfAbsent(
                    key,
                    k -> Timer.builder(meter.meterName())
                            .description(meter.description())
                            .tags(tags(meter, tagValues))
                            .publishPercentileHistogram()
                            .minimumExpectedValue(HISTOGRAM_MIN)
                            .maximumExpectedValue(HISTOGRAM_MAX)
                            .register(registry));
        }
        return t;
    }

    /** The histogram {@code meter} with fixed {@code buckets} (upper bounds, published as {@code le}). */
    public DistributionSummary histogram(GatewayMeter meter, double[] buckets, String... tagValues) {
        String key = meter.ordinal() + "\u0000" + String.join("\u0000", tagValues);
        DistributionSummary h = histograms.get(key);
        if (h == null) {
            h = histograms.computeIfAbsent(
                    key,
                    k -> DistributionSummary.builder(meter.meterName())
                            .description(meter.description())
                            .baseUnit(meter.baseUnit())
                            .tags(tags(meter, tagValues))
                            .serviceLevelObjectives(buckets)
                            .register(registry));
        }
        return h;
    }

    static String[] tags(GatewayMeter meter, String... values) {
        if (values.length != meter.tagKeys().size()) {
            throw new IllegalArgumentException(meter + " takes tags " + meter.tagKeys());
        }
        String[] kv = new String[values.length * 2];
        for (int i = 0; i < values.length; i++) {
            kv[2 * i] = meter.tagKeys().get(i);
            kv[2 * i + 1] = values[i] == null ? "" : values[i];
        }
        return kv;
    }

    /**
     * Creates the per-account counters at zero, so that rates and alerts work before the first
     * event (a series that does not exist yet cannot be alerted on).
     */
    public void initAccount(String account) {
        for (RefusalReason r : RefusalReason.values()) {
            counter(GatewayMeter.SUBMITS_REFUSED, account, r.name().toLowerCase());
        }
        counter(GatewayMeter.FAIL_OPEN, account);
        counter(GatewayMeter.SUBMITS_CHECKED, account);
        counter(GatewayMeter.MO_DUPLICATES, account);
        counter(GatewayMeter.MO_LATIN1_FALLBACK, account);
        for (String reason : REPLY_WITHHELD_REASONS) {
            counter(GatewayMeter.REPLIES_WITHHELD, account, reason);
        }
        for (String how : new String[] {"international", "digits", "none"}) {
            counter(GatewayMeter.OPTOUT_SOURCE_FALLBACK, account, how);
        }
        for (String cause : new String[] {"journal", "timeout", "redis", "reassembly"}) {
            counter(GatewayMeter.RECORD_FAILURES, account, cause);
        }
        for (String type : new String[] {"opt_out", "opt_in", "help", "clarify"}) {
            counter(GatewayMeter.CONFIRMATION_FAILURES, account, type);
        }
        for (String via : RESUBSCRIBE_VIA) {
            counter(GatewayMeter.RESUBSCRIBES, account, via);
        }
    }

    /** Creates the honour-clock histogram of each jurisdiction label at zero, so that its alerts have series. */
    public void initHonourClock(String... jurisdictions) {
        for (String j : jurisdictions) {
            histogram(GatewayMeter.OPTOUT_HONOUR_BUSINESS_DAYS, BUSINESS_DAY_BUCKETS, j);
        }
    }

    /** An opt-out from another channel took effect {@code businessDays} after the person asked there. */
    public void optOutHonoured(String jurisdiction, int businessDays) {
        histogram(GatewayMeter.OPTOUT_HONOUR_BUSINESS_DAYS, BUSINESS_DAY_BUCKETS, jurisdiction)
                .record(businessDays);
    }

    /** A person's opt-out was lifted: {@code via} start, evidence or override. */
    public void resubscribed(String account, String via) {
        counter(GatewayMeter.RESUBSCRIBES, account, via).increment();
    }

    /**
     * Creates the opt-out instruction counters of an account that checks messages, at zero, for
     * each of {@code categories} (the categories it checks).
     */
    public void initOptOutInstruction(String account, Iterable<String> categories) {
        for (String category : categories) {
            for (String result : INSTRUCTION_RESULTS) {
                counter(GatewayMeter.OPTOUT_INSTRUCTION, account, category, result);
            }
        }
    }

    /** One message checked for an opt-out instruction; {@code category} null: the account declares none. */
    public void optOutInstruction(String account, String category, String result) {
        counter(GatewayMeter.OPTOUT_INSTRUCTION, account, category == null ? NO_CATEGORY : category, result)
                .increment();
    }

    /** Redis operations whose failures are counted in {@link GatewayMeter#REDIS_ERRORS}. */
    public static final String[] REDIS_OPERATIONS = {
        "check",
        "messageid_write",
        "receipt_lookup",
        "pending_write",
        "pending_read",
        "reply_cap",
        "frequency_cap",
        "refusal_ledger"
    };

    public void redisError(String operation) {
        counter(GatewayMeter.REDIS_ERRORS, operation).increment();
    }

    /** Creates the gateway-wide counters at zero. */
    public void initGateway() {
        for (String op : REDIS_OPERATIONS) {
            counter(GatewayMeter.REDIS_ERRORS, op);
        }
        for (String result : new String[] {"cancelled", "refused", "failed", "no_upstream"}) {
            counter(GatewayMeter.PENDING_CANCELS, result);
        }
    }

    public void submitRefused(String account, RefusalReason reason) {
        counter(GatewayMeter.SUBMITS_REFUSED, account, reason.name().toLowerCase())
                .increment();
    }

    /** A destination refused because the external list {@code list} holds it. */
    public void listRefused(String account, String list) {
        counter(GatewayMeter.LIST_REFUSALS, account, list).increment();
    }

    public void failOpenPass(String account) {
        counter(GatewayMeter.FAIL_OPEN, account).increment();
    }

    // The three meters below are touched by every submit: cached by their tag values without
    // building a key, so the hot path allocates nothing.
    private final Map<String, Counter> checked = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Counter>> relayed = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Timer>> latency = new ConcurrentHashMap<>();

    public void submitChecked(String account) {
        Counter c = checked.get(account);
        if (c == null) {
            c = checked.computeIfAbsent(account, a -> counter(GatewayMeter.SUBMITS_CHECKED, a));
        }
        c.increment();
    }

    public void messageRelayed(String account, String sender) {
        Map<String, Counter> bySender = relayed.get(account);
        if (bySender == null) {
            bySender = relayed.computeIfAbsent(account, a -> new ConcurrentHashMap<>());
        }
        Counter c = bySender.get(sender);
        if (c == null) {
            c = bySender.computeIfAbsent(sender, s -> counter(GatewayMeter.MESSAGES_RELAYED, account, s));
        }
        c.increment();
    }

    public void relayLatency(String account, String command, long nanos) {
        Map<String, Timer> byCommand = latency.get(account);
        if (byCommand == null) {
            byCommand = latency.computeIfAbsent(account, a -> new ConcurrentHashMap<>());
        }
        Timer t = byCommand.get(command);
        if (t == null) {
            t = byCommand.computeIfAbsent(command, c -> timer(GatewayMeter.RELAY_LATENCY, account, c));
        }
        t.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void consentEvent(
            String account, String sender, String type, String scope, String keyword, String language) {
        counter(GatewayMeter.CONSENT_EVENTS, account, sender, type, scope, keyword, language)
                .increment();
    }

    public void recordFailed(String account, String cause) {
        counter(GatewayMeter.RECORD_FAILURES, account, cause).increment();
    }

    public void confirmationSent(String account, String type, Duration sinceMo) {
        timer(GatewayMeter.CONFIRMATION_DELAY, account, type).record(sinceMo);
    }

    public void confirmationFailed(String account, String type) {
        counter(GatewayMeter.CONFIRMATION_FAILURES, account, type).increment();
    }

    /** The {@code reason} values of {@link GatewayMeter#REPLIES_WITHHELD}. */
    public static final String[] REPLY_WITHHELD_REASONS = {"automated", "cap"};

    /**
     * A reply withheld, {@code reason} one of {@link #REPLY_WITHHELD_REASONS}: {@code automated}
     * (the keyword MO came from an alphanumeric sender or a short code) or {@code cap} (the
     * person's reply cap for that sender is reached).
     */
    public void replyWithheld(String account, String reason) {
        counter(GatewayMeter.REPLIES_WITHHELD, account, reason).increment();
    }

    /** A cancel_sm the gateway sent for a pending message after an opt-out: cancelled, refused, failed, no_upstream. */
    public void pendingCancel(String result) {
        counter(GatewayMeter.PENDING_CANCELS, result).increment();
    }

    /**
     * A consent change from an MO for an account with categories: {@code category} is one of the
     * account's (bounded by its configuration) or {@code all}; {@code type} opt_out, opt_in or narrowed.
     */
    public void categoryConsentEvent(String account, String category, String type) {
        counter(GatewayMeter.CATEGORY_CONSENT_EVENTS, account, category, type).increment();
    }

    /** A clarification asked, or answered: asked, narrowed or all. */
    public void clarification(String account, String result) {
        counter(GatewayMeter.CLARIFICATIONS, account, result).increment();
    }

    public void duplicateMo(String account) {
        counter(GatewayMeter.MO_DUPLICATES, account).increment();
    }

    public void latin1Fallback(String account) {
        counter(GatewayMeter.MO_LATIN1_FALLBACK, account).increment();
    }

    /** {@code how}: international, digits or none. */
    public void optOutSourceFallback(String account, String how) {
        counter(GatewayMeter.OPTOUT_SOURCE_FALLBACK, account, how).increment();
    }
}
