package io.optoutgw.suppression;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static io.optoutgw.testsupport.TestGateways.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.optoutgw.app.Gateway;
import io.optoutgw.app.GatewayCli;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jsmpp.bean.BindType;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * External lists through a real gateway, redis-server and jSMPP: a load refuses its numbers like
 * opt-outs (evidence, metrics), a swap under continuous traffic is seen whole, rollback and
 * removal, bad rows, deactivation files' consent effects, URL loads, staleness metrics.
 */
@Tag("integration")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ExternalListsTest {

    private static final String TOKEN = "lists-test-token-0123456789";

    @TempDir
    Path dir;

    private RedisServerProcess redis;
    private SmscSimulator smsc;
    private Gateway gateway;
    private RedisConnector inspector;
    private HttpServer files;
    private final List<SMPPSession> sessions = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    private String config(String lists) {
        return """
                relay: { requestTimeout: 2s }
                optout: { recordTimeout: 1500ms, reconcileInterval: 1h }
                suppression: { checkTimeout: 2s }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345"] }
                  - { systemId: beta, password: pw, numbers: ["67890"] }
                %s
                """.formatted(smsc.port(), lists);
    }

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        inspector = RedisConnector.connect(redis.uri(), Duration.ofSeconds(5));
    }

    private void startGateway(String lists) throws Exception {
        gateway = TestGateways.start("gw-lists", redis.uri(), config(lists), TOKEN, Duration.ofSeconds(2));
        awaitBound(gateway);
    }

    @AfterEach
    void stop() {
        sessions.forEach(SMPPSession::unbindAndClose);
        if (files != null) {
            files.stop(0);
        }
        inspector.close();
        if (gateway != null) {
            gateway.close();
        }
        smsc.close();
        redis.close();
    }

    record Result(int code, String out, String err) {}

    private Result cli(String... args) {
        String[] all = Arrays.copyOf(args, args.length + 4);
        all[args.length] = "--url";
        all[args.length + 1] = "http://127.0.0.1:" + gateway.httpPort();
        all[args.length + 2] = "--token";
        all[args.length + 3] = TOKEN;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = GatewayCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(all);
        return new Result(code, out.toString(), err.toString());
    }

    private Path file(String name, List<String> lines) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, lines, StandardCharsets.UTF_8);
        return f;
    }

    private SMPPSession bind(String account) throws Exception {
        SMPPSession s = Esmes.bind(gateway.smppPort(), BindType.BIND_TX, account, "pw", null);
        sessions.add(s);
        return s;
    }

    private String get(String path) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path))
                                .header("Authorization", "Bearer " + TOKEN)
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** The value of one series in /metrics, or NaN when absent. */
    private double metric(String series) throws Exception {
        for (String line : get("/metrics").split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).strip());
            }
        }
        return Double.NaN;
    }

    private void stopFrom(String person, String shortCode) throws Exception {
        assertEquals(
                0,
                smsc.injectMo(person, shortCode, "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS));
    }

    private void mo(String person, String text) throws Exception {
        assertEquals(
                0,
                smsc.injectMo(person, "12345", text.getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS));
    }

    @Test
    void aLoadedListRefusesItsNumbersLikeAnOptOutAndReportsBadRows() throws Exception {
        startGateway("");
        Path f = file(
                "dnc.csv",
                List.of(
                        "number",
                        "+12015550101",
                        "not a number",
                        "",
                        "+12015550102",
                        "2015550103", // national, read in the US
                        "+1"));
        Result load = cli("lists", "load", "dnc", f.toString());
        assertEquals(1, load.code(), load.out() + load.err()); // bad rows: 1, the good ones live
        assertTrue(load.out().contains("dnc: version 1 live, 3 numbers from 5 rows"), load.out());
        assertTrue(load.out().contains("line 3: not a phone number"), load.out());
        assertTrue(load.out().contains("line 7: "), load.out());

        SMPPSession acme = bind("acme");
        String optedOut = "12015550199";
        stopFrom(optedOut, "12345");
        int optOutStatus = Esmes.status(acme, "", "12345", optedOut);
        assertNotEquals(0, optOutStatus);
        assertEquals(optOutStatus, Esmes.status(acme, "", "12345", "12015550101"), "refused as an opt-out is");
        assertEquals(optOutStatus, Esmes.status(acme, "", "12345", "12015550103"));
        assertEquals(0, Esmes.status(acme, "", "12345", "12015550104"), "not on the list");

        // evidence ledger: the list is the match
        assertTrue(eventually(Duration.ofSeconds(5), () -> {
            try {
                return get("/api/trace/+12015550101").contains("list:dnc");
            } catch (Exception e) {
                return false;
            }
        }));
        assertEquals(2.0, metric("smppgw_list_refusals_total{account=\"acme\",list=\"dnc\"}"));
        assertEquals(2.0, metric("smppgw_submits_refused_total{account=\"acme\",reason=\"listed\"}"));
        assertTrue(eventually(Duration.ofSeconds(5), () -> metricOrNaN("smppgw_list_numbers{list=\"dnc\"}") == 3.0));

        // a list of one account does not refuse another's submits
        Path betaOnly = file("beta.csv", List.of("+12015550104"));
        assertEquals(
                0,
                cli("lists", "load", "beta-only", betaOnly.toString(), "--accounts", "beta")
                        .code());
        assertEquals(0, Esmes.status(acme, "", "12345", "12015550104"));
        assertEquals(optOutStatus, Esmes.status(bind("beta"), "", "67890", "12015550104"));

        Result list = cli("lists", "list");
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("dnc") && list.out().contains("v1 3 numbers"), list.out());

        // a file without one number changes nothing
        Result empty = cli(
                "lists",
                "load",
                "dnc",
                file("empty.csv", List.of("number", "junk")).toString());
        assertEquals(2, empty.code(), empty.out() + empty.err());
        assertTrue(empty.err().contains("no number in the file"), empty.err());
        assertEquals(optOutStatus, Esmes.status(acme, "", "12345", "12015550101"));
        assertEquals(2, cli("lists", "load", "Bad Name", f.toString()).code());
    }

    @Test
    void aSwapUnderContinuousTrafficIsSeenWholeThenRolledBackAndRemoved() throws Exception {
        startGateway("");
        // C: on both versions, dense blocks (bitmaps) and a sparse one; A only on v1, B only on v2 (same blocks)
        List<String> common = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            common.add("+1201555" + String.format("%04d", i)); // dense: one bitmap block
        }
        for (int i = 0; i < 200; i++) {
            common.add("+1212555" + String.format("%04d", i * 7)); // sparse: a set block
        }
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            a.add("+1201555" + (5000 + i));
            b.add("+1201555" + (6000 + i));
            a.add("+1212555" + (5000 + i));
            b.add("+1212555" + (6000 + i));
        }
        // v2 is also much larger, so that its load lasts while the traffic flows
        List<String> filler = new ArrayList<>();
        for (int blk = 0; blk < 60; blk++) {
            for (int i = 0; i < 5000; i++) {
                filler.add("+1415" + (2000000 + blk * 10000 + i * 2));
            }
        }
        List<String> v1 = new ArrayList<>(common);
        v1.addAll(a);
        List<String> v2 = new ArrayList<>(filler);
        v2.addAll(common);
        v2.addAll(b);
        Result first = cli("lists", "load", "dnc", file("v1.csv", v1).toString());
        assertEquals(0, first.code(), first.out() + first.err());

        SMPPSession acme = bind("acme");
        int refused = Esmes.status(acme, "", "12345", a.get(0).substring(1));
        assertNotEquals(0, refused);
        String neither = "12015559999";
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger duringLoad = new AtomicInteger();
        AtomicBoolean loading = new AtomicBoolean();
        List<String> problems = new ArrayList<>();
        List<Integer> versions = new ArrayList<>(); // per answer about A or B: the version it agrees with
        Thread traffic = new Thread(() -> {
            int i = 0;
            try {
                while (running.get()) {
                    i++;
                    String c = common.get(i % common.size()).substring(1);
                    String x = a.get(i % a.size()).substring(1);
                    String y = b.get(i % b.size()).substring(1);
                    if (Esmes.status(acme, "", "12345", c) != refused) {
                        problems.add("common number " + c + " allowed (a half-loaded list)");
                    }
                    if (Esmes.status(acme, "", "12345", neither) != 0) {
                        problems.add("a number on no version refused");
                    }
                    boolean xListed = Esmes.status(acme, "", "12345", x) == refused;
                    versions.add(xListed ? 1 : 2);
                    boolean yListed = Esmes.status(acme, "", "12345", y) == refused;
                    versions.add(yListed ? 2 : 1);
                    if (loading.get()) {
                        duringLoad.incrementAndGet();
                    }
                }
            } catch (Exception e) {
                problems.add(e.toString());
            }
        });
        traffic.start();
        Thread.sleep(300);
        loading.set(true);
        Result second = cli("lists", "load", "dnc", file("v2.csv", v2).toString());
        loading.set(false);
        Thread.sleep(300);
        running.set(false);
        traffic.join(10_000);
        assertEquals(0, second.code(), second.out() + second.err());
        assertTrue(second.out().contains("version 2 live") && second.out().contains("previous version 1 kept"));
        assertTrue(problems.isEmpty(), problems.toString());
        assertTrue(duringLoad.get() >= 5, "submits while v2 was loading: " + duringLoad.get());
        // once an answer agreed with v2, none agreed with v1 again: the swap is one step
        int firstV2 = versions.indexOf(2);
        assertTrue(firstV2 > 0 && versions.contains(1), "both versions seen: " + versions.size());
        assertFalse(versions.subList(firstV2, versions.size()).contains(1), "v1 seen after v2");

        Result rollback = cli("lists", "rollback", "dnc");
        assertEquals(0, rollback.code(), rollback.err());
        assertTrue(rollback.out().contains("version 1 live again"), rollback.out());
        assertEquals(refused, Esmes.status(acme, "", "12345", a.get(3).substring(1)));
        assertEquals(0, Esmes.status(acme, "", "12345", b.get(3).substring(1)));
        assertTrue(cli("lists", "list").out().contains("previous v2"));

        assertEquals(0, cli("lists", "remove", "dnc").code());
        assertEquals(0, Esmes.status(acme, "", "12345", a.get(3).substring(1)));
        assertEquals(0, Esmes.status(acme, "", "12345", common.get(3).substring(1)));
        // the removed list's versions are deleted once the grace period is over
        ExternalLists lists = new ExternalLists(inspector.async(), Duration.ofSeconds(10));
        assertEquals(0, lists.collect(Duration.ZERO), "first pass only notes them");
        assertTrue(lists.collect(Duration.ZERO) > 0);
        assertTrue(inspector.sync().keys("gw:l:dnc:*").isEmpty());
    }

    @Test
    void aDeactivationFileVoidsOlderOptInsFlagsOlderOptOutsAndYieldsToNewOptIns() throws Exception {
        startGateway("");
        String stopped = "12015550301"; // opted out before the deactivation: flagged, kept
        String optedIn = "12015550302"; // opted out, then in, before it: the opt-in is void
        String fresh = "12015550303"; // no history: refused while on the file
        stopFrom(stopped, "12345");
        mo(optedIn, "STOP");
        mo(optedIn, "START");
        SMPPSession acme = bind("acme");
        int refused = Esmes.status(acme, "", "12345", stopped);
        assertNotEquals(0, refused);
        assertEquals(0, Esmes.status(acme, "", "12345", optedIn));
        Thread.sleep(2100); // the deactivation is later than the opt-in (orders are in seconds)
        String at = Instant.now().minusMillis(500).toString();
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        Path f = file(
                "carrier.csv",
                List.of("number,deactivated", "+" + stopped + "," + at, "+" + optedIn + "," + at, "+" + fresh));
        Result load = cli("lists", "load", "carrier", f.toString(), "--kind", "deactivation");
        assertEquals(0, load.code(), load.out() + load.err());
        assertTrue(load.out().contains("1 opt-ins voided, 1 opt-outs flagged"), load.out());

        SuppressionStore store = new SuppressionStore(inspector.async(), SuppressionStore.DEFAULT_BUCKETS);
        List<ConsentEvent> flagged =
                store.history(stopped).toCompletableFuture().get();
        assertTrue(flagged.stream()
                .anyMatch(e -> e.type() == ConsentEvent.Type.FLAGGED
                        && e.source() == ConsentEvent.Source.DEACTIVATION
                        && e.reason().contains("deactivated " + today + " (list carrier)")));
        List<ConsentEvent> voided = store.history(optedIn).toCompletableFuture().get();
        assertTrue(voided.stream()
                .anyMatch(e -> e.type() == ConsentEvent.Type.VOIDED && e.source() == ConsentEvent.Source.DEACTIVATION));
        assertEquals(refused, Esmes.status(acme, "", "12345", stopped), "the opt-out stays in force");
        assertEquals(refused, Esmes.status(acme, "", "12345", optedIn), "the opt-in is void");
        assertEquals(refused, Esmes.status(acme, "", "12345", fresh), "on the deactivation file");

        // the same file again records nothing twice
        Result again = cli("lists", "load", "carrier", f.toString(), "--kind", "deactivation");
        assertTrue(again.out().contains("0 opt-ins voided, 0 opt-outs flagged"), again.out());
        assertEquals(
                flagged.size() + 0,
                store.history(stopped).toCompletableFuture().get().size());
        assertEquals(
                voided.size(),
                store.history(optedIn).toCompletableFuture().get().size());

        // the number's new holder opts in: from then on neither the voided entry nor the file refuses
        mo(optedIn, "START");
        assertEquals(0, Esmes.status(acme, "", "12345", optedIn));
        assertEquals(refused, Esmes.status(acme, "", "12345", fresh));
    }

    @Test
    void configuredListsAreFetchedFromTheirUrlAndTheirAgeAndFailuresAreMetered() throws Exception {
        files = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        files.createContext("/dnc.csv", ex -> {
            byte[] body = "+12015550401\n+12015550402\n+12015550403\n".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        files.createContext("/broken.csv", ex -> {
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        files.start();
        int port = files.getAddress().getPort();
        startGateway("""
                lists:
                  - { name: feed, url: "http://127.0.0.1:%d/dnc.csv", interval: 1h, maxAge: 31d }
                  - { name: broken, url: "http://127.0.0.1:%d/broken.csv", maxAge: 26h }
                  - { name: carrier, kind: deactivation, maxAge: 26h }
                """.formatted(port, port));
        // never loaded: stale for any limit
        assertTrue(eventually(
                Duration.ofSeconds(5), () -> metricOrNaN("smppgw_list_age_seconds{list=\"carrier\"}") > 26 * 3600));
        assertEquals(26 * 3600.0, metric("smppgw_list_max_age_seconds{list=\"carrier\"}"));
        assertTrue(eventually(Duration.ofSeconds(20), () -> metricOrNaN("smppgw_list_numbers{list=\"feed\"}") == 3.0));
        double age = metric("smppgw_list_age_seconds{list=\"feed\"}");
        assertTrue(age >= 0 && age < 60, "fresh: " + age);
        assertEquals(31 * 86400.0, metric("smppgw_list_max_age_seconds{list=\"feed\"}"));
        SMPPSession acme = bind("acme");
        assertNotEquals(0, Esmes.status(acme, "", "12345", "12015550402"));
        assertTrue(eventually(
                Duration.ofSeconds(20), () -> metricOrNaN("smppgw_list_load_failures_total{list=\"broken\"}") >= 1.0));
        Result list = cli("lists", "list");
        assertEquals(1, list.code(), "a stale list: " + list.out());
        assertTrue(list.out().contains("broken") && list.out().contains("not loaded"), list.out());
        Result fetch = cli("lists", "fetch", "feed");
        assertEquals(0, fetch.code(), fetch.err());
        assertTrue(fetch.out().contains("feed: version 2 live, 3 numbers"), fetch.out());
    }

    private double metricOrNaN(String series) {
        try {
            return metric(series);
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    @Test
    void listsConfigurationErrorsNameTheirKey() {
        String base = """
                instanceId: t
                redis: { uri: embedded }
                upstreams: [ { name: sim, host: 127.0.0.1, port: 1, systemId: gw } ]
                accounts: [ { systemId: acme, password: pw, numbers: ["12345"] } ]
                """;
        assertConfigError(base + "lists: [ { name: \"Bad Name\" } ]", "lists[0].name");
        assertConfigError(base + "lists: [ { name: dnc, url: \"ftp://x/y\" } ]", "lists[0].url");
        assertConfigError(base + "lists: [ { name: dnc, kind: phone } ]", "lists[0].kind");
        assertConfigError(base + "lists: [ { name: dnc, interval: 10s } ]", "lists[0].interval");
        assertConfigError(base + "lists: [ { name: dnc, maxAge: 0s } ]", "lists[0].maxAge");
        assertConfigError(base + "lists: [ { name: dnc }, { name: dnc } ]", "lists");
        assertConfigError(base + "lists: [ { name: dnc, accounts: [nobody] } ]", "lists[0].accounts");
        assertConfigError(base + "lists: [ { name: dnc, categories: [marketing] } ]", "lists[0].categories");
        assertConfigError(base + "lists: [ { name: dnc, colour: red } ]", "lists[0].colour");
        var ok = io.optoutgw.config.ConfigLoader.parse(
                base + "lists: [ { name: dnc, url: \"https://example.com/dnc.csv\", maxAge: 31d } ]",
                io.optoutgw.config.ConfigOverrides.NONE);
        assertEquals(Duration.ofDays(31), ok.lists().get(0).maxAge());
        assertEquals(Duration.ofHours(24), ok.lists().get(0).interval());
        assertEquals("numbers", ok.lists().get(0).kind());
    }

    private static void assertConfigError(String yaml, String key) {
        try {
            io.optoutgw.config.ConfigLoader.parse(yaml, io.optoutgw.config.ConfigOverrides.NONE);
            throw new AssertionError("accepted: " + yaml);
        } catch (io.optoutgw.config.ConfigException e) {
            assertEquals(key, e.key(), e.getMessage());
        }
    }
}
