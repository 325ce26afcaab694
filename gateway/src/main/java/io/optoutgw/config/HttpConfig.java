package io.optoutgw.config;

/** The HTTP listener for /metrics, /health and /ready (port 0 picks a free one, -1 disables it). */
public record HttpConfig(String host, int port) {

    public static final int DEFAULT_PORT = 8080;

    public HttpConfig {
        host = host == null ? "0.0.0.0" : host;
        if (port != -1) {
            ConfigChecks.port("http.port", port, true);
        }
    }

    public boolean enabled() {
        return port != -1;
    }
}
