package io.optoutgw.config;

import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One webhook endpoint the consent event feed is delivered to, signed per the Standard Webhooks
 * specification.
 *
 * @param name             how metrics, logs and the dead-letter commands name it (default: its
 *                         position, {@code webhook-1}, ...)
 * @param url              http or https URL the events are POSTed to
 * @param secret           {@code whsec_} followed by the base64 of the signing key (at least 16 bytes)
 * @param accounts         deliver only events of these accounts (events of no account, such as
 *                         global changes by an operator, always go); empty: every account
 * @param events           deliver only these types (opt_out, opt_in, help, reason, clarification,
 *                         admin, deactivation); empty: every type
 * @param timeout          how long one delivery may take before it counts as failed
 * @param maxRetryInterval the longest wait between two attempts at one event
 * @param retryFor         how long an event is retried before it goes to the dead-letter list
 */
public record WebhookConfig(
        String name,
        String url,
        String secret,
        List<String> accounts,
        List<String> events,
        Duration timeout,
        Duration maxRetryInterval,
        Duration retryFor) {

    /** The feed's event types. */
    public static final Set<String> TYPES =
            Set.of("opt_out", "opt_in", "help", "reason", "clarification", "admin", "deactivation");

    public WebhookConfig {
        if (url == null || url.isBlank()) {
            throw new ConfigException("webhooks[].url", "is required");
        }
        URI u;
        try {
            u = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("webhooks[].url", "not a URL: " + e.getMessage());
        }
        if (u.getScheme() == null
                || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))
                || u.getHost() == null) {
            throw new ConfigException(
                    "webhooks[].url", "must be an http:// or https:// URL with a host, got '" + url + "'");
        }
        url = u.toString();
        if (secret == null || !secret.startsWith("whsec_")) {
            throw new ConfigException(
                    "webhooks[].secret", "must be whsec_ followed by the base64 of the key (Standard Webhooks)");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("webhooks[].secret", "the part after whsec_ is not base64: " + e.getMessage());
        }
        if (key.length < 16) {
            throw new ConfigException(
                    "webhooks[].secret", "the key must be at least 16 bytes (24 base64 characters), got " + key.length);
        }
        accounts = accounts == null ? List.of() : List.copyOf(accounts);
        events = events == null
                ? List.of()
                : events.stream().map(e -> e.strip().toLowerCase(Locale.ROOT)).toList();
        for (String e : events) {
            if (!TYPES.contains(e)) {
                throw new ConfigException("webhooks[].events", "'" + e + "' is not one of " + TYPES);
            }
        }
        timeout = ConfigChecks.positive("webhooks[].timeout", ConfigChecks.orDefault(timeout, Duration.ofSeconds(5)));
        maxRetryInterval = ConfigChecks.positive(
                "webhooks[].maxRetryInterval", ConfigChecks.orDefault(maxRetryInterval, Duration.ofSeconds(60)));
        retryFor = ConfigChecks.positive("webhooks[].retryFor", ConfigChecks.orDefault(retryFor, Duration.ofHours(24)));
        if (name != null && !name.matches("[A-Za-z0-9_-]{1,40}")) {
            throw new ConfigException(
                    "webhooks[].name", "letters, digits, '_' and '-', at most 40 characters, got '" + name + "'");
        }
    }

    /** The signing key. */
    public byte[] key() {
        return Base64.getDecoder().decode(secret.substring("whsec_".length()));
    }

    /** This endpoint named {@code n} (for one left without a name). */
    public WebhookConfig named(String n) {
        return new WebhookConfig(n, url, secret, accounts, events, timeout, maxRetryInterval, retryFor);
    }

    @Override
    public String toString() {
        return "WebhookConfig[name=" + name + ", url=" + url + ", secret=whsec_***]";
    }
}
