package io.optoutgw.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.jsmpp.PDUStringException;
import org.jsmpp.bean.Address;
import org.jsmpp.bean.Alphabet;
import org.jsmpp.bean.BroadcastSm;
import org.jsmpp.bean.CancelBroadcastSm;
import org.jsmpp.bean.CancelSm;
import org.jsmpp.bean.DataSm;
import org.jsmpp.bean.DestinationAddress;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.GSMSpecificFeature;
import org.jsmpp.bean.GeneralDataCoding;
import org.jsmpp.bean.MessageMode;
import org.jsmpp.bean.MessageType;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.bean.QueryBroadcastSm;
import org.jsmpp.bean.QuerySm;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.ReplaceSm;
import org.jsmpp.bean.SubmitMulti;
import org.jsmpp.bean.SubmitSm;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.bean.UnsuccessDelivery;
import org.jsmpp.extra.ProcessRequestException;
import org.jsmpp.extra.SessionState;
import org.jsmpp.session.BindRequest;
import org.jsmpp.session.BroadcastSmResult;
import org.jsmpp.session.DataSmResult;
import org.jsmpp.session.QueryBroadcastSmResult;
import org.jsmpp.session.QuerySmResult;
import org.jsmpp.session.SMPPServerSession;
import org.jsmpp.session.SMPPServerSessionListener;
import org.jsmpp.session.ServerMessageReceiverListener;
import org.jsmpp.session.Session;
import org.jsmpp.session.SubmitMultiResult;
import org.jsmpp.session.SubmitSmResult;
import org.jsmpp.session.connection.ServerConnection;
import org.jsmpp.session.connection.ServerConnectionFactory;
import org.jsmpp.session.connection.socket.ServerSocketConnection;
import org.jsmpp.util.MessageId;

/**
 * A small SMSC built on jSMPP's server side, on 127.0.0.1: an upstream that shares no code with
 * the gateway's own codec (unlike the built-in simulator), so that an encoding defect the gateway
 * and its simulator share shows. It accepts binds with one system_id and password, answers
 * submit_sm, data_sm and submit_multi with fresh message ids (listing the numbers given to
 * {@link #failAtSmsc} in submit_multi's unsuccess_sme with {@link #SMSC_FAILURE}), records what it
 * received, and sends deliver_sm (MO or receipts) on a bound session.
 */
public final class JsmppSmsc implements AutoCloseable {

    /** command_status the SMSC gives a submit_multi destination it cannot deliver to (ESME_RSUBMITFAIL). */
    public static final int SMSC_FAILURE = 0x45;

    private final String systemId;
    private final String password;
    private final SMPPServerSessionListener listener;
    private final int port;
    private final Thread acceptor;
    private final AtomicLong nextId = new AtomicLong(0x51000);
    private final List<SMPPServerSession> sessions = new CopyOnWriteArrayList<>();
    private final List<SubmitSm> submits = new CopyOnWriteArrayList<>();
    private final List<String> submitIds = new CopyOnWriteArrayList<>();
    private final List<SubmitMulti> multis = new CopyOnWriteArrayList<>();
    private final List<String> multiIds = new CopyOnWriteArrayList<>();
    private final List<DataSm> dataSms = new CopyOnWriteArrayList<>();
    private volatile Set<String> failAtSmsc = Set.of();
    private volatile boolean closed;

    private JsmppSmsc(String systemId, String password) throws IOException {
        this.systemId = systemId;
        this.password = password;
        ServerSocket[] socket = new ServerSocket[1];
        this.listener = new SMPPServerSessionListener(0, new ServerConnectionFactory() {
            @Override
            public ServerConnection listen(int port) throws IOException {
                return listen(port, 0, 50);
            }

            @Override
            public ServerConnection listen(int port, int timeout) throws IOException {
                return listen(port, timeout, 50);
            }

            @Override
            public ServerConnection listen(int port, int timeout, int backlog) throws IOException {
                socket[0] = new ServerSocket(port, backlog, InetAddress.getLoopbackAddress());
                socket[0].setSoTimeout(timeout);
                return new ServerSocketConnection(socket[0]);
            }
        });
        this.port = socket[0].getLocalPort();
        listener.setMessageReceiverListener(new Receiver());
        this.acceptor = new Thread(this::acceptLoop, "jsmpp-smsc-accept-" + port);
        acceptor.setDaemon(true);
    }

