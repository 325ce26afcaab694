package io.optoutgw.app;

import static io.optoutgw.app.AdminClient.enc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.optoutgw.http.ApiBodies;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code gateway tokens ...}: accounts' API tokens on a running gateway (docs/admin.md, "Tenant
 * access"). Needs the global admin token, like the other admin commands.
 */
@Command(
        name = "tokens",
        mixinStandardHelpOptions = true,
        description = "Create, list and revoke accounts' API tokens (needs the admin token).",
        subcommands = {TokensCommand.Create.class, TokensCommand.ListTokens.class, TokensCommand.Revoke.class})
final class TokensCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a command: create, list, revoke");
    }

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** {@code gateway tokens create --account ID --role ROLE [--name N]}: prints the new token once. */
    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Create an API token for one account; the token is printed once and stored only hashed.")
    static final class Create extends AdminCommand {
        @Option(names = "--account", required = true, description = "The account (system_id) the token acts for")
        String account;

        @Option(
                names = "--role",
                required = true,
                description = "viewer (read), operator (read, add, remove, import), compliance (read, export, audit,"
                        + " trace, evidence) or admin (all of these, for the account)")
        String role;

        @Option(names = "--name", description = "The token's name, audited with its changes (default: ACCOUNT-xxxxxx)")
        String name;

        @Override
        int run(AdminClient client) throws CliFailure {
            String body;
            try {
                body = AdminClient.JSON.writeValueAsString(new ApiBodies.TokenRequest(account, role, name));
            } catch (JsonProcessingException e) {
                throw new CliFailure(CliFailure.REFUSED, "cannot write the request: " + e.getMessage());
            }
            JsonNode r = client.json(
                    client.request("/api/tokens")
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)),
                    TIMEOUT);
            out().println(r.get("token").asText());
            err().println("token " + r.get("name").asText() + " for account "
                    + r.get("account").asText()
                    + ", role " + r.get("role").asText()
                    + ": shown this once, store it now (the gateway keeps only its hash)");
            err().flush();
            return 0;
        }
    }

    /** {@code gateway tokens list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the API tokens (never the tokens).")
    static final class ListTokens extends AdminCommand {
        @Option(names = "--json", description = "Print the gateway's JSON answer")
        boolean json;

        @Override
        int run(AdminClient client) throws CliFailure {
            JsonNode r = client.json(client.request("/api/tokens").GET(), TIMEOUT);
            if (json) {
                out().println(r.toPrettyString());
                return 0;
            }
            if (r.get("tokens").isEmpty()) {
                out().println("no API tokens");
                return 0;
            }
            out().printf(Locale.ROOT, "%-32s %-20s %-11s %s%n", "NAME", "ACCOUNT", "ROLE", "CREATED");
            for (JsonNode t : r.get("tokens")) {
                out().printf(
                                Locale.ROOT,
                                "%-32s %-20s %-11s %s%n",
                                t.get("name").asText(),
                                t.get("account").asText(),
                                t.get("role").asText(),
                                t.path("created").asText());
            }
            return 0;
        }
    }

    /** {@code gateway tokens revoke NAME}. */
    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            description = "Revoke an API token: refused at once by every instance.")
    static final class Revoke extends AdminCommand {
        @Parameters(paramLabel = "NAME", description = "The token's name (tokens list)")
        String name;

        @Override
        int run(AdminClient client) throws CliFailure {
            client.json(client.request("/api/tokens/" + enc(name.strip())).DELETE(), TIMEOUT);
            out().println("revoked " + name.strip());
            return 0;
        }
    }
}
