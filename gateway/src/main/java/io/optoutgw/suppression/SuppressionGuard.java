package io.optoutgw.suppression;

import com.cloudhopper.smpp.type.Address;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Decides whether a message may go to its destination: normalises the number (an address that
 * cannot be normalised is refused, never passed) and checks every scope that applies to the
 * account and sender, within a bounded time. Where a submit is refused: here.
 */
public final class SuppressionGuard {

    /** What to do with one destination. */
    public sealed interface Decision permits Allow, Suppressed, NoOptIn, InvalidNumber, Unavailable {}

    /**
     * Not on the list: relay. {@code known}: the check saw an entry for the number in a scope it
     * read (an opt-out lifted again), see {@link SuppressionStore.Verdict#known()}.
     */
    public record Allow(String digits, boolean known) implements Decision {
        public Allow(String digits) {
            this(digits, false);
        }
    }

    /**
     * On the list in {@code scope}: refuse per the account's policy. {@code category}: the category
     * entry that decided it, {@code null} for the entry of every category. {@code list}: the
     * external list that holds the number ({@code scope} then null), refused the same way.
     */
    public record Suppressed(String digits, Scope scope, String category, String list) implements Decision {
        public Suppressed(String digits, Scope scope, String category) {
            this(digits, scope, category, null);
        }

        public Suppressed(String digits, Scope scope) {
            this(digits, scope, null);
        }

        /** On the external list {@code list} (the opt-out list allowed it): {@link #scope} is null. */
        public static Suppressed listed(String digits, String list) {
            return new Suppressed(digits, null, null, list);
        }
    }

    /**
     * Not on the list, but the account requires a recorded opt-in for the message's category and the number
     * has none ({@code optOut.requireOptIn}): refuse.
     */
    public record NoOptIn(String digits) implements Decision {}

    /** Not a number that can be checked: refuse. */
    public record InvalidNumber(String problem) implements Decision {}

    /** The list could not be read in time: fail closed (or open, if the account chose so). */
    public record Unavailable(Throwable cause) implements Decision {}

    private final SuppressionStore store;
    private final long timeoutMillis;
    private final boolean ownTimer;

    /**
     * @param timeout             bound on one check
     * @param redisCommandTimeout the Redis client's own command timeout: when {@code timeout} is
     *                            not shorter, that already bounds the check and no second timer
     *                            is scheduled per submit
     */
    public SuppressionGuard(SuppressionStore store, Duration timeout, Duration redisCommandTimeout) {
        this.store = store;
        this.timeoutMillis = timeout.toMillis();
        this.ownTimer = timeout.compareTo(redisCommandTimeout) < 0;
    }

    /**
     * Checks {@code destination} for {@code account} sending from {@code sender}, which must be in
     * its canonical form ({@link Senders#canonical}, as the opt-out was recorded). Never completes
     * exceptionally.
     */
    public CompletionStage<Decision> check(String account, String defaultRegion, Address destination, String sender) {
        return check(account, defaultRegion, destination, sender, null);
    }

    /**
     * {@link #check(String, String, Address, String)} for a message of {@code category} (one of the
     * account's categories; {@code null} when it declares none): still one Redis round trip.
     */
    public CompletionStage<Decision> check(
            String account, String defaultRegion, Address destination, String sender, String category) {
        return check(account, defaultRegion, destination, sender, category, false);
    }

    /**
     * {@link #check(String, String, Address, String, String)}; with {@code optIn}, a number that is not on the
     * list but has no recorded opt-in for the account's messages of {@code category} is {@link NoOptIn}. Still
     * one Redis round trip (the opt-in fields are in the same HMGET).
     */
    public CompletionStage<Decision> check(
            String account, String defaultRegion, Address destination, String sender, String category, boolean optIn) {
        if (destination == null) {
            return CompletableFuture.completedFuture(new InvalidNumber("no destination address"));
        }
        PhoneNumbers.Normalized n =
                PhoneNumbers.normalizeDestination(destination.getTon(), destination.getAddress(), defaultRegion);
        if (!n.ok()) {
            return CompletableFuture.completedFuture(new InvalidNumber(n.problem()));
        }
        CompletableFuture<Decision> result;
        try {
            result = store.check(n.digits(), account, sender == null ? "" : sender, category, optIn)
                    .toCompletableFuture()
                    .thenApply(v -> v.suppressed()
                            ? (v.suppressedBy() == null
                                    ? Suppressed.listed(n.digits(), v.list())
                                    : new Suppressed(n.digits(), v.suppressedBy(), v.category()))
                            : optIn && !v.optedIn() ? new NoOptIn(n.digits()) : new Allow(n.digits(), v.known()));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new Unavailable(e));
        }
        return (ownTimer ? result.orTimeout(timeoutMillis, TimeUnit.MILLISECONDS) : result)
                .exceptionally(Unavailable::new);
    }
}
