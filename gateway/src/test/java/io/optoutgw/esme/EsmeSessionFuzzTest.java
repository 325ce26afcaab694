package io.optoutgw.esme;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseBind;
import com.cloudhopper.smpp.pdu.BindReceiver;
import com.cloudhopper.smpp.pdu.BindTransceiver;
import com.cloudhopper.smpp.pdu.BindTransmitter;
import com.cloudhopper.smpp.pdu.DataSm;
import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.pdu.DeliverSmResp;
import com.cloudhopper.smpp.pdu.EnquireLink;
import com.cloudhopper.smpp.pdu.EnquireLinkResp;
import com.cloudhopper.smpp.pdu.GenericNack;
import com.cloudhopper.smpp.pdu.Pdu;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.pdu.QuerySm;
import com.cloudhopper.smpp.pdu.SubmitSm;
import com.cloudhopper.smpp.pdu.Unbind;
import com.cloudhopper.smpp.pdu.UnbindResp;
import com.cloudhopper.smpp.type.Address;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.optoutgw.codec.PduDecodeFailure;
import io.optoutgw.codec.Pdus;
import io.optoutgw.codec.SmppDecoder;
import io.optoutgw.codec.SmppEncoder;
import io.optoutgw.config.AccountConfig;
import io.optoutgw.config.SmppServerConfig;
import io.optoutgw.smpp.BindType;
import io.optoutgw.smpp.RequestWindow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Coverage-guided fuzzing (Jazzer) of a whole ESME session: the real decoder, encoder and
 * {@link EsmeSession} on an EmbeddedChannel, fed an arbitrary sequence of steps: well-formed PDUs
 * of any kind (binds with right and wrong credentials, submits, enquire_link with any
 * command_status, unbind, responses with unknown sequence numbers, unknown command ids), raw bytes,
 * answers from the relay behind the session, deliver_sm from the gateway, and time passing.
 * Promises checked for every input:
 * <ul>
 *   <li>every well-formed request is answered (by sequence number), or the connection is closed;</li>
 *   <li>no exception reaches the end of the pipeline, and the session closes no connection because
 *       of an exception other than a framing error;</li>
 *   <li>bounded state: requests in flight never exceed the account's window, deliveries waiting never
 *       exceed one window, the relay never holds more than a window of the session's requests.</li>
 * </ul>
 * The seeds are in {@code src/test/resources/io/optoutgw/esme/EsmeSessionFuzzTestInputs/anySession};
 * a finding is written there as {@code crash-<sha1>} and from then on runs as a regression input.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EsmeSessionFuzzTest {

    private static final int WINDOW = 4;
    private static final int MAX_STEPS = 64;

    @FuzzTest(maxDuration = "20s")
    void anySession(FuzzedDataProvider data) {
        Logger sessionLog = (Logger) LoggerFactory.getLogger(EsmeSession.class);
        ListAppender<ILoggingEvent> warnings = new ListAppender<>();
        warnings.start();
        sessionLog.addAppender(warnings);
        try {
            new Run(data).run();
            for (ILoggingEvent e : warnings.list) {
                if (e.getLevel().isGreaterOrEqual(Level.WARN)
                        && e.getFormattedMessage().contains("closing:")) {
                    assertTrue(
                            e.getFormattedMessage().contains("SmppFramingException"),
                            "the session closed a connection on an exception: " + e.getFormattedMessage());
                }
            }
        } finally {
            sessionLog.detachAppender(warnings);
        }
    }

    /** One session fed one input. */
    private static final class Run {
        private final FuzzedDataProvider data;
        private final List<Throwable> atTail = new ArrayList<>();
        private final ArrayDeque<Object[]> relayed = new ArrayDeque<>(); // {session, request}
        private final Map<Integer, Integer> unanswered = new HashMap<>(); // sequence -> requests not yet answered
        private final SmppDecoder outboundDecoder = new SmppDecoder(64 * 1024);
        private final EmbeddedChannel out = new EmbeddedChannel(outboundDecoder);
        private int maxRelayed;

        Run(FuzzedDataProvider data) {
            this.data = data;
        }

        void run() {
            AccountConfig acme = new AccountConfig(
                    "acme", "secret", null, 2, WINDOW, 0, null, List.of("12345"), null, null, null, null);
            AccountConfig rx = new AccountConfig(
                    "rxonly", "pw", Set.of(BindType.RECEIVER), 1, WINDOW, 0, null, null, null, null, null, null);
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
            EsmeTraffic relay = (session, request) -> {
                relayed.add(new Object[] {session, request});
                maxRelayed = Math.max(maxRelayed, relayed.size());
            };
            EsmeSession session = new EsmeSession(
                    cfg, new AccountRegistry(List.of(acme, rx)), relay, "optout-gw", TimeUnit.SECONDS.toNanos(5), 1);
            EmbeddedChannel ch = new EmbeddedChannel(
                    new SmppDecoder(4096), SmppEncoder.INSTANCE, session, new ChannelInboundHandlerAdapter() {
                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            atTail.add(cause);
                        }
                    });
            try {
                for (int step = 0; step < MAX_STEPS && data.remainingBytes() > 0 && ch.isActive(); step++) {
                    step(ch, session);
                    collectOutbound(ch);
                    assertBounded(session);
                }
                // the relay answers whatever it still holds, time passes, and the session must have answered
                answerRelayed(ch, relayed.size());
                ch.advanceTimeBy(10, TimeUnit.SECONDS);
                ch.runPendingTasks();
                ch.runScheduledPendingTasks();
                collectOutbound(ch);
                assertBounded(session);
                assertTrue(atTail.isEmpty(), "exception reached the end of the pipeline: " + atTail);
                if (ch.isActive()) {
                    unanswered.values().removeIf(n -> n <= 0);
                    assertTrue(
                            unanswered.isEmpty(),
                            "requests neither answered nor the connection closed: " + unanswered.keySet());
                }
            } finally {
                ch.finishAndReleaseAll();
                out.finishAndReleaseAll();
            }
        }

        private void assertBounded(EsmeSession session) {
            assertTrue(session.inFlight() <= WINDOW, "in flight " + session.inFlight() + " > window " + WINDOW);
            assertTrue(session.deliveriesWaiting() <= WINDOW, "deliveries waiting " + session.deliveriesWaiting());
            assertTrue(maxRelayed <= WINDOW, "the relay held " + maxRelayed + " requests of a window of " + WINDOW);
        }

        private void step(EmbeddedChannel ch, EsmeSession session) {
            int seq = data.consumeBoolean() ? data.consumeInt(1, 8) : data.consumeInt();
            switch (data.consumeInt(0, 15)) {
                case 0 -> send(ch, bind(new BindTransceiver(), "acme", "secret", seq));
                case 1 ->
                    send(
                            ch,
                            bind(
                                    data.consumeBoolean() ? new BindTransmitter() : new BindReceiver(),
                                    data.consumeBoolean() ? "acme" : "rxonly",
                                    data.consumeBoolean() ? "secret" : "pw",
                                    seq));
                case 2 ->
                    send(ch, bind(new BindTransceiver(), data.consumeAsciiString(16), data.consumeAsciiString(9), seq));
                case 3, 4 -> send(ch, submit(seq));
                case 5 -> {
                    EnquireLink el = new EnquireLink();
                    el.setSequenceNumber(seq);
                    el.setCommandStatus(data.consumeInt());
                    send(ch, el);
                }
                case 6 -> {
                    Unbind u = new Unbind();
                    u.setSequenceNumber(seq);
                    send(ch, u);
                }
                case 7 -> {
                    // a response the session may or may not be waiting for
                    PduResponse r = switch (data.consumeInt(0, 3)) {
                        case 0 -> new DeliverSmResp();
                        case 1 -> new EnquireLinkResp();
                        case 2 -> new UnbindResp();
                        default -> new GenericNack();
                    };
                    r.setSequenceNumber(data.consumeBoolean() ? session.inFlight() + 1 : seq);
                    r.setCommandStatus(data.consumeInt());
                    write(ch, encode(r));
                }
                case 8 -> {
                    // an unknown command id, or a known one with a header only
                    ByteBuf b = Unpooled.buffer(16);
                    b.writeInt(16)
                            .writeInt(data.consumeInt())
                            .writeInt(data.consumeInt())
                            .writeInt(seq);
                    write(ch, b);
                }
                case 9 -> write(ch, Unpooled.wrappedBuffer(data.consumeBytes(data.consumeInt(0, 300))));
                case 10 -> answerRelayed(ch, data.consumeInt(0, WINDOW));
                case 11 -> {
                    ch.advanceTimeBy(data.consumeLong(0, 15_000), TimeUnit.MILLISECONDS);
                    ch.runScheduledPendingTasks();
                }
                case 12 -> {
                    if (session.canReceive()) {
                        DeliverSm mo = new DeliverSm();
                        mo.setSourceAddress(new Address((byte) 1, (byte) 1, "15551234567"));
                        mo.setDestAddress(new Address((byte) 0, (byte) 0, "12345"));
                        session.deliver(mo, ignoring());
                    }
                }
                case 13 -> {
                    DataSm d = new DataSm();
                    d.setSequenceNumber(seq);
                    d.setSourceAddress(new Address((byte) 0, (byte) 0, "12345"));
                    d.setDestAddress(new Address((byte) 1, (byte) 1, "15551234567"));
                    send(ch, d);
                }
                case 14 -> {
                    QuerySm q = new QuerySm();
                    q.setSequenceNumber(seq);
                    q.setMessageId(data.consumeAsciiString(20));
                    q.setSourceAddress(new Address((byte) 0, (byte) 0, "12345"));
                    send(ch, q);
                }
                default -> {
                    if (data.consumeBoolean()) {
                        session.unbindFromGateway();
                    } else {
                        ch.close();
                    }
                }
            }
        }

        private static RequestWindow.Callback ignoring() {
            return new RequestWindow.Callback() {
                @Override
                public void onResponse(PduResponse response) {}

                @Override
                public void onFailure(RequestWindow.Failure failure) {}
            };
        }

        /** The relay answers the {@code n} oldest requests it holds (ESME_ROK or an error). */
        private void answerRelayed(EmbeddedChannel ch, int n) {
            for (int i = 0; i < n && !relayed.isEmpty(); i++) {
                Object[] held = relayed.poll();
                EsmeSession s = (EsmeSession) held[0];
                PduRequest<?> request = (PduRequest<?>) held[1];
                int status = data.remainingBytes() > 0 && data.consumeBoolean() ? SmppConstants.STATUS_SYSERR : 0;
                s.respond(Pdus.response(request, status), request.getSequenceNumber());
            }
            ch.runPendingTasks();
        }

        private void send(EmbeddedChannel ch, PduRequest<?> request) {
            unanswered.merge(request.getSequenceNumber(), 1, Integer::sum);
            write(ch, encode(request));
        }

        private static void write(EmbeddedChannel ch, ByteBuf bytes) {
            if (!ch.isActive()) {
                bytes.release();
                return;
            }
            ch.writeInbound(bytes);
        }

        /** Decodes what the session wrote and counts the responses by sequence number. */
        private void collectOutbound(EmbeddedChannel ch) {
            Object o;
            while ((o = ch.readOutbound()) != null) {
                out.writeInbound(o);
            }
            Object pdu;
            while ((pdu = out.readInbound()) != null) {
                if (pdu instanceof PduResponse r) {
                    unanswered.computeIfPresent(r.getSequenceNumber(), (k, n) -> n - 1);
                } else if (pdu instanceof PduDecodeFailure f) {
                    throw new AssertionError("the session wrote an undecodable PDU: " + f.reason());
                }
            }
        }

        private static <T extends BaseBind<?>> T bind(T bind, String systemId, String password, int seq) {
            bind.setSystemId(systemId);
            bind.setPassword(password);
            bind.setSequenceNumber(seq);
            return bind;
        }

        private SubmitSm submit(int seq) {
            SubmitSm sm = new SubmitSm();
            sm.setSequenceNumber(seq);
            sm.setSourceAddress(
                    new Address((byte) 0, (byte) 0, data.consumeBoolean() ? "12345" : data.consumeAsciiString(20)));
            sm.setDestAddress(new Address((byte) 1, (byte) 1, "15551234567"));
            return sm;
        }

        private static ByteBuf encode(Pdu pdu) {
            EmbeddedChannel enc = new EmbeddedChannel(SmppEncoder.INSTANCE);
            enc.writeOutbound(pdu);
            ByteBuf b = enc.readOutbound();
            enc.finishAndReleaseAll();
            return b;
        }
    }

    private static Level sessionLevel;

    @BeforeAll
    static void quietSession() {
        // keep the fuzzing output readable: the session logs every refused PDU at INFO
        Logger session = (Logger) LoggerFactory.getLogger(EsmeSession.class);
        sessionLevel = session.getLevel();
        session.setLevel(Level.WARN);
    }

    @AfterAll
    static void restoreSessionLevel() {
        // other tests in this JVM read the session's INFO lines (refused binds, escaped)
        ((Logger) LoggerFactory.getLogger(EsmeSession.class)).setLevel(sessionLevel);
    }
}
