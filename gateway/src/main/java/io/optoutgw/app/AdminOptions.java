package io.optoutgw.app;

import picocli.CommandLine.Option;

/** Where the admin commands find the gateway and the token they authenticate with. */
final class AdminOptions {

    @Option(
            names = "--url",
            defaultValue = "${env:GATEWAY_URL:-http://127.0.0.1:8080}",
            description = "Gateway HTTP address (default: ${DEFAULT-VALUE}; env GATEWAY_URL)")
    String url;

    @Option(
            names = "--token",
            defaultValue = "${env:GATEWAY_ADMIN_TOKEN}",
            description = "Admin token, http.adminToken of the gateway (env GATEWAY_ADMIN_TOKEN, preferred: "
                    + "a flag shows in the process list)")
    String token;

    AdminClient client() throws CliFailure {
        return new AdminClient(url, token);
    }
}
