package io.optoutgw.optout;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static io.optoutgw.testsupport.TestGateways.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.tlv.Tlv;
import com.cloudhopper.smpp.type.Address;
import io.optoutgw.app.Gateway;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.simulator.ReceivedMessage;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.journal.OptOutJournal;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jsmpp.bean.BindType;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A person texts STOP (in every form) to a short code through the SMSC simulator; the gateway
 * records it in the journal and a real redis-server, answers once, and refuses later submits.
 */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OptOutCaptureTest {

    private static final AtomicInteger PERSON = new AtomicInteger(1000);

    private RedisServerProcess redis;
    private SmscSimulator smsc;
    private Gateway gateway;
    private RedisConnector inspector;
    private SuppressionStore store;
    private SMPPSession acme;
    private SMPPSession beta;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start("gw-opt", redis.uri(), config(smsc.port(), "gsm7_unpacked"));
        awaitBound(gateway);
        inspector = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2));
        store = new SuppressionStore(inspector.async(), SuppressionStore.DEFAULT_BUCKETS);
        acme = Esmes.bind(gateway.smppPort(), BindType.BIND_TRX, "acme", "pw", new Esmes.Inbox());
        beta = Esmes.bind(gateway.smppPort(), BindType.BIND_TX, "beta", "pw", null);
    }

    static String config(int smscPort, String dataCodingZero) {
        return """
                relay: { requestTimeout: 2s }
                optout: { recordTimeout: 1500ms, reconcileInterval: 1h }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 2, dataCodingZero: %s,
                      reconnectInitialDelay: 50ms, reconnectMaxDelay: 200ms }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345"], optOut: { scope: account, maxScope: global } }
                  - { systemId: beta, password: pw, numbers: ["67890"], optOut: { keywordMode: phrase, scope: sender } }
                  - { systemId: absent, password: pw, numbers: ["99999"] }
                """.formatted(smscPort, dataCodingZero);
    }

    @AfterEach
    void stop() {
        for (SMPPSession s : new SMPPSession[] {acme, beta}) {
            if (s != null) {
                s.unbindAndClose();
            }
        }
        if (inspector != null) {
            inspector.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        smsc.close();
        redis.close();
    }

    private static String person() {
        return "1555700" + String.format("%04d", PERSON.incrementAndGet());
    }

    private int inject(String from, String to, byte[] text, int dataCoding) throws Exception {
        return smsc.injectMo(from, to, text, (byte) dataCoding).get(10, TimeUnit.SECONDS);
    }

    private int inject(DeliverSm mo) throws Exception {
        return smsc.injectMo(mo).get(10, TimeUnit.SECONDS);
    }

    private static DeliverSm mo(String from, String to, byte[] shortMessage, int dataCoding, int esmClass)
            throws Exception {
        DeliverSm mo = new DeliverSm();
        mo.setSourceAddress(new Address((byte) 1, (byte) 1, from));
        mo.setDestAddress(new Address((byte) 0, (byte) 1, to));
        mo.setDataCoding((byte) dataCoding);
        mo.setEsmClass((byte) esmClass);
        mo.setShortMessage(shortMessage);
        return mo;
    }

    private boolean suppressed(String number, String account, String sender) throws Exception {
        return store.check(number, account, sender)
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS)
                .suppressed();
    }

    private List<ConsentEvent> history(String number) throws Exception {
        return store.history(number).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** The gateway's replies to {@code person}, as the SMSC received them. */
    private List<ReceivedMessage> repliesTo(String person) {
        return smsc.receivedMessages().stream()
                .filter(m -> m.pdu().getDestAddress().getAddress().equals(person))
                .toList();
    }

    private ReceivedMessage awaitReply(String person) throws Exception {
        assertTrue(eventually(Duration.ofSeconds(10), () -> !repliesTo(person).isEmpty()), "a reply was sent");
        return repliesTo(person).get(0);
    }

    private static String text(ReceivedMessage m) {
        byte[] b = m.pdu().getShortMessage();
        return m.pdu().getDataCoding() == 8
                ? new String(b, StandardCharsets.UTF_16BE)
                : new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void stopIsRecordedBeforeTheSmscIsAcknowledgedConfirmedOnceAndEnforced() throws Exception {
        String p = person();
        assertEquals(0, inject(p, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), 0));
        // acknowledged => already durable: no waiting needed before checking Redis
        assertTrue(suppressed(p, "acme", "12345"));
        ConsentEvent e = history(p).get(0);
        assertEquals(ConsentEvent.Type.OPT_OUT, e.type());
        assertEquals("a:acme", e.scope());
        assertEquals("STOP", e.keyword());
        assertEquals("en", e.language());
        // Redis keeps the compact summary: the upstream, raw MO and text are the journal's detail, digested
        assertNull(e.upstream());
        assertNotNull(e.journalDigest());
        assertEquals("gw-opt", e.instance());

        ReceivedMessage reply = awaitReply(p);
        assertEquals("12345", reply.pdu().getSourceAddress().getAddress(), "from the short code the person texted");
        assertEquals(
                "You have successfully unsubscribed. No further messages will be sent. Reply START to resubscribe.",
                text(reply));
        assertEquals(
                1,
                reply.pdu().getRegisteredDelivery(),
                "a receipt is asked for, to record whether the confirmation was delivered (evidence.confirmationReceipts)");

        NegativeResponseException refused =
                assertThrows(NegativeResponseException.class, () -> Esmes.submit(acme, "12345", p, "buy now", false));
        assertEquals(0x0B, refused.getCommandStatus());
        assertNotNull(
                Esmes.submit(beta, "67890", p, "another brand", false).getMessageId(),
                "account scope: another account may still send");

        var scrape = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertTrue(
                scrape.contains("smppgw_confirmation_delay_seconds_count{account=\"acme\",type=\"opt_out\"} 1"),
                "the delay from MO to confirmation is measured");
        assertTrue(scrape.contains("smppgw_submits_refused_total{account=\"acme\",reason=\"suppressed\"} 1"));
    }

    @Test
    void theSameMoDeliveredTwiceYieldsOneOptOutAndOneConfirmation() throws Exception {
        String p = person();
        assertEquals(0, inject(p, "12345", "Stop".getBytes(StandardCharsets.ISO_8859_1), 0));
        assertEquals(0, inject(p, "12345", "Stop".getBytes(StandardCharsets.ISO_8859_1), 0));
        assertTrue(suppressed(p, "acme", "12345"));
        // both deliveries are recorded (harmless: the list holds one opt-out), the second is not confirmed
        assertEquals(
                List.of(ConsentEvent.Type.OPT_OUT, ConsentEvent.Type.OPT_OUT),
                history(p).stream().map(ConsentEvent::type).toList());
        assertTrue(
                eventually(Duration.ofSeconds(5), () -> metric("smppgw_mo_duplicates_total{account=\"acme\"}") == 1));
        awaitHelpReply(p);
        assertEquals(1, optOutRepliesTo(p), "one confirmation");
    }

    @Test
    void everySpellingOfStopWithinTheWindowGetsOneConfirmationButIsRecorded() throws Exception {
        String p = person();
        for (String spelling : new String[] {"STOP", "stop", "Stop!", "ARR\u00CAT"}) {
            assertEquals(0, inject(p, "12345", spelling.getBytes(StandardCharsets.ISO_8859_1), 3), spelling);
        }
        assertEquals(4, history(p).size());
        assertTrue(
                eventually(Duration.ofSeconds(5), () -> metric("smppgw_mo_duplicates_total{account=\"acme\"}") == 3));
        awaitHelpReply(p);
        assertEquals(1, optOutRepliesTo(p), "one confirmation");
    }

    @Test
    void stopStartStopWithinTheWindowEndsSuppressedWithThreeEventsAndThreeConfirmations() throws Exception {
        String p = person();
        for (String word : new String[] {"STOP", "START", "STOP"}) {
            assertEquals(0, inject(p, "12345", word.getBytes(StandardCharsets.ISO_8859_1), 0), word);
        }
        assertTrue(suppressed(p, "acme", "12345"), "the last word was STOP");
        assertEquals(
                List.of(ConsentEvent.Type.OPT_OUT, ConsentEvent.Type.OPT_IN, ConsentEvent.Type.OPT_OUT),
                history(p).stream().map(ConsentEvent::type).toList());
        assertTrue(eventually(Duration.ofSeconds(10), () -> repliesTo(p).size() == 3), "three confirmations");
        assertEquals(2, optOutRepliesTo(p));
        assertEquals(0, metric("smppgw_mo_duplicates_total{account=\"acme\"}"));
        NegativeResponseException refused = assertThrows(
                NegativeResponseException.class, () -> Esmes.submit(acme, "12345", p, "welcome back", false));
        assertEquals(0x0B, refused.getCommandStatus());
    }

    @Test
    void stopAfterAnAdministrativeRemovalIsRecorded() throws Exception {
        String p = person();
        assertEquals(0, inject(p, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), 0));
        awaitNextSecond(); // the removal must be later than the opt-out for the list to take it
        store.apply(new ConsentEvent(
                        ConsentEvent.newId(),
                        Instant.now(),
                        ConsentEvent.Type.ADMIN_REMOVE,
                        p,
                        "a:acme",
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        "test",
                        "support",
                        "re-subscribed by mistake"))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertTrue(!suppressed(p, "acme", "12345"), "removed by an administrator");
        assertEquals(0, inject(p, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), 0));
        assertTrue(suppressed(p, "acme", "12345"), "the person's new STOP counts");
        assertEquals(
                List.of(ConsentEvent.Type.OPT_OUT, ConsentEvent.Type.ADMIN_REMOVE, ConsentEvent.Type.OPT_OUT),
                history(p).stream().map(ConsentEvent::type).toList());
    }

    @Test
    void concatenatedStopWhoseRecordingFailedIsRecordedWhenItsLastPartIsRedelivered() throws Exception {
        String p = person();
        assertEquals(0, inject(mo(p, "12345", part(0x51, 2, 1, "ST"), 0, 0x40)), "part 1 relayed to acme");
        // Recording fails after the set is complete: the list's hash holds a value of the wrong type.
        String bucket = store.bucketKey(p);
        inspector.async().set(bucket, "not a hash").get(5, TimeUnit.SECONDS);
        try {
            assertEquals(
                    0x64,
                    inject(mo(p, "12345", part(0x51, 2, 2, "OP"), 0, 0x40)),
                    "recording failed: the SMSC is told to retry");
        } finally {
            inspector.async().del(bucket).get(5, TimeUnit.SECONDS);
        }
        assertTrue(!suppressed(p, "acme", "12345"));
        assertEquals(0, inject(mo(p, "12345", part(0x51, 2, 2, "OP"), 0, 0x40)), "the SMSC redelivers part 2");
        assertTrue(suppressed(p, "acme", "12345"), "the redelivered part completed the STOP again");
        awaitReply(p);
        assertTrue(
                eventually(Duration.ofSeconds(5), () -> {
                    try {
                        return inspector
                                .async()
                                .keys("gw:cat:*")
                                .get(5, TimeUnit.SECONDS)
                                .isEmpty();
                    } catch (Exception e) {
                        return false;
                    }
                }),
                "the parts are released once the opt-out is durable");
    }

    @Test
    void stopFromInternationalDigitsWithTonUnknownIsRecordedUnderTheInternationalReading() throws Exception {
        String uk = "447700900" + String.format("%03d", PERSON.incrementAndGet() % 1000);
        DeliverSm stop = mo(uk, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), 0, 0);
        stop.setSourceAddress(new Address((byte) 0, (byte) 1, uk)); // TON unknown; acme reads national numbers as US
        assertEquals(0, inject(stop));
        assertTrue(suppressed(uk, "acme", "12345"), "recorded as +" + uk);
        assertEquals(1, metric("smppgw_optout_source_fallback_total{account=\"acme\",how=\"international\"}"));
        awaitReply(uk);
    }

    @Test
    void stopFromAnAlphanumericSourceIsCountedAndRelayedNotRecorded() throws Exception {
        DeliverSm stop = mo("Promo", "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), 0, 0);
        stop.setSourceAddress(new Address((byte) 5, (byte) 0, "Promo"));
        assertEquals(0, inject(stop), "relayed to acme, which acknowledged it");
        assertEquals(1, metric("smppgw_optout_source_fallback_total{account=\"acme\",how=\"none\"}"));
        assertEquals(0L, inspector.async().exists("gw:audit").get(5, TimeUnit.SECONDS));
    }

    @Test
    void latin1ArretUnderDataCodingZeroIsRecognisedAndCounted() throws Exception {
        String p = person();
        assertEquals(0, inject(p, "12345", "Arr\u00EAt".getBytes(StandardCharsets.ISO_8859_1), 0));
        assertTrue(suppressed(p, "acme", "12345"));
        assertEquals("fr", history(p).get(0).language());
        assertEquals(1, metric("smppgw_mo_latin1_fallback_total{account=\"acme\"}"));
        assertTrue(text(awaitReply(p)).startsWith("Vous etes desabonne"));
    }

    private static byte[] part(int reference, int total, int sequence, String text) {
        byte[] udh = {0x05, 0x00, 0x03, (byte) reference, (byte) total, (byte) sequence};
        byte[] body = text.getBytes(StandardCharsets.ISO_8859_1);
        byte[] sm = new byte[udh.length + body.length];
        System.arraycopy(udh, 0, sm, 0, udh.length);
        System.arraycopy(body, 0, sm, udh.length, body.length);
        return sm;
    }

    /** The value of one sample in the gateway's scrape (the whole line up to the value). */
    private double metric(String sample) {
        try {
            String scrape = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            for (String line : scrape.split("\n")) {
                if (line.startsWith(sample + " ")) {
                    return Double.parseDouble(
                            line.substring(sample.length() + 1).trim());
                }
            }
            throw new AssertionError(sample + " not in the scrape");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sends HELP and waits for its answer: replies are decided in the order their MO were recorded,
     * so every confirmation decided for earlier MO has been sent by then.
     */
    private void awaitHelpReply(String p) throws Exception {
        assertEquals(0, inject(p, "12345", "HELP".getBytes(StandardCharsets.ISO_8859_1), 0));
        assertTrue(
                eventually(
                        Duration.ofSeconds(10),
                        () -> repliesTo(p).stream().anyMatch(m -> text(m).contains("Reply STOP to cancel"))),
                "HELP answered");
    }

    private long optOutRepliesTo(String p) {
        return repliesTo(p).stream()
                .filter(m -> {
                    String t = text(m);
                    return t.startsWith("You have successfully unsubscribed") || t.startsWith("Vous etes desabonne");
                })
                .count();
    }

    private static void awaitNextSecond() throws InterruptedException {
        long second = Instant.now().getEpochSecond();
        while (Instant.now().getEpochSecond() == second) {
            Thread.sleep(10);
        }
    }

    @Test
    void stopInUcs2IsRecorded() throws Exception {
        String p = person();
        assertEquals(0, inject(p, "12345", " stop! ".getBytes(StandardCharsets.UTF_16BE), 8));
        assertTrue(suppressed(p, "acme", "12345"));
    }

    @Test
    void frenchArretInLatin1GetsAFrenchConfirmation() throws Exception {
        String p = person();
        assertEquals(0, inject(p, "12345", "ARRÊT".getBytes(StandardCharsets.ISO_8859_1), 3));
        assertTrue(suppressed(p, "acme", "12345"));
        assertEquals("fr", history(p).get(0).language());
        assertTrue(text(awaitReply(p)).startsWith("Vous etes desabonne"));
    }

    @Test
    void spanishBajaInMessagePayloadIsRecorded() throws Exception {
        String p = person();
        DeliverSm mo = mo(p, "12345", new byte[0], 0, 0);
        mo.addOptionalParameter(
                new Tlv(SmppConstants.TAG_MESSAGE_PAYLOAD, "Baja".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals(0, inject(mo));
        assertTrue(suppressed(p, "acme", "12345"));
        assertEquals("es", history(p).get(0).language());
    }

    @Test
    void concatenatedStopInThreePartsOutOfOrderIsRecordedOnce() throws Exception {
        String p = person();
        String[] parts = {"ST", "O", "P"};
        int[] order = {3, 1, 2};
        for (int seq : order) {
            byte[] udh = HexFormat.of().parseHex("0500034203" + String.format("%02x", seq));
            byte[] body = parts[seq - 1].getBytes(StandardCharsets.ISO_8859_1);
            byte[] sm = new byte[udh.length + body.length];
            System.arraycopy(udh, 0, sm, 0, udh.length);
            System.arraycopy(body, 0, sm, udh.length, body.length);
            assertEquals(0, inject(mo(p, "12345", sm, 0, 0x40)), "part " + seq + " acknowledged");
        }
        assertTrue(suppressed(p, "acme", "12345"));
        assertEquals(1, history(p).size());
        awaitReply(p);
    }

    @Test
    void freeTextAfterAnOptOutIsKeptAsTheReason() throws Exception {
        String p = person();
        assertEquals(0, inject(p, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), 0));
        inject(p, "12345", "you text me way too often".getBytes(StandardCharsets.ISO_8859_1), 0);
        assertTrue(eventually(Duration.ofSeconds(5), () -> {
            try {
                return history(p).size() == 2;
            } catch (Exception e) {
                return false;
            }
        }));
        ConsentEvent reason = history(p).get(1);
        assertEquals(ConsentEvent.Type.REASON, reason.type());
        assertEquals("you text me way too often", reason.text());
        assertEquals("12345", reason.sender());
        inject(p, "12345", "and another thing".getBytes(StandardCharsets.ISO_8859_1), 0);
        Thread.sleep(300);
        assertEquals(2, history(p).size(), "one reason per opt-out");
    }

    @Test
    void receiptWhoseTextContainsStopIsNotAnOptOut() throws Exception {
        String p = person();
        DeliverSm receipt = mo(
                p,
                "12345",
                ("id:77 sub:001 dlvrd:001 submit date:2611260900 done date:2611260901 "
                                + "stat:DELIVRD err:000 text:STOP")
                        .getBytes(StandardCharsets.ISO_8859_1),
                0,
                0x04);
        inject(receipt);
        DeliverSm plain = mo(
                p,
                "12345",
                "id:78 sub:001 dlvrd:001 submit date:2611260900 done date:2611260901 stat:DELIVRD err:000 text:STOP"
                        .getBytes(StandardCharsets.ISO_8859_1),
                0,
                0);
        inject(plain);
        assertTrue(history(p).isEmpty());
        assertTrue(repliesTo(p).isEmpty());
    }

    @Test
    void helpIsAnsweredAndAuditedWithoutSuppressing() throws Exception {
        String p = person();
        assertEquals(0, inject(p, "12345", "HELP".getBytes(StandardCharsets.ISO_8859_1), 0));
        assertTrue(text(awaitReply(p)).contains("Reply STOP to cancel"));
        assertEquals(ConsentEvent.Type.HELP, history(p).get(0).type());
        assertTrue(!suppressed(p, "acme", "12345"));
    }

    @Test
    void startAfterStopLiftsTheOptOutAndIsConfirmed() throws Exception {
        String p = person();
        assertEquals(0, inject(p, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), 0));
        // right after it: the opt-in is recorded after the opt-out, so it wins even within the same second
        assertEquals(0, inject(p, "12345", "START".getBytes(StandardCharsets.ISO_8859_1), 0));
        assertTrue(!suppressed(p, "acme", "12345"));
        assertTrue(eventually(Duration.ofSeconds(10), () -> repliesTo(p).size() == 2));
        assertTrue(text(repliesTo(p).get(1)).startsWith("You are subscribed again"));
        assertEquals(
                List.of(ConsentEvent.Type.OPT_OUT, ConsentEvent.Type.OPT_IN),
                history(p).stream().map(ConsentEvent::type).toList());
    }

    @Test
    void stopAllTakesTheWidestScopeTheAccountAllows() throws Exception {
        String p = person();
        assertEquals(0, inject(p, "12345", "STOP ALL".getBytes(StandardCharsets.ISO_8859_1), 0));
        assertEquals("g", history(p).get(0).scope());
        NegativeResponseException refused = assertThrows(
                NegativeResponseException.class, () -> Esmes.submit(beta, "67890", p, "other brand", false));
        assertEquals(0x0B, refused.getCommandStatus());
    }

    @Test
    void phraseModeCatchesRevocationsButNotLookalikes() throws Exception {
        String p = person();
        assertEquals(0, inject(p, "67890", "please stop texting me".getBytes(StandardCharsets.ISO_8859_1), 0));
        assertTrue(suppressed(p, "beta", "67890"));
        assertEquals("s:beta:67890", history(p).get(0).scope(), "beta's scope is the sender");
        String q = person();
        // not a keyword: relayed as a normal MO; beta has no receiver bound, so the SMSC is told to retry
        assertEquals(0x64, inject(q, "67890", "non-stop deals!".getBytes(StandardCharsets.ISO_8859_1), 0));
        assertTrue(history(q).isEmpty());
    }

    @Test
    void optOutIsRecordedAndConfirmedWhenTheOwningEsmeIsNotBound() throws Exception {
        String p = person();
        assertEquals(0, inject(p, "99999", "QUIT".getBytes(StandardCharsets.ISO_8859_1), 0));
        assertTrue(suppressed(p, "absent", "99999"));
        awaitReply(p);
    }

    @Test
    void keywordMoIsForwardedToTheOwningEsme() throws Exception {
        Esmes.Inbox inbox = new Esmes.Inbox();
        SMPPSession receiver = Esmes.bind(gateway.smppPort(), BindType.BIND_RX, "acme", "pw", inbox);
        try {
            acme.unbindAndClose(); // leave the receiver as acme's only receiving session
            acme = null;
            String p = person();
            assertEquals(0, inject(p, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), 0));
            org.jsmpp.bean.DeliverSm forwarded = inbox.delivered.poll(5, TimeUnit.SECONDS);
            assertNotNull(forwarded, "the ESME's CRM learns of the opt-out");
            assertEquals(p, forwarded.getSourceAddr());
        } finally {
            receiver.unbindAndClose();
        }
    }

    @Test
    void stopToANumberNoAccountOwnsStillBlocksThatSender() throws Exception {
        String p = person();
        assertEquals(0, inject(p, "55555", "STOP".getBytes(StandardCharsets.ISO_8859_1), 0));
        assertEquals("s:*:55555", history(p).get(0).scope());
        assertTrue(suppressed(p, "acme", "55555"));
        assertTrue(!suppressed(p, "acme", "12345"));
    }

    @Test
    void redisFrozenWhileStopArrivesMeansRetryLaterThenRecordedOnRedelivery() throws Exception {
        String p = person();
        redis.pause();
        try {
            assertEquals(
                    0x64,
                    inject(p, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), 0),
                    "ESME_RX_T_APPN while Redis is frozen");
        } finally {
            redis.resume();
        }
        assertTrue(
                eventually(Duration.ofSeconds(5), () -> {
                    try {
                        return inject(p, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), 0) == 0;
                    } catch (Exception e) {
                        return false;
                    }
                }),
                "the SMSC's redelivery is acknowledged once Redis is back");
        assertTrue(suppressed(p, "acme", "12345"));
    }

    @Test
    void redisKilledWhileStopArrivesMeansRetryLater() throws Exception {
        String p = person();
        redis.kill();
        assertEquals(0x64, inject(p, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), 0));
        redis.restart();
        assertTrue(eventually(Duration.ofSeconds(10), () -> {
            try {
                return inject(p, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), 0) == 0;
            } catch (Exception e) {
                return false;
            }
        }));
        assertTrue(eventually(Duration.ofSeconds(5), () -> {
            try {
                return suppressed(p, "acme", "12345");
            } catch (Exception e) {
                return false;
            }
        }));
    }

    @Test
    void redisRestartedEmptyIsRestoredFromTheJournalByReconciliation() throws Exception {
        String p = person();
        assertEquals(0, inject(p, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), 0));
        redis.kill();
        redis.restart(); // no persistence configured: it comes back empty
        assertTrue(eventually(Duration.ofSeconds(10), () -> {
            try {
                return inspector.async().ping().get(1, TimeUnit.SECONDS).equals("PONG");
            } catch (Exception e) {
                return false;
            }
        }));
        assertTrue(!suppressed(p, "acme", "12345"), "Redis lost the opt-out");
        assertTrue(eventually(Duration.ofSeconds(10), () -> {
            try {
                return gateway.reconcileNow() > 0;
            } catch (Exception e) {
                return false;
            }
        }));
        assertTrue(suppressed(p, "acme", "12345"), "reconciliation restored it from the journal");
        assertEquals(1, history(p).size());
    }

    @Test
    void optOutJournaledButNotInRedisIsReplayedAtStartUp() throws Exception {
        String p = person();
        String journalDir = TestGateways.tempJournalDir("replay");
        // A gateway that wrote its journal and died before Redis: the journal alone holds the opt-out.
        ConsentEvent stop = new ConsentEvent(
                ConsentEvent.newId(),
                Instant.now(),
                ConsentEvent.Type.OPT_OUT,
                p,
                "a:acme",
                "STOP",
                "en",
                "STOP",
                0,
                "sim",
                "sim#0 seq 9",
                "gw-dead",
                null,
                null,
                "acme",
                "12345");
        try (OptOutJournal j = OptOutJournal.open(Path.of(journalDir), OptOutJournal.Options.defaults())) {
            j.append(stop.toJson()).get(5, TimeUnit.SECONDS);
        }
        assertTrue(!suppressed(p, "acme", "12345"));
        Gateway restarted = TestGateways.start(
                "gw-dead",
                redis.uri(),
                "optout: { journalDir: \"" + journalDir + "\" }\n"
                        + config(smsc.port(), "gsm7_unpacked")
                                .replace("optout: { recordTimeout: 1500ms, reconcileInterval: 1h }\n", ""));
        try {
            assertTrue(suppressed(p, "acme", "12345"), "replayed before the gateway accepted any ESME");
        } finally {
            restarted.close();
        }
    }
}
