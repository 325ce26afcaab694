package io.optoutgw.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import javax.net.ssl.SSLContext;
import org.jsmpp.bean.AlertNotification;
import org.jsmpp.bean.Alphabet;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.DataSm;
import org.jsmpp.bean.DeliverSm;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.GeneralDataCoding;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.SMSCDeliveryReceipt;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.BindParameter;
import org.jsmpp.session.DataSmResult;
import org.jsmpp.session.MessageReceiverListener;
import org.jsmpp.session.SMPPSession;
import org.jsmpp.session.Session;
import org.jsmpp.session.SubmitSmResult;
import org.jsmpp.session.connection.socket.SocketConnection;

/** jSMPP (an SMPP client nobody here wrote) as the ESME in integration tests. */
public final class Esmes {

    private Esmes() {}

    /** Collects what the gateway delivers to one ESME session. */
    public static final class Inbox implements MessageReceiverListener {
        public final BlockingQueue<DeliverSm> delivered = new LinkedBlockingQueue<>();

        @Override
        public void onAcceptDeliverSm(DeliverSm deliverSm) {
            delivered.add(deliverSm);
        }

        @Override
        public void onAcceptAlertNotification(AlertNotification alertNotification) {}

        @Override
        public DataSmResult onAcceptDataSm(DataSm dataSm, Session source) {
            return null;
        }
    }

    public static SMPPSession bind(int port, BindType type, String systemId, String password, Inbox inbox)
            throws IOException {
        SMPPSession s = new SMPPSession();
        s.setTransactionTimer(5000);
        if (inbox != null) {
            s.setMessageReceiverListener(inbox);
        }
        s.connectAndBind(
                "127.0.0.1",
                port,
                new BindParameter(
                        type, systemId, password, "", TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN, null),
                5000);
        return s;
    }

    /** As {@link #bind}, over TLS with {@code tls} (see {@link TestCertificates#clientContext}). */
    public static SMPPSession bindTls(
            int port, SSLContext tls, BindType type, String systemId, String password, Inbox inbox) throws IOException {
        SMPPSession s = new SMPPSession((host, p) -> new SocketConnection(TestCertificates.connect(tls, p)));
        s.setTransactionTimer(5000);
        if (inbox != null) {
            s.setMessageReceiverListener(inbox);
        }
        s.connectAndBind(
                "127.0.0.1",
                port,
                new BindParameter(
                        type, systemId, password, "", TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN, null),
                5000);
        return s;
    }

    /** submit_sm to {@code to} with the given TON/NPI (for number-variant tests). */
    public static SubmitSmResult submitTo(
            SMPPSession s,
            String from,
            TypeOfNumber ton,
            NumberingPlanIndicator npi,
            String to,
            byte esmClass,
            byte[] message)
            throws Exception {
        return s.submitShortMessage(
                "",
                TypeOfNumber.UNKNOWN,
                NumberingPlanIndicator.UNKNOWN,
                from,
                ton,
                npi,
                to,
                new ESMClass(esmClass),
                (byte) 0,
                (byte) 1,
                null,
                null,
                new RegisteredDelivery(SMSCDeliveryReceipt.DEFAULT),
                (byte) 0,
                new GeneralDataCoding(Alphabet.ALPHA_DEFAULT),
                (byte) 0,
                message);
    }

    public static SubmitSmResult submit(SMPPSession s, String from, String to, String text, boolean receipt)
            throws Exception {
        return s.submitShortMessage(
                "",
                TypeOfNumber.UNKNOWN,
                NumberingPlanIndicator.UNKNOWN,
                from,
                TypeOfNumber.INTERNATIONAL,
                NumberingPlanIndicator.ISDN,
                to,
                new ESMClass(),
                (byte) 0,
                (byte) 1,
                null,
                null,
                new RegisteredDelivery(receipt ? SMSCDeliveryReceipt.SUCCESS_FAILURE : SMSCDeliveryReceipt.DEFAULT),
                (byte) 0,
                new GeneralDataCoding(Alphabet.ALPHA_DEFAULT),
                (byte) 0,
                text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * The command_status a submit_sm of "hello" from {@code from} to the international number
     * {@code to} gets: 0 when relayed, else the refusal status.
     */
    public static int status(SMPPSession s, String serviceType, String from, String to, OptionalParameter... tlvs)
            throws Exception {
        try {
            s.submitShortMessage(
                    serviceType,
                    TypeOfNumber.UNKNOWN,
                    NumberingPlanIndicator.UNKNOWN,
                    from,
                    TypeOfNumber.INTERNATIONAL,
                    NumberingPlanIndicator.ISDN,
                    to,
                    new ESMClass(),
                    (byte) 0,
                    (byte) 1,
                    null,
                    null,
                    new RegisteredDelivery(SMSCDeliveryReceipt.DEFAULT),
                    (byte) 0,
                    new GeneralDataCoding(Alphabet.ALPHA_DEFAULT),
                    (byte) 0,
                    "hello".getBytes(StandardCharsets.ISO_8859_1),
                    tlvs);
            return 0;
        } catch (NegativeResponseException e) {
            return e.getCommandStatus();
        }
    }
}
