package io.optoutgw.config;

import io.optoutgw.suppression.ExternalLists;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * One external list (a do-not-call file, a litigator list, a customer's CSV, a carrier's
 * deactivation file): where the gateway fetches it, how often, when it is stale, and which
 * submits it applies to. A list may also be loaded by hand ({@code gateway lists load}) without
 * being configured; configuring it adds the schedule and the staleness limit.
 *
 * @param name       the list's name (lower-case letters, digits, '_' and '-', at most 32): the
 *                   name {@code gateway lists} and the metrics use
 * @param url        http or https URL of the CSV the gateway fetches every {@code interval};
 *                   absent: loaded by hand only
 * @param interval   how often the URL is fetched (default 24h)
 * @param maxAge     older than this, the live version is stale ({@code smppgw_list_age_seconds}
 *                   above {@code smppgw_list_max_age_seconds}: the {@code GatewayListStale} alert);
 *                   absent: no limit
 * @param categories only submits of these consent categories are checked; empty: every category
 * @param accounts   only submits of these accounts are checked; empty: every account
 * @param kind       {@code numbers} (default) or {@code deactivation} (a carrier's file of
 *                   deactivated numbers, with their dates: voids older opt-ins, flags older opt-outs)
 * @param region     region of numbers without '+' in the file (default US)
 */
public record ListConfig(
        String name,
        String url,
        Duration interval,
        Duration maxAge,
        List<String> categories,
        List<String> accounts,
        String kind,
        String region) {

    public ListConfig {
        if (name == null || name.isBlank()) {
            throw new ConfigException("lists.name", "is required");
        }
        try {
            ExternalLists.checkName(name.strip());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("lists.name", e.getMessage());
        }
        name = name.strip();
        if (url != null) {
            URI u;
            try {
                u = URI.create(url.strip());
            } catch (IllegalArgumentException e) {
                throw new ConfigException("lists.url", "not a URL: " + e.getMessage());
            }
            if (u.getScheme() == null
                    || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))
                    || u.getHost() == null) {
                throw new ConfigException(
                        "lists.url", "must be an http:// or https:// URL with a host, got '" + url + "'");
            }
            url = u.toString();
        }
        interval = ConfigChecks.positive("lists.interval", ConfigChecks.orDefault(interval, Duration.ofHours(24)));
        if (interval.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new ConfigException("lists.interval", "must be at least 1m, got " + interval);
        }
        if (maxAge != null) {
            ConfigChecks.positive("lists.maxAge", maxAge);
        }
        categories = categories == null
                ? List.of()
                : categories.stream()
                        .map(c -> c.strip().toLowerCase(Locale.ROOT))
                        .toList();
        accounts = accounts == null ? List.of() : List.copyOf(accounts);
        try {
            kind = ExternalLists.Kind.of(kind).code();
        } catch (IllegalArgumentException e) {
            throw new ConfigException("lists.kind", e.getMessage());
        }
        region = region == null || region.isBlank() ? "US" : region.strip().toUpperCase(Locale.ROOT);
        if (!region.matches("[A-Z]{2}")) {
            throw new ConfigException("lists.region", "must be a two-letter region such as US, got '" + region + "'");
        }
    }

    public ExternalLists.Kind parsedKind() {
        return ExternalLists.Kind.of(kind);
    }
}
