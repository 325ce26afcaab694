package io.optoutgw.app;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static io.optoutgw.testsupport.TestGateways.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.optoutgw.simulator.ReceivedMessage;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.evidence.EvidenceKeys;
import io.optoutgw.suppression.evidence.KeyFiles;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.jsmpp.bean.BindType;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evidence bundles end to end (docs/evidence.md, "Evidence bundle"): a real redis-server, the SMSC simulator, a
 * gateway signing its checkpoints, a STOP injected as an MO, its confirmation with the SMSC's receipt, a submit
 * refused through a jSMPP ESME. The bundle from the API and from the CLI (ZIP, JSON, HTML) verifies offline with
 * the operator's public key, also by hand (the documented hash input, openssl for the signature); an edited event,
 * an edited description, an edited signature and the wrong key are each named.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EvidenceBundleTest {

    private static final String TOKEN = "evidence-bundle-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static RedisServerProcess redis;
    private static SmscSimulator smsc;
    private static Gateway gateway;
    private static Path publicKey;
    private static final HttpClient http = HttpClient.newHttpClient();

    record Result(int code, String out, String err) {}

    @BeforeAll
    static void start() throws Exception {
        Path key = KeyFiles.write(dir, "signing.pem");
        publicKey = dir.resolve("signing.pub");
        Files.writeString(
                publicKey,
                EvidenceKeys.pem(
                        "PUBLIC KEY", EvidenceKeys.readSigner(key).publicKey().getEncoded()));
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        // checkpoints an hour apart: the bundle has the gateway write the one covering the events
        gateway = TestGateways.start(
                "gw-bundle", redis.uri(), """
                optout: { reconcileInterval: 1h }
                evidence: { signingKey: "%s", checkpointInterval: 1h, verifyInterval: 0s }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345"], optOut: { scope: global } }
                """.formatted(key, smsc.port()), TOKEN, Duration.ofSeconds(5));
        awaitBound(gateway);
    }

    @AfterAll
    static void stop() {
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

    private static Result admin(String... args) {
        String[] all = Arrays.copyOf(args, args.length + 4);
        all[args.length] = "--url";
        all[args.length + 1] = "http://127.0.0.1:" + gateway.httpPort();
        all[args.length + 2] = "--token";
        all[args.length + 3] = TOKEN;
        return cli(all);
    }

    private static HttpResponse<byte[]> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path))
                        .header("Authorization", "Bearer " + TOKEN)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void stopFrom(String person) throws Exception {
        assertEquals(
                0,
                smsc.injectMo(person, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS));
    }

    private static JsonNode trace(String number) throws Exception {
        HttpResponse<byte[]> r = get("/api/trace/%2B" + number);
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        return JSON.readTree(r.body());
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws Exception {
        Map<String, byte[]> out = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    @Test
    void bundleOfAnOptOutWithConfirmationAndRefusalVerifiesAndTamperingIsNamed() throws Exception {
        String p = "12025550101";
        stopFrom(p);
        // other people's opt-outs after it: the proof carries them up to the checkpoint
        stopFrom("12025550102");
        stopFrom("12025550103");
        assertTrue(eventually(
                Duration.ofSeconds(10),
                () -> smsc.receivedMessages().stream()
                        .anyMatch(m -> m.pdu().getDestAddress() != null
                                && p.equals(m.pdu().getDestAddress().getAddress()))));
        String confirmationId = smsc.receivedMessages().stream()
                .filter(m -> m.pdu().getDestAddress() != null
                        && p.equals(m.pdu().getDestAddress().getAddress()))
                .map(ReceivedMessage::messageId)
                .findFirst()
                .orElseThrow();
        SMPPSession acme = Esmes.bind(gateway.smppPort(), BindType.BIND_TRX, "acme", "pw", new Esmes.Inbox());
        try {
            NegativeResponseException refused = null;
            try {
                Esmes.submit(acme, "12345", p, "after the STOP", false);
            } catch (NegativeResponseException e) {
                refused = e;
            }
            assertNotNull(refused, "the submit to the opted-out number is refused");
        } finally {
            acme.unbindAndClose();
        }
        assertTrue(eventually(Duration.ofSeconds(10), () -> {
            try {
                JsonNode t = trace(p);
                return t.get("refused").asLong() == 1
                        && t.get("lines").toString().contains("\"receipt\":\"DELIVRD\"");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }));

        // the API: a ZIP with the JSON, the HTML page, the key and the proof material
        HttpResponse<byte[]> api = get("/api/evidence/%2B" + p + "?format=zip");
        assertEquals(200, api.statusCode(), new String(api.body(), StandardCharsets.UTF_8));
        assertEquals("application/zip", api.headers().firstValue("content-type").orElse(""));
        Map<String, byte[]> zip = unzip(api.body());
        assertTrue(
                zip.keySet()
                        .containsAll(List.of(
                                "evidence.json",
                                "evidence.html",
                                "public-key.pem",
                                "VERIFY.txt",
                                "proof/segment-0/events.jsonl",
                                "proof/segment-0/checkpoint.msg",
                                "proof/segment-0/checkpoint.sig")),
                zip.keySet().toString());
        JsonNode b = JSON.readTree(zip.get("evidence.json"));
        assertEquals("optoutgw-evidence-v1", b.get("format").asText());
        assertEquals("+" + p, b.get("number").asText());

        JsonNode stop = b.get("events").get(0).get("view");
        assertEquals("opt_out", stop.get("type").asText());
        assertEquals("STOP", stop.get("keyword").asText());
        assertEquals("en", stop.get("language").asText());
        assertEquals("STOP", stop.get("text").asText());
        assertEquals(0, stop.get("dataCoding").asInt());
        assertEquals("53544f50", stop.get("rawMo").asText(), "the MO's user data as received");
        assertTrue(stop.get("ruleSet").asText().matches("[0-9a-f]{16}"), stop.toString());
        assertEquals("mo_keyword", stop.get("source").asText());
        assertTrue(
                stop.get("timestamps").has("received") && stop.get("timestamps").has("effective"));

        JsonNode confirmation = b.get("confirmations").get(0);
        assertEquals(confirmationId, confirmation.get("messageId").asText());
        assertEquals("DELIVRD", confirmation.get("receipt").asText());
        assertEquals(stop.get("id").asText(), confirmation.get("eventId").asText());
        assertEquals(1, b.get("refusals").size());
        assertEquals("suppressed", b.get("refusals").get(0).get("reason").asText());

        JsonNode seg = b.get("proof").get("segments").get(0);
        assertEquals(3, seg.get("events").size(), "the STOP and the two after it, up to the checkpoint");
        assertEquals(seg.get("to").asLong(), seg.get("checkpoint").get("seq").asLong());
        assertNotNull(seg.get("checkpoint").get("sig"), "signed");

        // verifiable without the gateway: with the operator's key, from the ZIP, the JSON and the HTML page
        Path zipFile = Files.write(dir.resolve("bundle.zip"), api.body());
        Result ok = cli("evidence", "verify", zipFile.toString(), "--public-key", publicKey.toString());
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().startsWith("OK: 1 event(s) of +" + p + " proven"), ok.out());

        // the CLI writes the same bundle in the format its file name asks for
        for (String name : new String[] {"cli.zip", "cli.json", "cli.html"}) {
            Path f = dir.resolve(name);
            Result w = admin("evidence", "+" + p, "--output", f.toString());
            assertEquals(0, w.code(), w.out() + w.err());
            Result v = cli("evidence", "verify", f.toString(), "--public-key", publicKey.toString());
            assertEquals(0, v.code(), name + ": " + v.out());
        }
        String html = Files.readString(dir.resolve("cli.html"));
        assertTrue(html.contains("Consent evidence for +" + p) && html.contains("53544f50"), "readable page");
        assertFalse(html.contains("http://") || html.contains("https://"), "no external resources");

        // by hand: the documented hash input and the signature with openssl
        String first = seg.get("events").get(0).asText();
        JsonNode link = JSON.readTree(first).get("chain");
        assertEquals(2, link.get("v").asInt(), "chain version 2");
        assertEquals(link.get("hash").asText(), handHashV2(JSON.readTree(first)));
        Path msg = Files.write(dir.resolve("checkpoint.msg"), zip.get("proof/segment-0/checkpoint.msg"));
        Path sig = Files.write(dir.resolve("checkpoint.sig"), zip.get("proof/segment-0/checkpoint.sig"));
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl not installed");
        Process openssl = new ProcessBuilder(
                        "openssl",
                        "pkeyutl",
                        "-verify",
                        "-pubin",
                        "-inkey",
                        publicKey.toString(),
                        "-rawin",
                        "-in",
                        msg.toString(),
                        "-sigfile",
                        sig.toString())
                .redirectErrorStream(true)
                .start();
        String said = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, openssl.waitFor(), said);
        assertTrue(said.contains("Signature Verified Successfully"), said);
    }

    @Test
    void editedEventDescriptionSignatureOrKeyIsNamed() throws Exception {
        String p = "12025550111";
        stopFrom(p);
        assertTrue(eventually(Duration.ofSeconds(10), () -> {
            try {
                return trace(p).get("lines").size() > 0;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }));
        Path file = dir.resolve("tamper.json");
        Result w = admin("evidence", "+" + p, "--output", file.toString());
        assertEquals(0, w.code(), w.out() + w.err());
        ObjectNode b = (ObjectNode) JSON.readTree(file.toFile());
        Result fine = verify(b, publicKey);
        assertEquals(0, fine.code(), fine.out());

        // an event of the proof edited: its hash no longer fits its link
        ObjectNode edited = b.deepCopy();
        ArrayNode events =
                (ArrayNode) edited.get("proof").get("segments").get(0).get("events");
        String stored = events.get(0).asText();
        events.set(0, JSON.getNodeFactory().textNode(stored.replace("\"text\":\"STOP\"", "\"text\":\"HELLO\"")));
        Result r = verify(edited, publicKey);
        assertEquals(1, r.code(), r.out());
        long seq = JSON.readTree(stored).get("chain").get("seq").asLong();
        assertTrue(r.out().contains("seq " + seq) && r.out().contains("does not hash to its link (edited)"), r.out());

        // the description edited (the stored bytes left alone)
        edited = b.deepCopy();
        ((ObjectNode) edited.get("events").get(0).get("view")).put("text", "HELLO");
        r = verify(edited, publicKey);
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("does not match its stored bytes (differs in text)"), r.out());

        // the checkpoint's signature edited
        edited = b.deepCopy();
        ObjectNode cp = (ObjectNode) edited.get("proof").get("segments").get(0).get("checkpoint");
        String sigText = cp.get("sig").asText();
        cp.put("sig", (sigText.charAt(0) == 'A' ? "B" : "A") + sigText.substring(1));
        r = verify(edited, publicKey);
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("the signature does not verify"), r.out());

        // another operator's key
        Path other = dir.resolve("other.pub");
        Files.writeString(
                other,
                EvidenceKeys.pem(
                        "PUBLIC KEY", EvidenceKeys.generate().getPublic().getEncoded()));
        r = verify(b, other);
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("which is not the trusted public key"), r.out());

        // without --public-key the bundle's own key is used, and said so
        r = verify(b, null);
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("give the operator's key with --public-key"), r.out());
    }

    private static Result verify(JsonNode bundle, Path key) throws Exception {
        Path f = Files.createTempFile(dir, "b-", ".json");
        Files.write(f, JSON.writeValueAsBytes(bundle));
        return key == null
                ? cli("evidence", "verify", f.toString())
                : cli("evidence", "verify", f.toString(), "--public-key", key.toString());
    }

    private static String sha256Hex(String s) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** The hash of a chain-version-2 event computed by hand, as docs/evidence.md ("Chain version 2") describes it. */
    private static String handHashV2(JsonNode e) throws Exception {
        String d;
        if (e.has("detailDigest")) {
            d = e.get("detailDigest").asText();
        } else {
            boolean reason = e.get("type").asText().equals("REASON");
            ObjectNode k = JSON.createObjectNode();
            for (String f : new String[] {
                "keyword",
                "language",
                "account",
                "sender",
                "actor",
                "reason",
                "instance",
                "receivedAt",
                "evidence",
                "override"
            }) {
                if (e.has(f)) {
                    k.set(f, e.get(f));
                }
            }
            if (reason && e.has("text")) {
                k.set("text", e.get("text"));
            }
            ObjectNode jd = JSON.createObjectNode();
            for (String f : new String[] {"text", "dataCoding", "upstream", "smscRef", "rawMo", "ruleSet", "consent"}) {
                if (e.has(f) && !(reason && f.equals("text"))) {
                    jd.set(f, e.get(f));
                }
            }
            String j = e.has("journalDigest")
                    ? e.get("journalDigest").asText()
                    : jd.isEmpty() ? "" : sha256Hex(JSON.writeValueAsString(jd));
            d = sha256Hex("optoutgw-detail-v2\n" + JSON.writeValueAsString(k) + "\n" + j);
        }
        ArrayNode core = JSON.createArrayNode();
        core.add(e.get("id").asText());
        core.add(Instant.parse(e.get("time").asText()).toEpochMilli());
        core.add(e.get("type").asText());
        core.add(e.get("number").asText());
        core.add(e.get("scope").asText());
        core.add(e.has("category") ? e.get("category") : null);
        core.add(e.has("source") ? e.get("source") : null);
        core.add(e.has("order") ? e.get("order") : null);
        JsonNode link = e.get("chain");
        return sha256Hex("optoutgw-chain-v2\n" + link.get("id").asText() + "\n"
                + link.get("seq").asLong() + "\n" + link.get("prev").asText() + "\n" + JSON.writeValueAsString(core)
                + "\n" + d);
    }
}
