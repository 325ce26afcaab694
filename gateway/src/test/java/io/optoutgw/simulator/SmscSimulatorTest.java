package io.optoutgw.simulator;

import static io.optoutgw.testsupport.Esmes.submitSm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BindReceiver;
import com.cloudhopper.smpp.pdu.SubmitSm;
import io.optoutgw.testsupport.RawSmpp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.jsmpp.bean.AlertNotification;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.DataCodings;
import org.jsmpp.bean.DataSm;
import org.jsmpp.bean.DeliverSm;
import org.jsmpp.bean.MessageState;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.ProcessRequestException;
import org.jsmpp.extra.ResponseTimeoutException;
import org.jsmpp.session.BindParameter;
import org.jsmpp.session.DataSmResult;
import org.jsmpp.session.MessageReceiverListener;
import org.jsmpp.session.SMPPSession;
import org.jsmpp.session.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Tag("integration")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SmscSimulatorTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private SmscSimulator sim;
    private final List<SMPPSession> sessions = new ArrayList<>();

    @AfterEach
    void tearDown() {
        for (SMPPSession s : sessions) {
            s.unbindAndClose();
        }
        if (sim != null) {
            sim.close();
        }
    }

    // ---- submit, message ids, receipts -------------------------------------------------------

    @Test
    void transceiverSubmitGetsMessageIdAndMatchingDeliveryReceipt() throws Exception {
        start(SimulatorOptions.defaults());
        Inbox inbox = new Inbox();
        SMPPSession esme = bind(BindType.BIND_TRX, "acme", "pw", inbox);

        String messageId = submit(esme, "4915112345678", "4917000000001", "Hello from the simulator test", true);

        assertFalse(messageId.isEmpty());
        DeliverSm receipt = inbox.take();
        assertTrue(receipt.isSmscDeliveryReceipt(), "esm_class 0x04");
        assertEquals(messageId, cString(receipt, OptionalParameter.Tag.RECEIPTED_MESSAGE_ID));
        OptionalParameter.Byte state =
                (OptionalParameter.Byte) receipt.getOptionalParameter(OptionalParameter.Tag.MESSAGE_STATE);
        assertEquals(2, state.getValue());
        assertEquals("4917000000001", receipt.getSourceAddr());
        assertEquals("4915112345678", receipt.getDestAddress());
        String text = new String(receipt.getShortMessage(), StandardCharsets.ISO_8859_1);
        assertTrue(
                text.matches("id:" + messageId + " sub:001 dlvrd:001 submit date:\\d{10} done date:\\d{10}"
                        + " stat:DELIVRD err:000 text:Hello from the simul"),
                text);

        List<ReceivedMessage> received = sim.awaitSubmits(1, WAIT);
        assertEquals("acme", received.get(0).systemId());
        assertEquals(messageId, received.get(0).messageId());
        assertEquals(1, sim.receiptsSent());
        awaitCondition(() -> sim.deliverOutcomes().size() == 1);
        assertEquals(new DeliverOutcome("acme", true, 0), sim.deliverOutcomes().get(0));
    }

    @Test
    void submitWithoutRegisteredDeliveryGetsNoReceipt() throws Exception {
        start(SimulatorOptions.defaults());
        Inbox inbox = new Inbox();
        SMPPSession esme = bind(BindType.BIND_TRX, "acme", "pw", inbox);

        submit(esme, "111111111", "222222222", "no receipt", false);

        assertNull(inbox.queue.poll(300, TimeUnit.MILLISECONDS));
        assertEquals(0, sim.receiptsSent());
    }

    @Test
    void messageIdsAreUniqueAndEverySubmitIsRecorded() throws Exception {
        start(SimulatorOptions.builder().messageIdPrefix("s1-").build());
        SMPPSession esme = bind(BindType.BIND_TX, "acme", "pw", new Inbox());

        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            String id = submit(esme, "111111111", "222222222", "msg " + i, false);
            assertTrue(id.startsWith("s1-"), id);
            ids.add(id);
        }

        assertEquals(50, ids.size());
        List<ReceivedMessage> received = sim.awaitSubmits(50, WAIT);
        assertEquals(50, sim.submitCount());
        assertEquals("msg 49", new String(received.get(49).pdu().getShortMessage(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void receiptForTransmitterGoesToReceiverOfSameAccount() throws Exception {
        start(SimulatorOptions.defaults());
        Inbox otherInbox = new Inbox();
        Inbox rxInbox = new Inbox();
        bind(BindType.BIND_RX, "other", "pw", otherInbox);
        SMPPSession tx = bind(BindType.BIND_TX, "acme", "pw", new Inbox());
        bind(BindType.BIND_RX, "acme", "pw", rxInbox);

        String id = submit(tx, "111111111", "222222222", "via tx", true);

        assertEquals(id, cString(rxInbox.take(), OptionalParameter.Tag.RECEIPTED_MESSAGE_ID));
        assertNull(otherInbox.queue.poll(200, TimeUnit.MILLISECONDS));
    }

    @Test
    void receiptsOnAnySessionArriveOnAnotherBind() throws Exception {
        start(SimulatorOptions.builder().receiptsOnAnySession(true).build());
        Inbox submitterInbox = new Inbox();
        Inbox otherInbox = new Inbox();
        SMPPSession submitter = bind(BindType.BIND_TRX, "acme", "pw", submitterInbox);
        bind(BindType.BIND_TRX, "acme", "pw", otherInbox);

        String id = submit(submitter, "111111111", "222222222", "elsewhere", true);

        assertEquals(id, cString(otherInbox.take(), OptionalParameter.Tag.RECEIPTED_MESSAGE_ID));
        assertNull(submitterInbox.queue.poll(200, TimeUnit.MILLISECONDS));
    }

    @Test
    void fixedResponseDelayHoldsBackSubmitResp() throws Exception {
        start(SimulatorOptions.builder().responseDelay(Duration.ofMillis(300)).build());
        SMPPSession esme = bind(BindType.BIND_TX, "acme", "pw", new Inbox());

        long started = System.nanoTime();
        submit(esme, "111111111", "222222222", "slow", false);
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertTrue(elapsedMillis >= 290, "answered after " + elapsedMillis + " ms");
    }

    @Test
    void querySmReportsDelivered() throws Exception {
        start(SimulatorOptions.defaults());
        SMPPSession esme = bind(BindType.BIND_TRX, "acme", "pw", new Inbox());
        String id = submit(esme, "111111111", "222222222", "query me", false);

        var result = esme.queryShortMessage(id, TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, "111111111");

        assertEquals(MessageState.DELIVERED, result.getMessageState());
    }

    // ---- mobile-originated -------------------------------------------------------------------

    @Test
    void injectedMoReachesBoundReceiverAndReportsOkResponse() throws Exception {
        start(SimulatorOptions.defaults());
        Inbox inbox = new Inbox();
        bind(BindType.BIND_RX, "acme", "pw", inbox);
        awaitCondition(() -> sim.boundSessionCount() == 1);

        int status = sim.injectMo("4915112345678", "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                .get(5, TimeUnit.SECONDS);

        assertEquals(SmppConstants.STATUS_OK, status);
        DeliverSm mo = inbox.take();
        assertFalse(mo.isSmscDeliveryReceipt());
        assertEquals(0, mo.getEsmClass());
        assertEquals("4915112345678", mo.getSourceAddr());
        assertEquals("12345", mo.getDestAddress());
        assertEquals("STOP", new String(mo.getShortMessage(), StandardCharsets.ISO_8859_1));
        awaitCondition(() -> sim.deliverOutcomes().contains(new DeliverOutcome("acme", false, 0)));
    }

    @Test
    void injectedMoReportsEsmeRejectionStatus() throws Exception {
        start(SimulatorOptions.defaults());
        Inbox inbox = new Inbox();
        inbox.rejectWith = 0x58;
        bind(BindType.BIND_TRX, "acme", "pw", inbox);
        awaitCondition(() -> sim.boundSessionCount() == 1);

        int status = sim.injectMo("4915112345678", "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                .get(5, TimeUnit.SECONDS);

        assertEquals(0x58, status);
    }

    @Test
    void injectMoFailsWhenOnlyTransmittersAreBound() throws Exception {
        start(SimulatorOptions.defaults());
        bind(BindType.BIND_TX, "acme", "pw", new Inbox());

        CompletableFuture<Integer> result = sim.injectMo("111111111", "12345", new byte[] {'x'}, (byte) 0);

        ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void injectMoTimesOutWhenEsmeNeverAnswers() throws Exception {
        start(SimulatorOptions.builder().responseTimeout(Duration.ofMillis(300)).build());
        try (RawSmpp raw = RawSmpp.connect(sim.port())) {
            BindReceiver bind = new BindReceiver();
            bind.setSystemId("mute");
            bind.setPassword("pw");
            bind.setSequenceNumber(1);
            raw.send(bind);
            assertEquals(SmppConstants.CMD_ID_BIND_RECEIVER_RESP, raw.read().commandId());

            CompletableFuture<Integer> result = sim.injectMo("111111111", "12345", new byte[] {'x'}, (byte) 0);

            ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(5, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, e.getCause());
            assertEquals(SmppConstants.CMD_ID_DELIVER_SM, raw.read().commandId());
        }
    }

    // ---- binds, silence, connection control --------------------------------------------------

    @Test
    void wrongPasswordIsRejectedWhenCredentialsConfigured() throws Exception {
        start(SimulatorOptions.builder().credentials(Map.of("acme", "secret")).build());

        assertThrows(IOException.class, () -> bind(BindType.BIND_TRX, "acme", "wrong", new Inbox()));
        assertThrows(IOException.class, () -> bind(BindType.BIND_TRX, "nobody", "secret", new Inbox()));
        bind(BindType.BIND_TRX, "acme", "secret", new Inbox());

        assertEquals(2, sim.failedBindCount());
        assertEquals(1, sim.bindCount());
    }

    @Test
    void bindRejectionCarriesBindFailStatus() throws Exception {
        start(SimulatorOptions.builder().credentials(Map.of("acme", "secret")).build());
        try (RawSmpp raw = RawSmpp.connect(sim.port())) {
            BindReceiver bind = new BindReceiver();
            bind.setSystemId("acme");
            bind.setPassword("nope");
            bind.setSequenceNumber(9);
            raw.send(bind);

            RawSmpp.Frame resp = raw.read();

            assertEquals(SmppConstants.CMD_ID_BIND_RECEIVER_RESP, resp.commandId());
            assertEquals(SmppConstants.STATUS_BINDFAIL, resp.status());
            assertEquals(9, resp.sequence());
        }
    }

    @Test
    void silentModeLeavesSubmitUnansweredUntilSwitchedBack() throws Exception {
        start(SimulatorOptions.defaults());
        SMPPSession esme = bind(BindType.BIND_TRX, "acme", "pw", new Inbox());
        esme.setTransactionTimer(500);
        sim.setSilent(true);

        assertThrows(ResponseTimeoutException.class, () -> submit(esme, "111111111", "222222222", "hush", false));
        assertEquals(1, sim.submitCount(), "the unanswered submit was still received");

        sim.setSilent(false);
        assertFalse(submit(esme, "111111111", "222222222", "again", false).isEmpty());
    }

    @Test
    void unknownCommandGetsGenericNackWithItsSequenceNumber() throws Exception {
        start(SimulatorOptions.defaults());
        try (RawSmpp raw = RawSmpp.connect(sim.port())) {
            raw.sendHeader(0x00000099, 7);

            RawSmpp.Frame nack = raw.read();

            assertEquals(SmppConstants.CMD_ID_GENERIC_NACK, nack.commandId());
            assertEquals(SmppConstants.STATUS_INVCMDID, nack.status());
            assertEquals(7, nack.sequence());
        }
    }

    @Test
    void submitBeforeBindIsRefusedWithInvalidBindStatus() throws Exception {
        start(SimulatorOptions.defaults());
        try (RawSmpp raw = RawSmpp.connect(sim.port())) {
            SubmitSm submit = new SubmitSm();
            submit.setSequenceNumber(3);
            raw.send(submit);

            RawSmpp.Frame resp = raw.read();

            assertEquals(SmppConstants.CMD_ID_SUBMIT_SM_RESP, resp.commandId());
            assertEquals(SmppConstants.STATUS_INVBNDSTS, resp.status());
            assertEquals(0, sim.submitCount());
        }
    }

    @Test
    void dropConnectionsClosesEveryBoundSession() throws Exception {
        start(SimulatorOptions.defaults());
        SMPPSession a = bind(BindType.BIND_TRX, "a", "pw", new Inbox());
        SMPPSession b = bind(BindType.BIND_RX, "b", "pw", new Inbox());
        awaitCondition(() -> sim.boundSessionCount() == 2);

        sim.dropConnections();

        awaitCondition(() -> sim.boundSessionCount() == 0);
        awaitCondition(
                () -> !a.getSessionState().isBound() && !b.getSessionState().isBound());
    }

    @Test
    void unbindIsAnsweredAndRemovesTheSession() throws Exception {
        start(SimulatorOptions.defaults());
        SMPPSession esme = bind(BindType.BIND_TRX, "acme", "pw", new Inbox());
        awaitCondition(() -> sim.boundSessionCount() == 1);

        esme.unbindAndClose();

        awaitCondition(() -> sim.boundSessionCount() == 0);
    }

    @Test
    void awaitSubmitsTimesOutWhenTooFewArrive() throws Exception {
        start(SimulatorOptions.defaults());
        SMPPSession esme = bind(BindType.BIND_TX, "acme", "pw", new Inbox());
        submit(esme, "111111111", "222222222", "only one", false);

        assertThrows(TimeoutException.class, () -> sim.awaitSubmits(2, Duration.ofMillis(200)));
    }

    // ---- helpers -----------------------------------------------------------------------------

    private void start(SimulatorOptions options) {
        sim = new SmscSimulator(options).start();
    }

    private SMPPSession bind(BindType type, String systemId, String password, Inbox inbox) throws IOException {
        SMPPSession session = new SMPPSession();
        session.setTransactionTimer(2000);
        session.setMessageReceiverListener(inbox);
        try {
            session.connectAndBind(
                    "127.0.0.1",
                    sim.port(),
                    new BindParameter(
                            type, systemId, password, "", TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN, null));
        } catch (IOException e) {
            session.close();
            throw e;
        }
        sessions.add(session);
        return session;
    }

    private static String submit(SMPPSession esme, String from, String to, String text, boolean receipt)
            throws Exception {
        return submitSm(esme)
                .from(TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, from)
                .to(to)
                .priority(0)
                .dataCoding(DataCodings.ZERO)
                .text(text)
                .receipt(receipt)
                .send()
                .getMessageId();
    }

    private static String cString(DeliverSm pdu, OptionalParameter.Tag tag) {
        OptionalParameter p = pdu.getOptionalParameter(tag);
        assertNotNull(p, "missing TLV " + tag);
        return new OptionalParameter.COctetString(p.tag, ((OptionalParameter.OctetString) p).getValue())
                .getValueAsString();
    }

    private static void awaitCondition(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + WAIT);
            }
            Thread.sleep(20);
        }
    }

    /** Collects deliver_sm; answers them OK, or with {@link #rejectWith} when set. */
    private static final class Inbox implements MessageReceiverListener {
        final BlockingQueue<DeliverSm> queue = new LinkedBlockingQueue<>();
        volatile int rejectWith;

        @Override
        public void onAcceptDeliverSm(DeliverSm deliverSm) throws ProcessRequestException {
            queue.add(deliverSm);
            if (rejectWith != 0) {
                throw new ProcessRequestException("rejected by test", rejectWith);
            }
        }

        @Override
        public void onAcceptAlertNotification(AlertNotification alertNotification) {}

        @Override
        public DataSmResult onAcceptDataSm(DataSm dataSm, Session source) throws ProcessRequestException {
            throw new ProcessRequestException("data_sm not expected", 0x03);
        }

        DeliverSm take() throws InterruptedException {
            DeliverSm pdu = queue.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(pdu, "no deliver_sm within " + WAIT);
            return pdu;
        }
    }
}