    /** Listens on a free 127.0.0.1 port and accepts binds with {@code systemId} and {@code password}. */
    public static JsmppSmsc start(String systemId, String password) throws IOException {
        JsmppSmsc smsc = new JsmppSmsc(systemId, password);
        smsc.acceptor.start();
        return smsc;
    }

    public int port() {
        return port;
    }

    /** submit_multi destinations with these addresses come back in unsuccess_sme with {@link #SMSC_FAILURE}. */
    public void failAtSmsc(Set<String> addresses) {
        this.failAtSmsc = Set.copyOf(addresses);
    }

    public List<SubmitSm> submits() {
        return List.copyOf(submits);
    }

    /** The message ids given to {@link #submits()}, in the same order. */
    public List<String> submitIds() {
        return List.copyOf(submitIds);
    }

    public List<SubmitMulti> submitMultis() {
        return List.copyOf(multis);
    }

    /** The message ids given to {@link #submitMultis()}, in the same order. */
    public List<String> submitMultiIds() {
        return List.copyOf(multiIds);
    }

    public List<DataSm> dataSms() {
        return List.copyOf(dataSms);
    }

    /** Waits until at least {@code n} submit_sm have arrived. */
    public List<SubmitSm> awaitSubmits(int n, Duration timeout) throws InterruptedException, TimeoutException {
        await(() -> submits.size() >= n, timeout, "submit_sm #" + n);
        return submits();
    }

    /** Waits until a session bound with a receiving bind type (the gateway binds as transceiver). */
    public SMPPServerSession awaitBound(Duration timeout) throws InterruptedException, TimeoutException {
        await(() -> boundSession() != null, timeout, "a bound session");
        return boundSession();
    }

    private SMPPServerSession boundSession() {
        for (SMPPServerSession s : sessions) {
            if (s.getSessionState() == SessionState.BOUND_TRX || s.getSessionState() == SessionState.BOUND_RX) {
                return s;
            }
        }
        return null;
    }

    private static void await(BooleanSupplier condition, Duration timeout, String what)
            throws InterruptedException, TimeoutException {
        if (!TestGateways.eventually(timeout, condition)) {
            throw new TimeoutException("jSMPP SMSC: no " + what + " within " + timeout);
        }
    }

