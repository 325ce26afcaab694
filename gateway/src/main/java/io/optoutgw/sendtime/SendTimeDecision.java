package io.optoutgw.sendtime;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/** Whether a message may reach its recipient at a given instant, by the send-time bands. */
public sealed interface SendTimeDecision permits SendTimeDecision.Allowed, SendTimeDecision.Quiet {

    /** The recipient's zones the decision was taken in (several when the number's prefix spans zones). */
    List<ZoneId> zones();

    /** Inside an allowed band in every zone of the recipient. */
    record Allowed(List<ZoneId> zones) implements SendTimeDecision {}

    /**
     * Quiet hours in at least one zone of the recipient. {@code nextAllowed} is the earliest later
     * instant inside a band in every zone, or {@code null} when the bands never overlap across
     * those zones within a week (the message can then only be refused).
     */
    record Quiet(Instant nextAllowed, List<ZoneId> zones) implements SendTimeDecision {}
}
