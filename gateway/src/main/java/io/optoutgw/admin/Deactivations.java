package io.optoutgw.admin;

import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.SuppressionStore;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The consent effects of a carrier's deactivation file: for each deactivated number, every list
 * entry last changed at or before the deactivation is looked at. An opt-in there is void from the
 * deactivation on (the person who gave it no longer holds the number): a {@link ConsentEvent.Type#VOIDED}
 * event suppresses the entry again, until a later opt-in. An opt-out there stays in force and is
 * flagged by a {@link ConsentEvent.Type#FLAGGED} event (it was the former holder's). Both are
 * consent events like any other: journaled, in the audit trail, on the feed, with source
 * {@code deactivation} and the list as actor. Loading the same file again records nothing twice
 * (a flag or a void names its deactivation date and list, and an entry holding one is not flagged).
 * Entries changed after the deactivation (the new holder's) are left alone.
 */
public final class Deactivations {

    /** Numbers looked at concurrently. */
    static final int IN_FLIGHT = 64;

    private final SuppressionAdmin admin;

    public Deactivations(SuppressionAdmin admin) {
        this.admin = admin;
    }

    /**
     * @param checked  deactivated numbers looked at
     * @param voided   opt-ins voided
     * @param flagged  opt-outs flagged
     * @param failed   numbers whose effects could not be recorded (journal or Redis); load the file again
     * @param leftOut  deactivated numbers beyond {@link ListLoad#MAX_DEACTIVATIONS}, not looked at
     */
    public record Result(long checked, long voided, long flagged, long failed, long leftOut) {}

    /** Applies the effects of the first {@code n} numbers of {@code digits} deactivated at {@code atSeconds}. */
    public Result apply(String list, long[] digits, long[] atSeconds, int n, long leftOut) throws InterruptedException {
        Semaphore permits = new Semaphore(IN_FLIGHT);
        AtomicLong voided = new AtomicLong();
        AtomicLong flagged = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long waitMs = admin.timeout().toMillis() * 4;
        for (int i = 0; i < n; i++) {
            if (!permits.tryAcquire(waitMs, TimeUnit.MILLISECONDS)) {
                failed.addAndGet(n - i);
                break;
            }
            String number = Long.toString(digits[i]);
            Instant at = Instant.ofEpochSecond(atSeconds[i]);
            one(list, number, at, voided, flagged).whenComplete((ok, error) -> {
                if (error != null) {
                    failed.incrementAndGet();
                }
                permits.release();
            });
        }
        if (!permits.tryAcquire(IN_FLIGHT, waitMs, TimeUnit.MILLISECONDS)) {
            failed.incrementAndGet();
        }
        return new Result(n, voided.get(), flagged.get(), failed.get(), leftOut);
    }

    private CompletableFuture<Void> one(String list, String digits, Instant at, AtomicLong voided, AtomicLong flagged) {
        SuppressionStore store = admin.store();
        return store.entryList(digits).toCompletableFuture().thenCompose(entries -> {
            List<SuppressionStore.ListEntry> voids = new ArrayList<>();
            List<SuppressionStore.ListEntry> flags = new ArrayList<>();
            for (SuppressionStore.ListEntry e : entries) {
                if (e.since().isAfter(at)) {
                    continue; // changed after the deactivation: the number's new holder
                }
                (e.suppressed() ? flags : voids).add(e);
            }
            if (voids.isEmpty() && flags.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            String day = at.atOffset(ZoneOffset.UTC).toLocalDate().toString();
            String tag = "deactivated " + day + " (list " + list + ")";
            CompletableFuture<List<ConsentEvent>> history = flags.isEmpty()
                    ? CompletableFuture.completedFuture(List.of())
                    : store.history(digits).toCompletableFuture();
            return history.thenCompose(events -> {
                List<CompletableFuture<?>> recorded = new ArrayList<>();
                for (SuppressionStore.ListEntry e : voids) {
                    recorded.add(record(
                            ConsentEvent.Type.VOIDED,
                            e,
                            tag + ": the opt-in of " + e.since() + " is void from the deactivation on"));
                    voided.incrementAndGet();
                }
                for (SuppressionStore.ListEntry e : flags) {
                    boolean already = events.stream()
                            .anyMatch(ev ->
                                    (ev.type() == ConsentEvent.Type.FLAGGED || ev.type() == ConsentEvent.Type.VOIDED)
                                            && ev.slot().equals(e.slot())
                                            && ev.reason() != null
                                            && ev.reason().startsWith(tag));
                    if (!already) {
                        recorded.add(record(
                                ConsentEvent.Type.FLAGGED,
                                e,
                                tag + ": the opt-out of " + e.since() + " predates it and stays in force"));
                        flagged.incrementAndGet();
                    }
                }
                return CompletableFuture.allOf(recorded.toArray(CompletableFuture[]::new));
            });
        });
    }

    private CompletableFuture<ConsentEvent> record(
            ConsentEvent.Type type, SuppressionStore.ListEntry e, String reason) {
        ConsentEvent event = admin.event(
                        ConsentEvent.newId(),
                        type,
                        e.digits(),
                        Scope.parse(e.scope()),
                        reason,
                        "deactivation",
                        new SuppressionAdmin.Provenance(ConsentEvent.Source.DEACTIVATION, null))
                .withCategory(e.category());
        return admin.recorder().recordOrdered(event);
    }
}
