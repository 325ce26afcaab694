package io.optoutgw.app;

import static io.optoutgw.app.AdminClient.params;
import static io.optoutgw.app.AdminClient.path;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gateway privacy erase NUMBER}: docs/privacy.md, "Erase". */
@Command(
        name = "privacy",
        mixinStandardHelpOptions = true,
        description = "Privacy mode (docs/privacy.md).",
        subcommands = {PrivacyCommand.Erase.class})
final class PrivacyCommand implements Runnable {

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "choose a command: erase");
    }

    /** {@code gateway privacy erase NUMBER [--actor NAME] [--reason TEXT]}. */
    @Command(
            name = "erase",
            mixinStandardHelpOptions = true,
            description = {
                "Remove a number's message text and clear number from the audit and the journal (privacy.mode hmac):"
                        + " its journal segments are rewritten, the hash chain re-anchored, an ERASED event recorded;"
                        + " the number stays suppressed. Needs the global admin token."
            })
    static final class Erase extends AdminCommand {
        @Parameters(paramLabel = "NUMBER", description = "+E.164, or a national number read in --region")
        String number;

        @Option(names = "--region", description = "Region of a number without '+' (default US)")
        String region;

        @Option(names = "--actor", description = "Who asks (recorded in the ERASED event; default: the token's name)")
        String actor;

        @Option(names = "--reason", description = "Why (recorded in the ERASED event)")
        String reason;

        @Override
        int run(AdminClient client) throws CliFailure {
            JsonNode body = client.json(
                    client.request(path(
                                    "/api/privacy/erase/" + AdminClient.enc(number.strip()),
                                    params("region", region, "actor", actor, "reason", reason)))
                            .POST(HttpRequest.BodyPublishers.noBody()),
                    Duration.ofMinutes(5));
            out().println(body.toPrettyString());
            out().flush();
            return 0;
        }
    }
}
