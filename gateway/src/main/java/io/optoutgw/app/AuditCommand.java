package io.optoutgw.app;

import static io.optoutgw.app.AdminClient.params;
import static io.optoutgw.app.AdminClient.path;

import com.fasterxml.jackson.databind.JsonNode;
import io.optoutgw.admin.ScopeNames;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gateway audit ...}: the audit trail of a running gateway, and its consistency with the list and journal. */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = "List audit events, trace a number, or verify the list against the journal and the audit trail.",
        subcommands = {AuditCommand.ListEvents.class, AuditCommand.Trace.class, AuditCommand.Verify.class})
final class AuditCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "choose a command: list, trace, verify");
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

    /** {@code gateway audit trace NUMBER [--from --to --limit --region --json]}. */
    @Command(
            name = "trace",
            mixinStandardHelpOptions = true,
            description =
                    "One timeline of a number: its opt-outs and opt-ins, the confirmations sent (SMSC message id, "
                            + "receipt), every refused message and every recorded relay; exit status 1 when a message was "
                            + "relayed while an opt-out covering it was in force (a violation).")
    static final class Trace extends AdminCommand {
        @Parameters(paramLabel = "NUMBER", description = "+E.164, or a national number read in --region")
        String number;

        @Option(names = "--from", description = "From this time (ISO-8601, e.g. 2024-05-01T00:00:00Z, or a date)")
        String from;

        @Option(names = "--to", description = "Up to this time (ISO-8601 or a date, inclusive)")
        String to;

        @Option(names = "--limit", description = "Most lines (default 1000, at most 20000)")
        Integer limit;

        @Option(names = "--region", description = "Region of a number without '+' (default US)")
        String region;

        @Option(names = "--json", description = "Print the gateway's JSON answer")
        boolean json;

        @Override
        int run(AdminClient client) throws CliFailure {
            JsonNode r = client.json(
                    client.request(path(
                                    "/api/trace/" + AdminClient.enc(number.strip()),
                                    params(
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
            long violations = r.path("violations").asLong();
            if (json) {
                out().println(r.toPrettyString());
                return violations > 0 ? 1 : 0;
            }
            out().println(summary(r));
            for (JsonNode line : r.get("lines")) {
                out().println(traceLine(line));
            }
            if (r.path("truncated").asBoolean()) {
                err().println("(more lines: narrow --from/--to or raise --limit)");
            }
            return violations > 0 ? 1 : 0;
        }
    }

    /** The trace's first line: the number and its counts. */
    static String summary(JsonNode r) {
        StringBuilder sb = new StringBuilder(r.path("number").asText()).append(": ");
        long v = r.path("violations").asLong();
        sb.append(v == 0 ? "no violation" : v + (v == 1 ? " VIOLATION" : " VIOLATIONS"));
        long p = r.path("possibleViolations").asLong();
        if (p > 0) {
            sb.append(", ").append(p).append(" possible (relays counted in roll-ups only)");
        }
        sb.append(", ").append(r.path("refused").asLong()).append(" refused");
        if (!r.path("ledger").asBoolean(true)) {
            sb.append(" (evidence ledger off: audit trail only)");
        } else if (r.hasNonNull("detailSince")) {
            sb.append("; detail since ").append(r.get("detailSince").asText()).append(", daily counts before");
        }
        return sb.toString();
    }

    /** One line of the trace. */
    static String traceLine(JsonNode l) {
        StringBuilder sb = new StringBuilder();
        String type = l.path("type").asText();
        boolean violation = l.path("violation").asBoolean(false);
        sb.append(String.format(
                Locale.ROOT,
                "%-24s  %-20s",
                l.path("time").asText(),
                violation && !type.equals("rollup") ? type + " !" : type));
        for (String f : new String[] {
            "account",
            "sender",
            "category",
            "scope",
            "reason",
            "kind",
            "count",
            "status",
            "sequence",
            "messageId",
            "receipt",
            "receiptAt",
            "receiptError",
            "source",
            "keyword",
            "actor",
            "eventId"
        }) {
            if (l.hasNonNull(f)) {
                sb.append("  ").append(f).append('=').append(quote(l.get(f).asText()));
            }
        }
        if (violation) {
            sb.append(type.equals("rollup") ? "  POSSIBLE VIOLATION" : "  VIOLATION");
            if (l.hasNonNull("violates")) {
                sb.append(" of ").append(l.get("violates").asText());
            }
        }
        return sb.toString();
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
