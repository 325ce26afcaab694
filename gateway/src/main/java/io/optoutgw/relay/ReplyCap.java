package io.optoutgw.relay;

import io.optoutgw.config.ReplyCapConfig;
import io.optoutgw.metrics.GatewayMetrics;
import io.optoutgw.sendtime.FrequencyCap;
import io.optoutgw.suppression.RedisKeys;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The cap on the gateway's own replies ({@code optout.replyCap}): at most N replies of any kind
 * to one person from one sender within a rolling window, whatever the intents that asked for them
 * (STOP, START, HELP, ... in a row). Counted in Redis, so that every gateway sharing it counts the
 * same replies, by the {@link FrequencyCap} script on {@code gw:replies:{DIGITS}:SENDER}
 * ({@link RedisKeys#replyCap}): the send times inside the window, never more than N of them; the
 * key expires one window after the newest, so memory stays bounded by N times per person and
 * sender who texted within the last window.
 *
 * <p>When Redis cannot be asked, the reply goes out (a reply too many costs less than a lost
 * confirmation) and the failure is counted in {@code smppgw_redis_errors_total{operation="reply_cap"}}.
 */
final class ReplyCap {

    /** What to do with one reply. */
    enum Verdict {
        /** Within the cap: send it (it is counted). */
        SEND,
        /** The cap is reached: do not send it. */
        CAPPED,
        /** The cap could not be read: send it anyway. */
        UNCHECKED,
        /** The cap is off ({@code max: 0}): send it. */
        OFF
    }

    private static final CompletionStage<Verdict> OFF = CompletableFuture.completedFuture(Verdict.OFF);

    private final FrequencyCap counter;
    private final ReplyCapConfig config;
    private final GatewayMetrics metrics;

    ReplyCap(FrequencyCap counter, ReplyCapConfig config, GatewayMetrics metrics) {
        this.counter = counter;
        this.config = config;
        this.metrics = metrics;
    }

    /**
     * Counts one reply to {@code digits} (E.164 digits) from {@code sender} (canonical form) when
     * the cap allows it. Never completes exceptionally.
     */
    CompletionStage<Verdict> admit(String digits, String sender) {
        if (!config.enabled()) {
            return OFF;
        }
        CompletionStage<FrequencyCap.Result> result;
        try {
            result = counter.acquire(RedisKeys.replyCap(counter.keyOf(digits), sender), config.max(), config.window());
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        return result.handle((r, error) -> {
            if (error != null) {
                metrics.redisError("reply_cap");
                return Verdict.UNCHECKED;
            }
            return r.admitted() ? Verdict.SEND : Verdict.CAPPED;
        });
    }
}
