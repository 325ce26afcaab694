package io.optoutgw.optout;

import io.optoutgw.suppression.ConsentEvent;

/**
 * What became of an MO on the opt-out path. The SMPP side acts on it: {@link Recorded} and
 * {@link Duplicate} are acknowledged (the event is durable), {@link NotDurable} is to be delivered
 * again, the others are relayed like any MO.
 */
public sealed interface MoOutcome {

    /** No keyword: relayed like any MO. */
    record NotKeyword() implements MoOutcome {}

    /** A part of a concatenated MO, kept until the other parts arrive: relayed as is. */
    record Incomplete() implements MoOutcome {}

    /** A keyword from an address that is not a phone number: not recorded, relayed as is. */
    record NotAPhoneNumber(KeywordMatch keyword) implements MoOutcome {}

    /** The event (or, for a part, the part) could not be made durable: the SMSC must deliver it again. */
    record NotDurable(Throwable cause) implements MoOutcome {}

    /** Recorded and durable; its reply was already sent within {@code optout.dedupWindow}, so none goes out. */
    record Duplicate(ConsentEvent event) implements MoOutcome {}

    /**
     * A reply to a clarification ("1" or "2"), recorded and durable: acknowledged and forwarded like a
     * keyword MO; no reply goes out (the clarification was the one text the person gets).
     */
    record Clarified(ConsentEvent event) implements MoOutcome {}

    /** Recorded and durable; {@code reply} of {@code kind} is to be sent to the person. */
    record Recorded(ConsentEvent event, Replies.Kind kind, ReplyText reply) implements MoOutcome {}
}
