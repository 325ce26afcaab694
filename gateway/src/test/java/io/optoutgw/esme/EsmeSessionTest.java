package io.optoutgw.esme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseBind;
import com.cloudhopper.smpp.pdu.BaseBindResp;
import com.cloudhopper.smpp.pdu.BindReceiver;
import com.cloudhopper.smpp.pdu.BindTransceiver;
import com.cloudhopper.smpp.pdu.EnquireLink;
import com.cloudhopper.smpp.pdu.EnquireLinkResp;
import com.cloudhopper.smpp.pdu.GenericNack;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.pdu.SubmitSm;
import com.cloudhopper.smpp.pdu.SubmitSmResp;
import com.cloudhopper.smpp.pdu.Unbind;
import com.cloudhopper.smpp.pdu.UnbindResp;
import com.cloudhopper.smpp.type.Address;
import io.netty.channel.embedded.EmbeddedChannel;
import io.optoutgw.codec.PduDecodeFailure;
import io.optoutgw.config.AccountConfig;
import io.optoutgw.config.SmppServerConfig;
import io.optoutgw.smpp.BindType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ESME-facing session state machine on an EmbeddedChannel; requests that pass are recorded, not relayed. */
class EsmeSessionTest {

    private final List<PduRequest<?>> relayed = new ArrayList<>();
    private final EsmeTraffic recorder = (session, request) -> relayed.add(request);

    private EmbeddedChannel channel(int windowSize, int submitRate) {
        AccountConfig acme = new AccountConfig(
                "acme", "secret", null, 2, windowSize, submitRate, null, List.of("12345"), null, null, null, null);
        AccountConfig rx = new AccountConfig(
                "rxonly", "pw", Set.of(BindType.RECEIVER), 1, 0, 0, null, null, null, null, null, null);
        SmppServerConfig cfg = new SmppServerConfig(
                "127.0.0.1",
                0,
                4096,
                Duration.ofSeconds(2),
                Duration.ofSeconds(1),
                Duration.ofSeconds(60),
                null,
                null,
                null,
                null,
                null,
                null,
                null);
        return new EmbeddedChannel(new EsmeSession(
                cfg, new AccountRegistry(List.of(acme, rx)), recorder, "optout-gw", TimeUnit.SECONDS.toNanos(5), 1));
    }

    private static <T extends BaseBind<?>> T bind(T bind, String systemId, String password, int seq) {
        bind.setSystemId(systemId);
        bind.setPassword(password);
        bind.setSequenceNumber(seq);
        return bind;
    }

    private static SubmitSm submit(int seq) {
        SubmitSm sm = new SubmitSm();
        sm.setSequenceNumber(seq);
        sm.setSourceAddress(new Address((byte) 0, (byte) 0, "12345"));
        sm.setDestAddress(new Address((byte) 1, (byte) 1, "15551234567"));
        return sm;
    }

    private EmbeddedChannel bound(int windowSize, int submitRate) {
        EmbeddedChannel ch = channel(windowSize, submitRate);
        ch.writeInbound(bind(new BindTransceiver(), "acme", "secret", 1));
        BaseBindResp resp = ch.readOutbound();
        assertEquals(SmppConstants.STATUS_OK, resp.getCommandStatus());
        return ch;
    }

    @Test
    void enquireLinkIsAnsweredBeforeBind() {
        EmbeddedChannel ch = channel(64, 0);
        EnquireLink el = new EnquireLink();
        el.setSequenceNumber(7);
        ch.writeInbound(el);
        EnquireLinkResp resp = ch.readOutbound();
        assertEquals(7, resp.getSequenceNumber());
        assertEquals(SmppConstants.STATUS_OK, resp.getCommandStatus());
    }

    @Test
    void submitBeforeBindGetsInvalidBindStatus() {
        EmbeddedChannel ch = channel(64, 0);
        ch.writeInbound(submit(3));
        SubmitSmResp resp = ch.readOutbound();
        assertEquals(SmppConstants.STATUS_INVBNDSTS, resp.getCommandStatus());
        assertEquals(3, resp.getSequenceNumber());
        assertTrue(relayed.isEmpty());
    }

