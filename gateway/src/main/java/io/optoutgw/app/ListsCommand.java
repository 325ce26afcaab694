package io.optoutgw.app;

import static io.optoutgw.app.AdminClient.params;
import static io.optoutgw.app.AdminClient.path;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongConsumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gateway lists ...}: the external lists of a running gateway, through its admin API. */
@Command(
        name = "lists",
        mixinStandardHelpOptions = true,
        description = "External lists (do-not-call files, litigator lists, customer CSVs, deactivation files): "
                + "load a new version, list, roll back, remove.",
        subcommands = {
            ListsCommand.Load.class,
            ListsCommand.ListAll.class,
            ListsCommand.Rollback.class,
            ListsCommand.Remove.class,
            ListsCommand.Fetch.class
        })
final class ListsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "choose a command: load, list, rollback, remove, fetch");
    }

    /** {@code gateway lists load NAME FILE [--categories ..] [--accounts ..] [--kind ..] [--region ..]}. */
    @Command(
            name = "load",
            mixinStandardHelpOptions = true,
            description = "Load FILE (CSV: one number a row, optional header; the import's reading rules) as a new "
                    + "version of list NAME. It becomes live only once complete; the live one is kept for a "
                    + "rollback. Bad rows are reported by line number. Exit status 1 when any row was bad, 2 when "
                    + "the file held no number (nothing changed).")
    static final class Load extends AdminCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The list (lower-case letters, digits, _ and -)")
        String name;

        @Parameters(index = "1", paramLabel = "FILE", description = "CSV file")
        Path file;

        @Option(
                names = "--categories",
                split = ",",
                description =
                        "Check only submits of these consent categories (default: the configured list's, else all)")
        java.util.List<String> categories;

        @Option(
                names = "--accounts",
                split = ",",
                description = "Check only submits of these accounts (default: the configured list's, else all)")
        java.util.List<String> accounts;

        @Option(names = "--kind", description = "numbers (default) or deactivation (rows: number,date)")
        String kind;

        @Option(names = "--region", description = "Region of numbers without '+' (default US)")
        String region;

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
            client.hello();
            Progress progress = Progress.bytes(err(), "loading", total);
            HttpRequest request = client.request(path(
                            "/api/lists/" + AdminClient.enc(name),
                            params(
                                    "kind",
                                    kind,
                                    "accounts",
                                    accounts == null ? null : String.join(",", accounts),
                                    "categories",
                                    categories == null ? null : String.join(",", categories),
                                    "region",
                                    region)))
                    .header("Content-Type", "text/csv")
                    .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> counting(file, progress::stepBy)))
                    .build();
            HttpResponse<byte[]> r;
            try (progress) {
                r = client.raw(request);
            }
            if (r.statusCode() != 200 && r.statusCode() != 422) {
                throw AdminClient.failure(r.statusCode(), r.body());
            }
            JsonNode res = AdminClient.parse(r.body());
            if (!res.has("rows")) {
                throw AdminClient.failure(r.statusCode(), r.body());
            }
            double seconds = Math.max(1, res.get("millis").asLong()) / 1000.0;
            long rows = res.get("rows").asLong();
            if (res.hasNonNull("version")) {
                out().printf(
                                Locale.ROOT,
                                "%s: version %d live, %,d numbers from %,d rows in %.1f s (%,d rows/s); %,d bad%s%n",
                                name,
                                res.get("version").asLong(),
                                res.get("count").asLong(),
                                rows,
                                seconds,
                                Math.round(rows / seconds),
                                res.get("bad").asLong(),
                                res.hasNonNull("previous")
                                        ? "; previous version "
                                                + res.get("previous").asLong() + " kept"
                                        : "");
                out().println("  sha256 " + res.get("checksum").asText());
            }
            JsonNode d = res.get("deactivation");
            if (d != null && !d.isNull()) {
                out().printf(
                                Locale.ROOT,
                                "  deactivations: %,d numbers looked at, %,d opt-ins voided, %,d opt-outs flagged, %,d failed%n",
                                d.get("checked").asLong(),
                                d.get("voided").asLong(),
                                d.get("flagged").asLong(),
                                d.get("failed").asLong());
            }
            for (JsonNode e : res.get("errors")) {
                out().println("  line " + e.get("line").asLong() + ": "
                        + e.get("error").asText());
            }
            if (res.get("errorsTruncated").asBoolean()) {
                out().println("  ... more bad rows not listed");
            }
            if (res.hasNonNull("aborted")) {
                throw new CliFailure(
                        CliFailure.REFUSED,
                        name + " not loaded: " + res.get("aborted").asText());
            }
            return res.get("bad").asLong() == 0 ? 0 : 1;
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

    /** {@code gateway lists list [--json]}. */
    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "Each list: kind, live version, count, loaded-at, age, checksum, staleness.")
    static final class ListAll extends AdminCommand {
        @Option(names = "--json", description = "Print the gateway's JSON answer")
        boolean json;

        @Override
        int run(AdminClient client) throws CliFailure {
            JsonNode res = client.json(client.request("/api/lists").GET(), Duration.ofSeconds(30));
            if (json) {
                out().println(res.toPrettyString());
                return 0;
            }
            boolean stale = false;
            for (JsonNode l : res.get("lists")) {
                JsonNode live = l.get("live");
                stale |= l.get("stale").asBoolean();
                out().printf(
                                Locale.ROOT,
                                "%-16s %-12s %s%n",
                                l.get("name").asText(),
                                l.get("kind").asText(),
                                live == null || live.isNull()
                                        ? "not loaded"
                                        : String.format(
                                                Locale.ROOT,
                                                "v%d %,d numbers, loaded %s (%s ago)%s, sha256 %s%s",
                                                live.get("version").asLong(),
                                                live.get("count").asLong(),
                                                live.get("loadedAt").asText(),
                                                age(l.get("ageSeconds").asLong()),
                                                l.get("stale").asBoolean() ? " STALE" : "",
                                                live.get("checksum").asText().substring(0, 12),
                                                l.hasNonNull("previous")
                                                        ? ", previous v"
                                                                + l.get("previous")
                                                                        .get("version")
                                                                        .asLong()
                                                        : ""));
            }
            return stale ? 1 : 0;
        }

        private static String age(long s) {
            if (s < 120) {
                return s + "s";
            }
            if (s < 7200) {
                return s / 60 + "m";
            }
            if (s < 172_800) {
                return s / 3600 + "h";
            }
            return s / 86_400 + "d";
        }
    }

    /** {@code gateway lists rollback NAME}. */
    @Command(
            name = "rollback",
            mixinStandardHelpOptions = true,
            description = "Make the previous version of NAME live again (the live one becomes the previous).")
    static final class Rollback extends AdminCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(AdminClient client) throws CliFailure {
            JsonNode res = client.json(
                    client.request("/api/lists/" + AdminClient.enc(name) + "/rollback")
                            .POST(HttpRequest.BodyPublishers.noBody()),
                    Duration.ofSeconds(30));
            out().printf(
                            Locale.ROOT,
                            "%s: version %d live again (%,d numbers)%n",
                            name,
                            res.get("live").get("version").asLong(),
                            res.get("live").get("count").asLong());
            return 0;
        }
    }

    /** {@code gateway lists remove NAME}. */
    @Command(
            name = "remove",
            mixinStandardHelpOptions = true,
            description = "Stop checking submits against NAME; its versions are deleted after a grace period.")
    static final class Remove extends AdminCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(AdminClient client) throws CliFailure {
            client.json(client.request("/api/lists/" + AdminClient.enc(name)).DELETE(), Duration.ofSeconds(30));
            out().println(name + ": removed");
            return 0;
        }
    }

    /** {@code gateway lists fetch NAME}. */
    @Command(
            name = "fetch",
            mixinStandardHelpOptions = true,
            description = "Fetch the configured list NAME from its url now and load it.")
    static final class Fetch extends AdminCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(AdminClient client) throws CliFailure {
            JsonNode res = client.json(
                    client.request("/api/lists/" + AdminClient.enc(name) + "/fetch")
                            .POST(HttpRequest.BodyPublishers.noBody()),
                    Duration.ofMinutes(30));
            if (res.hasNonNull("aborted")) {
                throw new CliFailure(
                        CliFailure.REFUSED,
                        name + " not loaded: " + res.get("aborted").asText());
            }
            out().printf(
                            Locale.ROOT,
                            "%s: version %d live, %,d numbers, %,d bad rows%n",
                            name,
                            res.get("version").asLong(),
                            res.get("count").asLong(),
                            res.get("bad").asLong());
            return res.get("bad").asLong() == 0 ? 0 : 1;
        }
    }
}
