package io.optoutgw.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import javax.net.ssl.SSLContext;
import org.jsmpp.bean.AlertNotification;
import org.jsmpp.bean.Alphabet;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.DataCoding;
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

    /**
     * A submit_sm to send through {@code s}, set field by field; what is not set is a plain message:
     * no service type, source TON/NPI unknown, destination international/ISDN, priority 1, no
     * receipt, GSM 7-bit default alphabet, text "hello".
     */
    public static Submit submitSm(SMPPSession s) {
        return new Submit(s);
    }

    /** A submit_sm being set up by {@link #submitSm}; {@link #send} or {@link #status} sends it. */
    public static final class Submit {
        private final SMPPSession s;
        private String serviceType = "";
        private TypeOfNumber sourceTon = TypeOfNumber.UNKNOWN;
        private NumberingPlanIndicator sourceNpi = NumberingPlanIndicator.UNKNOWN;
        private String from = "";
        private TypeOfNumber destTon = TypeOfNumber.INTERNATIONAL;
        private NumberingPlanIndicator destNpi = NumberingPlanIndicator.ISDN;
        private String to = "";
        private ESMClass esmClass = new ESMClass();
        private byte priority = 1;
        private String schedule;
        private String validity;
        private SMSCDeliveryReceipt receipt = SMSCDeliveryReceipt.DEFAULT;
        private DataCoding dataCoding = new GeneralDataCoding(Alphabet.ALPHA_DEFAULT);
        private byte[] message = "hello".getBytes(StandardCharsets.ISO_8859_1);
        private OptionalParameter[] tlvs = new OptionalParameter[0];

        private Submit(SMPPSession s) {
            this.s = s;
        }

        public Submit serviceType(String serviceType) {
            this.serviceType = serviceType;
            return this;
        }

        public Submit from(String from) {
            this.from = from;
            return this;
        }

        public Submit from(TypeOfNumber ton, NumberingPlanIndicator npi, String from) {
            this.sourceTon = ton;
            this.sourceNpi = npi;
            return from(from);
        }

        public Submit to(String to) {
            this.to = to;
            return this;
        }

        public Submit to(TypeOfNumber ton, NumberingPlanIndicator npi, String to) {
            this.destTon = ton;
            this.destNpi = npi;
            return to(to);
        }

        public Submit esmClass(byte esmClass) {
            this.esmClass = new ESMClass(esmClass);
            return this;
        }

        public Submit priority(int priority) {
            this.priority = (byte) priority;
            return this;
        }

        /** schedule_delivery_time in SMPP form ({@code 000000010000000R}), null for none. */
        public Submit schedule(String schedule) {
            this.schedule = schedule;
            return this;
        }

        /** validity_period in SMPP form, null for none. */
        public Submit validity(String validity) {
            this.validity = validity;
            return this;
        }

        /** Asks for a delivery receipt (success or failure) when {@code wanted}. */
        public Submit receipt(boolean wanted) {
            this.receipt = wanted ? SMSCDeliveryReceipt.SUCCESS_FAILURE : SMSCDeliveryReceipt.DEFAULT;
            return this;
        }

        public Submit dataCoding(DataCoding dataCoding) {
            this.dataCoding = dataCoding;
            return this;
        }

        /** short_message: {@code text} in ISO-8859-1 (ASCII text as GSM 7-bit unpacked). */
        public Submit text(String text) {
            return message(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        public Submit message(byte[] message) {
            this.message = message;
            return this;
        }

        public Submit tlvs(OptionalParameter... tlvs) {
            this.tlvs = tlvs;
            return this;
        }

        /** Sends it and returns the answer; a refusal throws {@link NegativeResponseException}. */
        public SubmitSmResult send() throws Exception {
            return s.submitShortMessage(
                    serviceType,
                    sourceTon,
                    sourceNpi,
                    from,
                    destTon,
                    destNpi,
                    to,
                    esmClass,
                    (byte) 0,
                    priority,
                    schedule,
                    validity,
                    new RegisteredDelivery(receipt),
                    (byte) 0,
                    dataCoding,
                    (byte) 0,
                    message,
                    tlvs);
        }

        /** Sends it and returns the command_status of the answer: 0 when relayed, else the refusal. */
        public int status() throws Exception {
            try {
                send();
                return 0;
            } catch (NegativeResponseException e) {
                return e.getCommandStatus();
            }
        }
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
        return submitSm(s)
                .from(from)
                .to(ton, npi, to)
                .esmClass(esmClass)
                .message(message)
                .send();
    }

    public static SubmitSmResult submit(SMPPSession s, String from, String to, String text, boolean receipt)
            throws Exception {
        return submitSm(s).from(from).to(to).text(text).receipt(receipt).send();
    }

    /**
     * The command_status a submit_sm of "hello" from {@code from} to the international number
     * {@code to} gets: 0 when relayed, else the refusal status.
     */
    public static int status(SMPPSession s, String serviceType, String from, String to, OptionalParameter... tlvs)
            throws Exception {
        return submitSm(s).serviceType(serviceType).from(from).to(to).tlvs(tlvs).status();
    }
}
