package io.optoutgw.suppression;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.SmppConstants;
import io.optoutgw.app.Gateway;
import io.optoutgw.codec.SubmitMulti;
import io.optoutgw.config.ConfigLoader;
import io.optoutgw.config.ConfigOverrides;
import io.optoutgw.simulator.ReceivedMessage;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
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
import org.jsmpp.session.DataSmResult;
import org.jsmpp.session.SMPPSession;
import org.jsmpp.session.SubmitMultiResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The submit paths besides submit_sm: data_sm is checked against the list like submit_sm, and a
 * submit_multi follows the account's fail-closed or fail-open policy when the list cannot be read.
 * Each test checks the SMSC's side (what the simulator received), not only the ESME's response.
 */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OtherSubmitPathsTest {

    private static final AtomicInteger PERSON = new AtomicInteger(6000);

    private RedisServerProcess redis;
    private SmscSimulator smsc;
    private Gateway gateway;
    private final List<SMPPSession> sessions = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        // a Redis command timeout of 5 s: the connection is made at start-up, on a loaded machine too
        gateway = Gateway.start(ConfigLoader.parse(
                """
                instanceId: gw-paths
                smpp: { host: 127.0.0.1, port: 0, bindTimeout: 3s, unbindDrainTimeout: 2s }
                http: { host: 127.0.0.1, port: 0 }
                redis: { uri: "%s", commandTimeout: 5s }
                optout: { journalDir: "%s", reconcileInterval: 1h }
                suppression: { checkTimeout: 300ms }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345"] }
                  - { systemId: open, password: pw, numbers: ["33333"], optOut: { failOpen: true } }
                  - { systemId: brand, password: pw, numbers: ["44441", "44442"], optOut: { scope: sender } }
                """.formatted(redis.uri(), TestGateways.tempJournalDir("gw-paths"), smsc.port()),
                ConfigOverrides.NONE));
        awaitBound(gateway);
    }

    @AfterEach
    void stop() {
        sessions.forEach(SMPPSession::unbindAndClose);
        if (gateway != null) {
            gateway.close();
        }
        smsc.close();
        redis.close();
    }

    private SMPPSession bind(String account) throws Exception {
        SMPPSession s = Esmes.bind(gateway.smppPort(), BindType.BIND_TX, account, "pw", null);
        sessions.add(s);
        return s;
    }

    private static String person() {
        return "1555810" + String.format("%04d", PERSON.incrementAndGet());
    }

    /** STOP from {@code person}, acknowledged, and its confirmation received by the SMSC. */
    private void optOut(String person) throws Exception {
        optOut(person, "12345");
    }

    private void optOut(String person, String shortCode) throws Exception {
        long before = smsc.submitCount();
        assertEquals(
                0,
                smsc.injectMo(person, shortCode, "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS));
        smsc.awaitSubmits((int) before + 1, Duration.ofSeconds(10));
    }

    private static DataSmResult dataSm(SMPPSession s, String to, String text) throws Exception {
        return s.dataShortMessage(
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
                new OptionalParameter.OctetString(OptionalParameter.Tag.MESSAGE_PAYLOAD.code(), text));
    }

    private static SubmitMultiResult multi(SMPPSession s, String from, String... to) throws Exception {
        Address[] dests = new Address[to.length];
        for (int i = 0; i < to.length; i++) {
            dests[i] = new Address(TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, to[i]);
        }
        return s.submitMultiple(
                "",
                TypeOfNumber.UNKNOWN,
                NumberingPlanIndicator.UNKNOWN,
                from,
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

    interface ThrowingCall {
        void run() throws Exception;
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

    /** Destinations of the data_sm PDUs the simulator received (the STOP confirmation is a submit_sm). */
    private List<String> dataSmDestinationsReceived() {
        return smsc.receivedMessages().stream()
                .map(ReceivedMessage::pdu)
                .filter(pdu -> pdu.getCommandId() == SmppConstants.CMD_ID_DATA_SM)
                .map(pdu ->
                        pdu.getDestAddress() == null ? "" : pdu.getDestAddress().getAddress())
                .toList();
    }

    @Test
    void aDataSmToAnOptedOutNumberIsRefusedAndNeverReachesTheSmsc() throws Exception {
        String optedOut = person();
        String other = person();
        optOut(optedOut);
        SMPPSession acme = bind("acme");
        assertEquals(0x0B, status(() -> dataSm(acme, optedOut, "data sm to an opted-out number")));
        // barrier: a later allowed data_sm on the same session and the same upstream bind
        DataSmResult allowed = dataSm(acme, other, "data sm to a subscribed number");
        assertNotNull(allowed.getMessageId());
        List<String> received = dataSmDestinationsReceived();
        assertTrue(received.contains(other), "the allowed data_sm reached the SMSC: " + received);
        assertTrue(!received.contains(optedOut), "nothing to the opted-out number reached the SMSC: " + received);
    }

    @Test
    void submitMultiWhileRedisIsFrozenIsRefusedWholeForAFailClosedAccountAndRelayedForAFailOpenOne() throws Exception {
        SMPPSession acme = bind("acme");
        SMPPSession open = bind("open");
        String a1 = person();
        String a2 = person();
        String o1 = person();
        String o2 = person();
        redis.pause();
        try {
            assertEquals(0x58, status(() -> multi(acme, "12345", a1, a2)), "fail closed: ESME_RTHROTTLED");
            // barrier: the fail-open account's submit_multi goes on the same upstream bind afterwards
            SubmitMultiResult relayed = multi(open, "33333", o1, o2);
            assertNotNull(relayed.getMessageId());
            assertEquals(0, relayed.getUnsuccessDeliveries().length);
        } finally {
            redis.resume();
        }
        List<SubmitMulti> got = smsc.receivedSubmitMultis();
        assertEquals(1, got.size(), "only the fail-open account's submit_multi reached the SMSC");
        assertEquals(
                List.of(o1, o2),
                got.get(0).getDestinations().stream()
                        .map(d -> d.address().getAddress())
                        .toList());
    }

    /**
     * With the sender scope a STOP to one short code suppresses that sender only: the submit's
     * source address is part of the decision, for submit_sm and for each submit_multi destination.
     */
    @Test
    void aSenderScopedOptOutRefusesThatSenderOnlyOnEverySubmitPath() throws Exception {
        String p = person();
        String q = person();
        optOut(p, "44441");
        int mark = smsc.receivedMessages().size(); // after the STOP confirmation
        SMPPSession brand = bind("brand");
        assertEquals(0x0B, status(() -> Esmes.submit(brand, "44441", p, "from the short code texted", false)));
        SubmitMultiResult mixed = multi(brand, "44441", p, q);
        assertEquals(1, mixed.getUnsuccessDeliveries().length);
        assertEquals(
                p, mixed.getUnsuccessDeliveries()[0].getDestinationAddress().getAddress());
        assertEquals(0x0B, mixed.getUnsuccessDeliveries()[0].getErrorStatusCode());

        // the brand's other sender may still send, on both paths
        assertNotNull(Esmes.submit(brand, "44442", p, "from the other short code", false)
                .getMessageId());
        SubmitMultiResult other = multi(brand, "44442", p);
        assertEquals(0, other.getUnsuccessDeliveries().length);
        List<SubmitMulti> got = smsc.receivedSubmitMultis();
        assertEquals(2, got.size());
        assertEquals(
                List.of(q),
                got.get(0).getDestinations().stream()
                        .map(d -> d.address().getAddress())
                        .toList());
        assertEquals(
                List.of(p),
                got.get(1).getDestinations().stream()
                        .map(d -> d.address().getAddress())
                        .toList());
        List<ReceivedMessage> received = smsc.receivedMessages();
        assertEquals(
                List.of("44442"),
                received.subList(mark, received.size()).stream()
                        .map(ReceivedMessage::pdu)
                        .filter(pdu -> pdu.getCommandId() == SmppConstants.CMD_ID_SUBMIT_SM)
                        .filter(pdu -> pdu.getDestAddress() != null
                                && p.equals(pdu.getDestAddress().getAddress()))
                        .map(pdu -> pdu.getSourceAddress().getAddress())
                        .toList(),
                "of the submit_sm to the opted-out number only the other sender's was relayed");
    }
}
