package io.optoutgw.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gateway events ...}: the consent event feed's webhooks of a running gateway. */
@Command(
        name = "events",
        mixinStandardHelpOptions = true,
        description = "The consent event feed: webhook dead letters.",
        subcommands = {EventsCommand.DeadLetter.class})
final class EventsCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "choose a command: dead-letter");
    }

    /** {@code gateway events dead-letter list | replay}. */
    @Command(
            name = "dead-letter",
            mixinStandardHelpOptions = true,
            description = "Events a webhook endpoint did not take within its retryFor.",
            subcommands = {DeadLetter.ListDead.class, DeadLetter.Replay.class})
    static final class DeadLetter implements Runnable {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "choose a command: list, replay");
        }

        static String webhookParam(String webhook) {
            return webhook == null ? "" : "webhook=" + URLEncoder.encode(webhook, StandardCharsets.UTF_8);
        }

        /** {@code gateway events dead-letter list [--webhook NAME] [--limit N]}. */
        @Command(
                name = "list",
                mixinStandardHelpOptions = true,
                description = "List each webhook's dead letters, oldest first.")
        static final class ListDead extends AdminCommand {
            @Option(names = "--webhook", description = "Only this webhook (its name)")
            String webhook;

            @Option(names = "--limit", description = "At most this many per webhook (default ${DEFAULT-VALUE})")
            int limit = 100;

            @Option(names = "--json", description = "Print the gateway's JSON answer")
            boolean json;

            @Override
            int run(AdminClient client) throws CliFailure {
                String q = webhookParam(webhook);
                JsonNode r = client.json(
                        client.request("/api/events/dead-letter?" + (q.isEmpty() ? "" : q + "&") + "limit=" + limit)
                                .GET(),
                        Duration.ofSeconds(30));
                if (json) {
                    out().println(r.toPrettyString());
                    return 0;
                }
                Iterator<Map.Entry<String, JsonNode>> it = r.get("webhooks").fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> w = it.next();
                    out().println(w.getKey() + ": " + w.getValue().size() + " dead letter(s)");
                    for (JsonNode d : w.getValue()) {
                        out().println("  " + d.path("deadAt").asText() + "  event "
                                + d.path("eventId").asText()
                                + "  attempts " + d.path("attempts").asInt() + "  last error: "
                                + d.path("error").asText());
                    }
                }
                return 0;
            }
        }

        /** {@code gateway events dead-letter replay [--webhook NAME]}. */
        @Command(
                name = "replay",
                mixinStandardHelpOptions = true,
                description = "Send each dead letter once more; those taken leave the list. Exit status 1 when"
                        + " some still fail.")
        static final class Replay extends AdminCommand {
            @Option(names = "--webhook", description = "Only this webhook (its name)")
            String webhook;

            @Override
            int run(AdminClient client) throws CliFailure {
                String q = webhookParam(webhook);
                JsonNode r = client.json(
                        client.request("/api/events/dead-letter/replay" + (q.isEmpty() ? "" : "?" + q))
                                .POST(HttpRequest.BodyPublishers.noBody()),
                        Duration.ofMinutes(10));
                int failed = 0;
                for (JsonNode w : r.get("replays")) {
                    out().println(w.path("webhook").asText() + ": "
                            + w.path("delivered").asInt() + " delivered, "
                            + w.path("failed").asInt() + " still failing, "
                            + w.path("left").asInt()
                            + " left in the dead-letter list");
                    failed += w.path("failed").asInt();
                }
                return failed == 0 ? 0 : 1;
            }
        }
    }
}
