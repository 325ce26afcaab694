package io.optoutgw.app;

import static io.optoutgw.app.AdminClient.enc;
import static io.optoutgw.app.AdminClient.params;
import static io.optoutgw.app.AdminClient.path;

import com.fasterxml.jackson.databind.JsonNode;
import io.optoutgw.http.ApiBodies;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gateway suppression ...}: the do-not-contact list of a running gateway, through its admin API. */
@Command(
        name = "suppression",
        mixinStandardHelpOptions = true,
        description = "Check, add, remove, import and export numbers on a running gateway's do-not-contact list.",
        subcommands = {
            SuppressionCommand.Check.class,
            SuppressionCommand.Add.class,
            SuppressionCommand.Remove.class,
            SuppressionCommand.Import.class,
            SuppressionCommand.Export.class
        })
final class SuppressionCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(
                spec.commandLine(), "choose a command: check, add, remove, import, export");
    }

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final String SCOPES = "global, account:ACCOUNT or sender:ACCOUNT:SENDER (or g, a:ACCOUNT, s:ACCOUNT:SENDER)";

    /** {@code gateway suppression check NUMBER}. */
    @Command(
            name = "check",
            mixinStandardHelpOptions = true,
            description = "Show a number's status per scope and its history.")
    static final class Check extends AdminCommand {
        @Parameters(paramLabel = "NUMBER", description = "+E.164, or a national number read in --region")
        String number;

        @Option(names = "--region", description = "Region of a number without '+' (default US)")
        String region;

        @Option(names = "--json", description = "Print the gateway's JSON answer")
        boolean json;

        @Override
        int run(AdminClient client) throws CliFailure {
            JsonNode s = client.json(
                    client.request(path("/api/suppressions/" + enc(number.strip()), params("region", region)))
                            .GET(),
                    TIMEOUT);
            if (json) {
                out().println(s.toPrettyString());
                return 0;
            }
            out().println(s.get("number").asText() + ": "
                    + (s.get("suppressed").asBoolean() ? "SUPPRESSED" : "not suppressed"));
            for (JsonNode sc : s.get("scopes")) {
                String category = sc.hasNonNull("category") ? sc.get("category").asText() : "all";
                out().printf(
                                Locale.ROOT,
                                "  %-28s %s %s%s%s%s%n",
                                sc.get("scope").asText(),
                                sc.get("suppressed").asBoolean() ? "suppressed since" : "opted in at",
                                sc.get("since").asText(),
                                "all".equals(category) ? "" : " (category " + category + ")",
                                sc.hasNonNull("source")
                                        ? " source " + sc.get("source").asText()
                                        : "",
                                sc.path("fromPerson").asBoolean()
                                        ? " [the person's own opt-out: removal needs their START, --evidence or"
                                                + " --override]"
                                        : "");
            }
            if (!s.get("history").isEmpty()) {
                out().println("history:");
                for (JsonNode e : s.get("history")) {
                    out().println("  " + AuditCommand.describe(e, false));
                }
            }
            return 0;
        }
    }

    /** {@code gateway suppression add NUMBER --scope S --reason R --actor A}. */
    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a number to the list (audited).")
    static final class Add extends AdminCommand {
        @Parameters(paramLabel = "NUMBER", description = "+E.164, or a national number read in --region")
        String number;

        @Option(
                names = "--scope",
                defaultValue = "global",
                description = "Where it applies: " + SCOPES + " (default ${DEFAULT-VALUE})")
        String scope;

        @Option(names = "--reason", description = "Why (audited)")
        String reason;

        @Option(names = "--category", description = "One of the account's consent categories, or all (default all)")
        String category;

        @Option(names = "--actor", description = "Who (audited; default: your user name)")
        String actor;

        @Option(names = "--region", description = "Region of a number without '+' (default US)")
        String region;

        @Option(
                names = "--source",
                description = "Where the request comes from: admin (default), api (another channel), external_list, "
                        + "deactivation")
        String source;

        @Option(
                names = "--received-at",
                description = "When the person asked in the other channel (ISO-8601, e.g. 2026-05-01T12:00:00Z)")
        String receivedAt;

        @Override
        int run(AdminClient client) throws CliFailure {
            String body;
            try {
                body = AdminClient.JSON.writeValueAsString(new ApiBodies.AddRequest(
                        number, scope, reason, actor == null ? user() : actor, category, source, receivedAt));
            } catch (IOException e) {
                throw new CliFailure(CliFailure.REFUSED, e.getMessage());
            }
            JsonNode r = client.json(
                    client.request(path("/api/suppressions", params("region", region)))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)),
                    TIMEOUT);
            out().println(r.get("number").asText() + ": added to "
                    + r.get("scope").asText() + " (event " + r.get("eventId").asText() + ")");
            if (!r.get("suppressed").asBoolean()) {
                err().println("warning: a newer opt-in in this scope keeps the number allowed");
                return 1;
            }
            return 0;
        }
    }

    /** {@code gateway suppression remove NUMBER --scope S --reason R [--evidence REF | --override]}. */
    @Command(
            name = "remove",
            mixinStandardHelpOptions = true,
            description = "Remove a number from the list (audited; reason required). An opt-out the person sent "
                    + "themselves is lifted only with --evidence or --override (else exit 2).")
    static final class Remove extends AdminCommand {
        @Parameters(paramLabel = "NUMBER", description = "+E.164, or a national number read in --region")
        String number;

        @Option(
                names = "--scope",
                defaultValue = "global",
                description = "Which entry: " + SCOPES + " (default ${DEFAULT-VALUE})")
        String scope;

        @Option(names = "--reason", required = true, description = "Why (audited; required)")
        String reason;

        @Option(names = "--category", description = "One of the account's consent categories, or all (default all)")
        String category;

        @Option(names = "--actor", description = "Who (audited; default: your user name)")
        String actor;

        @Option(names = "--region", description = "Region of a number without '+' (default US)")
        String region;

        @Option(
                names = "--evidence",
                description = "Reference to the consent evidence (a recorded opt-in) that allows lifting the "
                        + "person's own opt-out (audited)")
        String evidence;

        @Option(
                names = "--override",
                description = "Lift the person's own opt-out without evidence (audited with --actor and --reason)")
        boolean override;

        @Override
        int run(AdminClient client) throws CliFailure {
            JsonNode r = client.json(
                    client.request(path(
                                    "/api/suppressions/" + enc(number.strip()),
                                    params(
                                            "scope",
                                            scope,
                                            "category",
                                            category,
                                            "reason",
                                            reason,
                                            "actor",
                                            actor == null ? user() : actor,
                                            "region",
                                            region,
                                            "evidence",
                                            evidence,
                                            "override",
                                            override ? "true" : null)))
                            .DELETE(),
                    TIMEOUT);
            out().println(r.get("number").asText() + ": removed from "
                    + r.get("scope").asText() + " (event " + r.get("eventId").asText() + ")"
                    + (r.hasNonNull("resubscribe")
                            ? "; the person's own opt-out lifted by "
                                    + r.get("resubscribe").asText()
                            : ""));
            if (r.get("suppressed").asBoolean()) {
                err().println("warning: still suppressed in this scope: a newer opt-out wins");
                return 1;
            }
            return 0;
        }
    }

    /** {@code gateway suppression import FILE}. */
    @Command(
            name = "import",
            mixinStandardHelpOptions = true,
            description =
                    "Add every number of a CSV file (number[,scope[,reason]], optional header, which may name a "
                            + "receivedAt and a category column) to the list. "
                            + "Bad rows are reported by line number; the good ones are kept. Exit status 1 when any row was not imported.")
    static final class Import extends AdminCommand {
        @Parameters(paramLabel = "FILE", description = "CSV file")
        Path file;

        @Option(names = "--scope", description = "Scope of rows that give none (default global)")
        String scope;

        @Option(names = "--reason", description = "Reason of rows that give none (default import)")
        String reason;

        @Option(names = "--actor", description = "Who (audited; default: your user name)")
        String actor;

        @Option(names = "--region", description = "Region of numbers without '+' (default US)")
        String region;

        @Option(
                names = "--source",
                description = "Source recorded on every row: import (default), api, external_list, deactivation")
        String source;

        @Override
        int run(AdminClient client) throws CliFailure {
            long total;
            try {
                total = Files.size(file);
            } catch (NoSuchFileException e) {
                throw new CliFailure(CliFailure.REFUSED, "cannot read " + file + ": no such file");
            } catch (IOException e) {
                throw new CliFailure(CliFailure.REFUSED, "cannot read " + file + ": " + e.getMessage());
            }
            if (!Files.isReadable(file) || Files.isDirectory(file)) {
                throw new CliFailure(CliFailure.REFUSED, "cannot read " + file);
            }
            client.hello(); // a wrong token or URL fails now, not after uploading the whole file
            Progress progress = Progress.bytes(err(), "importing", total);
            HttpRequest request = client.request(path(
                            "/api/suppressions/import",
                            params(
                                    "scope",
                                    scope,
                                    "reason",
                                    reason,
                                    "actor",
                                    actor == null ? user() : actor,
                                    "region",
                                    region,
                                    "source",
                                    source)))
                    .header("Content-Type", "text/csv")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> counting(file, progress::stepBy)))
                    .build();
            HttpResponse<byte[]> r;
            try (progress) {
                r = client.raw(request);
            }
            if (r.statusCode() != 200 && r.statusCode() != 503) {
                throw AdminClient.failure(r.statusCode(), r.body());
            }
            JsonNode res = AdminClient.parse(r.body());
            if (!res.has("rows")) {
                throw AdminClient.failure(r.statusCode(), r.body());
            }
            long rows = res.get("rows").asLong();
            long imported = res.get("imported").asLong();
            double seconds = Math.max(1, res.get("millis").asLong()) / 1000.0;
            out().printf(
                            Locale.ROOT,
                            "imported %,d of %,d rows in %.1f s (%,d rows/s); %,d bad, %,d failed%n",
                            imported,
                            rows,
                            seconds,
                            Math.round(rows / seconds),
                            res.get("bad").asLong(),
                            res.get("failed").asLong());
            for (JsonNode e : res.get("errors")) {
                out().println("  line " + e.get("line").asLong() + ": "
                        + e.get("error").asText());
            }
            if (res.get("errorsTruncated").asBoolean()) {
                out().println("  ... more errors not listed");
            }
            if (res.hasNonNull("aborted")) {
                throw new CliFailure(
                        CliFailure.UNAVAILABLE,
                        "import stopped early: " + res.get("aborted").asText());
            }
            return imported == rows ? 0 : 1;
        }

        private static InputStream counting(Path file, LongConsumer sent) {
            try {
                return new FilterInputStream(Files.newInputStream(file)) {
                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        if (n > 0) {
                            sent.accept(n);
                        }
                        return n;
                    }
                };
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * {@code gateway suppression export [--output FILE] [--hashed --partner-key FILE|--partner-key-env VAR]}, also
     * {@code gateway export}. Hashed, each number is replaced by {@link PartnerHash#of} under the partner's key,
     * computed here: the key never reaches the gateway.
     */
    @Command(
            name = "export",
            mixinStandardHelpOptions = true,
            description = {
                "Write the list as CSV (number,scope,since,category) to a file or standard output.",
                "With --hashed, each number is written as HMAC-SHA-256(partner key, \"+\" E.164 digits) in hex"
                        + " (hash,scope,since,category): a partner scrubs its own list by hashing its numbers with"
                        + " the same key (docs/privacy.md, \"Partner export\")."
            })
    static final class Export extends AdminCommand {
        @Option(
                names = {"-o", "--output"},
                description = "File to write (default: standard output); written only if complete")
        Path output;

        @Option(
                names = "--hashed",
                description = "Write keyed hashes of the numbers instead of the numbers (needs a partner key)")
        boolean hashed;

        @Option(
                names = "--partner-key",
                paramLabel = "FILE",
                description = "File holding the partner's key (trailing white space removed, at least 32 bytes)")
        Path partnerKeyFile;

        @Option(
                names = "--partner-key-env",
                paramLabel = "VAR",
                description = "Environment variable holding the partner's key")
        String partnerKeyEnv;

        @Override
        int run(AdminClient client) throws CliFailure {
            PartnerHash hash = hashed ? PartnerHash.load(partnerKeyFile, partnerKeyEnv) : null;
            if (!hashed && (partnerKeyFile != null || partnerKeyEnv != null)) {
                throw new CliFailure(CliFailure.REFUSED, "--partner-key and --partner-key-env need --hashed");
            }
            AtomicLong bytes = new AtomicLong();
            AtomicLong rows = new AtomicLong(-1);
            AtomicLong unhashable = new AtomicLong();
            Path tmp = null;
            try (InputStream in = client.stream(
                            client.request("/api/suppressions/export").GET());
                    Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                Writer w;
                if (output != null) {
                    Path dir = output.toAbsolutePath().getParent();
                    tmp = Files.createTempFile(dir, "." + output.getFileName() + ".", ".part");
                    w = new OutputStreamWriter(Files.newOutputStream(tmp), StandardCharsets.UTF_8);
                } else {
                    w = out();
                }
                try (Progress p = Progress.rows(err(), "exporting")) {
                    if (hash == null) {
                        char[] buf = new char[16 * 1024];
                        for (int n; (n = reader.read(buf)) > 0; ) {
                            w.write(buf, 0, n);
                            bytes.addAndGet(n);
                            for (int i = 0; i < n; i++) {
                                if (buf[i] == '\n') {
                                    rows.incrementAndGet();
                                }
                            }
                            p.stepTo(Math.max(0, rows.get()));
                            p.extraMessage(String.format(Locale.ROOT, "%.1f MB", bytes.get() / 1e6));
                        }
                    } else {
                        BufferedReader lines = new BufferedReader(reader, 64 * 1024);
                        String header = lines.readLine();
                        if (header != null) {
                            String out = "hash" + header.substring(Math.max(0, header.indexOf(','))) + "\n";
                            w.write(out);
                            bytes.addAndGet(out.length());
                            rows.incrementAndGet();
                        }
                        for (String line; (line = lines.readLine()) != null; ) {
                            int comma = line.indexOf(',');
                            String number = comma < 0 ? line : line.substring(0, comma);
                            if (!number.startsWith("+")) {
                                unhashable.incrementAndGet(); // privacy mode hmac: the list holds only its key
                                continue;
                            }
                            String out = hash.of(number) + (comma < 0 ? "" : line.substring(comma)) + "\n";
                            w.write(out);
                            bytes.addAndGet(out.length());
                            rows.incrementAndGet();
                            p.stepTo(Math.max(0, rows.get()));
                            p.extraMessage(String.format(Locale.ROOT, "%.1f MB", bytes.get() / 1e6));
                        }
                    }
                    w.flush();
                    if (output != null) {
                        w.close();
                        Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                        tmp = null;
                    }
                }
            } catch (IOException e) {
                throw new CliFailure(
                        CliFailure.UNAVAILABLE,
                        "export cut short after " + Math.max(0, rows.get()) + " rows: " + e.getMessage());
            } finally {
                if (tmp != null) {
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (IOException ignored) {
                        // best effort
                    }
                }
            }
            err().printf(
                            Locale.ROOT,
                            "exported %,d rows%s%s%n",
                            Math.max(0, rows.get()),
                            hash == null ? "" : " as keyed hashes",
                            output == null ? "" : " to " + output);
            if (unhashable.get() > 0) {
                err().printf(
                                Locale.ROOT,
                                "left out %,d rows whose number the gateway no longer knows (erased: only its key is kept)%n",
                                unhashable.get());
            }
            err().flush();
            return 0;
        }
    }
}
