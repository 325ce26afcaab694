package io.optoutgw.config;

import java.time.Duration;

/**
 * The cap on the gateway's own replies ({@code optout.replyCap}): at most {@code max} replies of
 * any kind (opt-out and opt-in confirmations, HELP answers, clarifications) to one person from one
 * sender within a rolling {@code window}. It complements {@code optout.dedupWindow}, which only
 * deduplicates replies of the same intent: STOP, START, HELP, STOP, ... in a row would otherwise
 * each get a reply. See docs/consent-rules.md, "Reply-loop guard".
 *
 * @param max    replies a person gets from one sender within the window, 0..100; 0 turns the cap off
 *               (only {@code optout.dedupWindow} limits replies then). Default 3
 * @param window the rolling window, a positive duration. Default 10m
 */
public record ReplyCapConfig(Integer max, Duration window) {

    /** Configuration key prefix used in error messages. */
    static final String KEY = "optout.replyCap";

    /** Most replies the cap may allow: bounds the Redis memory of one person and sender. */
    public static final int MAX_REPLIES = 100;

    public ReplyCapConfig {
        max = ConfigChecks.range(KEY + ".max", max == null ? 3 : max, 0, MAX_REPLIES);
        window = ConfigChecks.positive(KEY + ".window", ConfigChecks.orDefault(window, Duration.ofMinutes(10)));
    }

    /** The defaults: 3 replies in 10 minutes. */
    public static ReplyCapConfig defaults() {
        return new ReplyCapConfig(null, null);
    }

    /** Whether replies are counted against a cap ({@code max} above 0). */
    public boolean enabled() {
        return max > 0;
    }
}
