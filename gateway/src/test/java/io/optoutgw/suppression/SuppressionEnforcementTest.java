package io.optoutgw.suppression;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.app.Gateway;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jsmpp.bean.Address;
import org.jsmpp.bean.Alphabet;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.DeliverSm;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.GeneralDataCoding;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.ReplaceIfPresentFlag;
import org.jsmpp.bean.SMSCDeliveryReceipt;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPSession;
import org.jsmpp.session.SubmitMultiResult;
import org.jsmpp.session.SubmitSmResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Nothing reaches an opted-out number: every submit path, every refusal mode, fail closed. */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SuppressionEnforcementTest {

    private static final AtomicInteger PERSON = new AtomicInteger(2000);

    private RedisServerProcess redis;
    private SmscSimulator smsc;
    private Gateway gateway;
    private final List<SMPPSession> sessions = new ArrayList<>();

    static String config(int smscPort) {
        return """
                optout: { journalDir: "%s", reconcileInterval: 1h }
                suppression: { checkTimeout: 300ms }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345"] }
                  - { systemId: rcpt, password: pw, numbers: ["22222"], optOut: { refusal: receipt } }
                  - { systemId: open, password: pw, numbers: ["33333"], optOut: { failOpen: true } }
                """;
    }

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = start("gw-a");
    }

    private Gateway start(String instance) throws Exception {
        Gateway g = TestGateways.start(
                instance,
                redis.uri(),
                config(smsc.port()).formatted(TestGateways.tempJournalDir(instance), smsc.port()));
        awaitBound(g);
        return g;
    }

    @AfterEach
    void stop() {
        sessions.forEach(SMPPSession::unbindAndClose);
        gateway.close();
        smsc.close();
        redis.close();
    }

    private SMPPSession bind(Gateway g, String account, BindType type, Esmes.Inbox inbox) throws Exception {
        SMPPSession s = Esmes.bind(g.smppPort(), type, account, "pw", inbox);
        sessions.add(s);
        return s;
    }

    private static String person() {
        return "1201555" + String.format("%04d", PERSON.incrementAndGet()); // valid US numbers
    }

    /** STOP from {@code person}, acknowledged, and its confirmation received by the SMSC. */
    private void optOut(String person, String shortCode) throws Exception {
        long before = smsc.submitCount();
        assertEquals(
                0,
                smsc.injectMo(person, shortCode, "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS));
        // the confirmation may leave after the deliver_sm_resp: wait for it, so that the tests'
        // "nothing reached the SMSC" counts only their own submits
        smsc.awaitSubmits((int) before + 1, Duration.ofSeconds(10));
    }

    private static int status(ThrowingSubmit submit) {
        try {
            submit.run();
            return 0;
        } catch (NegativeResponseException e) {
            return e.getCommandStatus();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    interface ThrowingSubmit {
        void run() throws Exception;
    }

    @Test
    void everyVariantOfAnOptedOutNumberIsRefused() throws Exception {
        String p = person(); // 1201555NNNN: a valid US number
        long before = smsc.submitCount();
        optOut(p, "12345");
        SMPPSession acme = bind(gateway, "acme", BindType.BIND_TX, null);
        String national = p.substring(1);
        Object[][] variants = {
            {TypeOfNumber.INTERNATIONAL, p},
            {TypeOfNumber.INTERNATIONAL, "+" + p},
            {TypeOfNumber.UNKNOWN, "+" + p},
            {TypeOfNumber.UNKNOWN, "00" + p},
            {TypeOfNumber.UNKNOWN, p},
            {TypeOfNumber.NATIONAL, national},
            {
                TypeOfNumber.UNKNOWN,
                "+1 " + national.substring(0, 3) + "-" + national.substring(3, 6) + "-" + national.substring(6)
            },
        };
        for (Object[] v : variants) {
            int status = status(() -> Esmes.submitTo(
                    acme,
                    "12345",
                    (TypeOfNumber) v[0],
                    NumberingPlanIndicator.ISDN,
                    (String) v[1],
                    (byte) 0,
                    "msg".getBytes(StandardCharsets.ISO_8859_1)));
            assertEquals(0x0B, status, "variant " + v[0] + " '" + v[1] + "'");
        }
        assertTrue(TestGateways.eventually(Duration.ofSeconds(5), () -> smsc.submitCount() == before + 1));
        Thread.sleep(200);
        assertEquals(before + 1, smsc.submitCount(), "only the confirmation reached the SMSC");
    }

    @Test
    void aDestinationThatIsNotANumberIsRefusedNeverPassed() throws Exception {
        SMPPSession acme = bind(gateway, "acme", BindType.BIND_TX, null);
        long before = smsc.submitCount();
        assertEquals(
                0x0B,
                status(() -> Esmes.submitTo(
                        acme,
                        "12345",
                        TypeOfNumber.ALPHANUMERIC,
                        NumberingPlanIndicator.UNKNOWN,
                        "ACME",
                        (byte) 0,
                        "msg".getBytes(StandardCharsets.ISO_8859_1))));
        assertEquals(
                0x0B,
                status(() -> Esmes.submitTo(
                        acme,
                        "12345",
                        TypeOfNumber.UNKNOWN,
                        NumberingPlanIndicator.ISDN,
                        "12",
                        (byte) 0,
                        "msg".getBytes(StandardCharsets.ISO_8859_1))));
        assertEquals(before, smsc.submitCount());
    }

    @Test
    void everyPartOfAMultipartMessageIsRefusedTheSameWay() throws Exception {
        String p = person();
        optOut(p, "12345");
        SMPPSession acme = bind(gateway, "acme", BindType.BIND_TX, null);
        long before = smsc.submitCount();
        for (int part = 1; part <= 3; part++) {
            byte[] udh = HexFormat.of().parseHex("0500030703" + String.format("%02x", part));
            byte[] body = ("part " + part).getBytes(StandardCharsets.ISO_8859_1);
            byte[] sm = new byte[udh.length + body.length];
            System.arraycopy(udh, 0, sm, 0, udh.length);
            System.arraycopy(body, 0, sm, udh.length, body.length);
            assertEquals(
                    0x0B,
                    status(() -> Esmes.submitTo(
                            acme,
                            "12345",
                            TypeOfNumber.INTERNATIONAL,
                            NumberingPlanIndicator.ISDN,
                            p,
                            (byte) 0x40,
                            sm)),
                    "part " + part);
        }
        assertEquals(before, smsc.submitCount());
    }

    @Test
    void receiptModeAcceptsThenSendsARejectedReceiptWhenOneWasRequested() throws Exception {
        String p = person();
        optOut(p, "22222");
        Esmes.Inbox inbox = new Esmes.Inbox();
        SMPPSession rcpt = bind(gateway, "rcpt", BindType.BIND_TRX, inbox);
        long before = smsc.submitCount();
        SubmitSmResult accepted = Esmes.submit(rcpt, "22222", p, "with receipt", true);
        assertTrue(accepted.getMessageId().startsWith("GW"), accepted.getMessageId());
        DeliverSm receipt = inbox.delivered.poll(5, TimeUnit.SECONDS);
        assertNotNull(receipt);
        assertEquals(
                accepted.getMessageId(),
                receipt.getShortMessageAsDeliveryReceipt().getId());
        assertTrue(new String(receipt.getShortMessage(), StandardCharsets.ISO_8859_1).contains("stat:REJECTD err:011"));
        assertEquals(
                0x0B,
                status(() -> Esmes.submit(rcpt, "22222", p, "no receipt asked", false)),
                "without a receipt request the refusal is a reject");
        assertEquals(before, smsc.submitCount(), "nothing reached the SMSC");
    }

    @Test
    void submitMultiRelaysTheAllowedDestinationsAndListsTheRefusedOnes() throws Exception {
        String blocked = person();
        String ok1 = person();
        String ok2 = person();
        optOut(blocked, "12345");
        SMPPSession acme = bind(gateway, "acme", BindType.BIND_TX, null);
        SubmitMultiResult mixed = multi(acme, blocked, ok1, ok2);
        assertEquals(1, mixed.getUnsuccessDeliveries().length);
        assertEquals(
                blocked,
                mixed.getUnsuccessDeliveries()[0].getDestinationAddress().getAddress());
        assertEquals(0x0B, mixed.getUnsuccessDeliveries()[0].getErrorStatusCode());
        assertEquals(1, smsc.receivedSubmitMultis().size());
        assertEquals(
                List.of(ok1, ok2),
                smsc.receivedSubmitMultis().get(0).getDestinations().stream()
                        .map(d -> d.address().getAddress())
                        .toList());

        SubmitMultiResult allRefused = multi(acme, blocked, "+" + blocked);
        assertEquals(2, allRefused.getUnsuccessDeliveries().length);
        assertEquals(1, smsc.receivedSubmitMultis().size(), "the SMSC was not contacted");
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
    void redisFrozenMeansThrottledWithinTheBoundAndNothingRelayed() throws Exception {
        SMPPSession acme = bind(gateway, "acme", BindType.BIND_TX, null);
        SMPPSession open = bind(gateway, "open", BindType.BIND_TX, null);
        String p = person();
        long before = smsc.submitCount();
        redis.pause();
        try {
            long start = System.nanoTime();
            assertEquals(0x58, status(() -> Esmes.submit(acme, "12345", p, "while frozen", false)));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis < 2000, "refused within the bound, took " + millis + " ms");
            assertEquals(before, smsc.submitCount(), "nothing reached the SMSC");
            assertNotNull(
                    Esmes.submit(open, "33333", p, "one-time password", false).getMessageId(),
                    "a fail-open account is relayed");
        } finally {
            redis.resume();
        }
    }

    @Test
    void redisKilledMeansThrottledAndNothingRelayed() throws Exception {
        SMPPSession acme = bind(gateway, "acme", BindType.BIND_TX, null);
        String p = person();
        long before = smsc.submitCount();
        redis.kill();
        assertEquals(0x58, status(() -> Esmes.submit(acme, "12345", p, "redis gone", false)));
        assertEquals(before, smsc.submitCount());
    }

    @Test
    void anOptOutOnOneInstanceIsEnforcedByAnotherOnTheNextSubmit() throws Exception {
        Gateway other = start("gw-b");
        try {
            SMPPSession viaB = Esmes.bind(other.smppPort(), BindType.BIND_TX, "acme", "pw", null);
            sessions.add(viaB);
            String p = person();
            optOut(p, "12345"); // the simulator delivers it on a bind of either gateway
            assertEquals(0x0B, status(() -> Esmes.submit(viaB, "12345", p, "right after", false)));
            SMPPSession viaA = bind(gateway, "acme", BindType.BIND_TX, null);
            assertEquals(0x0B, status(() -> Esmes.submit(viaA, "12345", p, "right after", false)));
        } finally {
            other.close();
        }
    }
}
