package io.optoutgw.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.optoutgw.app.GatewayCli;
import io.optoutgw.feed.WebhookDelivery;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.ChildGateway;
import io.optoutgw.testsupport.FreePorts;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhook delivery of the consent event feed under failure: the receiver is down while people
 * opt out and in, the gateway is killed with SIGKILL in between, and every event still reaches
 * the receiver once or more, in order per number, each with a valid Standard Webhooks signature.
 * An endpoint that keeps refusing ends in the dead-letter list, which {@code gateway events
 * dead-letter list} shows and {@code replay} sends again.
 */
@Tag("integration")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class WebhookDeliveryTest {

    private static final byte[] KEY = "consent-feed-signing-key-0123456".getBytes(StandardCharsets.US_ASCII);
    private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(KEY);
    private static final String TOKEN = "webhook-test-token-0123";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** One request the receiver took: the headers that matter and the body. */
    record Received(String id, String timestamp, String signature, String body) {}

    /** An HTTP receiver that answers {@code status} (200 when up, 503 when "down"). */
    static final class Receiver implements AutoCloseable {
        final HttpServer server;
        final List<Received> taken = new CopyOnWriteArrayList<>();
        final AtomicInteger refused = new AtomicInteger();
        volatile int status = 200;
        volatile int deadStatus = 500;

        Receiver() throws Exception {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/hook", ex -> {
                byte[] body = ex.getRequestBody().readAllBytes();
                int s = status;
                if (s / 100 == 2) {
                    taken.add(new Received(
                            ex.getRequestHeaders().getFirst("webhook-id"),
                            ex.getRequestHeaders().getFirst("webhook-timestamp"),
                            ex.getRequestHeaders().getFirst("webhook-signature"),
                            new String(body, StandardCharsets.UTF_8)));
                } else {
                    refused.incrementAndGet();
                }
                ex.sendResponseHeaders(s, -1);
                ex.close();
            });
            server.createContext("/refusing", ex -> {
                ex.getRequestBody().readAllBytes();
                ex.sendResponseHeaders(deadStatus, -1);
                ex.close();
            });
            server.start();
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    void everyEventReachesAReceiverThatWasDownAcrossAGatewayKillInOrderPerNumberSigned() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start();
                SmscSimulator smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
                Receiver receiver = new Receiver()) {
            Path journal = Files.createDirectories(tmp.resolve("journal"));
            int smpp = FreePorts.find();
            int http = FreePorts.find();
            String yaml = """
                    instanceId: gw-hook
                    smpp: { host: 127.0.0.1, port: %d, bindTimeout: 5s }
                    http: { host: 127.0.0.1, port: %d, adminToken: "%s" }
                    redis: { uri: "%s", commandTimeout: 5s }
                    optout: { journalDir: "%s", reconcileInterval: 1h }
                    feed: { publishInterval: 50ms }
                    webhooks:
                      - { name: crm, url: "%s", secret: "%s", maxRetryInterval: 1s, timeout: 2s }
                      - { name: legacy, url: "%s", secret: "%s", maxRetryInterval: 200ms, retryFor: 1s }
                    upstreams:
                      - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                    accounts:
                      - { systemId: acme, password: pw, numbers: ["12345"] }
                    """.formatted(
                            smpp,
                            http,
                            TOKEN,
                            redis.uri(),
                            journal,
                            receiver.url("/hook"),
                            SECRET,
                            receiver.url("/refusing"),
                            SECRET,
                            smsc.port());
            receiver.status = 503; // the CRM is down
            List<String[]> sent = List.of(
                    new String[] {"15551110001", "STOP"},
                    new String[] {"15551110002", "STOP"},
                    new String[] {"15551110001", "START"},
                    new String[] {"15551110003", "STOP"},
                    new String[] {"15551110001", "STOP"},
                    new String[] {"15551110002", "START"});
            try (ChildGateway first =
                    ChildGateway.launch(tmp, "gw-hook-a", yaml, smpp, http).awaitReady(Duration.ofSeconds(60))) {
                assertTrue(TestGateways.eventually(Duration.ofSeconds(20), () -> smsc.boundSessionCount() > 0));
                for (String[] mo : sent) {
                    assertEquals(
                            0,
                            smsc.injectMo(mo[0], "12345", mo[1].getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                                    .get(10, TimeUnit.SECONDS));
                }
                assertTrue(
                        TestGateways.eventually(Duration.ofSeconds(20), () -> receiver.refused.get() >= 2),
                        "delivery was tried while the receiver was down:\n" + first.log());
                first.kill9();
            }
            receiver.status = 200; // the CRM comes back while the gateway is dead
            try (ChildGateway second =
                    ChildGateway.launch(tmp, "gw-hook-b", yaml, smpp, http).awaitReady(Duration.ofSeconds(60))) {
                assertTrue(
                        TestGateways.eventually(
                                Duration.ofSeconds(30),
                                () -> distinctIds(receiver).size() >= 6),
                        "every event delivered: " + distinctIds(receiver) + "\n" + second.log());
                // in order per number, by first delivery
                Map<String, List<String>> perNumber = new LinkedHashMap<>();
                List<String> seen = new ArrayList<>();
                for (Received r : receiver.taken) {
                    JsonNode e = JSON.readTree(r.body());
                    assertEquals(
                            r.signature(),
                            "v1," + WebhookDelivery.sign(KEY, r.id(), Long.parseLong(r.timestamp()), r.body()),
                            "Standard Webhooks signature over id.timestamp.body");
                    assertEquals("msg_" + e.get("id").asText(), r.id());
                    assertEquals("1.0", e.get("specversion").asText());
                    if (seen.contains(r.id())) {
                        continue; // at least once: a repeat after the kill is allowed
                    }
                    seen.add(r.id());
                    perNumber
                            .computeIfAbsent(e.get("number").asText(), n -> new ArrayList<>())
                            .add(e.get("type").asText());
                }
                assertEquals(List.of("opt_out", "opt_in", "opt_out"), perNumber.get("+15551110001"));
                assertEquals(List.of("opt_out", "opt_in"), perNumber.get("+15551110002"));
                assertEquals(List.of("opt_out"), perNumber.get("+15551110003"));

                // the endpoint that never took anything: its events are dead letters after retryFor
                String url = "http://127.0.0.1:" + http;
                assertTrue(
                        TestGateways.eventually(
                                Duration.ofSeconds(30),
                                () -> deadLetters(cli(
                                                "events",
                                                "dead-letter",
                                                "list",
                                                "--webhook",
                                                "legacy",
                                                "--url",
                                                url,
                                                "--token",
                                                TOKEN))
                                        >= 6),
                        cli("events", "dead-letter", "list", "--url", url, "--token", TOKEN) + "\n" + second.log());
                receiver.deadStatus = 204;
                String replay =
                        cli("events", "dead-letter", "replay", "--webhook", "legacy", "--url", url, "--token", TOKEN);
                assertTrue(replay.matches("(?s)legacy: ([6-9]|\\d\\d+) delivered, 0 still failing, 0 left.*"), replay);
                assertTrue(cli("events", "dead-letter", "list", "--url", url, "--token", TOKEN)
                        .contains("legacy: 0 dead letter(s)"));
            }
        }
    }

    /** The count in "legacy: N dead letter(s)", or -1. */
    private static int deadLetters(String listing) {
        Matcher m = Pattern.compile("legacy: (\\d+) dead letter").matcher(listing);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static List<String> distinctIds(Receiver r) {
        return r.taken.stream().map(Received::id).distinct().toList();
    }

    /** Runs the CLI in this JVM and returns what it printed. */
    private static String cli(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            GatewayCli.commandLine().execute(args);
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
