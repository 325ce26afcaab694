package io.optoutgw.app;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static io.optoutgw.testsupport.TestGateways.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optoutgw.config.ConfigLoader;
import io.optoutgw.config.ConfigOverrides;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.FreePorts;
import io.optoutgw.testsupport.RedisServerProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.DeliverSm;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration reload against a real redis-server, SMSC simulator and gateway socket: accounts
 * and keywords change while an ESME stays bound and traffic flows, nothing is lost; a bad file
 * changes nothing; another instance sharing Redis follows; SIGHUP reloads a gateway in a child JVM.
 */
@Tag("integration")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HotReloadTest {

    private static final String TOKEN = "reload-admin-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private RedisServerProcess redis;
    private SmscSimulator smsc;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private SuppressionStore store;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        RedisConnector inspector = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2));
        closing.add(inspector);
        store = new SuppressionStore(inspector.async(), SuppressionStore.DEFAULT_BUCKETS);
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        smsc.close();
        redis.close();
    }

    /** The whole file: acme owning 12345 with the opt-out keywords given; gamma (owning 55555) when asked. */
    private String yaml(
            String instance, int smppPort, int httpPort, String optOutKeywords, boolean gamma, String extra) {
        return """
                instanceId: %s
                smpp: { host: 127.0.0.1, port: %d, bindTimeout: 3s, unbindDrainTimeout: 2s }
                http: { host: 127.0.0.1, port: %d, adminToken: "%s" }
                redis: { uri: "%s", commandTimeout: 2s }
                relay: { requestTimeout: 2s }
                optout: { recordTimeout: 1500ms, reconcileInterval: 1h, journalDir: "%s" }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1,
                      reconnectInitialDelay: 50ms, reconnectMaxDelay: 200ms }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345"],
                      optOut: { keywords: { optOut: [%s] } } }
                %s%s""".formatted(
                        instance,
                        smppPort,
                        httpPort,
                        TOKEN,
                        redis.uri(),
                        dir.resolve("journal-" + instance),
                        smsc.port(),
                        optOutKeywords,
                        gamma ? "  - { systemId: gamma, password: pw, numbers: [\"55555\"] }\n" : "",
                        extra);
    }

    private static String keywords(String... words) {
        List<String> out = new ArrayList<>();
        for (String w : words) {
            out.add("{ text: " + w + ", language: en }");
        }
        return String.join(", ", out);
    }

    private Gateway startFrom(Path file) throws Exception {
        Gateway g = Gateway.start(ConfigLoader.load(file, ConfigOverrides.NONE));
        closing.add(g);
        awaitBound(g);
        return g.enableReload(file, ConfigOverrides.NONE);
    }

    private HttpResponse<String> reload(int httpPort) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/api/config/reload"))
                        .header("Authorization", "Bearer " + TOKEN)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String metrics(int httpPort) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private boolean suppressedFor(String digits) throws Exception {
        return store.check(digits, "acme", "12345")
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS)
                .suppressed();
    }

    private int mo(String from, String to, String text) throws Exception {
        return smsc.injectMo(from, to, text.getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                .get(10, TimeUnit.SECONDS);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void accountsAndKeywordsChangeWhileTrafficFlowsAndABadFileChangesNothing() throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, yaml("gw-reload", 0, 0, keywords("STOP"), false, ""));
        Gateway gateway = startFrom(file);
        int smppPort = gateway.smppPort();
        int httpPort = gateway.httpPort();

        Esmes.Inbox inbox = new Esmes.Inbox();
        SMPPSession acme = Esmes.bind(smppPort, BindType.BIND_TRX, "acme", "pw", inbox);
        closing.add(acme::unbindAndClose);

        // traffic in both directions the whole time: submits from acme, MOs to its short code
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger submitted = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger moSent = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread submits = new Thread(() -> {
            try {
                while (running.get()) {
                    int n = submitted.incrementAndGet();
                    Esmes.submit(acme, "12345", "+1555720" + String.format("%04d", n % 10_000), "hello " + n, false);
                    accepted.incrementAndGet();
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
        Thread mos = new Thread(() -> {
            try {
                while (running.get()) {
                    int n = moSent.incrementAndGet();
                    int status = mo("15557210001", "12345", "mo " + n);
                    if (status != 0) {
                        throw new AssertionError("MO " + n + " answered " + status);
                    }
                    Thread.sleep(5);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
        submits.start();
        mos.start();
        Thread.sleep(500);

        // the new file: acme's keyword CEASE added, account gamma added, one restart-only key changed
        Files.writeString(
                file,
                yaml("gw-reload", 0, 0, keywords("STOP", "CEASE"), true, "")
                        .replace("requestTimeout: 2s", "requestTimeout: 3s"));
        HttpResponse<String> r = reload(httpPort);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode answer = JSON.readTree(r.body());
        assertTrue(answer.get("applied").asBoolean(), r.body());
        assertTrue(
                texts(answer.get("changed")).containsAll(List.of("accounts.gamma: added", "accounts.acme: changed")),
                r.body());
        assertEquals(List.of("relay.requestTimeout"), texts(answer.get("restartRequired")), r.body());
        assertEquals(0, answer.get("errors").size(), r.body());

        Thread.sleep(500);
        running.set(false);
        submits.join(10_000);
        mos.join(10_000);
        assertEquals(null, failure.get(), "traffic failed during the reload");
        assertEquals(submitted.get(), accepted.get(), "every submit answered ESME_ROK");
        assertTrue(accepted.get() > 10, "traffic flowed: " + accepted.get());
        // every MO reached the ESME that stayed bound, in order
        int sent = moSent.get();
        assertTrue(
                eventually(Duration.ofSeconds(10), () -> inbox.delivered.size() >= sent),
                "delivered " + inbox.delivered.size() + " of " + sent);
        Set<String> seen = new HashSet<>();
        for (DeliverSm d : inbox.delivered) {
            seen.add(new String(d.getShortMessage(), StandardCharsets.ISO_8859_1));
        }
        for (int i = 1; i <= sent; i++) {
            assertTrue(seen.contains("mo " + i), "MO " + i + " lost");
        }
        assertTrue(acme.getSessionState().isBound(), "acme stayed bound");

        // the new account binds; the new keyword records an opt-out
        SMPPSession gamma = Esmes.bind(smppPort, BindType.BIND_TRX, "gamma", "pw", null);
        closing.add(gamma::unbindAndClose);
        assertEquals(0, mo("15557210002", "12345", "CEASE"));
        assertTrue(eventually(Duration.ofSeconds(5), () -> {
            try {
                return suppressedFor("15557210002");
            } catch (Exception e) {
                return false;
            }
        }));

        // a bad file: HALT added, but one key is wrong; nothing changes
        Files.writeString(
                file,
                yaml("gw-reload", 0, 0, keywords("STOP", "CEASE", "HALT"), true, "")
                        .replace("numbers: [\"55555\"]", "numbers: [\"55555\"], maxBinds: -1"));
        HttpResponse<String> bad = reload(httpPort);
        assertEquals(400, bad.statusCode(), bad.body());
        JsonNode refused = JSON.readTree(bad.body());
        assertFalse(refused.get("applied").asBoolean());
        String error = refused.get("errors").get(0).asText();
        assertTrue(error.contains("maxBinds"), error);
        assertEquals(0, mo("15557210003", "12345", "HALT"));
        assertEquals(0, mo("15557210004", "12345", "CEASE"));
        assertTrue(eventually(Duration.ofSeconds(5), () -> {
            try {
                return suppressedFor("15557210004");
            } catch (Exception e) {
                return false;
            }
        }));
        assertFalse(suppressedFor("15557210003"), "HALT of the refused file is no keyword");

        String m = metrics(httpPort);
        assertTrue(m.contains("smppgw_config_reloads_total{result=\"success\"} 1.0"), m);
        assertTrue(m.contains("smppgw_config_reloads_total{result=\"failure\"} 1.0"), m);
        assertTrue(m.contains("smppgw_config_reload_last_timestamp_seconds"), m);
    }

    /** {@code gateway ARGS --url ... --token ...}: exit code, stdout, stderr. */
    private static String[] cli(int httpPort, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = GatewayCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] all = Arrays.copyOf(args, args.length + 4);
        all[args.length] = "--url";
        all[args.length + 1] = "http://127.0.0.1:" + httpPort;
        all[args.length + 2] = "--token";
        all[args.length + 3] = TOKEN;
        int code = cl.execute(all);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void gatewayConfigReloadPrintsTheAnswerAndFailsOnARefusedFile() throws Exception {
        Path file = dir.resolve("cli.yaml");
        Files.writeString(file, yaml("gw-cli", 0, 0, keywords("STOP"), false, ""));
        Gateway gateway = startFrom(file);
        int httpPort = gateway.httpPort();

        // gamma added, one restart-only key changed
        Files.writeString(
                file,
                yaml("gw-cli", 0, 0, keywords("STOP"), true, "").replace("requestTimeout: 2s", "requestTimeout: 3s"));
        String[] ok = cli(httpPort, "config", "reload");
        assertEquals("0", ok[0], ok[2]);
        assertEquals(
                "configuration reloaded on gw-cli (trigger api)\n"
                        + "changed: accounts.gamma: added\n"
                        + "restartRequired: relay.requestTimeout (changed in the file, in force after a restart)\n",
                ok[1].replace(System.lineSeparator(), "\n"));
        assertEquals("", ok[2]);
        assertTrue(gateway.config().account("gamma") != null);

        // --json: the gateway's answer as it is
        String[] same = cli(httpPort, "config", "reload", "--json");
        assertEquals("0", same[0], same[2]);
        JsonNode answer = JSON.readTree(same[1]);
        assertTrue(answer.get("applied").asBoolean());
        assertEquals(0, answer.get("changed").size(), same[1]);
        assertEquals(List.of("relay.requestTimeout"), texts(answer.get("restartRequired")));

        // a refused file: exit 2, the key named, nothing changed (gamma still configured)
        Files.writeString(
                file,
                yaml("gw-cli", 0, 0, keywords("STOP"), false, "")
                        .replace("numbers: [\"12345\"]", "numbers: [\"12345\"], maxBinds: -1"));
        String[] refused = cli(httpPort, "config", "reload");
        assertEquals("2", refused[0], refused[1] + refused[2]);
        assertEquals("", refused[1]);
        assertTrue(
                refused[2].startsWith("error: configuration file refused, nothing changed")
                        && refused[2].contains("maxBinds"),
                refused[2]);
        assertTrue(gateway.config().account("gamma") != null, "the refused file removed nothing");

        // the wrong token: refused like every admin command
        StringWriter err = new StringWriter();
        var cl = GatewayCli.commandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(
                "config", "reload", "--url", "http://127.0.0.1:" + httpPort, "--token", "not-the-admin-token");
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().startsWith("error: gateway answered 401"), err.toString());
    }

    @Test
    void anotherInstanceFollowsAndARemovedAccountIsUnbound() throws Exception {
        Path file1 = dir.resolve("one.yaml");
        Path file2 = dir.resolve("two.yaml");
        Files.writeString(file1, yaml("gw-one", 0, 0, keywords("STOP"), true, ""));
        Files.writeString(file2, yaml("gw-two", 0, 0, keywords("STOP"), true, ""));
        Gateway one = startFrom(file1);
        Gateway two = startFrom(file2);
        SMPPSession gammaOnTwo = Esmes.bind(two.smppPort(), BindType.BIND_TRX, "gamma", "pw", null);
        closing.add(gammaOnTwo::unbindAndClose);

        // both files lose gamma; only the first instance is asked
        Files.writeString(file1, yaml("gw-one", 0, 0, keywords("STOP"), false, ""));
        Files.writeString(file2, yaml("gw-two", 0, 0, keywords("STOP"), false, ""));
        HttpResponse<String> r = reload(one.httpPort());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("accounts.gamma: removed"), r.body());
        // the second follows through Redis pub/sub: its bound gamma session is unbound
        assertTrue(
                eventually(
                        Duration.ofSeconds(10),
                        () -> !gammaOnTwo.getSessionState().isBound()),
                "gamma's session on the other instance was unbound");
        assertTrue(eventually(Duration.ofSeconds(5), () -> two.config().account("gamma") == null));
        assertTrue(metrics(two.httpPort()).contains("smppgw_config_reloads_total{result=\"success\"} 1.0"));
    }

    @Test
    void sighupReloadsAGatewayInAChildJvm() throws Exception {
        int smppPort = FreePorts.find();
        int httpPort = FreePorts.find();
        Path file = dir.resolve("child.yaml");
        Files.writeString(file, yaml("gw-child", smppPort, httpPort, keywords("STOP"), false, ""));
        Path log = dir.resolve("child.log");
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/env"))) {
            // a JVM started with SIGHUP ignored (this test run under nohup) keeps ignoring it: start
            // the gateway with the default action, as a service manager does
            command.addAll(List.of("/usr/bin/env", "--default-signal=HUP"));
        }
        command.addAll(List.of(
                java,
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                GatewayCli.class.getName(),
                "run",
                "--config",
                file.toString()));
        Process child = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        closing.add(() -> {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        });
        assertTrue(
                eventually(Duration.ofSeconds(60), () -> {
                    try {
                        return http.send(
                                                HttpRequest.newBuilder(
                                                                URI.create("http://127.0.0.1:" + httpPort + "/ready"))
                                                        .build(),
                                                HttpResponse.BodyHandlers.ofString())
                                        .statusCode()
                                == 200;
                    } catch (Exception e) {
                        return false; // not listening yet
                    }
                }),
                () -> "child not ready: " + readQuietly(log));
        // the banner comes once the reload handler is armed (a SIGHUP while starting is ignored)
        assertTrue(
                eventually(Duration.ofSeconds(30), () -> readQuietly(log).contains("is running")),
                () -> "no banner: " + readQuietly(log));

        Files.writeString(file, yaml("gw-child", smppPort, httpPort, keywords("STOP"), true, ""));
        Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(child.pid()))
                .inheritIO()
                .start();
        assertTrue(hup.waitFor(10, TimeUnit.SECONDS) && hup.exitValue() == 0);
        // wait for the reload to be applied before binding: binds refused before it would count
        // towards gamma's lockout
        assertTrue(
                eventually(Duration.ofSeconds(30), () -> {
                    try {
                        String metrics = http.send(
                                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .body();
                        return metrics.lines()
                                .anyMatch(l -> l.startsWith("smppgw_config_reloads_total")
                                        && l.contains("result=\"success\"")
                                        && !l.endsWith(" 0.0"));
                    } catch (Exception e) {
                        return false;
                    }
                }),
                () -> "SIGHUP not applied: " + readQuietly(log));
        AtomicReference<SMPPSession> gamma = new AtomicReference<>();
        assertTrue(
                eventually(Duration.ofSeconds(15), () -> {
                    try {
                        gamma.set(Esmes.bind(smppPort, BindType.BIND_TRX, "gamma", "pw", null));
                        return true;
                    } catch (Exception e) {
                        return false;
                    }
                }),
                () -> "gamma could not bind after SIGHUP: " + readQuietly(log));
        gamma.get().unbindAndClose();
        assertTrue(child.isAlive(), "SIGHUP does not stop the gateway");
        String log1 = readQuietly(log);
        assertTrue(log1.contains("config reload (SIGHUP)") && log1.contains("accounts.gamma: added"), log1);
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "(" + e + ")";
        }
    }
}
