package io.optoutgw.app;

import static io.optoutgw.app.AdminClient.params;
import static io.optoutgw.app.AdminClient.path;

import com.fasterxml.jackson.databind.JsonNode;
import io.optoutgw.admin.ScopeNames;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gateway audit ...}: the audit trail of a running gateway, and its consistency with the list and journal. */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = "List audit events, or verify the list against the journal and the audit trail.",
        subcommands = {AuditCommand.ListEvents.class, AuditCommand.Verify.class})
final class AuditCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "choose a command: list, verify");
    }

    /** One event on one line. */
    static String describe(JsonNode e, boolean withNumber) {
        StringBuilder sb = new StringBuilder();
        sb.append(e.path("time").asText()).append("  ");
        if (withNumber) {
            sb.append('+').append(e.path("number").asText()).append("  ");
        }
        sb.append(String.format(
                Locale.ROOT,
                "%-12s %s",
                e.path("type").asText(),
                ScopeNames.display(e.path("scope").asText())));
        sb.append("  source=").append(e.hasNonNull("source") ? e.get("source").asText() : "unknown");
        for (String f :
                new String[] {"receivedAt", "actor", "reason", "evidence", "override", "keyword", "upstream", "instance"
                }) {
            if (e.hasNonNull(f)) {
                sb.append("  ").append(f).append('=').append(quote(e.get(f).asText()));
            }
        }
        return sb.toString();
    }

    private static String quote(String s) {
        return s.matches("[^\\s\"]+") ? s : '"' + s.replace("\"", "\\\"") + '"';
    }

    /** {@code gateway audit list --number N [--from --to]}. */
    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "Audit events of a number, or of all numbers, in a time range.")
    static final class ListEvents extends AdminCommand {
        @Option(names = "--number", description = "Only this number (+E.164, or national in --region)")
        String number;

        @Option(names = "--from", description = "From this time (ISO-8601, e.g. 2024-05-01T00:00:00Z, or a date)")
        String from;

        @Option(names = "--to", description = "Up to this time (ISO-8601 or a date, inclusive)")
        String to;

        @Option(names = "--limit", description = "Most events (default 1000, at most 5000)")
        Integer limit;

        @Option(names = "--region", description = "Region of a number without '+' (default US)")
        String region;

        @Option(names = "--json", description = "Print the gateway's JSON answer")
        boolean json;

        @Override
        int run(AdminClient client) throws CliFailure {
            JsonNode r = client.json(
                    client.request(path(
                                    "/api/audit",
                                    params(
                                            "number",
                                            number,
                                            "from",
                                            from,
                                            "to",
                                            to,
                                            "limit",
                                            limit == null ? null : limit.toString(),
                                            "region",
                                            region)))
                            .GET(),
                    SuppressionCommand.TIMEOUT);
            if (json) {
                out().println(r.toPrettyString());
                return 0;
            }
            for (JsonNode e : r.get("events")) {
                out().println(describe(e, number == null));
            }
            if (r.get("truncated").asBoolean()) {
                err().println("(more events: narrow --from/--to or raise --limit)");
            }
            if (r.get("events").isEmpty()) {
                err().println("no events");
            }
            return 0;
        }
    }

    /** {@code gateway audit verify}. */
    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = "Compare the list with the journal and the audit trail (runs inside the gateway); "
                    + "exit status 1 when they disagree.")
    static final class Verify extends AdminCommand {
        @Option(names = "--json", description = "Print the gateway's JSON answer")
        boolean json;

        @Override
        int run(AdminClient client) throws CliFailure {
            JsonNode r = client.json(client.request("/api/audit/verify").GET(), Duration.ofMinutes(30));
            boolean ok = r.get("ok").asBoolean();
            if (json) {
                out().println(r.toPrettyString());
                return ok ? 0 : 1;
            }
            String summary = String.format(
                    Locale.ROOT,
                    "list: %,d entries (%,d suppressed), %,d numbers; audit index: %,d "
                            + "events; journal: %,d events; %.1f s",
                    r.get("listEntries").asLong(),
                    r.get("suppressed").asLong(),
                    r.get("numbers").asLong(),
                    r.get("auditEvents").asLong(),
                    r.get("journalEvents").asLong(),
                    r.get("millis").asLong() / 1000.0);
            if (ok) {
                out().println("OK: the list, the audit trail and the journal agree (" + summary + ")");
                return 0;
            }
            out().printf(
                            Locale.ROOT,
                            "%,d discrepancies (%s):%n",
                            r.get("discrepancyCount").asLong(),
                            summary);
            for (JsonNode d : r.get("discrepancies")) {
                out().println("  " + d.get("kind").asText() + "  "
                        + d.get("number").asText() + "  " + d.get("scope").asText() + ": "
                        + d.get("detail").asText()
                        + (d.hasNonNull("eventId")
                                ? " (event " + d.get("eventId").asText() + ")"
                                : ""));
            }
            if (r.get("discrepancyCount").asLong() > r.get("discrepancies").size()) {
                out().println("  ... more not listed");
            }
            return 1;
        }
    }
}
