package io.optoutgw.sendtime;

import io.optoutgw.config.SendTimeConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The send-time decision for one submit: quiet hours first (no Redis), then the frequency cap.
 * This is the one call the submit path makes, after the opt-out check has let the message through
 * (docs/consent-rules.md, "Send-time rules").
 */
public final class SendTimeGate {

    /** The window of {@code maxPer24h}. */
    public static final Duration CAP_WINDOW = Duration.ofHours(24);

    /** Why a message was refused. */
    public enum Reason {
        QUIET_HOURS,
        FREQUENCY_CAP
    }

    /** What the submit path does with the message. */
    public sealed interface Outcome permits Relay, Schedule, Refuse {}

    /** Relay as submitted. */
    public record Relay() implements Outcome {}

    /**
     * Relay with schedule_delivery_time set to {@code scheduleDeliveryTime} (the SMPP form of
     * {@code at}, the next allowed time).
     */
    public record Schedule(Instant at, String scheduleDeliveryTime) implements Outcome {}

    /**
     * Answer submit_sm_resp with {@code status} (retryable); {@code retryAt} is when the message
     * would be allowed, {@code null} when unknown.
     */
    public record Refuse(int status, Reason reason, Instant retryAt) implements Outcome {}

    private static final Relay RELAY = new Relay();

    private final SendTimeRules rules;
    private final FrequencyCap cap;
    private final Clock clock;

    public SendTimeGate(SendTimeRules rules, FrequencyCap cap, Clock clock) {
        this.rules = rules;
        this.cap = cap;
        this.clock = clock;
    }

    /**
     * Decides for a message of {@code account} to {@code digits} (E.164 without '+').
     *
     * @param config            the account's {@code optOut.sendTime}; {@code null}: no rules, relay
     * @param requestedSchedule the submit's own schedule_delivery_time, {@code null} when not set: a
     *                          message scheduled by the ESME is judged at that time
     * @param upstreamHonoursSchedule whether the upstream chosen for the message delivers at
     *                          schedule_delivery_time; without it {@code action: schedule} refuses
     * @return completes exceptionally only when the cap cannot be checked (Redis unreachable): the
     *         caller then fails open or closed as for the opt-out list
     */
    public CompletionStage<Outcome> check(
            String account,
            String digits,
            SendTimeConfig config,
            Instant requestedSchedule,
            boolean upstreamHonoursSchedule) {
        if (config == null) {
            return CompletableFuture.completedFuture(RELAY);
        }
        Outcome pass = hours(digits, config, requestedSchedule, upstreamHonoursSchedule);
        if (pass instanceof Refuse) {
            return CompletableFuture.completedFuture(pass);
        }
        return cap(account, digits, config, pass);
    }

    /**
     * The quiet-hours half of {@link #check} (no Redis): {@link Relay} inside the bands, else
     * {@link Schedule} to the next allowed time when {@code action: schedule} and the upstream
     * honours it, else {@link Refuse} with reason {@link Reason#QUIET_HOURS}. A submit_multi asks
     * this for each destination first, and takes cap slots only for those it will send.
     */
    public Outcome hours(
            String digits, SendTimeConfig config, Instant requestedSchedule, boolean upstreamHonoursSchedule) {
        if (config == null) {
            return RELAY;
        }
        Instant now = clock.instant();
        Instant deliverAt = requestedSchedule != null && requestedSchedule.isAfter(now) ? requestedSchedule : now;
        if (rules.check(digits, deliverAt, config) instanceof SendTimeDecision.Quiet quiet) {
            boolean reschedule = config.action() == SendTimeConfig.Action.SCHEDULE
                    && upstreamHonoursSchedule
                    && quiet.nextAllowed() != null;
            if (!reschedule) {
                return new Refuse(config.refuseStatus(), Reason.QUIET_HOURS, quiet.nextAllowed());
            }
            return new Schedule(quiet.nextAllowed(), SmppAbsoluteTime.format(quiet.nextAllowed()));
        }
        return RELAY;
    }

    /**
     * The frequency-cap half of {@link #check}: takes a slot of {@code maxPer24h} for a message to
     * {@code digits} that the hours let through as {@code pass}, and completes with {@code pass},
     * or with {@link Refuse} (reason {@link Reason#FREQUENCY_CAP}) when the cap is reached.
     * Completes exceptionally when the cap cannot be read.
     */
    public CompletionStage<Outcome> cap(String account, String digits, SendTimeConfig config, Outcome pass) {
        if (config == null || !config.capped()) {
            return CompletableFuture.completedFuture(pass);
        }
        return cap.acquire(account, digits, config.maxPer24h(), CAP_WINDOW)
                .thenApply(r ->
                        r.admitted() ? pass : new Refuse(config.refuseStatus(), Reason.FREQUENCY_CAP, r.freesAt()));
    }
}
