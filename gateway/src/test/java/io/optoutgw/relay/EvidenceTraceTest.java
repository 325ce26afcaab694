package io.optoutgw.relay;

import static io.optoutgw.testsupport.Esmes.submitSm;
import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static io.optoutgw.testsupport.TestGateways.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optoutgw.app.Gateway;
import io.optoutgw.app.GatewayCli;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.simulator.ReceivedMessage;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.RedisKeys;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jsmpp.bean.Address;
import org.jsmpp.bean.Alphabet;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.GeneralDataCoding;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.ReplaceIfPresentFlag;
import org.jsmpp.bean.SMSCDeliveryReceipt;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPSession;
import org.jsmpp.session.SubmitMultiResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The evidence ledger and {@code gateway audit trace} end to end (docs/admin.md, "Trace"): a real
 * redis-server, the SMSC simulator, jSMPP ESMEs, the STOP injected as an MO. A number's trace shows
 * its opt-out, the confirmation with the SMSC's message id and receipt state, and every later
 * message: refused (submit_sm, data_sm, a submit_multi destination, a refusal answered with a
 * REJECTD receipt) or relayed; a fail-open relay while Redis is frozen is flagged as a violation.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EvidenceTraceTest {

    private static final AtomicInteger PERSON = new AtomicInteger(4000);
    private static final String TOKEN = "evidence-test-token-0123";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int REFUSED = 0x0B;

    private static RedisServerProcess redis;
    private static SmscSimulator smsc;
    private static Gateway gateway;
    private static RedisConnector inspector;
    private static final List<SMPPSession> sessions = new ArrayList<>();
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        // the list check gives up after 300 ms (fail open or closed); other commands wait up to 5 s,
        // so a ledger write issued while Redis is frozen for a moment still lands
        gateway = TestGateways.start(
                "gw-evidence", redis.uri(), """
                optout: { reconcileInterval: 1h }
                suppression: { checkTimeout: 300ms }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345"], optOut: { scope: global } }
                  - { systemId: rcpt, password: pw, numbers: ["22222"], optOut: { refusal: receipt } }
                  - { systemId: open, password: pw, numbers: ["33333"], optOut: { failOpen: true } }
                  - { systemId: sched, password: pw, numbers: ["44444"], optOut: { scheduled: refuse } }
                  - { systemId: capped, password: pw, numbers: ["55555"],
                      optOut: { sendTime: { bands: ["00:00-24:00"], maxPer24h: 1 } } }
                  - { systemId: instr, password: pw, numbers: ["66666"], optOut: { optOutInstruction: { action: refuse } } }
                """.formatted(smsc.port()), TOKEN, Duration.ofSeconds(5));
        awaitBound(gateway);
        inspector = RedisConnector.connect(redis.uri(), Duration.ofSeconds(5));
    }

    @AfterAll
    static void stop() {
        sessions.forEach(SMPPSession::unbindAndClose);
        if (inspector != null) {
            inspector.close();
        }
        gateway.close();
        smsc.close();
        redis.close();
    }

    private static String person() {
        return "1202555" + String.format("%04d", PERSON.incrementAndGet());
    }

    private static SMPPSession bind(String account) throws Exception {
        SMPPSession s = Esmes.bind(gateway.smppPort(), BindType.BIND_TRX, account, "pw", new Esmes.Inbox());
        sessions.add(s);
        return s;
    }

    /** STOP from {@code person} to {@code shortCode}; returns the SMSC's message id of the confirmation. */
    private static String stop(String person, String shortCode) throws Exception {
        assertEquals(
                0,
                smsc.injectMo(person, shortCode, "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS));
        String[] id = new String[1];
        assertTrue(
                eventually(Duration.ofSeconds(10), () -> {
                    for (ReceivedMessage m : smsc.receivedMessages()) {
                        if (m.pdu().getDestAddress() != null
                                && person.equals(m.pdu().getDestAddress().getAddress())) {
                            id[0] = m.messageId();
                            return true;
                        }
                    }
                    return false;
                }),
                "the confirmation reached the SMSC");
        return id[0];
    }

    private static JsonNode trace(String number) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/api/trace/"
                                + URLEncoder.encode(number, StandardCharsets.UTF_8)))
                        .header("Authorization", "Bearer " + TOKEN)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static List<JsonNode> lines(JsonNode trace, String type) {
        List<JsonNode> out = new ArrayList<>();
        trace.get("lines").forEach(l -> {
            if (l.get("type").asText().equals(type)) {
                out.add(l);
            }
        });
        return out;
    }

    private static String metrics() throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static double ledgerErrors() throws Exception {
        for (String line : metrics().lines().toList()) {
            if (line.startsWith("smppgw_redis_errors_total{") && line.contains("operation=\"refusal_ledger\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no smppgw_redis_errors_total{operation=\"refusal_ledger\"} in the scrape");
    }

    /** {@code gateway ARGS --url --token} in-process: exit status and standard output. */
    private static String[] cli(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 4);
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
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    private static int status(ThrowingCall call) {
        try {
            call.run();
            return 0;
        } catch (NegativeResponseException e) {
            return e.getCommandStatus();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    private static void dataSm(SMPPSession s, String to) throws Exception {
        s.dataShortMessage(
                "",
                TypeOfNumber.UNKNOWN,
                NumberingPlanIndicator.UNKNOWN,
                "12345",
                TypeOfNumber.INTERNATIONAL,
                NumberingPlanIndicator.ISDN,
                to,
                new ESMClass(),
                new RegisteredDelivery(),
                new GeneralDataCoding(Alphabet.ALPHA_DEFAULT),
                new OptionalParameter.OctetString(OptionalParameter.Tag.MESSAGE_PAYLOAD.code(), "data"));
    }

    private static SubmitMultiResult multi(SMPPSession s, String... to) throws Exception {
        Address[] dests = new Address[to.length];
        for (int i = 0; i < to.length; i++) {
            dests[i] = new Address(TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, to[i]);
        }
        return s.submitMultiple(
                "",
                TypeOfNumber.UNKNOWN,
                NumberingPlanIndicator.UNKNOWN,
                "12345",
                dests,
                new ESMClass(),
                (byte) 0,
                (byte) 1,
                null,
                null,
                new RegisteredDelivery(SMSCDeliveryReceipt.DEFAULT),
                ReplaceIfPresentFlag.DEFAULT,
                new GeneralDataCoding(Alphabet.ALPHA_DEFAULT),
                (byte) 0,
                "hello all".getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void traceShowsTheOptOutItsConfirmationWithReceiptAndEveryRefusal() throws Exception {
        String p = person();
        String other = person();
        String confirmationId = stop(p, "12345");
        SMPPSession acme = bind("acme");
        SMPPSession rcpt = bind("rcpt");

        assertEquals(REFUSED, status(() -> Esmes.submit(acme, "12345", p, "submit_sm", false)));
        assertEquals(REFUSED, status(() -> dataSm(acme, p)));
        SubmitMultiResult mixed = multi(acme, p, other);
        assertEquals(1, mixed.getUnsuccessDeliveries().length);
        String receiptId =
                Esmes.submit(rcpt, "22222", p, "refused with a receipt", true).getMessageId();
        assertTrue(receiptId.startsWith("GW"), receiptId);

        // the ledger is written after the ESME is answered, the receipt comes back from the SMSC later
        assertTrue(eventually(Duration.ofSeconds(10), () -> {
            try {
                JsonNode t = trace("+" + p);
                return t.get("refused").asLong() == 4
                        && lines(t, "confirmation").size() == 1
                        && lines(t, "confirmation").get(0).hasNonNull("receipt");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }));
        JsonNode t = trace("+" + p);
        assertEquals("+" + p, t.get("number").asText());
        assertEquals(0, t.get("violations").asLong());
        assertTrue(t.get("ledger").asBoolean());

        JsonNode optOut = t.get("lines").get(0);
        assertEquals("opt_out", optOut.get("type").asText());
        assertEquals("global", optOut.get("scope").asText());
        assertEquals("STOP", optOut.get("keyword").asText());
        assertEquals("mo_keyword", optOut.get("source").asText());

        JsonNode confirmation = t.get("lines").get(1);
        assertEquals("confirmation", confirmation.get("type").asText());
        assertEquals(confirmationId, confirmation.get("messageId").asText(), "the SMSC's message id");
        assertEquals("DELIVRD", confirmation.get("receipt").asText(), "the simulator's receipt state");
        assertEquals(optOut.get("eventId").asText(), confirmation.get("eventId").asText());
        assertEquals("opt_out", confirmation.get("reason").asText());
        assertEquals("12345", confirmation.get("sender").asText());

        List<JsonNode> refused = lines(t, "refused");
        assertEquals(
                List.of("submit_sm", "data_sm", "submit_multi", "submit_sm"),
                refused.stream().map(l -> l.get("command").asText()).toList());
        for (JsonNode l : refused) {
            assertEquals("suppressed", l.get("reason").asText(), l.toString());
            assertEquals("global", l.get("scope").asText(), "the entry that refused it: " + l);
            assertTrue(l.get("sequence").asInt() > 0, l.toString());
            assertTrue(l.get("time").asText().compareTo(optOut.get("time").asText()) >= 0);
        }
        assertEquals("acme", refused.get(0).get("account").asText());
        assertEquals("12345", refused.get(0).get("sender").asText());
        assertEquals("0x0000000B", refused.get(0).get("status").asText());
        JsonNode withReceipt = refused.get(3);
        assertEquals("rcpt", withReceipt.get("account").asText());
        assertEquals("0x00000000", withReceipt.get("status").asText(), "ESME_ROK, then the REJECTD receipt");
        assertEquals(receiptId, withReceipt.get("messageId").asText());
        assertEquals("REJECTD", withReceipt.get("receipt").asText());

        // the other destination of the submit_multi was relayed and has nothing in its trace
        JsonNode otherTrace = trace("+" + other);
        assertEquals(0, otherTrace.get("lines").size());

        String[] r = cli("audit", "trace", "+" + p);
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].startsWith("+" + p + ": no violation, 4 refused"), r[1]);
        assertTrue(r[1].contains("opt_out"), r[1]);
        assertTrue(r[1].contains("confirmation") && r[1].contains("messageId=" + confirmationId), r[1]);
        assertTrue(r[1].contains("receipt=DELIVRD"), r[1]);
        assertTrue(r[1].contains("receipt=REJECTD") && r[1].contains("messageId=" + receiptId), r[1]);
        assertEquals(7, r[1].strip().lines().count(), "summary, opt-out, confirmation, 4 refusals:\n" + r[1]);
        String[] json = cli("audit", "trace", p.substring(1), "--json");
        assertEquals("0", json[0], json[2]);
        assertEquals(4, JSON.readTree(json[1]).get("refused").asLong());
    }

    private static void scheduled(SMPPSession s, String from, String to) throws Exception {
        submitSm(s).from(from).to(to).schedule("000000010000000R").text("later").send();
    }

    @Test
    void refusalsOfTheScheduleTheFrequencyCapAndTheOptOutInstructionAreRecordedToo() throws Exception {
        String p = person();
        String q = person();
        SMPPSession sched = bind("sched");
        SMPPSession capped = bind("capped");
        SMPPSession instr = bind("instr");
        int schedStatus = status(() -> scheduled(sched, "44444", p));
        assertEquals(0x61, schedStatus, "ESME_RINVSCHED");
        assertEquals(0, status(() -> Esmes.submit(capped, "55555", p, "first", false)));
        int capStatus = status(() -> Esmes.submit(capped, "55555", p, "second", false));
        assertTrue(capStatus != 0, "the second within 24 h is refused");
        int instrStatus = status(() -> Esmes.submit(instr, "66666", p, "no way out", false));
        assertTrue(instrStatus != 0, "no opt-out instruction: refused");
        SMPPSession instrMulti = instr;
        int multiStatus = status(() -> {
            SubmitMultiResult r = instrMulti.submitMultiple(
                    "",
                    TypeOfNumber.UNKNOWN,
                    NumberingPlanIndicator.UNKNOWN,
                    "66666",
                    new Address[] {
                        new Address(TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, p),
                        new Address(TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, q)
                    },
                    new ESMClass(),
                    (byte) 0,
                    (byte) 1,
                    null,
                    null,
                    new RegisteredDelivery(SMSCDeliveryReceipt.DEFAULT),
                    ReplaceIfPresentFlag.DEFAULT,
                    new GeneralDataCoding(Alphabet.ALPHA_DEFAULT),
                    (byte) 0,
                    "no way out".getBytes(StandardCharsets.ISO_8859_1));
            assertNotNull(r);
        });
        assertEquals(instrStatus, multiStatus, "the whole submit_multi refused");

        assertTrue(eventually(Duration.ofSeconds(10), () -> {
            try {
                return trace("+" + p).get("refused").asLong() == 4
                        && trace("+" + q).get("refused").asLong() == 1;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }));
        List<JsonNode> refused = lines(trace("+" + p), "refused");
        assertEquals(
                List.of("schedule", "frequency_cap", "no_instruction", "no_instruction"),
                refused.stream().map(l -> l.get("reason").asText()).toList());
        assertEquals(
                List.of("sched", "capped", "instr", "instr"),
                refused.stream().map(l -> l.get("account").asText()).toList());
        assertEquals(
                String.format("0x%08X", schedStatus),
                refused.get(0).get("status").asText());
        assertEquals(
                String.format("0x%08X", capStatus), refused.get(1).get("status").asText());
        assertEquals("submit_multi", refused.get(3).get("command").asText());
        JsonNode other = lines(trace("+" + q), "refused").get(0);
        assertEquals("submit_multi", other.get("command").asText());
        assertEquals("no_instruction", other.get("reason").asText());
        assertEquals(0, lines(trace("+" + p), "relayed").size(), "the first capped message: no entry, not recorded");
    }

    @Test
    void aFailOpenRelayWhileTheListCannotBeReadIsFlaggedAsAViolation() throws Exception {
        String p = person();
        String confirmationId = stop(p, "12345");
        SMPPSession open = bind("open");
        assertEquals(REFUSED, status(() -> Esmes.submit(open, "33333", p, "checked: refused", false)));
        // the confirmation's receipt is in before Redis freezes
        assertTrue(eventually(Duration.ofSeconds(10), () -> {
            try {
                return lines(trace("+" + p), "confirmation").get(0).hasNonNull("receipt");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }));

        long before = smsc.submitCount();
        redis.pause();
        String relayedId;
        try {
            relayedId =
                    Esmes.submit(open, "33333", p, "one-time password", false).getMessageId();
        } finally {
            redis.resume();
        }
        assertNotNull(relayedId, "the fail-open account's message was relayed");
        assertEquals(before + 1, smsc.submitCount());

        assertTrue(eventually(Duration.ofSeconds(10), () -> {
            try {
                return trace("+" + p).get("violations").asLong() == 1;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }));
        JsonNode t = trace("+" + p);
        List<JsonNode> relayed = lines(t, "relayed_unchecked");
        assertEquals(1, relayed.size(), t.toPrettyString());
        JsonNode v = relayed.get(0);
        assertTrue(v.get("violation").asBoolean());
        assertEquals("open", v.get("account").asText());
        assertEquals("33333", v.get("sender").asText());
        String optOutId = lines(t, "opt_out").get(0).get("eventId").asText();
        assertTrue(v.get("violates").asText().contains(optOutId), v.toString());
        assertEquals(1, lines(t, "refused").size());
        assertEquals(
                confirmationId, lines(t, "confirmation").get(0).get("messageId").asText());

        String[] r = cli("audit", "trace", "+" + p);
        assertEquals("1", r[0], "exit status 1: a violation\n" + r[1] + r[2]);
        assertTrue(r[1].startsWith("+" + p + ": 1 VIOLATION"), r[1]);
        assertTrue(r[1].contains("relayed_unchecked !") && r[1].contains("VIOLATION of event " + optOutId), r[1]);
    }

    @Test
    void aRelayToANumberWhoseOptOutWasLiftedIsRecordedWithoutAViolation() throws Exception {
        String p = person();
        stop(p, "12345");
        assertEquals(
                0,
                smsc.injectMo(p, "12345", "START".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS));
        SMPPSession acme = bind("acme");
        // the START is recorded a second after the STOP at the latest (the list's tie rule keeps the
        // opt-out within one second): wait until the list relays again
        assertTrue(eventually(
                Duration.ofSeconds(5), () -> status(() -> Esmes.submit(acme, "12345", p, "hi", false)) == 0));
        assertTrue(eventually(Duration.ofSeconds(10), () -> {
            try {
                return !lines(trace("+" + p), "relayed").isEmpty();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }));
        JsonNode t = trace("+" + p);
        assertEquals(0, t.get("violations").asLong(), t.toPrettyString());
        JsonNode relayed = lines(t, "relayed").get(lines(t, "relayed").size() - 1);
        assertTrue(!relayed.has("violation"), relayed.toString());
        assertEquals("acme", relayed.get("account").asText());
        assertEquals(1, lines(t, "opt_in").size());
    }

    @Test
    void withTheLedgerOffNothingIsWrittenRepliesAskForNoReceiptAndTheTraceIsTheAuditTrail() throws Exception {
        try (SmscSimulator sim = new SmscSimulator(SimulatorOptions.defaults()).start()) {
            Gateway off = TestGateways.start("gw-evidence-off", redis.uri(), """
                    optout: { reconcileInterval: 1h }
                    evidence: { enabled: false }
                    upstreams:
                      - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                    accounts:
                      - { systemId: acme, password: pw, numbers: ["12345"] }
                    """.formatted(sim.port()), TOKEN);
            try {
                awaitBound(off);
                String p = person();
                assertEquals(
                        0,
                        sim.injectMo(p, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                                .get(10, TimeUnit.SECONDS));
                ReceivedMessage reply =
                        sim.awaitSubmits(1, Duration.ofSeconds(10)).get(0);
                assertEquals(0, reply.pdu().getRegisteredDelivery(), "no receipt asked for: nothing to record it in");
                SMPPSession acme = Esmes.bind(off.smppPort(), BindType.BIND_TX, "acme", "pw", null);
                sessions.add(acme);
                assertEquals(REFUSED, status(() -> Esmes.submit(acme, "12345", p, "refused", false)));

                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + off.httpPort() + "/api/trace/%2B" + p))
                                .header("Authorization", "Bearer " + TOKEN)
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                JsonNode t = JSON.readTree(r.body());
                assertTrue(!t.get("ledger").asBoolean());
                assertEquals(1, t.get("lines").size(), "the opt-out only: " + t);
                assertEquals("opt_out", t.get("lines").get(0).get("type").asText());
                int bucket = new SuppressionStore(inspector.async(), SuppressionStore.DEFAULT_BUCKETS).bucket(p);
                assertEquals(
                        0L,
                        inspector
                                .async()
                                .exists(
                                        RedisKeys.refusalLedger(bucket, p),
                                        RedisKeys.refusalRollup(bucket, p),
                                        RedisKeys.confirmations(bucket, p))
                                .toCompletableFuture()
                                .get(5, TimeUnit.SECONDS),
                        "no ledger key written");
            } finally {
                off.close();
            }
        }
    }

    @Test
    void theTraceNeedsTheTokenAndANumberAndReadsNationalNumbersInTheRegion() throws Exception {
        String base = "http://127.0.0.1:" + gateway.httpPort() + "/api/trace/";
        HttpResponse<String> noToken = http.send(
                HttpRequest.newBuilder(URI.create(base + "%2B12025550100"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, noToken.statusCode());
        HttpResponse<String> notANumber = http.send(
                HttpRequest.newBuilder(URI.create(base + "hello"))
                        .header("Authorization", "Bearer " + TOKEN)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, notANumber.statusCode(), notANumber.body());
        String p = person();
        stop(p, "12345");
        // 202555xxxx read in the default region (US) is the same number
        JsonNode national = trace(p.substring(1));
        assertEquals("+" + p, national.get("number").asText());
        assertEquals("opt_out", national.get("lines").get(0).get("type").asText());
        String[] r = cli("audit", "trace", "hello");
        assertEquals("2", r[0], "refused: " + r[2]);
        assertTrue(r[2].startsWith("error: gateway answered 400"), r[2]);
    }

    @Test
    void aLedgerWriteThatFailsIsCountedAndTheSubmitIsAnsweredAsAlways() throws Exception {
        String p = person();
        stop(p, "12345");
        SMPPSession acme = bind("acme");
        // a key of the wrong type where the number's detail goes: every ledger write of it fails
        int bucket = new SuppressionStore(inspector.async(), SuppressionStore.DEFAULT_BUCKETS).bucket(p);
        String detailKey = RedisKeys.refusalLedger(bucket, p);
        inspector
                .async()
                .set(detailKey, "not a sorted set")
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        double errorsBefore = ledgerErrors();

        long start = System.nanoTime();
        assertEquals(REFUSED, status(() -> Esmes.submit(acme, "12345", p, "refused", false)));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 2000);
        assertTrue(eventually(Duration.ofSeconds(5), () -> {
            try {
                return ledgerErrors() >= errorsBefore + 1;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }));
        // and the next refusal is recorded once the key is usable again
        inspector.async().del(detailKey).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(REFUSED, status(() -> Esmes.submit(acme, "12345", p, "refused again", false)));
        assertTrue(eventually(Duration.ofSeconds(5), () -> {
            try {
                return lines(trace("+" + p), "refused").size() == 1;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }));
    }
}
