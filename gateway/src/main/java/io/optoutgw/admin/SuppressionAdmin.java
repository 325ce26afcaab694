package io.optoutgw.admin;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import io.optoutgw.config.OptOutPolicy;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.PhoneNumbers;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.SuppressionStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Administrative reads and changes of the do-not-contact list. Every change is a
 * {@link ConsentEvent} (ADMIN_ADD / ADMIN_REMOVE with actor and reason) recorded through
 * {@link ConsentLedger}, so it is journaled, applied and audited like an SMS opt-out.
 * Blocking methods: call them off the event loops.
 */
public final class SuppressionAdmin {

    /** Default region for numbers written without '+'. */
    public static final String DEFAULT_REGION = "US";

    static final int MAX_TEXT = 500;
    /** Redis reads issued at once; the shared connection queues at most 10,000 commands. */
    static final int FETCH_BATCH = 500;

    private final SuppressionStore store;
    private final ConsentLedger recorder;
    private final ScopeNames scopes;
    private final String instanceId;
    private final Duration timeout;

    /**
     * @param timeout bound on each blocking Redis read or recorded change
     */
    public SuppressionAdmin(
            SuppressionStore store, ConsentLedger recorder, ScopeNames scopes, String instanceId, Duration timeout) {
        this.store = store;
        this.recorder = recorder;
        this.scopes = scopes;
        this.instanceId = instanceId;
        this.timeout = timeout;
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
            out.add(new NumberStatus.ScopeStatus(
                    ScopeNames.display(en.scope()),
                    en.scope(),
                    suppressed,
                    en.since(),
                    en.category() == null ? OptOutPolicy.ALL : en.category()));
        }
        return new NumberStatus("+" + digits, any, out, h);
    }

    /** Records an ADMIN_ADD or ADMIN_REMOVE and answers with the resulting state of that scope. */
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
        if (type != ConsentEvent.Type.ADMIN_ADD && type != ConsentEvent.Type.ADMIN_REMOVE) {
            throw new IllegalArgumentException("not an administrative change: " + type);
        }
        if (type == ConsentEvent.Type.ADMIN_REMOVE) {
            awaitLaterSecondThanOptOut(digits, SuppressionStore.slot(scope.code(), category));
        }
        ConsentEvent event =
                event(ConsentEvent.newId(), type, digits, scope, reason, actor).withCategory(category);
        recorder.record(event).get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        Map<String, Long> now =
                store.entries(digits).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Long value = now.get(event.slot());
        return new ChangeResult(
                "+" + digits,
                ScopeNames.display(scope),
                type.name(),
                event.id(),
                value != null && value > 0,
                category == null ? OptOutPolicy.ALL : category);
    }

    /**
     * Within one second an opt-out beats an opt-in (the list's tie rule, the safe side), so a
     * removal in the same second as the opt-out it lifts would be ignored: wait for the next second.
     */
    private void awaitLaterSecondThanOptOut(String digits, String slot) throws Exception {
        Long current = store.entries(digits)
                .toCompletableFuture()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .get(slot);
        if (current == null || current <= 0) {
            return;
        }
        long waitMs = (current + 1) * 1000 - System.currentTimeMillis();
        if (waitMs > 0 && waitMs <= 1000) {
            Thread.sleep(waitMs);
        }
    }

    /** An administrative event (no message text: compact, so bulk imports stay affordable in Redis). */
    public ConsentEvent event(
            String id, ConsentEvent.Type type, String digits, Scope scope, String reason, String actor) {
        return new ConsentEvent(
                id,
                Instant.now(),
                type,
                digits,
                scope.code(),
                null,
                null,
                null,
                null,
                null,
                null,
                instanceId,
                actor,
                reason);
    }

    /**
     * Audit events between {@code from} and {@code to} (inclusive), oldest first: of one number
     * (its trail) or, when {@code digits} is null, of all numbers via the {@code gw:audit} index.
     */
    public AuditEvents audit(String digits, Instant from, Instant to, int limit) throws Exception {
        long fromMs = from == null ? 0 : from.toEpochMilli();
        long toMs = to == null ? Long.MAX_VALUE / 2 : to.toEpochMilli();
        long wait = timeout.toMillis();
        if (digits != null) {
            List<ConsentEvent> events =
                    store.history(digits, fromMs, toMs).toCompletableFuture().get(wait, TimeUnit.MILLISECONDS);
            boolean truncated = events.size() > limit;
            return new AuditEvents(truncated ? List.copyOf(events.subList(0, limit)) : events, truncated);
        }
        List<SuppressionStore.AuditRef> refs = store.auditIndex(fromMs, toMs, 0, limit + 1L)
                .toCompletableFuture()
                .get(wait, TimeUnit.MILLISECONDS);
        boolean truncated = refs.size() > limit;
        List<SuppressionStore.AuditRef> page = truncated ? refs.subList(0, limit) : refs;
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
                    if (e.id().equals(id)) {
                        events.add(e);
                        break;
                    }
                }
            }
        }
        return new AuditEvents(events, truncated);
    }
}
