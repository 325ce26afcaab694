package io.optoutgw.config;

/**
 * The built-in SMSC simulator, started in-process for the demo configuration. Production
 * configurations leave it disabled and point {@code upstreams} at real SMSCs.
 */
public record SimulatorConfig(boolean enabled, String host, int port) {

    public SimulatorConfig {
        host = host == null ? "127.0.0.1" : host;
        if (enabled) {
            ConfigChecks.port("simulator.port", port, false);
        }
    }

    public static SimulatorConfig disabled() {
        return new SimulatorConfig(false, null, 0);
    }
}
