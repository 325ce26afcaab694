package io.optoutgw.config;

import java.time.Duration;

/**
 * The HTTP listener for /metrics, /health, /ready and the admin API (port 0 picks a free one, -1
 * disables it). {@code adminToken} is the bearer token of the /api endpoints; unset = admin API off.
 * {@code requestTimeout}: a request must arrive whole within it (the streamed import: no pause
 * longer than {@code idleTimeout}); {@code idleTimeout}: a connection waiting for its next request
 * is closed after it; {@code maxConnections}: connections open at once, more are closed at accept.
 */
public record HttpConfig(
        String host,
        int port,
        String adminToken,
        Duration requestTimeout,
        Duration idleTimeout,
        Integer maxConnections) {

    public static final int DEFAULT_PORT = 8080;
    private static final int MIN_TOKEN_LENGTH = 16;

    public HttpConfig {
        host = host == null ? "0.0.0.0" : host;
        if (port != -1) {
            ConfigChecks.port("http.port", port, true);
        }
        requestTimeout = ConfigChecks.positive(
                "http.requestTimeout", ConfigChecks.orDefault(requestTimeout, Duration.ofSeconds(30)));
        idleTimeout =
                ConfigChecks.positive("http.idleTimeout", ConfigChecks.orDefault(idleTimeout, Duration.ofSeconds(60)));
        maxConnections =
                ConfigChecks.range("http.maxConnections", maxConnections == null ? 256 : maxConnections, 1, 1_000_000);
        if (adminToken != null) {
            if (adminToken.isBlank()) {
                adminToken = null;
            } else if (adminToken.length() < MIN_TOKEN_LENGTH
                    || adminToken.chars().anyMatch(c -> c <= ' ' || c > '~')) {
                throw new ConfigException(
                        "http.adminToken",
                        "must be at least " + MIN_TOKEN_LENGTH
                                + " printable ASCII characters without spaces (the token itself is not shown)");
            }
        }
    }

    /** As configured, with the given admin token. */
    public HttpConfig(String host, int port, String adminToken) {
        this(host, port, adminToken, null, null, null);
    }

    public boolean enabled() {
        return port != -1;
    }

    public boolean adminEnabled() {
        return adminToken != null;
    }

    /** Keeps the token out of logs and error messages. */
    @Override
    public String toString() {
        return "HttpConfig[host=" + host + ", port=" + port + ", adminToken=" + (adminToken == null ? "unset" : "***")
                + ", requestTimeout=" + requestTimeout + ", idleTimeout=" + idleTimeout
                + ", maxConnections=" + maxConnections + "]";
    }
}