    @Test
    void wrongPasswordAndUnknownUserGetTheSameBindFailAndTheConnectionCloses() {
        EmbeddedChannel wrongPassword = channel(64, 0);
        wrongPassword.writeInbound(bind(new BindTransceiver(), "acme", "guess", 1));
        BaseBindResp a = wrongPassword.readOutbound();
        EmbeddedChannel unknownUser = channel(64, 0);
        unknownUser.writeInbound(bind(new BindTransceiver(), "nobody", "secret", 1));
        BaseBindResp b = unknownUser.readOutbound();
        assertEquals(SmppConstants.STATUS_BINDFAIL, a.getCommandStatus());
        assertEquals(SmppConstants.STATUS_BINDFAIL, b.getCommandStatus());
        wrongPassword.writeInbound(bind(new BindTransceiver(), "acme", "secret", 2));
        assertEquals(
                SmppConstants.STATUS_BINDFAIL,
                ((PduResponse) wrongPassword.readOutbound()).getCommandStatus(),
                "no second try on a connection whose bind failed");
        wrongPassword.advanceTimeBy(600, TimeUnit.MILLISECONDS);
        unknownUser.advanceTimeBy(600, TimeUnit.MILLISECONDS);
        wrongPassword.runScheduledPendingTasks();
        unknownUser.runScheduledPendingTasks();
        assertFalse(wrongPassword.isActive());
        assertFalse(unknownUser.isActive());
    }

    @Test
    void bindTypeNotAllowedForTheAccountFails() {
        EmbeddedChannel ch = channel(64, 0);
        ch.writeInbound(bind(new BindTransceiver(), "rxonly", "pw", 1));
        BaseBindResp resp = ch.readOutbound();
        assertEquals(SmppConstants.STATUS_BINDFAIL, resp.getCommandStatus());
    }

    @Test
    void receiverCannotSubmit() {
        EmbeddedChannel ch = channel(64, 0);
        ch.writeInbound(bind(new BindReceiver(), "rxonly", "pw", 1));
        assertEquals(SmppConstants.STATUS_OK, ((PduResponse) ch.readOutbound()).getCommandStatus());
        ch.writeInbound(submit(2));
        SubmitSmResp resp = ch.readOutbound();
        assertEquals(SmppConstants.STATUS_INVBNDSTS, resp.getCommandStatus());
        assertTrue(relayed.isEmpty());
    }

    @Test
    void secondBindOnTheSameConnectionIsAlreadyBound() {
        EmbeddedChannel ch = bound(64, 0);
        ch.writeInbound(bind(new BindTransceiver(), "acme", "secret", 2));
        BaseBindResp resp = ch.readOutbound();
        assertEquals(SmppConstants.STATUS_ALYBND, resp.getCommandStatus());
    }

    @Test
    void unknownCommandGetsGenericNackWithItsSequenceNumber() {
        EmbeddedChannel ch = bound(64, 0);
        ch.writeInbound(new PduDecodeFailure(0x000000FF, 99, PduDecodeFailure.Kind.UNKNOWN_COMMAND, "test"));
        GenericNack nack = ch.readOutbound();
        assertEquals(SmppConstants.STATUS_INVCMDID, nack.getCommandStatus());
        assertEquals(99, nack.getSequenceNumber());
        assertTrue(ch.isActive());
    }

    @Test
    void requestBeyondTheWindowIsThrottledNotBuffered() {
        EmbeddedChannel ch = bound(2, 0);
        ch.writeInbound(submit(10), submit(11), submit(12));
        assertEquals(2, relayed.size());
        SubmitSmResp third = ch.readOutbound();
        assertEquals(12, third.getSequenceNumber());
        assertEquals(SmppConstants.STATUS_THROTTLED, third.getCommandStatus());
        assertNull(ch.readOutbound());
    }

