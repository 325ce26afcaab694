package io.optoutgw.reliability;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static io.optoutgw.testsupport.TestGateways.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.tlv.Tlv;
import com.cloudhopper.smpp.type.Address;
import io.optoutgw.app.Gateway;
import io.optoutgw.codec.SubmitMulti;
import io.optoutgw.redis.RedisConnectException;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.simulator.ReceivedMessage;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.journal.JournalCorruptException;
import io.optoutgw.suppression.journal.OptOutJournal;
import io.optoutgw.testsupport.ChildGateway;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.FreePorts;
import io.optoutgw.testsupport.RawSmpp;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per failure scenario of docs/reliability.md ("Scenarios"), named after it. Each
 * starts its own redis-server, SMSC simulator and gateway on 127.0.0.1, injects the fault and checks
 * the promise (NL nothing lost, FC fail closed, BR bounded resources, AL at-least-once). Scenarios 2
 * and 3 kill a gateway running in a child JVM with SIGKILL. Everything a test starts is stopped by
 * PID in {@link #cleanUp()}. Deeper variants of several scenarios live in the tests named in the
 * javadoc of each method.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReliabilityScenariosTest {

    private static final AtomicInteger PERSON = new AtomicInteger(4000);
    private static final byte[] STOP = "STOP".getBytes(StandardCharsets.ISO_8859_1);
    private static final int ESME_RX_T_APPN = 0x64;
    private static final int ESME_RTHROTTLED = 0x58;
    private static final int ESME_RSYSERR = 0x08;
    private static final int ESME_RINVDSTADR = 0x0B;

    @TempDir
    Path tmp;

    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                AutoCloseable c = started.get(i);
                if (c instanceof SMPPSession s) {
                    s.unbindAndClose();
                } else {
                    c.close();
                }
            } catch (Exception ignored) {
                // keep stopping the rest
            }
        }
    }

    // ---------------------------------------------------------------- fixtures

    private <T extends AutoCloseable> T keep(T resource) {
        started.add(resource);
        return resource;
    }

    private RedisServerProcess redis() {
        return keep(RedisServerProcess.start());
    }

    private SmscSimulator smsc() {
        return smsc(SimulatorOptions.defaults());
    }

    private SmscSimulator smsc(SimulatorOptions options) {
        return keep(new SmscSimulator(options).start());
    }

    private static String upstream(int smscPort, String extra) {
        return "upstreams:\n  - { name: sim, host: 127.0.0.1, port: " + smscPort + ", systemId: gw, binds: 1,"
                + " reconnectInitialDelay: 50ms, reconnectMaxDelay: 200ms" + extra + " }\n";
    }

    private static final String ACCOUNTS = """
            accounts:
              - { systemId: acme, password: pw, numbers: ["12345"] }
              - { systemId: absent, password: pw, numbers: ["99999"] }
            """;

    /** An in-process gateway relaying to {@code smsc}; {@code extra} is YAML (relay, optout, smpp ...). */
    private Gateway gateway(String id, RedisServerProcess redis, SmscSimulator smsc, String extra) throws Exception {
        Gateway g = keep(TestGateways.start(id, redis.uri(), extra + upstream(smsc.port(), "") + ACCOUNTS));
        awaitBound(g);
        return g;
    }

    private SuppressionStore store(RedisServerProcess redis) {
        RedisConnector c = keep(RedisConnector.connect(redis.uri(), Duration.ofSeconds(2)));
        return new SuppressionStore(c.async(), SuppressionStore.DEFAULT_BUCKETS);
    }

    private SMPPSession esme(Gateway g, BindType type) throws IOException {
        return keep(Esmes.bind(g.smppPort(), type, "acme", "pw", new Esmes.Inbox()));
    }

    private static String person() {
        return "1555800" + String.format("%04d", PERSON.incrementAndGet());
    }

    private static int inject(SmscSimulator smsc, String from, String to, byte[] text, int dataCoding)
            throws Exception {
        return smsc.injectMo(from, to, text, (byte) dataCoding).get(30, TimeUnit.SECONDS);
    }

    private static boolean suppressed(SuppressionStore store, String number) throws Exception {
        return store.check(number, "acme", "12345")
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS)
                .suppressed();
    }

    private static long optOutEvents(SuppressionStore store, String number) throws Exception {
        return store.history(number).toCompletableFuture().get(5, TimeUnit.SECONDS).stream()
                .filter(e -> e.type() == ConsentEvent.Type.OPT_OUT)
                .count();
    }

    /** Confirmations (replies) the gateway sent to {@code person}, as the SMSC received them. */
    private static List<ReceivedMessage> repliesTo(SmscSimulator smsc, String person) {
        return smsc.receivedMessages().stream()
                .filter(m -> m.pdu().getDestAddress().getAddress().equals(person))
                .toList();
    }

    private static int status(Exception e) {
        return assertInstanceOf(NegativeResponseException.class, e).getCommandStatus();
    }

    private static double metric(Gateway g, String prefix) throws Exception {
        String body = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return body.lines()
                .filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static boolean quietly(Check check) {
        try {
            return check.ok();
        } catch (Exception e) {
            return false;
        }
    }

    @FunctionalInterface
    private interface Check {
        boolean ok() throws Exception;
    }

    // ---------------------------------------------------------------- recording opt-outs

    /** NL, AL. Deeper: OptOutCaptureTest#redisFrozenWhileStopArrivesMeansRetryLaterThenRecordedOnRedelivery, #redisKilled... */
    @Test
    void s01_redisFrozenWhenStopArrives_smscIsToldToRetryNeverOk_thenTheRedeliveryIsRecorded() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        gateway("gw-s01", redis, smsc, "optout: { recordTimeout: 1500ms, reconcileInterval: 1h }\n");
        SuppressionStore store = store(redis);
        String p = person();
        redis.pause();
        try {
            assertEquals(ESME_RX_T_APPN, inject(smsc, p, "12345", STOP, 0), "never ESME_ROK while Redis is frozen");
        } finally {
            redis.resume();
        }
        assertTrue(
                eventually(Duration.ofSeconds(20), () -> quietly(() -> inject(smsc, p, "12345", STOP, 0) == 0)),
                "the SMSC's redelivery is acknowledged once Redis answers");
        assertTrue(suppressed(store, p));
        assertTrue(eventually(Duration.ofSeconds(10), () -> repliesTo(smsc, p).size() == 1), "one confirmation");
    }

    /** Config of a child-JVM gateway whose Redis writes wait up to 5 s, so a kill fits between journal and response. */
    private static String childConfig(
            String instanceId, RedisServerProcess redis, Path journal, int smscPort, int smppPort, int httpPort) {
        return """
                instanceId: %s
                smpp: { host: 127.0.0.1, port: %d, bindTimeout: 5s }
                http: { host: 127.0.0.1, port: %d }
                redis: { uri: "%s", commandTimeout: 5s }
                optout: { journalDir: "%s", recordTimeout: 30s, reconcileInterval: 1h }
                """.formatted(instanceId, smppPort, httpPort, redis.uri(), journal) + upstream(smscPort, "") + ACCOUNTS;
    }

    private static long journalBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().startsWith("journal-"))
                    .mapToLong(f -> f.toFile().length())
                    .sum();
        }
    }

    /**
     * Starts a child-JVM gateway, freezes Redis, injects STOP and kills the gateway with SIGKILL once
     * the journal holds the STOP, before any deliver_sm_resp. Returns the injection's future.
     */
    private CompletableFuture<Integer> stopThenKill(
            ChildGateway child, RedisServerProcess redis, SmscSimulator smsc, Path journal, String p) throws Exception {
        long before = journalBytes(journal);
        redis.pause();
        CompletableFuture<Integer> firstPass = smsc.injectMo(p, "12345", STOP, (byte) 0);
        // the gateway journals the STOP and waits up to 5 s for the Redis write: kill it in that gap.
        assertTrue(
                eventually(Duration.ofSeconds(30), () -> quietly(() -> journalBytes(journal) > before)),
                "the STOP reached the journal:\n" + child.log());
        child.kill9();
        assertFalse(
                firstPass.isDone() && !firstPass.isCompletedExceptionally() && firstPass.get() == 0,
                "the SMSC never got ESME_ROK for the first pass");
        redis.resume();
        return firstPass;
    }

    /**
     * NL, AL. The SMSC redelivers after the gateway died holding the deliver_sm; the second pass is
     * harmless: the number is opted out once (list state), the person gets exactly one confirmation
     * (the first pass died before confirming; the redelivery confirms; a further redelivery is
     * not confirmed again). Every pass is recorded, so the audit trail holds the STOP three times:
     * the journaled first pass, replayed at start-up, and both redeliveries.
     */
    @Test
    void s02_gatewayKilledBetweenDeliverSmAndItsResponse_theRedeliveryIsHarmless() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        SuppressionStore store = store(redis);
        Path journal = Files.createDirectories(tmp.resolve("journal-s02"));
        int smpp = FreePorts.find();
        int http = FreePorts.find();
        String yaml = childConfig("gw-s02", redis, journal, smsc.port(), smpp, http);
        ChildGateway first =
                keep(ChildGateway.launch(tmp, "gw-s02-a", yaml, smpp, http)).awaitReady(Duration.ofSeconds(60));
        String p = person();
        stopThenKill(first, redis, smsc, journal, p);

        ChildGateway second =
                keep(ChildGateway.launch(tmp, "gw-s02-b", yaml, smpp, http)).awaitReady(Duration.ofSeconds(60));
        assertTrue(eventually(Duration.ofSeconds(20), () -> smsc.boundSessionCount() > 0));
        assertEquals(0, inject(smsc, p, "12345", STOP, 0), "the redelivery is acknowledged");
        assertEquals(0, inject(smsc, p, "12345", STOP, 0), "and so is one more");
        assertTrue(suppressed(store, p));
        assertTrue(eventually(Duration.ofSeconds(10), () -> repliesTo(smsc, p).size() == 1), "a confirmation");
        Thread.sleep(500);
        assertEquals(1, repliesTo(smsc, p).size(), "exactly one confirmation:\n" + second.log());
        long events = optOutEvents(store, p);
        assertEquals(3, events, "the journaled pass and both redeliveries");
    }

    /** NL. The journal alone holds the STOP (Redis frozen, then flushed); replay restores it before ESMEs can bind. */
    @Test
    void s03_gatewayKilledAfterTheJournalWriteBeforeRedis_replayedAtStartUpBeforeAnyBind() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        SuppressionStore store = store(redis);
        Path journal = Files.createDirectories(tmp.resolve("journal-s03"));
        int smpp = FreePorts.find();
        int http = FreePorts.find();
        String yaml = childConfig("gw-s03", redis, journal, smsc.port(), smpp, http);
        ChildGateway first =
                keep(ChildGateway.launch(tmp, "gw-s03-a", yaml, smpp, http)).awaitReady(Duration.ofSeconds(60));
        String p = person();
        stopThenKill(first, redis, smsc, journal, p);
        try (OptOutJournal j = OptOutJournal.open(journal, OptOutJournal.Options.defaults())) {
            List<String> entries = new ArrayList<>();
            j.replay(0, (seq, payload) -> entries.add(new String(payload, StandardCharsets.UTF_8)));
            assertTrue(entries.stream().anyMatch(e -> e.contains(p)), "the dead gateway's journal holds the STOP");
        }
        // A Redis write may still have been in its socket buffer: make sure Redis does not hold the opt-out.
        try (RedisConnector c = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2))) {
            c.async().flushall().get(5, TimeUnit.SECONDS);
        }
        assertFalse(suppressed(store, p));

        ChildGateway second = keep(ChildGateway.launch(tmp, "gw-s03-b", yaml, smpp, http));
        // the first moment an ESME could bind is when the SMPP port accepts a connection
        assertTrue(
                eventually(Duration.ofSeconds(60), () -> {
                    try (Socket s = new Socket("127.0.0.1", smpp)) {
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                }),
                "restarted gateway listens:\n" + second.log());
        assertTrue(suppressed(store, p), "replayed into Redis before the SMPP port opened");
        second.awaitReady(Duration.ofSeconds(30));
        SMPPSession acme = keep(Esmes.bind(smpp, BindType.BIND_TX, "acme", "pw", null));
        assertEquals(
                ESME_RINVDSTADR,
                status(assertThrows(Exception.class, () -> Esmes.submit(acme, "12345", p, "hello again", false))));
    }

    /** NL. Deeper: OptOutCaptureTest#redisRestartedEmptyIsRestoredFromTheJournalByReconciliation. */
    @Test
    void s04a_redisRestartedEmpty_reconciliationRestoresTheListAndRaisesTheDiscrepancyMetric() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        Gateway g = gateway("gw-s04a", redis, smsc, "optout: { reconcileInterval: 1h }\n");
        SuppressionStore store = store(redis);
        String p = person();
        assertEquals(0, inject(smsc, p, "12345", STOP, 0));
        redis.restart(); // no persistence: back empty
        assertTrue(eventually(Duration.ofSeconds(10), () -> quietly(() -> !suppressed(store, p))));
        assertTrue(eventually(Duration.ofSeconds(20), () -> quietly(() -> g.reconcileNow() > 0)));
        assertTrue(suppressed(store, p));
        assertTrue(metric(g, "smppgw_journal_discrepancies_total") > 0, "the alert metric rose");
    }

    /**
     * NL. Redis with AOF, killed with SIGKILL, the tail of its AOF torn off (the last opt-out's
     * write), restarted with aof-load-truncated: the marker key survived (it is older than the lost
     * write), so only replaying from the marker finds what Redis lost.
     */
    @Test
    void s04b_redisAofTailTorn_reconciliationRestoresTheLostOptOut() throws Exception {
        RedisServerProcess redis = keep(RedisServerProcess.start(true));
        SmscSimulator smsc = smsc();
        Gateway g = gateway("gw-s04b", redis, smsc, "optout: { reconcileInterval: 1h }\n");
        SuppressionStore store = store(redis);
        String kept = person();
        String torn = person();
        assertEquals(0, inject(smsc, kept, "12345", STOP, 0));
        assertEquals(0, inject(smsc, torn, "12345", STOP, 0));
        assertTrue(suppressed(store, torn));
        redis.kill();
        Path incr;
        try (Stream<Path> files = Files.list(redis.dir().resolve("appendonlydir"))) {
            incr = files.filter(f -> f.getFileName().toString().endsWith(".incr.aof"))
                    .findFirst()
                    .orElseThrow();
        }
        byte[] aof = Files.readAllBytes(incr);
        int cut = new String(aof, StandardCharsets.ISO_8859_1).indexOf(torn);
        assertTrue(cut > 0, "the AOF holds the last opt-out");
        try (RandomAccessFile f = new RandomAccessFile(incr.toFile(), "rw")) {
            f.setLength(cut - 1); // mid-command: a torn tail
        }
        redis.restart(); // aof-load-truncated yes (the default) loads the intact prefix
        assertTrue(
                eventually(Duration.ofSeconds(10), () -> quietly(() -> suppressed(store, kept))),
                "the intact prefix was loaded");
        assertFalse(suppressed(store, torn), "the torn write is gone from Redis");
        double before = metric(g, "smppgw_journal_discrepancies_total");
        assertTrue(
                eventually(
                        Duration.ofSeconds(20),
                        () -> quietly(() -> {
                            g.reconcileNow();
                            return suppressed(store, torn);
                        })),
                "reconciliation restored the opt-out the torn AOF lost");
        assertTrue(metric(g, "smppgw_journal_discrepancies_total") > before, "the alert metric rose");
    }

    /** NL. FLUSHALL (or a failover to an empty replica) removes the marker too: the whole journal is replayed. */
    @Test
    void s04c_redisFlushAll_reconciliationRestoresTheList() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        Gateway g = gateway("gw-s04c", redis, smsc, "optout: { reconcileInterval: 1h }\n");
        SuppressionStore store = store(redis);
        String p = person();
        assertEquals(0, inject(smsc, p, "12345", STOP, 0));
        try (RedisConnector c = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2))) {
            c.async().flushall().get(5, TimeUnit.SECONDS);
        }
        assertFalse(suppressed(store, p));
        assertTrue(g.reconcileNow() > 0);
        assertTrue(suppressed(store, p));
        assertEquals(1, optOutEvents(store, p), "replay is idempotent: one audit entry");
        assertTrue(metric(g, "smppgw_journal_discrepancies_total") > 0);
    }

    /** NL. Deeper: OptOutCaptureTest#optOutIsRecordedAndConfirmedWhenTheOwningEsmeIsNotBound. */
    @Test
    void s05_owningEsmeNotBound_optOutStillRecordedConfirmedAndAcknowledged() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        gateway("gw-s05", redis, smsc, "");
        SuppressionStore store = store(redis);
        String p = person();
        assertEquals(0, inject(smsc, p, "99999", "Quit".getBytes(StandardCharsets.ISO_8859_1), 0));
        assertTrue(store.check(p, "absent", "99999")
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS)
                .suppressed());
        assertTrue(eventually(Duration.ofSeconds(10), () -> repliesTo(smsc, p).size() == 1));
    }

    /**
     * NL. Compact: UCS-2, Latin-1 in message_payload, a concatenated STOP, lower case with
     * punctuation; a receipt quoting STOP is no opt-out. Deeper: OptOutCaptureTest (every form),
     * PackedGsmOptOutTest (GSM 7-bit packed), TextDecoderTest, KeywordEngineTest, OptOutTextFuzzTest.
     */
    @Test
    void s06_stopInAnyEncodingPayloadOrConcatenation_receiptsNeverCount() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        Gateway g = gateway("gw-s06", redis, smsc, "");
        esme(g, BindType.BIND_TRX); // parts of a concatenated message are relayed to the owner until complete
        SuppressionStore store = store(redis);
        String ucs2 = person();
        assertEquals(0, inject(smsc, ucs2, "12345", " Stop! ".getBytes(StandardCharsets.UTF_16BE), 8));
        String payload = person();
        DeliverSm mo = mo(payload, new byte[0], 3, 0);
        mo.addOptionalParameter(
                new Tlv(SmppConstants.TAG_MESSAGE_PAYLOAD, "stop.".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals(0, smsc.injectMo(mo).get(30, TimeUnit.SECONDS));
        String concat = person();
        for (int seq = 2; seq >= 1; seq--) {
            byte[] udh = HexFormat.of().parseHex("0500037702" + "0" + seq);
            byte[] body = (seq == 1 ? "st" : "op").getBytes(StandardCharsets.ISO_8859_1);
            byte[] sm = new byte[udh.length + body.length];
            System.arraycopy(udh, 0, sm, 0, udh.length);
            System.arraycopy(body, 0, sm, udh.length, body.length);
            assertEquals(0, smsc.injectMo(mo(concat, sm, 0, 0x40)).get(30, TimeUnit.SECONDS));
        }
        String receipt = person();
        smsc.injectMo(mo(
                        receipt,
                        "id:1 sub:001 dlvrd:001 submit date:2611260900 done date:2611260901 stat:DELIVRD err:000 text:STOP"
                                .getBytes(StandardCharsets.ISO_8859_1),
                        0,
                        0x04))
                .get(30, TimeUnit.SECONDS);
        for (String p : List.of(ucs2, payload, concat)) {
            assertTrue(suppressed(store, p), p);
        }
        assertFalse(suppressed(store, receipt), "a receipt is never an opt-out");
    }

    private static DeliverSm mo(String from, byte[] shortMessage, int dataCoding, int esmClass) throws Exception {
        DeliverSm mo = new DeliverSm();
        mo.setSourceAddress(new Address((byte) 1, (byte) 1, from));
        mo.setDestAddress(new Address((byte) 0, (byte) 1, "12345"));
        mo.setDataCoding((byte) dataCoding);
        mo.setEsmClass((byte) esmClass);
        mo.setShortMessage(shortMessage);
        return mo;
    }

    /** AL. Deeper: OptOutCaptureTest#theSameMoDeliveredTwiceYieldsOneOptOutAndOneConfirmation. */
    @Test
    void s07_sameStopDeliveredTwice_oneOptOutOneConfirmationBothAcknowledged() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        gateway("gw-s07", redis, smsc, "");
        SuppressionStore store = store(redis);
        String p = person();
        assertEquals(0, inject(smsc, p, "12345", STOP, 0));
        assertEquals(0, inject(smsc, p, "12345", STOP, 0));
        assertTrue(eventually(Duration.ofSeconds(10), () -> repliesTo(smsc, p).size() == 1));
        Thread.sleep(500);
        assertEquals(1, repliesTo(smsc, p).size());
        assertTrue(suppressed(store, p));
        assertEquals(2, optOutEvents(store, p), "both deliveries are recorded; the list holds one opt-out");
    }

    // ---------------------------------------------------------------- blocking sends

    /** FC. Deeper: SuppressionEnforcementTest#redisFrozenMeansThrottledWithinTheBoundAndNothingRelayed, #redisKilled... */
    @Test
    void s08_redisFrozenOrDown_submitsThrottledWithinABoundAndNothingReachesTheSmsc() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        Gateway g = gateway("gw-s08", redis, smsc, "");
        SMPPSession acme = esme(g, BindType.BIND_TX);
        long before = smsc.submitCount();
        redis.pause();
        try {
            assertEquals(
                    ESME_RTHROTTLED,
                    status(assertThrows(
                            Exception.class, () -> Esmes.submit(acme, "12345", person(), "frozen", false))));
        } finally {
            redis.resume();
        }
        redis.kill();
        assertEquals(
                ESME_RTHROTTLED,
                status(assertThrows(Exception.class, () -> Esmes.submit(acme, "12345", person(), "down", false))));
        assertEquals(before, smsc.submitCount(), "nothing reached the SMSC");
    }

    /** BR. Deeper: RedisConnectorTest (paused server times out within commandTimeout, killed server rejects). */
    @Test
    void s09_lettuceIsBounded_commandsFailFastWhileDisconnectedOrFrozen() throws Exception {
        RedisServerProcess redis = redis();
        RedisConnector c = keep(RedisConnector.connect(redis.uri(), Duration.ofMillis(300)));
        redis.pause();
        try {
            long t0 = System.nanoTime();
            assertThrows(Exception.class, () -> c.async().ping().get(30, TimeUnit.SECONDS));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(25), "timed out by Lettuce, not by the test");
        } finally {
            redis.resume();
        }
        redis.kill();
        List<CompletableFuture<String>> many = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            many.add(c.async().ping().toCompletableFuture());
        }
        for (CompletableFuture<String> f : many) {
            assertThrows(
                    Exception.class, () -> f.get(30, TimeUnit.SECONDS), "rejected or timed out, never queued forever");
        }
    }

    /** FC. Deeper: SuppressionEnforcementTest#anOptOutOnOneInstanceIsEnforcedByAnotherOnTheNextSubmit. */
    @Test
    void s10_stopThenImmediateSubmit_blockedOnTheSameGatewayAndOnAnotherSharingRedis() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        Gateway a = gateway("gw-s10a", redis, smsc, "");
        Gateway b = gateway("gw-s10b", redis, smsc, "");
        SMPPSession onA = esme(a, BindType.BIND_TX);
        SMPPSession onB = esme(b, BindType.BIND_TX);
        String p = person();
        assertEquals(0, inject(smsc, p, "12345", STOP, 0));
        assertEquals(
                ESME_RINVDSTADR,
                status(assertThrows(Exception.class, () -> Esmes.submit(onA, "12345", p, "x", false))));
        assertEquals(
                ESME_RINVDSTADR,
                status(assertThrows(Exception.class, () -> Esmes.submit(onB, "12345", p, "x", false))));
    }

    /** FC. Deeper: PhoneNumbersTest, SuppressionEnforcementTest#everyVariantOfAnOptedOutNumberIsRefused. */
    @Test
    void s11_numberVariantsMapToOneKey() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        Gateway g = gateway("gw-s11", redis, smsc, "");
        SMPPSession acme = esme(g, BindType.BIND_TX);
        String p = person(); // 1555800nnnn
        assertEquals(0, inject(smsc, p, "12345", STOP, 0));
        String national = p.substring(1);
        Object[][] variants = {
            {TypeOfNumber.INTERNATIONAL, "+" + p},
            {TypeOfNumber.INTERNATIONAL, "00" + p},
            {
                TypeOfNumber.UNKNOWN,
                "+1 " + national.substring(0, 3) + " " + national.substring(3, 6) + " " + national.substring(6)
            },
            {
                TypeOfNumber.UNKNOWN,
                "+1-" + national.substring(0, 3) + "-" + national.substring(3, 6) + "-" + national.substring(6)
            },
            {TypeOfNumber.NATIONAL, national},
            {TypeOfNumber.UNKNOWN, p}
        };
        for (Object[] v : variants) {
            assertEquals(
                    ESME_RINVDSTADR,
                    status(assertThrows(
                            Exception.class,
                            () -> Esmes.submitTo(
                                    acme,
                                    "12345",
                                    (TypeOfNumber) v[0],
                                    NumberingPlanIndicator.ISDN,
                                    (String) v[1],
                                    (byte) 0,
                                    "x".getBytes()))),
                    v[0] + " " + v[1]);
        }
    }

    /**
     * FC. submit_multi needs an encoder jSMPP lacks for our checks; the full test is
     * SuppressionEnforcementTest#submitMultiRelaysTheAllowedDestinationsAndListsTheRefusedOnes. Compact
     * version: the same promise through the raw protocol.
     */
    @Test
    void s12_submitMultiWithOneOptedOutDestination_thatOneRefusedTheRestRelayed() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        Gateway g = gateway("gw-s12", redis, smsc, "");
        String out = person();
        String ok = person();
        assertEquals(0, inject(smsc, out, "12345", STOP, 0));
        try (RawSmpp esme = raw(g.smppPort())) {
            esme.bind(0x02, "acme", "pw");
            SubmitMulti multi = new SubmitMulti();
            multi.setSourceAddress(new Address((byte) 0, (byte) 0, "12345"));
            multi.setDestinations(List.of(
                    SubmitMulti.Destination.sme(new Address((byte) 1, (byte) 1, out)),
                    SubmitMulti.Destination.sme(new Address((byte) 1, (byte) 1, ok))));
            multi.setShortMessage("hi".getBytes(StandardCharsets.ISO_8859_1));
            multi.setSequenceNumber(2);
            esme.send(multi);
            RawSmpp.Frame resp = esme.read();
            assertEquals(0x80000021, resp.commandId());
            assertEquals(0, resp.status());
            String body = new String(resp.body(), StandardCharsets.ISO_8859_1);
            assertTrue(body.contains(out), "the opted-out destination is listed in unsuccess_sme");
            assertFalse(body.contains(ok));
        }
        assertTrue(eventually(
                Duration.ofSeconds(10),
                () -> smsc.receivedSubmitMultis().size()
                                + smsc.receivedMessages().stream()
                                        .filter(m -> m.pdu()
                                                .getDestAddress()
                                                .getAddress()
                                                .equals(ok))
                                        .count()
                        > 0));
        assertTrue(repliesTo(smsc, out).size() <= 1, "only the confirmation went to the opted-out number");
        assertTrue(smsc.receivedSubmitMultis().stream()
                .noneMatch(m -> m.getDestinations().stream()
                        .anyMatch(d ->
                                d.address() != null && out.equals(d.address().getAddress()))));
    }

    // ---------------------------------------------------------------- sessions

    /** BR. Deeper: GatewayRelayTest#silentSmscProducesAnErrorResponseWhenTheRequestExpires. */
    @Test
    void s13_smscNeverAnswers_requestExpiresWindowSlotFreesEsmeGetsAnError() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        Gateway g = keep(TestGateways.start(
                "gw-s13",
                redis.uri(),
                "relay: { requestTimeout: 500ms }\n" + upstream(smsc.port(), ", windowSize: 1")
                        + "accounts: [ { systemId: acme, password: pw, senderIds: [\"*\"], windowSize: 1 } ]\n"));
        awaitBound(g);
        SMPPSession acme = esme(g, BindType.BIND_TX);
        smsc.setSilent(true);
        for (int i = 0; i < 3; i++) { // three in a row through a window of one: each slot was freed
            assertEquals(
                    ESME_RSYSERR,
                    status(assertThrows(
                            Exception.class, () -> Esmes.submit(acme, "12345", person(), "into the void", false))));
        }
        smsc.setSilent(false);
        assertTrue(eventually(
                Duration.ofSeconds(20),
                () -> quietly(() ->
                        Esmes.submit(acme, "12345", person(), "answered", false).getMessageId() != null)));
    }

    /** AL. Deeper: UpstreamResilienceTest#lateResponseAfterExpiryIsDropped. */
    @Test
    void s14_lateSubmitSmRespIsDroppedNeverResentBlindly() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc(SimulatorOptions.builder()
                .responseDelay(Duration.ofMillis(1500))
                .build());
        Gateway g = gateway("gw-s14", redis, smsc, "relay: { requestTimeout: 400ms }\n");
        SMPPSession acme = esme(g, BindType.BIND_TX);
        assertEquals(
                ESME_RSYSERR,
                status(assertThrows(Exception.class, () -> Esmes.submit(acme, "12345", person(), "slow smsc", false))));
        assertTrue(eventually(
                Duration.ofSeconds(10), () -> g.upstreams().pool("sim").lateResponses() == 1));
        Thread.sleep(500);
        assertEquals(1, smsc.submitCount(), "the request was not resent");
        assertTrue(acme.getSessionState().isBound());
    }

    /** BR. Deeper: UpstreamResilienceTest#halfOpenUpstream..., #alreadyBoundIsRetriedWithBackoffUntilTheSmscAccepts. */
    @Test
    void s15_halfOpenSmscLinkDetectedByEnquireLink_reconnectWithBackoff_alreadyBoundRetried() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        Gateway g = keep(TestGateways.start(
                "gw-s15",
                redis.uri(),
                upstream(smsc.port(), ", enquireLinkInterval: 200ms, responseTimeout: 300ms") + ACCOUNTS));
        awaitBound(g);
        long binds = smsc.bindCount();
        smsc.refuseNextBinds(2, 0x05); // ESME_RALYBND on the next two attempts
        smsc.setSilent(true);
        assertTrue(
                eventually(Duration.ofSeconds(20), () -> smsc.failedBindCount() >= 1 || smsc.bindCount() > binds),
                "the silent link was noticed and a new bind attempted");
        smsc.setSilent(false);
        assertTrue(
                eventually(Duration.ofSeconds(30), () -> g.upstreams().boundCount() == 1 && smsc.bindCount() > binds),
                "ESME_RALYBND retried until bound again");
    }

    /** BR. Deeper: EsmeSessionTest#unbindWithRequestsInFlightDrains..., UpstreamResilienceTest#shutdownDrains... */
    @Test
    void s16_unbindFromEitherSideWithRequestsInFlight_noDeadlockWindowsDrained() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc(
                SimulatorOptions.builder().responseDelay(Duration.ofMillis(700)).build());
        Gateway g = gateway("gw-s16", redis, smsc, "relay: { requestTimeout: 5s }\n");
        // ESME side: unbind while its submit is in flight -> the submit is answered, then the unbind.
        SMPPSession acme = Esmes.bind(g.smppPort(), BindType.BIND_TX, "acme", "pw", null);
        CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return Esmes.submit(acme, "12345", person(), "in flight", false).getMessageId();
            } catch (Exception e) {
                return "failed: " + e;
            }
        });
        assertTrue(eventually(Duration.ofSeconds(10), () -> smsc.submitCount() == 1));
        acme.unbindAndClose();
        assertFalse(inFlight.get(20, TimeUnit.SECONDS).startsWith("failed"), "answered before the unbind");
        // SMSC side: the SMSC goes away with a request in flight -> the ESME gets an error, the gateway rebinds.
        SMPPSession second = esme(g, BindType.BIND_TX);
        CompletableFuture<Integer> dropped = CompletableFuture.supplyAsync(() -> {
            try {
                Esmes.submit(second, "12345", person(), "dropped", false);
                return 0;
            } catch (Exception e) {
                return e instanceof NegativeResponseException n ? n.getCommandStatus() : -1;
            }
        });
        assertTrue(eventually(Duration.ofSeconds(10), () -> smsc.submitCount() == 2));
        smsc.dropConnections();
        int status = dropped.get(20, TimeUnit.SECONDS);
        assertTrue(status == 0 || status == ESME_RSYSERR, "an answer, never a hang: " + status);
        assertTrue(eventually(Duration.ofSeconds(20), () -> g.upstreams().boundCount() == 1));
        assertTrue(
                eventually(Duration.ofSeconds(10), () -> quietly(() -> metric(g, "smppgw_esme_inflight") == 0)),
                "no request left in any ESME window");
    }

    /**
     * BR. An ESME that sends but never reads: the gateway's answers pile up, its channel turns
     * unwritable and it stops reading (autoRead off), so TCP pushes back on the ESME instead of the
     * gateway buffering without bound. Once the ESME reads again, the gateway reads again.
     */
    @Test
    void s17_slowEsmeThatNeverReads_gatewayStopsReadingInsteadOfBuffering() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        Gateway g = gateway("gw-s17", redis, smsc, "");
        long total = 64L << 20; // 64 MiB of enquire_link: far more than socket buffers hold
        try (RawSmpp esme = raw(g.smppPort())) {
            esme.bind(0x02, "acme", "pw");
            AtomicLong written = new AtomicLong();
            Thread writer = new Thread(
                    () -> {
                        byte[] chunk = new byte[16 * 4096];
                        ByteBuffer b = ByteBuffer.wrap(chunk);
                        for (int i = 0; i < 4096; i++) {
                            b.putInt(16).putInt(0x15).putInt(0).putInt(1000 + i);
                        }
                        try {
                            while (written.get() < total) {
                                esme.writeRaw(chunk);
                                written.addAndGet(chunk.length);
                            }
                        } catch (IOException e) {
                            // closed at the end of the test
                        }
                    },
                    "never-reading-esme");
            writer.setDaemon(true);
            writer.start();
            long[] last = {-1};
            assertTrue(
                    eventually(Duration.ofSeconds(60), () -> {
                        long now = written.get();
                        boolean stalled = now == last[0] && now > 0;
                        last[0] = now;
                        sleep(1000);
                        return stalled;
                    }),
                    "the writer stalled: TCP back-pressure from a gateway that stopped reading");
            long stalledAt = written.get();
            assertTrue(stalledAt < total, "the gateway did not take all " + total + " bytes: " + stalledAt);
            // reading again lets the gateway flush and read again
            byte[] sink = new byte[1 << 16];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (written.get() <= stalledAt && System.nanoTime() < deadline) {
                esme.readRaw(sink);
            }
            assertTrue(written.get() > stalledAt, "the gateway resumed reading once its answers could go out");
        }
    }

    /** FC. Redis unreachable or a corrupt journal: the gateway does not start, so no ESME can bind. */
    @Test
    void s18_startUpWithRedisUnreachableOrJournalUnreadable_refusedSoNoEsmeCanBind() throws Exception {
        SmscSimulator smsc = smsc();
        int deadRedis = FreePorts.find();
        String rest = upstream(smsc.port(), "") + ACCOUNTS;
        Exception e = assertThrows(
                Exception.class, () -> keep(TestGateways.start("gw-s18", "redis://127.0.0.1:" + deadRedis, rest)));
        assertInstanceOf(RedisConnectException.class, e, e.toString());

        // the CLI exits non-zero, and its SMPP port never opened
        int smpp = FreePorts.find();
        int http = FreePorts.find();
        ChildGateway cli = keep(ChildGateway.launch(
                tmp,
                "gw-s18-cli",
                """
                instanceId: gw-s18
                smpp: { host: 127.0.0.1, port: %d }
                http: { host: 127.0.0.1, port: %d }
                redis: { uri: "redis://127.0.0.1:%d" }
                optout: { journalDir: "%s" }
                """.formatted(smpp, http, deadRedis, tmp.resolve("journal-cli")) + rest,
                smpp,
                http));
        int exit = cli.awaitExit(Duration.ofSeconds(60));
        assertNotEquals(-1, exit, "the CLI did not give up");
        assertNotEquals(0, exit, cli.log());
        assertThrows(IOException.class, () -> new Socket("127.0.0.1", smpp).close());

        // a journal damaged in the middle (not a torn tail): start-up refuses with JournalCorruptException
        RedisServerProcess redis = redis();
        Path journal = Files.createDirectories(tmp.resolve("journal-corrupt"));
        try (OptOutJournal j = OptOutJournal.open(journal, OptOutJournal.Options.defaults())) {
            for (int i = 0; i < 3; i++) {
                j.append(("{\"entry\":" + i + ",\"padding\":\"" + "x".repeat(200) + "\"}")
                                .getBytes(StandardCharsets.UTF_8))
                        .get(10, TimeUnit.SECONDS);
            }
        }
        Path segment;
        try (Stream<Path> files = Files.list(journal)) {
            segment = files.filter(f -> f.getFileName().toString().startsWith("journal-"))
                    .findFirst()
                    .orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            long at = f.length() / 4; // inside the first of three records
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0xFF);
        }
        Exception corrupt = assertThrows(
                Exception.class,
                () -> keep(TestGateways.start(
                        "gw-s18j", redis.uri(), "optout: { journalDir: \"" + journal + "\" }\n" + rest)));
        assertInstanceOf(JournalCorruptException.class, corrupt, corrupt.toString());
    }

    /** BR. 300 ESMEs bind at once: binds beyond smpp.bindRate get ESME_RTHROTTLED; a bound session stays served. */
    @Test
    void s19_hundredsOfEsmesReconnectingAtOnce_bindsRateLimitedGatewayStaysResponsive() throws Exception {
        RedisServerProcess redis = redis();
        SmscSimulator smsc = smsc();
        Gateway g = keep(TestGateways.start(
                "gw-s19",
                redis.uri(),
                "smpp: { host: 127.0.0.1, port: 0, bindRate: 20, maxConnectionsPerIp: 1000, connectRatePerIp: 1000,"
                        + " maxBindFailures: 1000, bindTimeout: 30s }\n"
                        + upstream(smsc.port(), "")
                        + "accounts: [ { systemId: acme, password: pw, senderIds: [\"*\"], maxBinds: 1000 } ]\n"));
        awaitBound(g);
        try (RawSmpp existing = raw(g.smppPort())) {
            existing.bind(0x02, "acme", "pw");
            List<RawSmpp> storm = new ArrayList<>();
            try {
                for (int i = 0; i < 300; i++) {
                    storm.add(raw(g.smppPort()));
                }
                for (RawSmpp r : storm) {
                    r.sendBind(0x02, "acme", "pw");
                }
                existing.sendHeader(0x15, 77); // enquire_link in the middle of the storm
                RawSmpp.Frame pong = existing.read();
                assertEquals(0x80000015, pong.commandId(), "enquire_link answered during the storm");
                assertEquals(77, pong.sequence());
                int ok = 0;
                int throttled = 0;
                for (RawSmpp r : storm) {
                    RawSmpp.Frame resp = r.read();
                    assertEquals(0x80000002, resp.commandId());
                    if (resp.status() == 0) {
                        ok++;
                    } else if (resp.status() == ESME_RTHROTTLED) {
                        throttled++;
                    }
                }
                assertEquals(300, ok + throttled, "every bind answered: bound or throttled");
                assertTrue(ok > 0, "some binds went through");
                assertTrue(throttled > 0, "binds beyond the rate were throttled");
            } finally {
                for (RawSmpp r : storm) {
                    r.close();
                }
            }
        }
    }

    /** A raw SMPP connection to the gateway; answers may take up to a minute on a loaded machine. */
    private static RawSmpp raw(int port) throws IOException {
        RawSmpp raw = RawSmpp.connect(port);
        raw.setReadTimeout(Duration.ofSeconds(60));
        return raw;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A blocking SMPP client for bytes and behaviour jSMPP would not produce. */
}
