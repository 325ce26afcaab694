package io.optoutgw.admin;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import io.optoutgw.config.OptOutPolicy;
import io.optoutgw.metrics.GatewayMetrics;
import io.optoutgw.optout.ConsentMeters;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.PhoneNumbers;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.SuppressionStore;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Administrative reads and changes of the do-not-contact list. Every change is a
 * {@link ConsentEvent} (ADMIN_ADD / ADMIN_REMOVE with actor, reason and source) recorded through
 * {@link ConsentLedger}, so it is journaled, applied and audited like an SMS opt-out.
 *
 * <p>The re-subscribe guard (docs/consent-rules.md, "Re-subscribe guard"): an entry whose opt-out
 * in force came from the person (an MO, see {@link ConsentEvent#fromPerson()}) is lifted only
 * with a consent evidence reference or an override with actor and reason, both recorded on the
 * removal; otherwise {@link ResubscribeRefused}. Entries an operator or an import added are
 * removed as before. Blocking methods: call them off the event loops.
 */
public final class SuppressionAdmin {

    /** Default region for numbers written without '+'. */
    public static final String DEFAULT_REGION = "US";

    static final int MAX_TEXT = 500;
    /** How far in the future a {@code receivedAt} may lie (the other channel's clock may run ahead). */
    public static final Duration RECEIVED_AT_SKEW = Duration.ofMinutes(2);
    /** Sources the admin API accepts on an addition or removal. */
    public static final Set<ConsentEvent.Source> API_SOURCES = Set.of(
            ConsentEvent.Source.ADMIN,
            ConsentEvent.Source.API,
            ConsentEvent.Source.EXTERNAL_LIST,
            ConsentEvent.Source.DEACTIVATION);
    /** Sources an import may declare for its rows. */
    public static final Set<ConsentEvent.Source> IMPORT_SOURCES = Set.of(
            ConsentEvent.Source.IMPORT,
            ConsentEvent.Source.API,
            ConsentEvent.Source.EXTERNAL_LIST,
            ConsentEvent.Source.DEACTIVATION);
    /** Redis reads issued at once; the shared connection queues at most 10,000 commands. */
    static final int FETCH_BATCH = 500;

    private final SuppressionStore store;
    private final ConsentLedger recorder;
    private volatile ScopeNames scopes;
    private final String instanceId;
    private final Duration timeout;
    private final GatewayMetrics metrics;

    /**
     * @param timeout bound on each blocking Redis read or recorded change
     */
    public SuppressionAdmin(
            SuppressionStore store, ConsentLedger recorder, ScopeNames scopes, String instanceId, Duration timeout) {
        this(store, recorder, scopes, instanceId, timeout, null);
    }

    /**
     * @param timeout bound on each blocking Redis read or recorded change
     * @param metrics where re-subscribes through the guard are counted; {@code null}: nowhere
     */
    public SuppressionAdmin(
            SuppressionStore store,
            ConsentLedger recorder,
            ScopeNames scopes,
            String instanceId,
            Duration timeout,
            GatewayMetrics metrics) {
        this.store = store;
        this.recorder = recorder;
        this.scopes = scopes;
        this.instanceId = instanceId;
        this.timeout = timeout;
        this.metrics = metrics;
    }

    /**
     * Where an administrative change comes from: its source and, for a request the person made in
     * another channel, when they made it there ({@code null}: not given).
     */
    public record Provenance(ConsentEvent.Source source, Instant receivedAt) {
        /** An operator's own change. */
        public static final Provenance ADMIN = new Provenance(ConsentEvent.Source.ADMIN, null);
    }

    /**
     * What justifies lifting a person's own opt-out: a reference to consent evidence (a recorded
     * opt-in), and/or an explicit override (audited with the change's actor and reason).
     */
    public record Justification(String evidence, boolean override) {
        public static final Justification NONE = new Justification(null, false);

        public boolean given() {
            return evidence != null || override;
        }
    }

    /**
     * Reads the {@code source} and {@code receivedAt} parameters of a change: {@code source} one of
     * {@code allowed} (default {@code fallback}); {@code receivedAt} an ISO-8601 instant not later
     * than {@code now} plus {@link #RECEIVED_AT_SKEW}. IllegalArgumentException naming the field.
     */
    public static Provenance provenance(
            String source,
            String receivedAt,
            Set<ConsentEvent.Source> allowed,
            ConsentEvent.Source fallback,
            Instant now) {
        ConsentEvent.Source s = fallback;
        if (source != null && !source.isBlank()) {
            String code = source.strip().toLowerCase(Locale.ROOT);
            try {
                s = ConsentEvent.Source.of(code);
            } catch (IllegalArgumentException e) {
                s = null;
            }
            if (s == null || !allowed.contains(s)) {
                throw new IllegalArgumentException(
                        "source must be one of " + codes(allowed) + ", got '" + abbreviate(source.strip(), 40) + "'");
            }
        }
        return new Provenance(s, receivedAt(receivedAt, now));
    }

    /**
     * A {@code receivedAt} value: an ISO-8601 instant (2026-05-01T12:00:00Z), not later than
     * {@code now} plus {@link #RECEIVED_AT_SKEW}; {@code null} when blank. IllegalArgumentException
     * naming the field.
     */
    public static Instant receivedAt(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        Instant at;
        try {
            at = Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "receivedAt must be an ISO-8601 instant such as 2026-05-01T12:00:00Z, got '" + abbreviate(v, 40)
                            + "'");
        }
        if (at.isAfter(now.plus(RECEIVED_AT_SKEW))) {
            throw new IllegalArgumentException("receivedAt " + v + " is in the future (now " + now
                    + "): it is when the person asked in the other channel");
        }
        return at;
    }

    private static String codes(Set<ConsentEvent.Source> sources) {
        StringBuilder sb = new StringBuilder();
        for (ConsentEvent.Source s : ConsentEvent.Source.values()) {
            if (sources.contains(s)) {
                sb.append(sb.isEmpty() ? "" : ", ").append(s.code());
            }
        }
        return sb.toString();
    }

    public SuppressionStore store() {
        return store;
    }

    public ConsentLedger recorder() {
        return recorder;
    }

    public ScopeNames scopes() {
        return scopes;
    }

    /** Replaces the scope names (a configuration reload changed the accounts or their categories). */
    public void scopes(ScopeNames names) {
        this.scopes = names;
    }

    /** The same list and ledger, with scopes read by {@code names} (an account's token: its own scopes only). */
    public SuppressionAdmin withScopes(ScopeNames names) {
        return new SuppressionAdmin(store, recorder, names, instanceId, timeout, metrics);
    }

    public String instanceId() {
        return instanceId;
    }

    public Duration timeout() {
        return timeout;
    }

    /** Checks a region code (null = {@value #DEFAULT_REGION}); throws IllegalArgumentException when unknown. */
    public static String region(String region) {
        if (region == null || region.isBlank()) {
            return DEFAULT_REGION;
        }
        String r = region.strip().toUpperCase(Locale.ROOT);
        if (!PhoneNumberUtil.getInstance().getSupportedRegions().contains(r)) {
            throw new IllegalArgumentException(
                    "unknown region '" + region + "' (expected an ISO 3166 code such as US)");
        }
        return r;
    }

    /**
     * E.164 digits of {@code number}: international when it starts with '+', otherwise read in
     * {@code region}. Throws IllegalArgumentException naming the problem.
     */
    public static String digits(String number, String region) {
        if (number == null || number.isBlank()) {
            throw new IllegalArgumentException("number is missing");
        }
        String n = number.strip();
        byte ton = (byte) (n.startsWith("+") ? 1 : 0);
        PhoneNumbers.Normalized normalized = PhoneNumbers.normalize(ton, n, region);
        if (!normalized.ok()) {
            throw new IllegalArgumentException(
                    "not a phone number: '" + abbreviate(n, 40) + "' (" + normalized.problem() + ")");
        }
        return normalized.digits();
    }

    /** Optional free text (reason, actor): stripped, null when blank; too long is an IllegalArgumentException. */
    public static String text(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        if (v.length() > MAX_TEXT) {
            throw new IllegalArgumentException(name + " is longer than " + MAX_TEXT + " characters");
        }
        return v;
    }

    static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    /** The number's state per scope and its history. */
    public NumberStatus lookup(String digits) throws Exception {
        CompletableFuture<List<SuppressionStore.ListEntry>> entries =
                store.entryList(digits).toCompletableFuture();
        CompletableFuture<List<ConsentEvent>> history = store.history(digits).toCompletableFuture();
        List<SuppressionStore.ListEntry> e = entries.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<ConsentEvent> h = history.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<NumberStatus.ScopeStatus> out = new ArrayList<>(e.size());
        boolean any = false;
        for (SuppressionStore.ListEntry en : e) {
            boolean suppressed = en.suppressed();
            any |= suppressed;
            ConsentEvent latest = settingEvent(h, en.slot(), en.value());
            out.add(new NumberStatus.ScopeStatus(
                    ScopeNames.display(en.scope()),
                    en.scope(),
                    suppressed,
                    en.since(),
                    en.category() == null ? OptOutPolicy.ALL : en.category(),
                    latest == null ? null : latest.sourceLabel(),
                    suppressed && latest != null && latest.fromPerson()));
        }
        return new NumberStatus("+" + digits, any, out, h);
    }

    /** Records an operator's ADMIN_ADD or ADMIN_REMOVE and answers with the resulting state of that scope. */
    public ChangeResult change(ConsentEvent.Type type, String digits, Scope scope, String reason, String actor)
            throws Exception {
        return change(type, digits, scope, null, reason, actor);
    }

    /**
     * {@link #change(ConsentEvent.Type, String, Scope, String, String)} for one category
     * ({@code null}: every category; see {@link ScopeNames#category}).
     */
    public ChangeResult change(
            ConsentEvent.Type type, String digits, Scope scope, String category, String reason, String actor)
            throws Exception {
        return change(type, digits, scope, category, reason, actor, Provenance.ADMIN, Justification.NONE);
    }

    /**
     * Records an ADMIN_ADD or ADMIN_REMOVE from {@code provenance} and answers with the resulting
     * state of that entry. A removal of an entry the person's own opt-out holds needs
     * {@code justification} (the re-subscribe guard): otherwise {@link ResubscribeRefused}, and
     * nothing is recorded. An override needs an actor and a reason (IllegalArgumentException).
     */
    public ChangeResult change(
            ConsentEvent.Type type,
            String digits,
            Scope scope,
            String category,
            String reason,
            String actor,
            Provenance provenance,
            Justification justification)
            throws Exception {
        if (type != ConsentEvent.Type.ADMIN_ADD && type != ConsentEvent.Type.ADMIN_REMOVE) {
            throw new IllegalArgumentException("not an administrative change: " + type);
        }
        if (justification.override() && (actor == null || reason == null)) {
            throw new IllegalArgumentException("override needs an actor and a reason (both are audited)");
        }
        String slot = SuppressionStore.slot(scope.code(), category);
        String via = null;
        if (type == ConsentEvent.Type.ADMIN_REMOVE) {
            Long current = await(store.entries(digits)).get(slot);
            if (current != null && current > 0) {
                ConsentEvent optOut = settingEvent(await(store.history(digits)), slot, current);
                if (optOut != null && optOut.fromPerson()) {
                    if (!justification.given()) {
                        throw new ResubscribeRefused(refusal(digits, scope, category, optOut));
                    }
                    via = justification.evidence() != null ? "evidence" : "override";
                }
                awaitLaterSecondThan(current);
            }
        }
        ConsentEvent event = ConsentEvent.administrative(
                        ConsentEvent.newId(),
                        type,
                        digits,
                        scope,
                        instanceId,
                        actor,
                        reason,
                        provenance.source(),
                        provenance.receivedAt())
                .withCategory(category);
        if (type == ConsentEvent.Type.ADMIN_REMOVE) {
            event = event.withJustification(justification.evidence(), justification.override());
        }
        recorder.record(event).get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        Long value = await(store.entries(digits)).get(event.slot());
        boolean suppressed = value != null && value > 0;
        if (via != null && !suppressed && metrics != null) {
            metrics.resubscribed(ConsentMeters.accountOf(event), via);
        }
        return new ChangeResult(
                "+" + digits,
                ScopeNames.display(scope),
                type.name(),
                event.id(),
                suppressed,
                category == null ? OptOutPolicy.ALL : category,
                event.sourceLabel(),
                suppressed ? null : via);
    }

    private <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The 409 message: what the person did, and the three ways to lift it. */
    private static String refusal(String digits, Scope scope, String category, ConsentEvent optOut) {
        String what = optOut.keyword() != null
                ? optOut.type() + " (" + optOut.keyword() + ")"
                : optOut.type().name();
        return "+" + digits + " opted out in " + ScopeNames.display(scope)
                + (category == null ? "" : " (category " + category + ")") + " by their own message: " + what
                + ", source " + optOut.sourceLabel() + ", at " + optOut.time()
                + ". Lifting it needs a START from the person, a consent evidence reference (evidence=REFERENCE "
                + "of a recorded opt-in), or override=true with actor and reason (audited)";
    }

    /**
     * The event that set an entry ({@code slot}) to its signed order {@code value}, from the number's
     * trail: one of the same sign and order (a person's, if several), else the latest of the same
     * sign; {@code null} when the trail has none (an entry written behind the gateway's back).
     */
    static ConsentEvent settingEvent(List<ConsentEvent> history, String slot, long value) {
        ConsentEvent exact = null;
        ConsentEvent latest = null;
        for (ConsentEvent e : history) {
            int effect = e.type().effect();
            if (effect == 0 || (effect > 0) != (value > 0) || !e.slot().equals(slot)) {
                continue;
            }
            if (e.listOrder() == Math.abs(value) && (exact == null || (!exact.fromPerson() && e.fromPerson()))) {
                exact = e;
            }
            if (latest == null || e.listOrder() >= latest.listOrder()) {
                latest = e;
            }
        }
        return exact != null ? exact : latest;
    }

    /**
     * Within one second an opt-out beats an opt-in (the list's tie rule, the safe side), so a
     * removal in the same second as the opt-out it lifts would be ignored: wait for the next second.
     */
    private static void awaitLaterSecondThan(long current) throws InterruptedException {
        long waitMs = (current + 1) * 1000 - System.currentTimeMillis();
        if (waitMs > 0 && waitMs <= 1000) {
            Thread.sleep(waitMs);
        }
    }

    /** An administrative event of an operator (no message text: compact, so bulk imports stay affordable in Redis). */
    public ConsentEvent event(
            String id, ConsentEvent.Type type, String digits, Scope scope, String reason, String actor) {
        return event(id, type, digits, scope, reason, actor, Provenance.ADMIN);
    }

    /** An administrative event from {@code provenance}. */
    public ConsentEvent event(
            String id,
            ConsentEvent.Type type,
            String digits,
            Scope scope,
            String reason,
            String actor,
            Provenance provenance) {
        return ConsentEvent.administrative(
                id, type, digits, scope, instanceId, actor, reason, provenance.source(), provenance.receivedAt());
    }

    /** Index entries an audit query with a filter reads at most before it answers with what it found. */
    static final int MAX_AUDIT_SCAN = 200_000;

    /**
     * Audit events between {@code from} and {@code to} (inclusive), oldest first: of one number
     * (its trail) or, when {@code digits} is null, of all numbers via the {@code gw:audit} index.
     */
    public AuditEvents audit(String digits, Instant from, Instant to, int limit) throws Exception {
        return audit(digits, from, to, limit, e -> true);
    }

    /**
     * As above, with the events {@code keep} accepts only (an account's token: its own scopes),
     * filtered before the limit is applied: a page holds {@code limit} kept events whenever that
     * many exist, and {@code truncated} says that more kept events may follow. Over the whole
     * index, at most {@link #MAX_AUDIT_SCAN} entries are read for one answer (truncated then, when
     * entries remain).
     */
    public AuditEvents audit(String digits, Instant from, Instant to, int limit, Predicate<ConsentEvent> keep)
            throws Exception {
        long fromMs = from == null ? 0 : from.toEpochMilli();
        long toMs = to == null ? Long.MAX_VALUE / 2 : to.toEpochMilli();
        long wait = timeout.toMillis();
        if (digits != null) {
            List<ConsentEvent> events =
                    store.history(digits, fromMs, toMs).toCompletableFuture().get(wait, TimeUnit.MILLISECONDS);
            List<ConsentEvent> kept = events.stream().filter(keep).toList();
            boolean truncated = kept.size() > limit;
            return new AuditEvents(truncated ? List.copyOf(kept.subList(0, limit)) : kept, truncated);
        }
        List<ConsentEvent> kept = new ArrayList<>();
        long[] scanned = {0};
        boolean[] more = {false};
        Exception[] failure = {null};
        // the index a page at a time (older gw:audit entries first, then the compact time index),
        // filtered before the limit so that a page is full whenever enough kept events exist
        store.walkAuditIndex(fromMs, toMs, timeout, refs -> {
            try {
                for (ConsentEvent e : fetch(refs, wait)) {
                    if (keep.test(e)) {
                        kept.add(e);
                        if (kept.size() > limit) {
                            more[0] = true;
                            return false;
                        }
                    }
                }
            } catch (Exception e) {
                failure[0] = e;
                return false;
            }
            scanned[0] += refs.size();
            if (scanned[0] >= MAX_AUDIT_SCAN) {
                more[0] = true;
                return false;
            }
            return true;
        });
        if (failure[0] != null) {
            throw failure[0];
        }
        return new AuditEvents(kept.size() > limit ? List.copyOf(kept.subList(0, limit)) : kept, more[0]);
    }

    /** The events the index entries name, in their order (an entry whose event is gone is left out). */
    private List<ConsentEvent> fetch(List<SuppressionStore.AuditRef> page, long wait) throws Exception {
        List<ConsentEvent> events = new ArrayList<>(page.size());
        for (int start = 0; start < page.size(); start += FETCH_BATCH) {
            List<SuppressionStore.AuditRef> batch = page.subList(start, Math.min(page.size(), start + FETCH_BATCH));
            List<CompletableFuture<List<ConsentEvent>>> fetched = new ArrayList<>(batch.size());
            for (SuppressionStore.AuditRef ref : batch) {
                fetched.add(store.history(ref.digits(), ref.epochMillis(), ref.epochMillis())
                        .toCompletableFuture());
            }
            for (int i = 0; i < batch.size(); i++) {
                String id = batch.get(i).eventId();
                for (ConsentEvent e : fetched.get(i).get(wait, TimeUnit.MILLISECONDS)) {
                    // an entry of the compact index names (number, time): every event of the number then
                    if (id == null ? e.chain() != null && e.chain().version() == 2 : e.id().equals(id)) {
                        events.add(e);
                        if (id != null) {
                            break;
                        }
                    }
                }
            }
        }
        return events;
    }
}
