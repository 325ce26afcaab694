package io.optoutgw.app;

import io.optoutgw.config.AccountConfig;
import io.optoutgw.config.GatewayConfig;

/**
 * What a person starting the gateway sees on the console: where to bind and, for the demo
 * configuration (built-in simulator on), the demo accounts (never their passwords). Written to standard output, never
 * to the log.
 */
final class Banner {

    private Banner() {}

    static void print(GatewayConfig config, Gateway gateway) {
        StringBuilder sb = new StringBuilder();
        sb.append('\n')
                .append("SMPP opt-out gateway ")
                .append(config.instanceId())
                .append(" is running\n");
        sb.append("  bind an SMPP client (ESME) to ")
                .append(displayHost(config.smpp().host()))
                .append(':')
                .append(gateway.smppPort())
                .append('\n');
        if (gateway.httpPort() > 0) {
            sb.append("  metrics and health: http://")
                    .append(displayHost(config.http().host()))
                    .append(':')
                    .append(gateway.httpPort())
                    .append("/metrics  /health  /ready\n");
        }
        sb.append("  upstream SMSC(s): ").append(Gateway.upstreamSummary(config));
        sb.append(config.simulator().enabled() ? " (built-in simulator)\n" : "\n");
        if (config.simulator().enabled()) {
            sb.append("  demo accounts (passwords: see accounts[].password in the configuration file):\n");
            for (AccountConfig a : config.accounts()) {
                sb.append("    system_id=")
                        .append(a.systemId())
                        .append(" numbers=")
                        .append(a.numbers())
                        .append('\n');
            }
        }
        sb.append("  stop with Ctrl-C (SIGTERM): ESMEs are drained and unbound first\n");
        System.out.println(sb);
    }

    private static String displayHost(String host) {
        return "0.0.0.0".equals(host) || "::".equals(host) ? "127.0.0.1" : host;
    }
}
