package io.optoutgw.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.app.Gateway;
import io.optoutgw.config.ConfigLoader;
import io.optoutgw.config.ConfigOverrides;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.JsmppSmsc;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.jsmpp.bean.Address;
import org.jsmpp.bean.Alphabet;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.DeliverSm;
import org.jsmpp.bean.ESMClass;
import org.jsmpp.bean.GeneralDataCoding;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.ReplaceIfPresentFlag;
import org.jsmpp.bean.SMSCDeliveryReceipt;
import org.jsmpp.bean.SubmitMulti;
import org.jsmpp.bean.SubmitSm;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.bean.UnsuccessDelivery;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPSession;
import org.jsmpp.session.SubmitMultiResult;
import org.jsmpp.session.SubmitSmResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The upstream leg against an SMSC built on jSMPP's server side ({@link JsmppSmsc}), which shares
 * no code with the gateway's codec: what the gateway encodes must be what an independent
 * implementation decodes, and what that implementation encodes (deliver_sm, submit_sm_resp,
 * submit_multi_resp) must be what the gateway reads. jSMPP also plays the ESMEs.
 */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IndependentSmscTest {

    private static final AtomicInteger PERSON = new AtomicInteger(7000);

    private static RedisServerProcess redis;
    private static JsmppSmsc smsc;
    private static Gateway gateway;
    private final List<SMPPSession> sessions = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = JsmppSmsc.start("gw", "gwpass");
        // a Redis command timeout of 5 s: the connection is made at start-up, on a loaded machine too
        gateway = Gateway.start(ConfigLoader.parse(
                """
                instanceId: gw-jsmpp
                smpp: { host: 127.0.0.1, port: 0, bindTimeout: 3s, unbindDrainTimeout: 2s }
                http: { host: 127.0.0.1, port: 0 }
                redis: { uri: "%s", commandTimeout: 5s }
                optout: { journalDir: "%s", reconcileInterval: 1h }
                upstreams:
                  - { name: jsmpp, host: 127.0.0.1, port: %d, systemId: gw, password: gwpass, binds: 1 }
                accounts:
                  - { systemId: acme, password: acme-pw, numbers: ["12345"] }
                  - { systemId: beta, password: beta-pw, numbers: ["67890"] }
                """.formatted(redis.uri(), TestGateways.tempJournalDir("gw-jsmpp"), smsc.port()),
                ConfigOverrides.NONE));
        TestGateways.awaitBound(gateway);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (smsc != null) {
            smsc.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @AfterEach
    void unbind() {
        sessions.forEach(SMPPSession::unbindAndClose);
    }

    private SMPPSession bind(BindType type, String account, Esmes.Inbox inbox) throws Exception {
        SMPPSession s = Esmes.bind(gateway.smppPort(), type, account, account + "-pw", inbox);
        sessions.add(s);
        return s;
    }

    private static String person() {
        return "1555820" + String.format("%04d", PERSON.incrementAndGet());
    }

    /** submit_sm at the SMSC addressed to {@code to}. */
    private static List<SubmitSm> submitsTo(String to) {
        return smsc.submits().stream()
                .filter(s -> to.equals(s.getDestAddress()))
                .toList();
    }

    /** STOP from {@code person} to 12345, answered ESME_ROK, and the confirmation received by the SMSC. */
    private static void optOut(String person) throws Exception {
        int before = smsc.submits().size();
        smsc.deliverMo(person, "12345", "STOP");
        smsc.awaitSubmits(before + 1, Duration.ofSeconds(10));
    }

    @Test
    void aSubmitSmReachesTheSmscWithItsFieldsIntactAndTheSmscMessageIdComesBack() throws Exception {
        SMPPSession acme = bind(BindType.BIND_TX, "acme", null);
        String to = person();
        byte[] text = "Grüße, 5 € off".getBytes(StandardCharsets.UTF_16BE);
        SubmitSmResult result = acme.submitShortMessage(
                "CMT",
                TypeOfNumber.NATIONAL,
                NumberingPlanIndicator.ISDN,
                "12345",
                TypeOfNumber.INTERNATIONAL,
                NumberingPlanIndicator.ISDN,
                to,
                new ESMClass(0x03),
                (byte) 0x39,
                (byte) 2,
                null,
                "000001000000000R",
                new RegisteredDelivery(SMSCDeliveryReceipt.SUCCESS_FAILURE),
                (byte) 0,
                new GeneralDataCoding(Alphabet.ALPHA_UCS2),
                (byte) 0,
                text,
                new OptionalParameter.Short(OptionalParameter.Tag.USER_MESSAGE_REFERENCE, (short) 4242));

        List<SubmitSm> got = submitsTo(to);
        assertEquals(1, got.size(), "one submit_sm reached the SMSC");
        SubmitSm sm = got.get(0);
        assertEquals("CMT", sm.getServiceType());
        assertEquals(TypeOfNumber.NATIONAL.value(), sm.getSourceAddrTon());
        assertEquals(NumberingPlanIndicator.ISDN.value(), sm.getSourceAddrNpi());
        assertEquals("12345", sm.getSourceAddr());
        assertEquals(TypeOfNumber.INTERNATIONAL.value(), sm.getDestAddrTon());
        assertEquals(NumberingPlanIndicator.ISDN.value(), sm.getDestAddrNpi());
        assertEquals(0x03, sm.getEsmClass());
        assertEquals(0x39, sm.getProtocolId());
        assertEquals(2, sm.getPriorityFlag());
        assertEquals("000001000000000R", sm.getValidityPeriod());
        assertEquals(SMSCDeliveryReceipt.SUCCESS_FAILURE.value(), sm.getRegisteredDelivery());
        assertEquals(0x08, sm.getDataCoding());
        assertArrayEquals(text, sm.getShortMessage());
        OptionalParameter ref = sm.getOptionalParameter(OptionalParameter.Tag.USER_MESSAGE_REFERENCE);
        assertNotNull(ref, "the TLV was relayed");
        assertEquals(4242, ((OptionalParameter.Short) ref).getValue());

        int index = smsc.submits().indexOf(sm);
        assertEquals(smsc.submitIds().get(index), result.getMessageId(), "the SMSC's message id came back");
    }

    @Test
    void aReceiptFromTheSmscIsRoutedToTheAccountThatSubmitted() throws Exception {
        Esmes.Inbox acmeInbox = new Esmes.Inbox();
        Esmes.Inbox betaInbox = new Esmes.Inbox();
        SMPPSession acme = bind(BindType.BIND_TRX, "acme", acmeInbox);
        bind(BindType.BIND_TRX, "beta", betaInbox);
        String to = person();
        String id = Esmes.submit(acme, "12345", to, "receipt please", true).getMessageId();

        // returns once the gateway answered ESME_ROK, which it does after the ESME's deliver_sm_resp
        smsc.deliverReceipt(id, to, "12345");
        DeliverSm receipt = acmeInbox.delivered.poll(5, TimeUnit.SECONDS);
        assertNotNull(receipt, "the submitting account received the receipt");
        assertEquals(id, receipt.getShortMessageAsDeliveryReceipt().getId());
        OptionalParameter receipted = receipt.getOptionalParameter(OptionalParameter.Tag.RECEIPTED_MESSAGE_ID);
        assertNotNull(receipted);
        assertEquals(id, ((OptionalParameter.COctetString) receipted).getValueAsString());
        assertTrue(betaInbox.delivered.isEmpty(), "another account's session got nothing");
    }

    @Test
    void aStopFromTheSmscIsRecordedAndLaterSubmitsAreRefused() throws Exception {
        String optedOut = person();
        String other = person();
        optOut(optedOut);
        assertEquals(1, submitsTo(optedOut).size(), "the confirmation went to the handset");

        SMPPSession acme = bind(BindType.BIND_TX, "acme", null);
        NegativeResponseException refused = Assertions.assertThrows(
                NegativeResponseException.class, () -> Esmes.submit(acme, "12345", optedOut, "promo", false));
        assertEquals(0x0B, refused.getCommandStatus());
        // barrier: a later allowed submit on the same session and the same upstream bind
        assertNotNull(Esmes.submit(acme, "12345", other, "promo", false).getMessageId());
        assertEquals(1, submitsTo(other).size());
        assertEquals(1, submitsTo(optedOut).size(), "nothing but the confirmation reached the opted-out number");
    }

    @Test
    void aSubmitMultiIsRelayedAndTheSmscsUnsuccessListIsMergedWithTheGatewaysRefusals() throws Exception {
        String blocked = person();
        String ok = person();
        String failing = person();
        optOut(blocked);
        smsc.failAtSmsc(Set.of(failing));
        SMPPSession acme = bind(BindType.BIND_TX, "acme", null);
        Address[] dests = Arrays.stream(new String[] {blocked, ok, failing})
                .map(n -> new Address(TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, n))
                .toArray(Address[]::new);
        int multisBefore = smsc.submitMultis().size();
        SubmitMultiResult result = acme.submitMultiple(
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

        List<SubmitMulti> got = smsc.submitMultis();
        assertEquals(multisBefore + 1, got.size(), "one submit_multi reached the SMSC");
        SubmitMulti relayed = got.get(got.size() - 1);
        assertEquals(
                List.of(ok, failing),
                Arrays.stream(relayed.getDestAddresses())
                        .map(d -> ((Address) d).getAddress())
                        .toList(),
                "the opted-out number was left out");
        assertEquals("12345", relayed.getSourceAddr());
        assertArrayEquals("hello all".getBytes(StandardCharsets.ISO_8859_1), relayed.getShortMessage());
        assertEquals(smsc.submitMultiIds().get(got.size() - 1), result.getMessageId());

        Map<String, Integer> unsuccess = Arrays.stream(result.getUnsuccessDeliveries())
                .collect(Collectors.toMap(
                        u -> u.getDestinationAddress().getAddress(), UnsuccessDelivery::getErrorStatusCode));
        assertEquals(Map.of(blocked, 0x0B, failing, JsmppSmsc.SMSC_FAILURE), unsuccess);
    }
}