    @Test
    void submitsOverTheAccountRateAreThrottled() {
        EmbeddedChannel ch = bound(64, 1);
        ch.writeInbound(submit(10), submit(11));
        assertEquals(1, relayed.size());
        SubmitSmResp second = ch.readOutbound();
        assertEquals(SmppConstants.STATUS_THROTTLED, second.getCommandStatus());
    }

    @Test
    void responseGoesBackWithTheEsmesOriginalSequenceNumber() {
        EmbeddedChannel ch = bound(64, 0);
        ch.writeInbound(submit(4242));
        EsmeSession session = ch.pipeline().get(EsmeSession.class);
        SubmitSmResp resp = new SubmitSmResp();
        resp.setMessageId("abc");
        resp.setSequenceNumber(1); // the upstream's sequence space
        session.respond(resp, 4242);
        ch.runPendingTasks();
        SubmitSmResp out = ch.readOutbound();
        assertEquals(4242, out.getSequenceNumber());
        assertEquals("abc", out.getMessageId());
    }

    @Test
    void unbindWithRequestsInFlightDrainsThemBeforeAnswering() {
        EmbeddedChannel ch = bound(64, 0);
        ch.writeInbound(submit(5));
        Unbind unbind = new Unbind();
        unbind.setSequenceNumber(6);
        ch.writeInbound(unbind);
        assertNull(ch.readOutbound(), "unbind_resp must wait for the request in flight");
        ch.writeInbound(submit(7));
        SubmitSmResp refused = ch.readOutbound();
        assertEquals(SmppConstants.STATUS_INVBNDSTS, refused.getCommandStatus());

        ch.pipeline().get(EsmeSession.class).respond(new SubmitSmResp(), 5);
        ch.runPendingTasks();
        assertEquals(5, ((SubmitSmResp) ch.readOutbound()).getSequenceNumber());
        UnbindResp unbindResp = ch.readOutbound();
        assertEquals(6, unbindResp.getSequenceNumber());
        ch.advanceTimeBy(600, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isActive(), "closed after the grace period when the ESME does not close");
    }

