package io.optoutgw.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.esme.PasswordHash;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up refuses a bad configuration with one line that names the problem. */
class GatewayCliTest {

    private static String[] run(String... args) {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = GatewayCli.commandLine().execute(args);
            return new String[] {String.valueOf(code), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setErr(oldErr);
        }
    }

    @Test
    void unknownKeyStopsStartUpWithOneLineNamingIt(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("gw.yaml");
        Files.writeString(cfg, "instanceId: x\nsmpp: { prot: 2775 }\n");
        String[] result = run("run", "--config", cfg.toString());
        assertEquals("2", result[0]);
        assertEquals(1, result[1].strip().lines().count(), result[1]);
        assertTrue(result[1].contains("smpp.prot"), result[1]);
    }

    @Test
    void badFlagValueIsNamed(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("gw.yaml");
        Files.copy(repoRoot().resolve("config/gateway.yaml"), cfg);
        String[] result = run("run", "--config", cfg.toString(), "--upstream", "no-port-here");
        assertEquals("2", result[0]);
        assertTrue(result[1].contains("--upstream"), result[1]);
    }

    @Test
    void aConfirmationThatDoesNotFitOneSmsStopsStartUp(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("gw.yaml");
        String longText = "x".repeat(161);
        Files.writeString(cfg, """
                instanceId: t
                redis: { uri: "redis://127.0.0.1:1" }
                upstreams: [ { name: u, host: 127.0.0.1, port: 1, systemId: gw } ]
                accounts:
                  - systemId: acme
                    password: pw
                    optOut: { templates: { optOut: { en: "%s" } } }
                """.formatted(longText));
        String[] result = run("run", "--config", cfg.toString());
        assertEquals("3", result[0]);
        assertTrue(result[1].contains("accounts[acme].optOut.templates.optOut.en"), result[1]);
        assertTrue(result[1].contains("161 GSM 7-bit septets; one SMS holds 160"), result[1]);
    }

    @Test
    void aUcs2ConfirmationOver70CharactersStopsStartUp(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("gw.yaml");
        Files.writeString(cfg, """
                instanceId: t
                redis: { uri: "redis://127.0.0.1:1" }
                upstreams: [ { name: u, host: 127.0.0.1, port: 1, systemId: gw } ]
                accounts:
                  - systemId: acme
                    password: pw
                    optOut: { senderTemplates: { "12345": { help: { fr: "%s" } } } }
                """.formatted("Réponse ☎ " + "y".repeat(70)));
        String[] result = run("run", "--config", cfg.toString());
        assertEquals("3", result[0]);
        assertTrue(result[1].contains("senderTemplates[12345].templates.help.fr"), result[1]);
        assertTrue(result[1].contains("one UCS-2 SMS holds 70"), result[1]);
    }

    @Test
    void missingConfigFileIsNamed() {
        String[] result = run("run", "--config", "/nonexistent/gateway.yaml");
        assertEquals("2", result[0]);
        assertTrue(result[1].contains("/nonexistent/gateway.yaml"), result[1]);
    }

    @Test
    void hashPasswordPrintsAVerifiableHash() throws Exception {
        var oldIn = System.in;
        var oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream("s3cret\n".getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(0, GatewayCli.commandLine().execute("hash-password"));
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
        }
        String hash = out.toString(StandardCharsets.UTF_8).strip();
        assertTrue(PasswordHash.matches(hash, "s3cret"), hash);
    }

    @Test
    void simulatorTakesItsOwnOptions() {
        picocli.CommandLine.ParseResult parsed =
                GatewayCli.commandLine().parseArgs("simulator", "--host", "0.0.0.0", "--port", "2776");
        GatewayCli.Simulator sim =
                (GatewayCli.Simulator) parsed.subcommand().commandSpec().userObject();
        assertEquals(List.of("--host", "0.0.0.0", "--port", "2776"), sim.args);
    }

    @Test
    void instanceIdFlagIsParsed() {
        picocli.CommandLine.ParseResult parsed =
                GatewayCli.commandLine().parseArgs("run", "--instance-id", "smpp-optout-gateway-0");
        GatewayCli.Run run = (GatewayCli.Run) parsed.subcommand().commandSpec().userObject();
        assertEquals("smpp-optout-gateway-0", run.instanceId);
    }

    private static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("config/gateway.yaml"))) {
            p = p.getParent();
        }
        return p;
    }
}
