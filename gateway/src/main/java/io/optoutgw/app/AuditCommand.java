package io.optoutgw.app;

import static io.optoutgw.app.AdminClient.params;
import static io.optoutgw.app.AdminClient.path;

import com.fasterxml.jackson.databind.JsonNode;
import io.optoutgw.admin.ScopeNames;
import io.optoutgw.suppression.evidence.EvidenceKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gateway audit ...}: the audit trail of a running gateway, and its consistency with the list and journal. */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = "List audit events, trace a number, verify the list, the journal, the audit trail and their"
                + " hash chains, or make a key to sign checkpoints with.",
        subcommands = {
            AuditCommand.ListEvents.class,
            AuditCommand.Trace.class,
            AuditCommand.Verify.class,
            AuditCommand.Keygen.class
        })
final class AuditCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(
                spec.commandLine(), "choose a command: list, trace, verify, keygen");
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

    /** {@code gateway audit verify [--last] [--public-key FILE]}. */
    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = "Compare the list with the journal and the audit trail, and check their hash chains and "
                    + "signed checkpoints (runs inside the gateway); exit status 1 when anything is found. With "
                    + "--last, print the last verification the gateway ran (on its schedule or when asked).")
    static final class Verify extends AdminCommand {
        @Option(names = "--json", description = "Print the gateway's JSON answer")
        boolean json;

        @Option(names = "--last", description = "Print the last verification instead of running one")
        boolean last;

        @Option(
                names = "--instance",
                description = "With --last: the last verification of this instance (default: the one answering)")
        String instance;

        @Option(
                names = "--public-key",
                paramLabel = "FILE",
                description = "Check checkpoint signatures with the PUBLIC KEY block(s) of this PEM file only, "
                        + "instead of the keys the gateway is configured with (repeatable)")
        List<Path> publicKeys = new ArrayList<>();

        @Override
        int run(AdminClient client) throws CliFailure {
            if (last) {
                if (!publicKeys.isEmpty()) {
                    throw new CliFailure(CliFailure.REFUSED, "--public-key is for a new verification, not --last");
                }
                return printLast(client);
            }
            if (instance != null) {
                throw new CliFailure(CliFailure.REFUSED, "--instance goes with --last");
            }
            JsonNode r = client.json(client.request(verifyPath()).GET(), Duration.ofMinutes(30));
            if (json) {
                out().println(r.toPrettyString());
                return r.get("ok").asBoolean() ? 0 : 1;
            }
            return print(out(), r);
        }

        private String verifyPath() throws CliFailure {
            StringJoiner q = new StringJoiner("&");
            for (Path file : publicKeys) {
                Map<String, PublicKey> keys;
                try {
                    keys = EvidenceKeys.publicKeys(Files.readString(file, StandardCharsets.US_ASCII));
                } catch (IOException | IllegalArgumentException e) {
                    throw new CliFailure(CliFailure.REFUSED, "--public-key " + file + ": " + e.getMessage());
                }
                if (keys.isEmpty()) {
                    throw new CliFailure(CliFailure.REFUSED, "--public-key " + file + ": no PUBLIC KEY block");
                }
                keys.values()
                        .forEach(k -> q.add("publicKey="
                                + AdminClient.enc(Base64.getEncoder().encodeToString(k.getEncoded()))));
            }
            return q.length() == 0 ? "/api/audit/verify" : "/api/audit/verify?" + q;
        }

        private int printLast(AdminClient client) throws CliFailure {
            JsonNode r = client.json(
                    client.request(path("/api/audit/verify/last", params("instance", instance)))
                            .GET(),
                    SuppressionCommand.TIMEOUT);
            if (json) {
                out().println(r.toPrettyString());
                return r.path("report").path("ok").asBoolean(false) ? 0 : 1;
            }
            out().println("last verification by " + r.path("instance").asText() + " at "
                    + r.path("time").asText() + " (" + r.path("trigger").asText() + ")");
            if (r.hasNonNull("error")) {
                out().println("FAILED: " + r.get("error").asText());
                return 1;
            }
            return print(out(), r.get("report"));
        }

        /** One report, as the gateway answered it; the exit status. */
        static int print(PrintWriter out, JsonNode r) {
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
            boolean ok = r.get("ok").asBoolean();
            if (ok) {
                out.println("OK: the list, the audit trail, the journal and their hash chains agree (" + summary + ")");
            } else {
                out.printf(
                        Locale.ROOT,
                        "%,d discrepancies (%s):%n",
                        r.get("discrepancyCount").asLong(),
                        summary);
                for (JsonNode d : r.get("discrepancies")) {
                    out.println("  " + describeFinding(d));
                }
                if (r.get("discrepancyCount").asLong() > r.get("discrepancies").size()) {
                    out.println("  ... more not listed");
                }
            }
            for (JsonNode c : r.path("chain").path("chains")) {
                out.println(chainLine(c));
            }
            long before = r.path("chain").path("eventsBeforeChain").asLong();
            if (before > 0) {
                out.printf(Locale.ROOT, "%,d events recorded before the hash chain began (not chained)%n", before);
            }
            return ok ? 0 : 1;
        }

        private static String chainLine(JsonNode c) {
            StringBuilder sb = new StringBuilder(String.format(
                    Locale.ROOT,
                    "chain %s: seq 1..%,d; %,d events in the audit trail, %,d in the journal; checkpoints: %,d",
                    c.path("chain").asText(),
                    c.path("lastSeq").asLong(),
                    c.path("redisEvents").asLong(),
                    c.path("journalEvents").asLong(),
                    c.path("checkpoints").asLong()));
            long signed = c.path("signatureValid").asLong();
            long unsigned = c.path("unsigned").asLong();
            long unknown = c.path("unknownKey").asLong();
            if (c.path("checkpoints").asLong() > 0) {
                sb.append(" (")
                        .append(signed)
                        .append(" signature valid, ")
                        .append(unsigned)
                        .append(" unsigned, ")
                        .append(unknown)
                        .append(" signed by a key not trusted here: give it with --public-key)");
            }
            if (c.path("compactedThrough").asLong() > 0) {
                sb.append("; the journal compacted it through seq ")
                        .append(c.path("compactedThrough").asLong());
            }
            if (c.path("missingAfterRebuild").asLong() > 0) {
                sb.append("; ")
                        .append(c.path("missingAfterRebuild").asLong())
                        .append(" events lost when Redis was rebuilt from the compacted journal (")
                        .append(c.path("rebuiltRanges").toString())
                        .append(')');
            }
            return sb.toString();
        }

        private static String describeFinding(JsonNode d) {
            StringBuilder sb = new StringBuilder(d.get("kind").asText());
            if (d.hasNonNull("where")) {
                sb.append(" in ").append(d.get("where").asText());
            }
            for (String f : new String[] {"number", "scope"}) {
                if (d.hasNonNull(f)) {
                    sb.append("  ").append(d.get(f).asText());
                }
            }
            if (d.hasNonNull("chain")) {
                sb.append("  chain ").append(d.get("chain").asText());
                if (d.hasNonNull("seq")) {
                    sb.append(" seq ").append(d.get("seq").asLong());
                }
            }
            sb.append(": ").append(d.get("detail").asText());
            if (d.hasNonNull("eventId")) {
                sb.append(" (event ").append(d.get("eventId").asText()).append(')');
            }
            return sb.toString();
        }
    }

    /** {@code gateway audit keygen --out FILE}: an Ed25519 key pair for {@code evidence.signingKey}. */
    @Command(
            name = "keygen",
            mixinStandardHelpOptions = true,
            description = "Make an Ed25519 key pair to sign checkpoints with (evidence.signingKey): writes the private "
                    + "and public key to --out (readable by its owner only) and prints the public key, which "
                    + "auditors give to 'gateway audit verify --public-key'. Needs no gateway.")
    static final class Keygen implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--out",
                required = true,
                paramLabel = "FILE",
                description = "Where to write the key pair (PEM)")
        Path out;

        @Option(
                names = "--public-out",
                paramLabel = "FILE",
                description = "Also write the public key alone to this file (PEM)")
        Path publicOut;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            KeyPair pair = EvidenceKeys.generate();
            String publicPem = EvidenceKeys.pem("PUBLIC KEY", pair.getPublic().getEncoded());
            try {
                writeNew(out, EvidenceKeys.pem(pair), true);
                if (publicOut != null) {
                    writeNew(publicOut, publicPem, false);
                }
            } catch (FileAlreadyExistsException e) {
                err.println("error: " + e.getFile() + " exists; not overwritten");
                return CliFailure.REFUSED;
            } catch (IOException e) {
                err.println("error: " + e.getMessage());
                return CliFailure.UNAVAILABLE;
            }
            o.println("key " + EvidenceKeys.keyId(pair.getPublic()) + " written to " + out
                    + " (set evidence.signingKey: " + out.toAbsolutePath() + ")");
            o.print(publicPem);
            o.flush();
            return 0;
        }

        private static void writeNew(Path file, String text, boolean secret) throws IOException {
            byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
            try {
                Files.createFile(
                        file,
                        PosixFilePermissions.asFileAttribute(
                                PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            }
            Files.write(file, bytes, StandardOpenOption.TRUNCATE_EXISTING);
        }
    }
}
