package io.optoutgw.sendtime;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.app.Gateway;
import io.optoutgw.relay.SmppTime;
import io.optoutgw.simulator.ReceivedMessage;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jsmpp.bean.BindType;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Send-time rules on the submit path, end to end: a real redis-server, the SMSC simulator, jSMPP
 * ESMEs. The recipients are New York numbers; the quiet band is chosen from the current New York
 * time so that "now" is outside it (the rules themselves are tested with a fixed clock in
 * {@link SendTimeGateTest}).
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SendTimeEnforcementTest {

    private static final AtomicInteger PERSON = new AtomicInteger(100);
    private static final int THROTTLED = 0x58;
    private static RedisServerProcess redis;
    private static SmscSimulator smsc;
    private static Gateway gateway;
    private static final Map<String, SMPPSession> sessions = new HashMap<>();

    /** A one-hour band that does not hold the current New York hour. */
    static String bandOutsideNow() {
        int h = ZonedDateTime.now(ZoneId.of("America/New_York")).getHour();
        int start = h < 20 ? h + 2 : 1;
        return "%02d:00-%02d:00".formatted(start, start + 1);
    }

    static String config(int smscPort) {
        String band = bandOutsideNow();
        return """
                optout: { reconcileInterval: 1h }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1, honoursSchedule: true }
                accounts:
                  - { systemId: quiet, password: pw, numbers: ["12345"],
                      optOut: { sendTime: { bands: ["%s"] } } }
                  - { systemId: sched, password: pw, numbers: ["23456"],
                      optOut: { sendTime: { bands: ["%s"], action: schedule } } }
                  - { systemId: capped, password: pw, numbers: ["34567"],
                      optOut: { sendTime: { bands: ["00:00-24:00"], maxPer24h: 2 } } }
                  - { systemId: plain, password: pw, numbers: ["45678"] }
                """.formatted(smscPort, band, band);
    }

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start("gw-sendtime", redis.uri(), config(smsc.port()), "sendtime-token-0123456789");
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

    /** The command_status a submit_sm gets (0 = relayed). */
    private static int submit(String account, String from, String to) throws Exception {
        SMPPSession s = sessions.get(account);
        if (s == null) {
            s = Esmes.bind(gateway.smppPort(), BindType.BIND_TX, account, "pw", null);
            sessions.put(account, s);
        }
        return Esmes.status(s, "", from, to);
    }

    @Test
    void outsideTheBandsASubmitIsRefusedWithARetryableStatus() throws Exception {
        assertEquals(THROTTLED, submit("quiet", "12345", person()));
        assertEquals(0, submit("plain", "45678", person()), "an account without rules is untouched");
    }

    @Test
    void withActionScheduleItIsRelayedWithTheNextAllowedTime() throws Exception {
        String to = person();
        long before = smsc.submitCount();
        assertEquals(0, submit("sched", "23456", to));
        smsc.awaitSubmits((int) before + 1, Duration.ofSeconds(10));
        ReceivedMessage m = smsc.receivedMessages().stream()
                .filter(r -> r.pdu().getDestAddress().getAddress().endsWith(to))
                .findFirst()
                .orElse(null);
        assertNotNull(m, "relayed to the SMSC");
        String at = m.pdu().getScheduleDeliveryTime();
        assertNotNull(at);
        assertEquals(16, at.length(), "an absolute SMPP time: " + at);
        String startHour = bandOutsideNow().substring(0, 2);
        // the next allowed time is the band's start in New York
        Instant when = ((SmppTime.At) SmppTime.parse(at, Instant.now())).instant();
        assertEquals(
                Integer.parseInt(startHour),
                when.atZone(ZoneId.of("America/New_York")).getHour(),
                at);
        assertTrue(when.isAfter(Instant.now()), at);
    }

    @Test
    void theFrequencyCapRefusesTheThirdMessageToOneNumberWithinADay() throws Exception {
        String to = person();
        assertEquals(0, submit("capped", "34567", to));
        assertEquals(0, submit("capped", "34567", to));
        assertEquals(THROTTLED, submit("capped", "34567", to));
        assertEquals(0, submit("capped", "34567", person()), "another number has its own count");
    }
}
