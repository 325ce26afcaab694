package io.optoutgw.suppression;

import static io.optoutgw.testsupport.Esmes.submitSm;
import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.type.Address;
import io.optoutgw.app.Gateway;
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
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A sender-scoped opt-out covers every spelling of that sender the gateway lets an account submit
 * with: jSMPP submits through the gateway to the simulator, with a real redis-server.
 */
@Tag("integration")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SenderScopeSpellingTest {

    private RedisServerProcess redis;
    private SmscSimulator smsc;
    private Gateway gateway;
    private final List<SMPPSession> sessions = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start("gw-s", redis.uri(), """
                optout: { reconcileInterval: 1h }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - { systemId: beta, password: pw, numbers: ["67890", "+12015550100"], senderIds: ["Beta"],
                      optOut: { scope: sender } }
                  - { systemId: open, password: pw, senderIds: ["*"], optOut: { scope: sender } }
                  - { systemId: mute, password: pw }
                """.formatted(smsc.port()));
        awaitBound(gateway);
    }

    @AfterEach
    void stop() {
        sessions.forEach(SMPPSession::unbindAndClose);
        gateway.close();
        smsc.close();
        redis.close();
    }

    /** STOP from {@code person} to {@code to} (with {@code ton}), and its confirmation at the SMSC. */
    private void stop(String person, byte ton, String to) throws Exception {
        long before = smsc.submitCount();
        DeliverSm mo = new DeliverSm();
        mo.setSourceAddress(new Address((byte) 1, (byte) 1, person));
        mo.setDestAddress(new Address(ton, (byte) 1, to));
        mo.setShortMessage("STOP".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(0, smsc.injectMo(mo).get(10, TimeUnit.SECONDS), "STOP recorded");
        smsc.awaitSubmits((int) before + 1, Duration.ofSeconds(10)); // the confirmation
    }

    private static int submit(SMPPSession s, TypeOfNumber sourceTon, String from, String to) {
        try {
            return submitSm(s)
                    .from(sourceTon, NumberingPlanIndicator.UNKNOWN, from)
                    .to(to)
                    .text("hi")
                    .status();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private SMPPSession bind(String account) throws Exception {
        SMPPSession s = Esmes.bind(gateway.smppPort(), BindType.BIND_TX, account, "pw", null);
        sessions.add(s);
        return s;
    }

    /** Every spelling in {@code spellings} ({TON, source}) is refused as opted out; nothing reaches the SMSC. */
    private void assertAllRefused(SMPPSession s, String person, Object[][] spellings) {
        long before = smsc.submitCount();
        for (Object[] v : spellings) {
            assertEquals(
                    0x0B,
                    submit(s, (TypeOfNumber) v[0], (String) v[1], person),
                    "from " + v[0] + " '" + v[1] + "' to a person who opted out of that sender");
        }
        assertEquals(before, smsc.submitCount(), "none of them reached the SMSC");
    }

    @Test
    void everySpellingOfAShortCodeIsRefusedAfterAStopToIt() throws Exception {
        String person = "12015551001";
        stop(person, (byte) 0, "67890");
        SMPPSession beta = bind("beta");
        assertAllRefused(beta, person, new Object[][] {
            {TypeOfNumber.UNKNOWN, "67890"},
            {TypeOfNumber.UNKNOWN, "+67890"},
            {TypeOfNumber.UNKNOWN, " 67890"},
            {TypeOfNumber.UNKNOWN, "67890 "},
            {TypeOfNumber.UNKNOWN, " +67890 "},
            {TypeOfNumber.INTERNATIONAL, "67890"},
            {TypeOfNumber.NATIONAL, "67890"},
            {TypeOfNumber.ALPHANUMERIC, "+67890"},
        });
        // the opt-out is from that sender only: the account's other sender still reaches the person
        long before = smsc.submitCount();
        assertEquals(0, submit(beta, TypeOfNumber.ALPHANUMERIC, "beta", person));
        smsc.awaitSubmits((int) before + 1, Duration.ofSeconds(10));
    }

    @Test
    void aStopToAShortCodeSentWithPlusOrTonInternationalCoversThePlainSpelling() throws Exception {
        String person = "12015551002";
        stop(person, (byte) 1, "+67890");
        assertAllRefused(bind("beta"), person, new Object[][] {
            {TypeOfNumber.UNKNOWN, "67890"},
            {TypeOfNumber.UNKNOWN, "+67890"},
        });
    }

    @Test
    void everySpellingOfALongNumberIsRefusedAfterAStopToIt() throws Exception {
        String person = "12015551003";
        stop(person, (byte) 1, "12015550100");
        assertAllRefused(bind("beta"), person, new Object[][] {
            {TypeOfNumber.INTERNATIONAL, "12015550100"},
            {TypeOfNumber.UNKNOWN, "+12015550100"},
            {TypeOfNumber.UNKNOWN, " +12015550100"},
            {TypeOfNumber.UNKNOWN, "12015550100"},
            {TypeOfNumber.NATIONAL, "2015550100"},
            {TypeOfNumber.UNKNOWN, "2015550100"},
        });
    }

    @Test
    void aStopToANumberNoAccountOwnsCoversEverySpellingForEveryAccount() throws Exception {
        String person = "12015551004";
        stop(person, (byte) 0, "55555");
        assertAllRefused(bind("open"), person, new Object[][] {
            {TypeOfNumber.UNKNOWN, "55555"},
            {TypeOfNumber.UNKNOWN, "+55555"},
            {TypeOfNumber.UNKNOWN, " 55555"},
            {TypeOfNumber.INTERNATIONAL, "55555"},
        });
    }

    @Test
    void anAccountWithNeitherNumbersNorSenderIdsMaySendFromNoSource() throws Exception {
        SMPPSession mute = bind("mute");
        long before = smsc.submitCount();
        for (String from : new String[] {"12345", "MUTE", "", "+12015550100"}) {
            assertEquals(0x0A, submit(mute, TypeOfNumber.UNKNOWN, from, "12015551005"), "from '" + from + "'");
        }
        assertEquals(before, smsc.submitCount(), "nothing reached the SMSC");
    }
}