    @Test
    void unbindNeverHangsWhenAResponseNeverComes() {
        EmbeddedChannel ch = bound(64, 0);
        ch.writeInbound(submit(5));
        Unbind unbind = new Unbind();
        unbind.setSequenceNumber(6);
        ch.writeInbound(unbind);
        ch.advanceTimeBy(1100, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        SubmitSmResp failed = ch.readOutbound();
        assertEquals(5, failed.getSequenceNumber());
        assertEquals(
                SmppConstants.STATUS_SYSERR,
                failed.getCommandStatus(),
                "the request in flight is failed, not left hanging");
        assertInstanceOf(UnbindResp.class, ch.readOutbound());
        EsmeSession session = ch.pipeline().get(EsmeSession.class);
        session.respond(new SubmitSmResp(), 5);
        ch.runPendingTasks();
        assertNull(ch.readOutbound(), "the late answer is dropped");
        ch.advanceTimeBy(600, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isActive());
    }

    @Test
    void connectionThatDoesNotBindInTimeIsClosed() {
        EmbeddedChannel ch = channel(64, 0);
        ch.advanceTimeBy(2100, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isActive());
    }

    @Test
    void accountBindLimitIsEnforced() {
        AccountRegistry registry = new AccountRegistry(
                List.of(new AccountConfig("acme", "secret", null, 1, 0, 0, null, null, null, null, null, null)));
        SmppServerConfig cfg =
                new SmppServerConfig("127.0.0.1", 0, 4096, null, null, null, null, null, null, null, null, null, null);
        EmbeddedChannel first = new EmbeddedChannel(new EsmeSession(cfg, registry, recorder, "gw", 1_000_000_000L, 1));
        EmbeddedChannel second = new EmbeddedChannel(new EsmeSession(cfg, registry, recorder, "gw", 1_000_000_000L, 2));
        first.writeInbound(bind(new BindTransceiver(), "acme", "secret", 1));
        second.writeInbound(bind(new BindTransceiver(), "acme", "secret", 1));
        assertEquals(SmppConstants.STATUS_OK, ((PduResponse) first.readOutbound()).getCommandStatus());
        assertEquals(SmppConstants.STATUS_BINDFAIL, ((PduResponse) second.readOutbound()).getCommandStatus());
        first.close();
        EmbeddedChannel third = new EmbeddedChannel(new EsmeSession(cfg, registry, recorder, "gw", 1_000_000_000L, 3));
        third.writeInbound(bind(new BindTransceiver(), "acme", "secret", 1));
        assertEquals(
                SmppConstants.STATUS_OK,
                ((PduResponse) third.readOutbound()).getCommandStatus(),
                "a closed session frees its bind slot");
    }

    @Test
    void hashedPasswordsAreAccepted() {
        String hash = PasswordHash.hash("s3cret");
        assertTrue(PasswordHash.matches(hash, "s3cret"));
        assertFalse(PasswordHash.matches(hash, "s3cret!"));
        assertFalse(PasswordHash.matches("plain", "plai"));
        assertTrue(PasswordHash.matches("plain", "plain"));
    }

    @Test
    void aConnectionThatSendsMoreThanItsPreBindBudgetIsClosedAndCounted() {
        AccountConfig acme =
                new AccountConfig("acme", "secret", null, 2, 64, 0, null, List.of("12345"), null, null, null, null);
        SmppServerConfig cfg =
                new SmppServerConfig("127.0.0.1", 0, 4096, null, null, null, null, null, null, null, null, 5, null);
        BindGuard guard = new BindGuard(100, 1000, 5, Duration.ofMinutes(5));
        EmbeddedChannel ch = new EmbeddedChannel(new EsmeSession(
                cfg, new AccountRegistry(List.of(acme)), recorder, "gw", TimeUnit.SECONDS.toNanos(5), 1, guard, null));
        for (int seq = 1; seq <= 4; seq++) {
            EnquireLink el = new EnquireLink();
            el.setSequenceNumber(seq);
            ch.writeInbound(el);
            assertEquals(seq, ((PduResponse) ch.readOutbound()).getSequenceNumber());
        }
        ch.writeInbound(new PduDecodeFailure(0x7f, 5, PduDecodeFailure.Kind.UNKNOWN_COMMAND, "unknown"));
        assertInstanceOf(GenericNack.class, ch.readOutbound(), "the fifth PDU is still answered");
        assertTrue(ch.isOpen());
        EnquireLink sixth = new EnquireLink();
        sixth.setSequenceNumber(6);
        ch.writeInbound(sixth, submit(7));
        assertNull(ch.readOutbound(), "past the budget nothing more is answered");
        assertFalse(ch.isOpen(), "and the connection is closed");
        assertEquals(1, guard.closed(BindGuard.Closed.PRE_BIND_PDUS));
        assertTrue(relayed.isEmpty());
    }

    @Test
    void theBudgetCountsOnlyUntilTheBindSucceeds() {
        AccountConfig acme =
                new AccountConfig("acme", "secret", null, 2, 64, 0, null, List.of("12345"), null, null, null, null);
        SmppServerConfig cfg =
                new SmppServerConfig("127.0.0.1", 0, 4096, null, null, null, null, null, null, null, null, 2, null);
        EmbeddedChannel ch = new EmbeddedChannel(new EsmeSession(
                cfg, new AccountRegistry(List.of(acme)), recorder, "gw", TimeUnit.SECONDS.toNanos(5), 1));
        EnquireLink el = new EnquireLink();
        el.setSequenceNumber(1);
        ch.writeInbound(el);
        ch.readOutbound();
        ch.writeInbound(bind(new BindTransceiver(), "acme", "secret", 2));
        assertEquals(SmppConstants.STATUS_OK, ((BaseBindResp) ch.readOutbound()).getCommandStatus());
        for (int seq = 3; seq < 50; seq++) {
            EnquireLink more = new EnquireLink();
            more.setSequenceNumber(seq);
            ch.writeInbound(more);
            assertEquals(seq, ((PduResponse) ch.readOutbound()).getSequenceNumber());
        }
        assertTrue(ch.isOpen(), "a bound session has no PDU budget");
    }
}
