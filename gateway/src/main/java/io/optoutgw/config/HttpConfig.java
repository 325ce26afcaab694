package io.optoutgw.config;

/**
 * The HTTP listener for /metrics, /health, /ready and the admin API (port 0 picks a free one, -1
 * disables it). {@code adminToken} is the bearer token of the /api endpoints; unset = admin API off.
 */
public record HttpConfig(String host, int port, String adminToken) {

    public static final int DEFAULT_PORT = 8080;
    private static final int MIN_TOKEN_LENGTH = 16;

    public HttpConfig {
        host = host == null ? "0.0.0.0" : host;
        if (port != -1) {
            ConfigChecks.port("http.port", port, true);
        }
        if (adminToken != null) {
            if (adminToken.isBlank()) {
                adminToken = null;
            } else if (adminToken.length() < MIN_TOKEN_LENGTH || adminToken.chars().anyMatch(c -> c <= ' ' || c > '~')) {
                throw new ConfigException("http.adminToken", "must be at least " + MIN_TOKEN_LENGTH
                        + " printable ASCII characters without spaces (the token itself is not shown)");
            }
        }
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
        return "HttpConfig[host=" + host + ", port=" + port + ", adminToken=" + (adminToken == null ? "unset" : "***") + "]";
    }
}
