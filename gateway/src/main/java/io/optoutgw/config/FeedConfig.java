package io.optoutgw.config;

import java.time.Duration;

/**
 * The consent event feed ({@code GET /api/events}) and inbound events ({@code POST /api/events}).
 *
 * @param streamMaxLength   about how many events the feed's Redis Stream keeps (older ones are
 *                          trimmed; a consumer further behind resumes at the oldest kept)
 * @param publishInterval   how often each instance publishes what it journaled to the feed
 * @param idempotencyWindow how long an inbound event's idempotency key is remembered
 */
public record FeedConfig(Long streamMaxLength, Duration publishInterval, Duration idempotencyWindow) {

    public FeedConfig {
        streamMaxLength = streamMaxLength == null ? 1_000_000L : streamMaxLength;
        if (streamMaxLength < 1000) {
            throw new ConfigException("feed.streamMaxLength", "must be at least 1000, got " + streamMaxLength);
        }
        publishInterval = ConfigChecks.positive(
                "feed.publishInterval", ConfigChecks.orDefault(publishInterval, Duration.ofMillis(200)));
        idempotencyWindow = ConfigChecks.positive(
                "feed.idempotencyWindow", ConfigChecks.orDefault(idempotencyWindow, Duration.ofDays(7)));
    }
}
