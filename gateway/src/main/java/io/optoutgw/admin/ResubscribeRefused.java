package io.optoutgw.admin;

/**
 * A removal the re-subscribe guard refuses: the entry's opt-out came from the person, and the
 * request carries neither a consent evidence reference nor an override with actor and reason
 * (the admin API answers 409 with the message).
 */
public final class ResubscribeRefused extends RuntimeException {

    public ResubscribeRefused(String message) {
        super(message, null, false, false);
    }
}
