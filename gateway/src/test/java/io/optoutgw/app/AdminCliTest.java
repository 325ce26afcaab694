package io.optoutgw.app;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.http.AdminApiTestConfig;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.testsupport.FreePorts;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code gateway suppression ...} and {@code gateway audit ...} run in-process against a real running gateway. */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminCliTest {

    private static final String TOKEN = "cli-test-token-0123456789";

    private RedisServerProcess redis;
    private SmscSimulator smsc;
    private Gateway gateway;
    private RedisConnector inspector;
    private SuppressionStore store;

    /** Exit status, standard output and standard error of one command. */
    record Result(int code, String out, String err) {}

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start("gw-cli", redis.uri(), AdminApiTestConfig.config(smsc.port()), TOKEN);
        awaitBound(gateway);
        inspector = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2));
        store = new SuppressionStore(inspector.async(), SuppressionStore.DEFAULT_BUCKETS);
    }

    @AfterEach
    void stop() {
        if (inspector != null) {
            inspector.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        smsc.close();
        redis.close();
    }

    private String url() {
        return "http://127.0.0.1:" + gateway.httpPort();
    }

    private Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = GatewayCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** The command with --url and --token of the test gateway appended. */
    private Result admin(String... args) {
        String[] all = Arrays.copyOf(args, args.length + 4);
        all[args.length] = "--url";
        all[args.length + 1] = url();
        all[args.length + 2] = "--token";
        all[args.length + 3] = TOKEN;
        return cli(all);
    }

    private static void assertOneErrorLine(Result r, String contains) {
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: "), r.err());
        assertTrue(r.err().contains(contains), r.err());
    }

    @Test
    void addCheckRemoveCheck() throws Exception {
        Result add = admin(
                "suppression",
                "add",
                "+15557030001",
                "--scope",
                "account:acme",
                "--reason",
                "called in",
                "--actor",
                "alice");
        assertEquals(0, add.code(), add.err());
        assertTrue(add.out().startsWith("+15557030001: added to account:acme (event "), add.out());
        assertTrue(store.check("15557030001", "acme", "12345")
                .toCompletableFuture()
                .get()
                .suppressed());

        Result check = admin("suppression", "check", "5557030001");
        assertEquals(0, check.code(), check.err());
        assertTrue(check.out().startsWith("+15557030001: SUPPRESSED"), check.out());
        assertTrue(check.out().contains("account:acme"), check.out());
        assertTrue(check.out().contains("ADMIN_ADD"), check.out());
        assertTrue(check.out().contains("actor=alice"), check.out());
        assertTrue(check.out().contains("reason=\"called in\""), check.out());

        Result json = admin("suppression", "check", "+15557030001", "--json");
        assertEquals(0, json.code());
        assertTrue(AdminClient.JSON.readTree(json.out()).get("suppressed").asBoolean());

        Result remove = admin("suppression", "remove", "+15557030001", "--scope", "a:acme", "--reason", "mistake");
        assertEquals(0, remove.code(), remove.out() + remove.err());
        assertTrue(remove.out().contains("removed from account:acme"), remove.out());
        assertFalse(store.check("15557030001", "acme", "12345")
                .toCompletableFuture()
                .get()
                .suppressed());
        Result after = admin("suppression", "check", "+15557030001");
        assertTrue(after.out().startsWith("+15557030001: not suppressed"), after.out());
        assertTrue(after.out().contains("ADMIN_REMOVE"), after.out());

        Result audit = admin(
                "audit",
                "list",
                "--number",
                "+15557030001",
                "--from",
                "2000-01-01",
                "--to",
                Instant.now().plusSeconds(10).toString());
        assertEquals(0, audit.code(), audit.err());
        List<String> lines = audit.out().strip().lines().toList();
        assertEquals(2, lines.size(), audit.out());
        assertTrue(lines.get(0).contains("ADMIN_ADD") && lines.get(1).contains("ADMIN_REMOVE"), audit.out());
        Result all =
                admin("audit", "list", "--from", Instant.now().minusSeconds(300).toString());
        assertTrue(all.out().contains("+15557030001"), all.out());
    }

    @Test
    void removingThePersonsOwnStopNeedsEvidenceOrAnOverride() throws Exception {
        assertEquals(
                0,
                smsc.injectMo("15557030020", "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS));
        Result check = admin("suppression", "check", "+15557030020");
        assertTrue(check.out().contains("source mo_keyword [the person's own opt-out"), check.out());

        Result refused = admin("suppression", "remove", "+15557030020", "--scope", "a:acme", "--reason", "asked");
        assertEquals(2, refused.code());
        assertOneErrorLine(refused, "409: +15557030020 opted out in account:acme by their own message");
        assertTrue(store.check("15557030020", "acme", "12345")
                .toCompletableFuture()
                .get()
                .suppressed());

        Result lifted = admin(
                "suppression",
                "remove",
                "+15557030020",
                "--scope",
                "a:acme",
                "--reason",
                "opted in on the web",
                "--evidence",
                "webform-17");
        assertEquals(0, lifted.code(), lifted.err());
        assertTrue(lifted.out().contains("the person's own opt-out lifted by evidence"), lifted.out());

        Result added = admin(
                "suppression",
                "add",
                "+15557030021",
                "--source",
                "api",
                "--received-at",
                Instant.now().minusSeconds(3600).toString());
        assertEquals(0, added.code(), added.err());
        Result audit =
                admin("audit", "list", "--from", Instant.now().minusSeconds(300).toString());
        assertTrue(audit.out().contains("source=mo_keyword"), audit.out());
        assertTrue(audit.out().contains("source=admin") && audit.out().contains("evidence=webform-17"), audit.out());
        assertTrue(audit.out().contains("source=api  receivedAt="), audit.out());
    }

    @Test
    void errorsPrintOneLineAndExitNonZero() {
        Result wrongToken = cli("suppression", "check", "+15557030002", "--url", url(), "--token", "wrong-token");
        assertEquals(2, wrongToken.code());
        assertOneErrorLine(wrongToken, "401: invalid token");

        Result noToken = cli("audit", "verify", "--url", url());
        assertEquals(2, noToken.code());
        assertOneErrorLine(noToken, "no admin token");

        Result badNumber = admin("suppression", "add", "12");
        assertEquals(2, badNumber.code());
        assertOneErrorLine(badNumber, "not a phone number");

        Result badScope = admin("suppression", "add", "+15557030002", "--scope", "account:ACME");
        assertEquals(2, badScope.code());
        assertOneErrorLine(badScope, "unknown account 'ACME'");

        Result noReason = admin("suppression", "remove", "+15557030002");
        assertEquals(2, noReason.code());
        assertOneErrorLine(noReason, "--reason");

        Result missingFile = admin("suppression", "import", "/nonexistent/list.csv");
        assertEquals(2, missingFile.code());
        assertOneErrorLine(missingFile, "/nonexistent/list.csv");

        Result down = cli("audit", "verify", "--url", "http://127.0.0.1:" + FreePorts.find(), "--token", TOKEN);
        assertEquals(3, down.code());
        assertOneErrorLine(down, "cannot reach the gateway");
    }

    @Test
    void importReportsBadLinesAndExportRoundTrips(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("list.csv");
        Files.writeString(
                csv,
                String.join(
                                "\n",
                                "+15557030010",
                                "+15557030011,a:acme,asked",
                                "nonsense",
                                "+15557030012,s:beta:67890",
                                "+15557030013,planet")
                        + "\n");
        Result imp = admin("suppression", "import", csv.toString(), "--reason", "legacy");
        assertEquals(1, imp.code(), imp.out() + imp.err());
        assertTrue(imp.out().startsWith("imported 3 of 5 rows"), imp.out());
        assertTrue(imp.out().contains("line 3: not a phone number"), imp.out());
        assertTrue(imp.out().contains("line 5: not a scope"), imp.out());
        assertTrue(store.check("15557030012", "beta", "67890")
                .toCompletableFuture()
                .get()
                .suppressed());

        Path good = dir.resolve("good.csv");
        Files.writeString(good, "number,scope\n+15557030020,global\n");
        assertEquals(0, admin("suppression", "import", good.toString()).code());

        Path out = dir.resolve("export.csv");
        Result exp = admin("suppression", "export", "--output", out.toString());
        assertEquals(0, exp.code(), exp.err());
        assertTrue(exp.err().contains("exported 4 rows to " + out), exp.err());
        List<String> rows = Files.readAllLines(out);
        assertEquals("number,scope,since,category", rows.get(0));
        assertEquals(5, rows.size(), rows.toString());
        assertTrue(rows.stream().anyMatch(r -> r.startsWith("+15557030011,account:acme,")), rows.toString());

        Result toStdout = admin("suppression", "export");
        assertEquals(0, toStdout.code());
        assertEquals(Files.readString(out), toStdout.out());

        // the export imports back without errors (its "since" column is ignored)
        Result back = admin("suppression", "import", out.toString());
        assertEquals(0, back.code(), back.out());
        assertTrue(back.out().startsWith("imported 4 of 4 rows"), back.out());
    }

    @Test
    void verifyExitsNonZeroOnADiscrepancy() throws Exception {
        assertEquals(
                0, admin("suppression", "add", "+15557030030", "--reason", "r").code());
        Result ok = admin("audit", "verify");
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().startsWith("OK: "), ok.out());

        String planted = "15557030031";
        inspector
                .async()
                .hset(
                        AdminApiTestConfig.bucketKey(planted),
                        planted,
                        Long.toString(Instant.now().getEpochSecond()))
                .get();
        Result bad = admin("audit", "verify");
        assertEquals(1, bad.code(), bad.out() + bad.err());
        assertTrue(bad.out().startsWith("1 discrepancies"), bad.out());
        assertTrue(bad.out().contains("LIST_ENTRY_WITHOUT_EVENT  +" + planted + "  global"), bad.out());
    }
}
