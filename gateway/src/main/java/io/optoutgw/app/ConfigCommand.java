package io.optoutgw.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gateway config reload}: asks a running gateway to re-read its configuration file
 * ({@code POST /api/config/reload}, the same as {@code kill -HUP}); needs the global admin token,
 * like the other admin commands.
 */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "The configuration of a running gateway (needs the admin token).",
        subcommands = {ConfigCommand.Reload.class})
final class ConfigCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a command: reload");
    }

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /**
     * {@code gateway config reload}: prints what changed and the keys that need a restart; exit 0
     * when the file was applied, 2 when it was refused (each error naming its key; nothing changed),
     * 3 when the gateway cannot be reached.
     */
    @Command(
            name = "reload",
            mixinStandardHelpOptions = true,
            description = "Re-read the gateway's configuration file and apply it (as kill -HUP does); the other "
                    + "instances sharing Redis follow. A file with an error changes nothing: the error names the key.")
    static final class Reload extends AdminCommand {
        @Option(names = "--json", description = "Print the gateway's JSON answer")
        boolean json;

        @Override
        int run(AdminClient client) throws CliFailure {
            HttpResponse<byte[]> r = client.raw(client.request("/api/config/reload")
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .timeout(TIMEOUT)
                    .build());
            JsonNode answer = null;
            if (r.statusCode() == 200 || r.statusCode() == 400) {
                try {
                    answer = AdminClient.JSON.readTree(r.body());
                } catch (java.io.IOException e) {
                    answer = null;
                }
            }
            if (answer == null || !answer.has("applied")) {
                // not a reload's answer: no token, reload not available, a gateway error
                throw AdminClient.failure(r.statusCode(), r.body());
            }
            boolean applied = answer.get("applied").asBoolean();
            if (json) {
                out().println(answer.toPrettyString());
                out().flush();
            } else if (applied) {
                print(answer);
            }
            if (!applied) {
                StringBuilder why = new StringBuilder("configuration file refused, nothing changed");
                for (JsonNode e : answer.path("errors")) {
                    why.append("\n  ").append(e.asText());
                }
                throw new CliFailure(CliFailure.REFUSED, why.toString());
            }
            return 0;
        }

        private void print(JsonNode a) {
            out().println("configuration reloaded on " + a.path("instance").asText("?") + " (trigger "
                    + a.path("trigger").asText("api") + ")");
            if (a.path("changed").isEmpty()) {
                out().println("changed: nothing");
            }
            for (JsonNode c : a.path("changed")) {
                out().println("changed: " + c.asText());
            }
            if (a.path("restartRequired").isEmpty()) {
                out().println("restartRequired: none");
            }
            for (JsonNode k : a.path("restartRequired")) {
                out().println("restartRequired: " + k.asText() + " (changed in the file, in force after a restart)");
            }
            out().flush();
        }
    }
}
