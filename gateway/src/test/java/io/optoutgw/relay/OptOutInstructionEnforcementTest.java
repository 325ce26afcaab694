package io.optoutgw.relay;

import static io.optoutgw.testsupport.Esmes.submitSm;
import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.SmppConstants;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The opt-out instruction check on the submit path, end to end: a real redis-server, the SMSC
 * simulator, jSMPP ESMEs. What the SMSC receives is compared byte for byte with what the ESME sent.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OptOutInstructionEnforcementTest {

    private static final String EN = "Reply STOP to opt out";
    private static final int SUBMIT_FAIL = 0x45;
    private static final int VENDOR = 0x401;
    private static final AtomicInteger PERSON = new AtomicInteger(100);
    private static RedisServerProcess redis;
    private static SmscSimulator smsc;
    private static Gateway gateway;
    private static final Map<String, SMPPSession> sessions = new HashMap<>();

    static String config(int smscPort) {
        return """
                optout: { reconcileInterval: 1h }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - { systemId: app, password: pw, numbers: ["12345"],
                      optOut: { categories: [marketing, alerts],
                                optOutInstruction: { categories: [marketing], action: append,
                                                     text: { en: "%s" } } } }
                  - { systemId: ref, password: pw, numbers: ["23456"],
                      optOut: { categories: [marketing],
                                optOutInstruction: { action: refuse, refuseStatus: 0x401 } } }
                  - { systemId: cnt, password: pw, numbers: ["34567"],
                      optOut: { optOutInstruction: { action: count } } }
                  - { systemId: plain, password: pw, numbers: ["45678"] }
                """.formatted(smscPort, EN);
    }

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start("gw-instruction", redis.uri(), config(smsc.port()));
        awaitBound(gateway);
    }

    @AfterAll
    static void stop() {
        sessions.values().forEach(SMPPSession::unbindAndClose);
        gateway.close();
        smsc.close();
        redis.close();
    }

    private static String person() {
        return "1212555" + String.format("%04d", PERSON.incrementAndGet());
    }

    private static SMPPSession session(String account) throws Exception {
        SMPPSession s = sessions.get(account);
        if (s == null) {
            s = Esmes.bind(gateway.smppPort(), BindType.BIND_TX, account, "pw", null);
            sessions.put(account, s);
        }
        return s;
    }

    /** The command_status of a submit_sm of {@code text} (GSM 7-bit, here all ASCII letters) with {@code serviceType}. */
    private static int submit(String account, String serviceType, String from, String to, byte[] text)
            throws Exception {
        return submitSm(session(account))
                .serviceType(serviceType)
                .from(from)
                .to(to)
                .message(text)
                .status();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** What the SMSC received for {@code to}. */
    private static ReceivedMessage received(String to) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until) {
            for (ReceivedMessage m : smsc.receivedMessages()) {
                if (m.pdu().getDestAddress().getAddress().endsWith(to)) {
                    return m;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the SMSC received nothing for " + to);
    }

    private static boolean receivedAny(String to) {
        return smsc.receivedMessages().stream()
                .anyMatch(m -> m.pdu().getDestAddress().getAddress().endsWith(to));
    }

    private static double counter(String account, String category, String result) throws Exception {
        String body = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher m = Pattern.compile("smppgw_optout_instruction_total\\{account=\"" + account + "\",category=\""
                        + category + "\",result=\"" + result + "\"} (\\S+)")
                .matcher(body);
        assertTrue(m.find(), "series for " + account + "/" + category + "/" + result);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aMessageWithoutAnInstructionIsRelayedWithItAppendedStillOneSegment() throws Exception {
        double before = counter("app", "marketing", "appended");
        String to = person();
        assertEquals(0, submit("app", "", "12345", to, ascii("Flash sale: 30% off all shoes today")));
        byte[] got = received(to).pdu().getShortMessage();
        assertArrayEquals(ascii("Flash sale: 30% off all shoes today " + EN), got);
        assertTrue(got.length <= 160, "one segment: " + got.length);
        assertEquals(before + 1, counter("app", "marketing", "appended"));
    }

    @Test
    void anAppendThatWouldNotFitIsRefused() throws Exception {
        double before = counter("app", "marketing", "refused");
        String to = person();
        assertEquals(SUBMIT_FAIL, submit("app", "MARKE", "12345", to, ascii("x".repeat(150))));
        Thread.sleep(200);
        assertTrue(!receivedAny(to), "not relayed");
        assertEquals(before + 1, counter("app", "marketing", "refused"));
    }

    @Test
    void aMessageThatCarriesAnInstructionIsRelayedByteForByte() throws Exception {
        double before = counter("app", "marketing", "present");
        String to = person();
        byte[] text = ascii("Flash sale: 30% off! Txt STOP to end");
        assertEquals(0, submit("app", "", "12345", to, text));
        assertArrayEquals(text, received(to).pdu().getShortMessage());
        assertEquals(before + 1, counter("app", "marketing", "present"));
    }

    @Test
    void aCategoryNotListedIsNotChecked() throws Exception {
        double[] before = {
            counter("app", "marketing", "present"),
            counter("app", "marketing", "appended"),
            counter("app", "marketing", "refused"),
            counter("app", "marketing", "missing")
        };
        String to = person();
        byte[] text = ascii("Your parcel arrives today");
        assertEquals(0, submit("app", "ALERT", "12345", to, text));
        assertArrayEquals(text, received(to).pdu().getShortMessage(), "alerts: unchanged");
        assertEquals(before[0], counter("app", "marketing", "present"));
        assertEquals(before[1], counter("app", "marketing", "appended"));
        assertEquals(before[2], counter("app", "marketing", "refused"));
        assertEquals(before[3], counter("app", "marketing", "missing"));
    }

    @Test
    void theRefuseActionAnswersTheConfiguredStatus() throws Exception {
        String to = person();
        assertEquals(VENDOR, submit("ref", "", "23456", to, ascii("Weekend deals")));
        String other = person();
        assertEquals(0, submit("ref", "", "23456", other, ascii("Weekend deals. Reply STOP to end")));
        received(other);
        assertTrue(!receivedAny(to), "the refused message was not relayed");
        assertEquals(1.0, counter("ref", "marketing", "refused"));
        assertEquals(1.0, counter("ref", "marketing", "present"));
    }

    @Test
    void theCountActionRelaysUnchangedAndCounts() throws Exception {
        String to = person();
        byte[] text = ascii("Weekend deals");
        assertEquals(0, submit("cnt", "", "34567", to, text));
        assertArrayEquals(text, received(to).pdu().getShortMessage());
        assertEquals(1.0, counter("cnt", "none", "missing"), "an account without categories: category none");
    }

    @Test
    void anAccountWithoutTheCheckIsUntouched() throws Exception {
        String to = person();
        byte[] text = ascii("Weekend deals");
        assertEquals(0, submit("plain", "", "45678", to, text));
        assertArrayEquals(text, received(to).pdu().getShortMessage());
    }

    @Test
    void dataSmInMessagePayloadIsAppendedToo() throws Exception {
        String to = person();
        String text = "Big weekend, everything must go. ".repeat(6).strip(); // about 200 characters: two segments
        session("app")
                .dataShortMessage(
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
        Tlv payload = received(to).pdu().getOptionalParameter(SmppConstants.TAG_MESSAGE_PAYLOAD);
        assertNotNull(payload);
        assertEquals(text + " " + EN, new String(payload.getValue(), StandardCharsets.US_ASCII));
    }

    @Test
    void submitMultiIsCheckedOnceForAllItsDestinations() throws Exception {
        int before = smsc.receivedSubmitMultis().size();
        String a = person();
        String b = person();
        session("app")
                .submitMultiple(
                        "",
                        TypeOfNumber.UNKNOWN,
                        NumberingPlanIndicator.UNKNOWN,
                        "12345",
                        new Address[] {
                            new Address(TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, a),
                            new Address(TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, b)
                        },
                        new ESMClass(),
                        (byte) 0,
                        (byte) 1,
                        null,
                        null,
                        new RegisteredDelivery(SMSCDeliveryReceipt.DEFAULT),
                        ReplaceIfPresentFlag.DEFAULT,
                        new GeneralDataCoding(Alphabet.ALPHA_DEFAULT),
                        (byte) 0,
                        ascii("Hello all"));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (smsc.receivedSubmitMultis().size() == before && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        List<SubmitMulti> got = smsc.receivedSubmitMultis();
        SubmitMulti multi = got.get(got.size() - 1);
        assertEquals(2, multi.getDestinations().size());
        assertArrayEquals(ascii("Hello all " + EN), multi.getShortMessage());
    }
}
