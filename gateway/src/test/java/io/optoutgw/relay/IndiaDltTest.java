package io.optoutgw.relay;

import static io.optoutgw.testsupport.Esmes.submitSm;
import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseSm;
import com.cloudhopper.smpp.tlv.Tlv;
import io.optoutgw.app.Gateway;
import io.optoutgw.codec.SubmitMulti;
import io.optoutgw.simulator.ReceivedMessage;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
import org.jsmpp.session.SMPPSession;
import org.jsmpp.session.SubmitMultiResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * India's DLT registration TLVs (0x1400 entity id, 0x1401 template id) end to end: relayed
 * byte-identical under the default {@code optOut.indiaDlt: pass}, required for Indian destinations
 * under {@code require} on submit_sm, data_sm and submit_multi (per destination), and still usable
 * as the category source ({@code categorySource: tlv:0x1400}). jSMPP ESMEs, a real redis-server,
 * the SMSC simulator.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IndiaDltTest {

    private static final int MISSING = 0xC3;
    private static final String INDIA = "919876543210";
    private static final String INDIA_2 = "919812345678";
    private static final String US = "12015550900";
    /** An entity id and a template id as issued on the DLT platforms: 19 digits each. */
    private static final byte[] ENTITY = "1101234567890123456".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] TEMPLATE = "1107161234567890123\0".getBytes(StandardCharsets.US_ASCII);

    private static RedisServerProcess redis;
    private static SmscSimulator smsc;
    private static Gateway gateway;
    private static final Map<String, SMPPSession> sessions = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start("gw-dlt", redis.uri(), """
                optout: { reconcileInterval: 1h }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - { systemId: open, password: pw, numbers: ["11111"] }
                  - systemId: dlt
                    password: pw
                    numbers: ["22222"]
                    optOut: { indiaDlt: require }
                  - systemId: dltin
                    password: pw
                    numbers: ["33333"]
                    defaultRegion: IN
                    optOut: { indiaDlt: REQUIRE, indiaDltStatus: 0xC4 }
                  - systemId: dltcat
                    password: pw
                    numbers: ["44444"]
                    optOut:
                      indiaDlt: require
                      categories: [marketing, alerts]
                      categorySource: "tlv:0x1400"
                      senderCategories: {"44444": marketing}
                """.formatted(smsc.port()));
        awaitBound(gateway);
    }

    @AfterAll
    static void stop() {
        sessions.values().forEach(SMPPSession::unbindAndClose);
        gateway.close();
        smsc.close();
        redis.close();
    }

    private static SMPPSession esme(String account) throws Exception {
        SMPPSession s = sessions.get(account);
        if (s == null) {
            s = Esmes.bind(gateway.smppPort(), BindType.BIND_TX, account, "pw", null);
            sessions.put(account, s);
        }
        return s;
    }

    private static OptionalParameter entity(byte[] value) {
        return new OptionalParameter.OctetString(DltRegistration.TAG_ENTITY_ID, value);
    }

    private static OptionalParameter template(byte[] value) {
        return new OptionalParameter.OctetString(DltRegistration.TAG_TEMPLATE_ID, value);
    }

    /** The submit_sm_resp status of a submit_sm "hello <marker>" from {@code from} to {@code to} (TON international). */
    private static int submit(String account, String from, String to, String marker, OptionalParameter... tlvs)
            throws Exception {
        return submit(account, from, TypeOfNumber.INTERNATIONAL, to, marker, tlvs);
    }

    private static int submit(
            String account, String from, TypeOfNumber ton, String to, String marker, OptionalParameter... tlvs)
            throws Exception {
        return submitSm(esme(account))
                .from(from)
                .to(ton, NumberingPlanIndicator.ISDN, to)
                .text("hello " + marker)
                .tlvs(tlvs)
                .status();
    }

    private static int dataSm(String account, String from, String to, OptionalParameter... tlvs) throws Exception {
        OptionalParameter[] all = new OptionalParameter[tlvs.length + 1];
        all[0] = new OptionalParameter.OctetString(OptionalParameter.Tag.MESSAGE_PAYLOAD.code(), "data sm");
        System.arraycopy(tlvs, 0, all, 1, tlvs.length);
        try {
            esme(account)
                    .dataShortMessage(
                            "",
                            TypeOfNumber.UNKNOWN,
                            NumberingPlanIndicator.UNKNOWN,
                            from,
                            TypeOfNumber.INTERNATIONAL,
                            NumberingPlanIndicator.ISDN,
                            to,
                            new ESMClass(),
                            new RegisteredDelivery(),
                            new GeneralDataCoding(Alphabet.ALPHA_DEFAULT),
                            all);
            return 0;
        } catch (NegativeResponseException e) {
            return e.getCommandStatus();
        }
    }

    private static SubmitMultiResult multi(String account, String from, List<String> to, OptionalParameter... tlvs)
            throws Exception {
        Address[] dests = new Address[to.size()];
        for (int i = 0; i < to.size(); i++) {
            dests[i] = new Address(TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, to.get(i));
        }
        return esme(account)
                .submitMultiple(
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
                        "hello all".getBytes(StandardCharsets.ISO_8859_1),
                        tlvs);
    }

    /** The submit_sm the SMSC received whose text is "hello <marker>", or null. */
    private static BaseSm<?> received(String marker) {
        byte[] text = ("hello " + marker).getBytes(StandardCharsets.ISO_8859_1);
        for (ReceivedMessage m : smsc.receivedMessages()) {
            if (m.pdu().getCommandId() == SmppConstants.CMD_ID_SUBMIT_SM
                    && Arrays.equals(text, m.pdu().getShortMessage())) {
                return m.pdu();
            }
        }
        return null;
    }

    private static List<String> dataSmDestinations() {
        List<String> out = new ArrayList<>();
        for (ReceivedMessage m : smsc.receivedMessages()) {
            if (m.pdu().getCommandId() == SmppConstants.CMD_ID_DATA_SM) {
                out.add(m.pdu().getDestAddress().getAddress());
            }
        }
        return out;
    }

    private static void assertTlvsUntouched(String what, com.cloudhopper.smpp.pdu.PduRequest<?> pdu) {
        Tlv entity = pdu.getOptionalParameter(DltRegistration.TAG_ENTITY_ID);
        Tlv template = pdu.getOptionalParameter(DltRegistration.TAG_TEMPLATE_ID);
        assertNotNull(entity, what + ": 0x1400 reached the SMSC");
        assertNotNull(template, what + ": 0x1401 reached the SMSC");
        assertArrayEquals(ENTITY, entity.getValue(), what + ": entity id byte-identical");
        assertArrayEquals(TEMPLATE, template.getValue(), what + ": template id byte-identical, its NUL included");
    }

    private static double refusedMissingDlt(String account) throws Exception {
        String scrape = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics"))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher m = Pattern.compile("smppgw_submits_refused_total\\{account=\"" + account
                        + "\",reason=\"missing_dlt\"\\} ([0-9.Ee+-]+)")
                .matcher(scrape);
        assertTrue(m.find(), "the missing_dlt series of " + account + " exists from start-up");
        return Double.parseDouble(m.group(1));
    }

    @Test
    void passRelaysTheTlvsByteIdenticalAndDoesNotRequireThem() throws Exception {
        assertEquals(0, submit("open", "11111", INDIA, "pass-with", entity(ENTITY), template(TEMPLATE)));
        assertTlvsUntouched("submit_sm under pass", received("pass-with"));
        assertEquals(0, submit("open", "11111", INDIA, "pass-without"), "pass: nothing is required");
        BaseSm<?> without = received("pass-without");
        assertNotNull(without);
        assertNull(without.getOptionalParameter(DltRegistration.TAG_ENTITY_ID), "the gateway adds nothing");
        assertEquals(0.0, refusedMissingDlt("open"));
    }

    @Test
    void requireRefusesASubmitSmToIndiaWithoutBothTlvs() throws Exception {
        double before = refusedMissingDlt("dlt");
        assertEquals(MISSING, submit("dlt", "22222", INDIA, "req-none"));
        assertEquals(MISSING, submit("dlt", "22222", INDIA, "req-entity-only", entity(ENTITY)));
        assertEquals(MISSING, submit("dlt", "22222", INDIA, "req-template-only", template(TEMPLATE)));
        assertEquals(
                MISSING,
                submit("dlt", "22222", INDIA, "req-empty", entity(new byte[0]), template(TEMPLATE)),
                "an empty entity id is no registration");
        assertEquals(MISSING, submit("dlt", "22222", "+" + INDIA, "req-plus"), "+91 in the address");
        assertEquals(5.0, refusedMissingDlt("dlt") - before, "each refusal counted as missing_dlt");
        for (String marker : List.of("req-none", "req-entity-only", "req-template-only", "req-empty", "req-plus")) {
            assertNull(received(marker), marker + " never reached the SMSC");
        }
        assertEquals(0, submit("dlt", "22222", INDIA, "req-both", entity(ENTITY), template(TEMPLATE)));
        assertTlvsUntouched("submit_sm under require", received("req-both"));
        assertEquals(0, submit("dlt", "22222", US, "req-us"), "a number outside India needs no registration");
    }

    @Test
    void requireReadsNationalNumbersInTheAccountsRegionAndUsesTheConfiguredStatus() throws Exception {
        assertEquals(0xC4, submit("dltin", "33333", TypeOfNumber.UNKNOWN, "9876543210", "in-national"));
        assertNull(received("in-national"));
        assertEquals(
                0,
                submit(
                        "dltin",
                        "33333",
                        TypeOfNumber.UNKNOWN,
                        "9876543210",
                        "in-national-both",
                        entity(ENTITY),
                        template(TEMPLATE)));
        assertTlvsUntouched("national number", received("in-national-both"));
    }

    @Test
    void requireAppliesToDataSm() throws Exception {
        assertEquals(MISSING, dataSm("dlt", "22222", INDIA_2));
        assertEquals(0, dataSm("dlt", "22222", INDIA, entity(ENTITY), template(TEMPLATE)));
        List<String> got = dataSmDestinations();
        assertTrue(got.contains(INDIA), got.toString());
        assertTrue(!got.contains(INDIA_2), "the unregistered data_sm never reached the SMSC: " + got);
        for (ReceivedMessage m : smsc.receivedMessages()) {
            if (m.pdu().getCommandId() == SmppConstants.CMD_ID_DATA_SM) {
                assertTlvsUntouched("data_sm", m.pdu());
            }
        }
    }

    @Test
    void requireRefusesOnlyTheIndianDestinationsOfASubmitMulti() throws Exception {
        int before = smsc.receivedSubmitMultis().size();
        SubmitMultiResult mixed = multi("dlt", "22222", List.of(INDIA, US, INDIA_2));
        assertNotNull(mixed.getMessageId());
        assertEquals(2, mixed.getUnsuccessDeliveries().length);
        List<String> refused = new ArrayList<>();
        for (var u : mixed.getUnsuccessDeliveries()) {
            refused.add(u.getDestinationAddress().getAddress());
            assertEquals(MISSING, u.getErrorStatusCode());
        }
        assertEquals(List.of(INDIA, INDIA_2), refused);
        List<SubmitMulti> got = smsc.receivedSubmitMultis();
        assertEquals(before + 1, got.size());
        assertEquals(
                List.of(US),
                got.get(got.size() - 1).getDestinations().stream()
                        .map(d -> d.address().getAddress())
                        .toList());

        SubmitMultiResult registered =
                multi("dlt", "22222", List.of(INDIA, INDIA_2), entity(ENTITY), template(TEMPLATE));
        assertEquals(0, registered.getUnsuccessDeliveries().length);
        got = smsc.receivedSubmitMultis();
        SubmitMulti last = got.get(got.size() - 1);
        assertEquals(2, last.getDestinations().size());
        assertTlvsUntouched("submit_multi", last);
    }

    @Test
    void submitMultiOnlyToIndiaWithoutTlvsNeverReachesTheSmsc() throws Exception {
        int before = smsc.receivedSubmitMultis().size();
        try {
            SubmitMultiResult all = multi("dlt", "22222", List.of(INDIA, INDIA_2));
            assertEquals(2, all.getUnsuccessDeliveries().length);
        } catch (NegativeResponseException e) {
            throw new AssertionError("refused per destination, not whole: " + e.getCommandStatus());
        }
        assertEquals(before, smsc.receivedSubmitMultis().size());
    }

    /** {@code categorySource: tlv:0x1400} keeps reading the category from the TLV the check requires. */
    @Test
    void theCategoryMayStillComeFromTlv1400() throws Exception {
        String person = "919876500001";
        assertEquals(
                0,
                smsc.injectMo(person, "44444", "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS));
        byte[] marketing = "marketing".getBytes(StandardCharsets.US_ASCII);
        byte[] alerts = "alerts".getBytes(StandardCharsets.US_ASCII);
        assertEquals(
                0x0B,
                submit("dltcat", "44444", person, "cat-marketing", entity(marketing), template(TEMPLATE)),
                "the STOP to the marketing short code stops marketing, read from 0x1400");
        assertEquals(0, submit("dltcat", "44444", person, "cat-alerts", entity(alerts), template(TEMPLATE)));
        assertEquals(MISSING, submit("dltcat", "44444", person, "cat-no-template", entity(alerts)));
    }
}
