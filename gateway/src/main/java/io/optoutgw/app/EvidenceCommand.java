package io.optoutgw.app;

import static io.optoutgw.app.AdminClient.params;
import static io.optoutgw.app.AdminClient.path;

import com.fasterxml.jackson.databind.JsonNode;
import io.optoutgw.admin.EvidenceBundleFiles;
import io.optoutgw.suppression.evidence.EvidenceBundleCheck;
import io.optoutgw.suppression.evidence.EvidenceKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code gateway evidence NUMBER --output FILE}: a number's evidence bundle from a running gateway; and
 * {@code gateway evidence verify FILE [--public-key KEY]}: its offline check (docs/evidence.md).
 */
@Command(
        name = "evidence",
        mixinStandardHelpOptions = true,
        description = "Write the evidence bundle of a number (its consent events as stored, how each was read, "
                + "confirmations, refusals, the hash-chain proof and the signed checkpoint) from a running gateway; "
                + "'gateway evidence verify FILE' checks a bundle offline.",
        subcommands = {EvidenceCommand.Verify.class})
final class EvidenceCommand extends AdminCommand {

    @Parameters(paramLabel = "NUMBER", arity = "0..1", description = "+E.164, or a national number read in --region")
    String number;

    @Option(
            names = "--output",
            paramLabel = "FILE",
            description = "Where to write the bundle (written only when complete)")
    Path output;

    @Option(
            names = "--format",
            description = "json, html or zip (default: by --output's extension: .json, .html, anything else zip)")
    String format;

    @Option(names = "--region", description = "Region of a number without '+' (default US)")
    String region;

    @Override
    int run(AdminClient client) throws CliFailure {
        if (number == null || number.isBlank()) {
            throw new CliFailure(CliFailure.REFUSED, "give a NUMBER (or: gateway evidence verify FILE)");
        }
        if (output == null) {
            throw new CliFailure(CliFailure.REFUSED, "give --output FILE");
        }
        EvidenceBundleFiles.Format f;
        try {
            f = format == null
                    ? EvidenceBundleFiles.Format.ofFileName(output.getFileName().toString())
                    : EvidenceBundleFiles.Format.of(format);
        } catch (IllegalArgumentException e) {
            throw new CliFailure(CliFailure.REFUSED, "--format: " + e.getMessage());
        }
        HttpResponse<byte[]> r = client.raw(client.request(path(
                        "/api/evidence/" + AdminClient.enc(number.strip()),
                        params("format", f.extension(), "region", region)))
                .GET()
                .timeout(Duration.ofMinutes(5))
                .build());
        if (r.statusCode() / 100 != 2) {
            throw AdminClient.failure(r.statusCode(), r.body());
        }
        try {
            Path parent = output.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(parent, ".evidence-", ".part");
            Files.write(tmp, r.body());
            Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CliFailure(CliFailure.UNAVAILABLE, "cannot write " + output + ": " + e);
        }
        out().println("evidence bundle of " + number.strip() + " written to " + output + " (" + f.extension() + ", "
                + r.body().length + " bytes); check it with: gateway evidence verify " + output
                + " --public-key KEY.pem");
        return 0;
    }

    /** {@code gateway evidence verify FILE [--public-key KEY]}: offline, no Redis, no gateway. */
    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description =
                    "Check an evidence bundle (.zip, .json or .html) offline: recompute every event's hash, check "
                            + "the links up to the checkpoint and its Ed25519 signature; print OK or name what fails "
                            + "(exit status 1). Needs no gateway and no Redis.")
    static final class Verify implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "The bundle")
        Path file;

        @Option(
                names = "--public-key",
                paramLabel = "KEY",
                description = "Trust only the PUBLIC KEY block(s) of this PEM file (repeatable); without it the key "
                        + "in the bundle is used, which proves only that the bundle agrees with itself")
        List<Path> publicKeys = new ArrayList<>();

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Map<String, PublicKey> keys = null;
            if (!publicKeys.isEmpty()) {
                keys = new LinkedHashMap<>();
                for (Path p : publicKeys) {
                    try {
                        Map<String, PublicKey> found =
                                EvidenceKeys.publicKeys(Files.readString(p, StandardCharsets.US_ASCII));
                        if (found.isEmpty()) {
                            err.println("error: --public-key " + p + ": no PUBLIC KEY block");
                            err.flush();
                            return CliFailure.REFUSED;
                        }
                        keys.putAll(found);
                    } catch (IOException | IllegalArgumentException e) {
                        err.println("error: --public-key " + p + ": " + e.getMessage());
                        err.flush();
                        return CliFailure.REFUSED;
                    }
                }
            }
            JsonNode bundle;
            try {
                bundle = EvidenceBundleCheck.read(file);
            } catch (IOException | IllegalArgumentException e) {
                err.println("error: " + e.getMessage());
                err.flush();
                return CliFailure.REFUSED;
            }
            EvidenceBundleCheck.Result r = EvidenceBundleCheck.check(bundle, keys);
            if (r.ok()) {
                out.println("OK: " + String.join("; ", r.proven()));
            } else {
                out.println("FAILED: " + r.failures().size() + " problem(s) in the evidence bundle of "
                        + bundle.path("number").asText("?"));
                r.failures().forEach(f -> out.println("  " + f));
            }
            r.notes().forEach(n -> out.println("note: " + n));
            out.flush();
            return r.ok() ? 0 : 1;
        }
    }
}
