package io.optoutgw.app;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.redis.RedisConnector;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.testsupport.CompactTrails;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tamper evidence through a real gateway and the CLI: {@code gateway audit keygen}, a gateway signing
 * its checkpoints with that key, {@code gateway audit verify} naming an edited event (and checking
 * signatures with an auditor's key only when given one), the scheduled verification's findings in
 * {@code gateway audit verify --last} and in the metrics.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EvidenceCliTest {

    private static final String TOKEN = "evidence-test-token-0123456789";

    @TempDir
    Path dir;

    private RedisServerProcess redis;
    private SmscSimulator smsc;
    private Gateway gateway;

    record Result(int code, String out, String err) {}

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (smsc != null) {
            smsc.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = GatewayCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private Result admin(String... args) {
        String[] all = Arrays.copyOf(args, args.length + 4);
        all[args.length] = "--url";
        all[args.length + 1] = "http://127.0.0.1:" + gateway.httpPort();
        all[args.length + 2] = "--token";
        all[args.length + 3] = TOKEN;
        return cli(all);
    }

    private String scrape() throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    @Test
    void keygenSignedCheckpointsVerifyNamesAnEditAndTheScheduleRecordsIt() throws Exception {
        Path key = dir.resolve("signing.pem");
        Path pub = dir.resolve("signing.pub");
        Result keygen = cli("audit", "keygen", "--out", key.toString(), "--public-out", pub.toString());
        assertEquals(0, keygen.code(), keygen.err());
        assertTrue(keygen.out().contains("-----BEGIN PUBLIC KEY-----"), keygen.out());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        Result again = cli("audit", "keygen", "--out", key.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("not overwritten"), again.err());
        Path otherPub = dir.resolve("other.pub");
        assertEquals(
                0,
                cli(
                                "audit",
                                "keygen",
                                "--out",
                                dir.resolve("other.pem").toString(),
                                "--public-out",
                                otherPub.toString())
                        .code());

        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start("gw-ev", redis.uri(), """
                relay: { requestTimeout: 2s }
                optout: { recordTimeout: 1500ms, reconcileInterval: 1h }
                suppression: { buckets: 1024 }
                evidence: { signingKey: "%s", checkpointInterval: 1h, verifyInterval: 2s }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345"] }
                """.formatted(key, smsc.port()), TOKEN);
        awaitBound(gateway);
        for (String n : List.of("+15557040040", "+15557040041", "+15557040042")) {
            Result add = admin("suppression", "add", n, "--reason", "asked by phone");
            assertEquals(0, add.code(), add.err());
        }
        gateway.checkpointNow();

        Result ok = admin("audit", "verify");
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().startsWith("OK: "), ok.out());
        assertTrue(
                ok.out().contains("chain gw-ev/")
                        && ok.out().contains("seq 1..3")
                        && ok.out().contains("(2 signature valid, 0 unsigned, 0 signed by a key not trusted here"),
                ok.out());
        Result auditor = admin("audit", "verify", "--public-key", pub.toString());
        assertEquals(0, auditor.code(), auditor.out() + auditor.err());
        assertTrue(auditor.out().contains("(2 signature valid"), auditor.out());
        Result stranger = admin("audit", "verify", "--public-key", otherPub.toString());
        assertEquals(0, stranger.code(), stranger.out() + stranger.err());
        assertTrue(
                stranger.out().contains("(0 signature valid, 0 unsigned, 2 signed by a key not trusted here"),
                stranger.out());

        // someone with access to Redis rewrites the reason of the second addition
        try (RedisConnector inspector = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2))) {
            SuppressionStore store = new SuppressionStore(inspector.async(), 1024);
            String digits = "15557040041";
            CompactTrails.edit(
                    inspector.async(), store, digits, null, e -> CompactTrails.withReason(e, "asked by e-mail"));
        }
        Result edited = admin("audit", "verify");
        assertEquals(1, edited.code(), edited.out() + edited.err());
        // the edited event is named; its successor's link and the journal's copy no longer fit it either
        assertTrue(edited.out().contains("EVENT_EDITED"), edited.out());
        assertTrue(edited.out().contains("EVENT_EDITED in redis  +*******0041  global  chain gw-ev/"), edited.out());
        assertTrue(edited.out().contains(" seq 2: its content does not fit its hash: edited (event "), edited.out());

        // the schedule runs by itself and keeps its findings for --last and the metrics
        assertTrue(TestGateways.eventually(Duration.ofSeconds(60), () -> {
            Result last = admin("audit", "verify", "--last");
            return last.code() == 1
                    && last.out().contains("(schedule)")
                    && last.out().contains("EVENT_EDITED");
        }));
        String metrics = scrape();
        assertTrue(metrics.contains("smppgw_audit_verify_findings{kind=\"event_edited\"} 1.0"), metrics);
        assertTrue(metrics.contains("smppgw_audit_verify_findings{kind=\"event_deleted\"} 0.0"), metrics);
        assertTrue(metrics.contains("smppgw_audit_chain_seq 3.0"), metrics);
        assertTrue(metrics.contains("smppgw_audit_checkpoints_total{signed=\"true\"} 1.0"), metrics);
        assertTrue(metrics.contains("smppgw_audit_verify_interval_seconds 2.0"), metrics);
        assertTrue(metrics.matches("(?s).*\\nsmppgw_audit_verify_last_timestamp_seconds [1-9].*"), metrics);
        Result json = admin("audit", "verify", "--last", "--json");
        assertEquals(1, json.code());
        assertTrue(json.out().contains("\"trigger\" : \"schedule\""), json.out());
    }
}