    /**
     * A mobile-originated deliver_sm from {@code from} to {@code to}, sent on a bound session; returns
     * when the gateway has answered ESME_ROK, throws {@link org.jsmpp.extra.NegativeResponseException}
     * on an error status.
     */
    public void deliverMo(String from, String to, String text) throws Exception {
        awaitBound(Duration.ofSeconds(10))
                .deliverShortMessage(
                        "",
                        TypeOfNumber.INTERNATIONAL,
                        NumberingPlanIndicator.ISDN,
                        from,
                        TypeOfNumber.UNKNOWN,
                        NumberingPlanIndicator.UNKNOWN,
                        to,
                        new ESMClass(),
                        (byte) 0,
                        (byte) 0,
                        new RegisteredDelivery(),
                        new GeneralDataCoding(Alphabet.ALPHA_DEFAULT),
                        text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * A delivery receipt (SMPP 3.4 Appendix B text, esm_class 0x04, receipted_message_id and
     * message_state DELIVERED) for {@code messageId}, from the handset {@code handset} to the
     * submitter's {@code sender}.
     */
    public void deliverReceipt(String messageId, String handset, String sender) throws Exception {
        String text = "id:" + messageId + " sub:001 dlvrd:001 submit date:2601010000 done date:2601010001"
                + " stat:DELIVRD err:000 text:";
        awaitBound(Duration.ofSeconds(10))
                .deliverShortMessage(
                        "",
                        TypeOfNumber.INTERNATIONAL,
                        NumberingPlanIndicator.ISDN,
                        handset,
                        TypeOfNumber.UNKNOWN,
                        NumberingPlanIndicator.UNKNOWN,
                        sender,
                        new ESMClass(MessageMode.DEFAULT, MessageType.SMSC_DEL_RECEIPT, GSMSpecificFeature.DEFAULT),
                        (byte) 0,
                        (byte) 0,
                        new RegisteredDelivery(),
                        new GeneralDataCoding(Alphabet.ALPHA_DEFAULT),
                        text.getBytes(StandardCharsets.ISO_8859_1),
                        new OptionalParameter.COctetString(
                                OptionalParameter.Tag.RECEIPTED_MESSAGE_ID.code(), messageId),
                        new OptionalParameter.Byte(OptionalParameter.Tag.MESSAGE_STATE, (byte) 2));
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SMPPServerSession session = listener.accept();
                session.setTransactionTimer(5000);
                sessions.add(session);
                BindRequest bind = session.waitForBind(5000);
                if (systemId.equals(bind.getSystemId()) && password.equals(bind.getPassword())) {
                    bind.accept("jsmppsmsc");
                } else {
                    bind.reject(0x0E); // ESME_RINVPASWD
                }
            } catch (IOException | RuntimeException | TimeoutException | PDUStringException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private MessageId newId() {
        try {
            return new MessageId(Long.toHexString(nextId.incrementAndGet()));
        } catch (PDUStringException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (SMPPServerSession s : sessions) {
            s.close();
        }
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /**
     * Answers what the gateway sends upstream; anything but submit_sm, data_sm and submit_multi
     * gets ESME_RINVCMDID.
     */
    private final class Receiver implements ServerMessageReceiverListener {

        @Override
        public SubmitSmResult onAcceptSubmitSm(SubmitSm submitSm, SMPPServerSession source) {
            MessageId id = newId();
            synchronized (submits) {
                submitIds.add(id.getValue());
                submits.add(submitSm);
            }
            return new SubmitSmResult(id, new OptionalParameter[0]);
        }

        @Override
        public SubmitMultiResult onAcceptSubmitMulti(SubmitMulti submitMulti, SMPPServerSession source) {
            List<UnsuccessDelivery> failed = new ArrayList<>();
            for (DestinationAddress d : submitMulti.getDestAddresses()) {
                if (d instanceof Address a && failAtSmsc.contains(a.getAddress())) {
                    failed.add(new UnsuccessDelivery(a, SMSC_FAILURE));
                }
            }
            String id = newId().getValue();
            multiIds.add(id);
            multis.add(submitMulti);
            return new SubmitMultiResult(id, failed.toArray(UnsuccessDelivery[]::new), new OptionalParameter[0]);
        }

        @Override
        public DataSmResult onAcceptDataSm(DataSm dataSm, Session source) {
            dataSms.add(dataSm);
            return new DataSmResult(newId(), new OptionalParameter[0]);
        }

        @Override
        public QuerySmResult onAcceptQuerySm(QuerySm querySm, SMPPServerSession source) throws ProcessRequestException {
            throw unsupported();
        }

        @Override
        public void onAcceptReplaceSm(ReplaceSm replaceSm, SMPPServerSession source) throws ProcessRequestException {
            throw unsupported();
        }

        @Override
        public void onAcceptCancelSm(CancelSm cancelSm, SMPPServerSession source) throws ProcessRequestException {
            throw unsupported();
        }

        @Override
        public BroadcastSmResult onAcceptBroadcastSm(BroadcastSm broadcastSm, SMPPServerSession source)
                throws ProcessRequestException {
            throw unsupported();
        }

        @Override
        public void onAcceptCancelBroadcastSm(CancelBroadcastSm cancelBroadcastSm, SMPPServerSession source)
                throws ProcessRequestException {
            throw unsupported();
        }

        @Override
        public QueryBroadcastSmResult onAcceptQueryBroadcastSm(
                QueryBroadcastSm queryBroadcastSm, SMPPServerSession source) throws ProcessRequestException {
            throw unsupported();
        }

        private ProcessRequestException unsupported() {
            return new ProcessRequestException("not supported by this test SMSC", 0x03);
        }
    }
}
