package io.optoutgw.sendtime;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.app.Gateway;
import io.optoutgw.codec.SubmitMulti;
import io.optoutgw.relay.SmppTime;
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
import java.time.Instant;
import java.util.ArrayList;
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
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.ReplaceIfPresentFlag;
import org.jsmpp.bean.SMSCDeliveryReceipt;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.bean.UnsuccessDelivery;
import org.jsmpp.session.SMPPSession;
import org.jsmpp.session.SubmitMultiResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Send-time rules per category ({@code optOut.sendTime.categories}) and on submit_multi, end to
 * end with the gateway's clock fixed: a real redis-server, the SMSC simulator, jSMPP ESMEs.
 *
 * <p>At {@link #NIGHT} (03:00 UTC) it is 22:00 in New York, 21:00 in Chicago and 19:00 in Los
 * Angeles: New York and Chicago are outside 08:00-21:00, Los Angeles inside. At {@link #DAY} all
 * three are inside.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SendTimeCategoryAndMultiTest {

    private static final Instant NIGHT = Instant.parse("2026-01-16T03:00:00Z");
    /** 09:00 in New York. */
    private static final Instant MORNING = Instant.parse("2026-01-16T14:00:00Z");
    /** 15:00 in New York, 14:00 in Chicago, 12:00 in Los Angeles. */
    private static final Instant DAY = Instant.parse("2026-01-16T20:00:00Z");
    /** 08:00 in New York, the next allowed time after {@link #NIGHT}. */
    private static final Instant NEW_YORK_OPENS = Instant.parse("2026-01-16T13:00:00Z");

    private static final int THROTTLED = 0x58;
    private static final AtomicInteger PERSON = new AtomicInteger(200);

    private static final MutableClock clock = new MutableClock(NIGHT);
    private static RedisServerProcess redis;
    private static SmscSimulator smsc;
    private static Gateway gateway;
    private static final Map<String, SMPPSession> sessions = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start("gw-sendtime-multi", redis.uri(), """
                optout: { reconcileInterval: 1h }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1, honoursSchedule: true }
                accounts:
                  - systemId: cat
                    password: pw
                    numbers: ["11111"]
                    optOut:
                      categories: [marketing, alerts]
                      sendTime: { preset: us-tcpa, categories: [Marketing] }
                  - systemId: catcap
                    password: pw
                    numbers: ["22222"]
                    optOut:
                      categories: [marketing, alerts]
                      sendTime: { maxPer24h: 1, categories: [marketing] }
                  - { systemId: multi, password: pw, numbers: ["33333"],
                      optOut: { sendTime: { bands: ["08:00-21:00"] } } }
                  - { systemId: sched, password: pw, numbers: ["44444"],
                      optOut: { sendTime: { bands: ["08:00-21:00"], action: schedule } } }
                  - { systemId: multicap, password: pw, numbers: ["55555"],
                      optOut: { sendTime: { maxPer24h: 1 } } }
                  - { systemId: bandcap, password: pw, numbers: ["66666"],
                      optOut: { sendTime: { bands: ["08:00-21:00"], action: schedule, maxPer24h: 1 } } }
                """.formatted(smsc.port()), null, clock);
        awaitBound(gateway);
    }

    @AfterAll
    static void stop() {
        sessions.values().forEach(SMPPSession::unbindAndClose);
        gateway.close();
        smsc.close();
        redis.close();
    }

    @BeforeEach
    void night() {
        clock.set(NIGHT);
    }

    private static String newYork() {
        return "1212555" + String.format("%04d", PERSON.incrementAndGet());
    }

    private static String chicago() {
        return "1312555" + String.format("%04d", PERSON.incrementAndGet());
    }

    private static String losAngeles() {
        return "1213555" + String.format("%04d", PERSON.incrementAndGet());
    }

    private static SMPPSession esme(String account) throws Exception {
        SMPPSession s = sessions.get(account);
        if (s == null) {
            s = Esmes.bind(gateway.smppPort(), BindType.BIND_TX, account, "pw", null);
            sessions.put(account, s);
        }
        return s;
    }

    private static int submit(String account, String from, String to, String serviceType) throws Exception {
        return Esmes.status(esme(account), serviceType, from, to);
    }

    private static SubmitMultiResult multi(String account, String from, String serviceType, String... to)
            throws Exception {
        Address[] dests = new Address[to.length];
        for (int i = 0; i < to.length; i++) {
            dests[i] = new Address(TypeOfNumber.INTERNATIONAL, NumberingPlanIndicator.ISDN, to[i]);
        }
        return esme(account)
                .submitMultiple(
                        serviceType,
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

    /** The destination -> error status of each unsuccess_sme entry. */
    private static Map<String, Integer> unsuccess(SubmitMultiResult r) {
        Map<String, Integer> m = new HashMap<>();
        for (UnsuccessDelivery u : r.getUnsuccessDeliveries()) {
            m.put(u.getDestinationAddress().getAddress(), u.getErrorStatusCode());
        }
        return m;
    }

    /** The submit_multi the SMSC received last, after {@code before} had been received. */
    private static SubmitMulti lastMulti(int before) throws InterruptedException {
        assertTrue(
                TestGateways.eventually(
                        Duration.ofSeconds(10),
                        () -> smsc.receivedSubmitMultis().size() > before),
                "a submit_multi reached the SMSC");
        List<SubmitMulti> got = smsc.receivedSubmitMultis();
        return got.get(got.size() - 1);
    }

    private static List<String> destinations(SubmitMulti m) {
        List<String> out = new ArrayList<>();
        m.getDestinations().forEach(d -> out.add(d.address().getAddress()));
        return out;
    }

    private static double refused(String account, String reason) throws Exception {
        String scrape = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics"))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher m = Pattern.compile("smppgw_submits_refused_total\\{account=\"" + account + "\",reason=\"" + reason
                        + "\"\\} ([0-9.Ee+-]+)")
                .matcher(scrape);
        assertTrue(m.find(), account + " " + reason);
        return Double.parseDouble(m.group(1));
    }

    // --- per category ---------------------------------------------------------------------------

    @Test
    void quietHoursHoldOnlyTheListedCategories() throws Exception {
        String to = newYork();
        assertEquals(THROTTLED, submit("cat", "11111", to, "MARKE"), "marketing at 22:00 in New York");
        assertEquals(0, submit("cat", "11111", to, "ALERT"), "an alert is not held by quiet hours");
        assertEquals(THROTTLED, submit("cat", "11111", to, ""), "no category named: the default, marketing");
    }

    @Test
    void quietHoursEndForTheListedCategoryToo() throws Exception {
        String to = newYork();
        assertEquals(THROTTLED, submit("cat", "11111", to, "MARKE"));
        clock.set(MORNING);
        assertEquals(0, submit("cat", "11111", to, "MARKE"), "09:00 in New York");
    }

    @Test
    void theCapCountsOnlyTheListedCategories() throws Exception {
        String to = newYork();
        for (int i = 0; i < 3; i++) {
            assertEquals(0, submit("catcap", "22222", to, "ALERT"), "alerts are neither held nor counted: " + i);
        }
        assertEquals(0, submit("catcap", "22222", to, "MARKE"), "the first marketing message of the day");
        assertEquals(THROTTLED, submit("catcap", "22222", to, "MARKE"), "maxPer24h: 1");
        assertEquals(0, submit("catcap", "22222", to, "ALERT"));
        clock.set(NIGHT.plus(Duration.ofHours(24)));
        assertEquals(0, submit("catcap", "22222", to, "MARKE"), "24 hours later");
    }

    @Test
    void submitMultiIsHeldPerCategory() throws Exception {
        String ny = newYork();
        int before = smsc.receivedSubmitMultis().size();
        SubmitMultiResult alerts = multi("cat", "11111", "ALERT", ny);
        assertEquals(Map.of(), unsuccess(alerts));
        assertEquals(List.of(ny), destinations(lastMulti(before)));
        SubmitMultiResult marketing = multi("cat", "11111", "MARKE", ny);
        assertEquals(Map.of(ny, THROTTLED), unsuccess(marketing));
    }

    // --- submit_multi -----------------------------------------------------------------------

    @Test
    void submitMultiRefusesOnlyTheDestinationsInQuietHours() throws Exception {
        String ny = newYork();
        String la = losAngeles();
        double quietBefore = refused("multi", "quiet_hours");
        int before = smsc.receivedSubmitMultis().size();
        SubmitMultiResult r = multi("multi", "33333", "", ny, la);
        assertNotNull(r.getMessageId());
        assertEquals(Map.of(ny, THROTTLED), unsuccess(r), "New York at 22:00 refused, retryable");
        SubmitMulti sent = lastMulti(before);
        assertEquals(List.of(la), destinations(sent), "Los Angeles at 19:00 relayed");
        assertEquals(1.0, refused("multi", "quiet_hours") - quietBefore);

        clock.set(DAY);
        SubmitMultiResult day = multi("multi", "33333", "", ny, la);
        assertEquals(Map.of(), unsuccess(day));
        assertEquals(List.of(ny, la), destinations(lastMulti(before + 1)));
    }

    @Test
    void submitMultiWithEveryDestinationQuietNeverReachesTheSmsc() throws Exception {
        int before = smsc.receivedSubmitMultis().size();
        String ny = newYork();
        String chi = chicago();
        SubmitMultiResult r = multi("multi", "33333", "", ny, chi);
        assertEquals(Map.of(ny, THROTTLED, chi, THROTTLED), unsuccess(r));
        Thread.sleep(200);
        assertEquals(before, smsc.receivedSubmitMultis().size());
    }

    @Test
    void scheduleRescheduleTheWholeMessageWhenEveryDestinationOpensAtTheSameTime() throws Exception {
        String ny1 = newYork();
        String ny2 = newYork();
        int before = smsc.receivedSubmitMultis().size();
        SubmitMultiResult r = multi("sched", "44444", "", ny1, ny2);
        assertEquals(Map.of(), unsuccess(r));
        SubmitMulti sent = lastMulti(before);
        assertEquals(List.of(ny1, ny2), destinations(sent));
        String at = sent.getScheduleDeliveryTime();
        assertNotNull(at, "rescheduled");
        assertEquals(NEW_YORK_OPENS, ((SmppTime.At) SmppTime.parse(at, NIGHT)).instant(), at);
    }

    @Test
    void scheduleCannotSplitAMessageAcrossZones() throws Exception {
        String ny = newYork();
        String la = losAngeles();
        String chi = chicago();
        int before = smsc.receivedSubmitMultis().size();
        // New York quiet, Los Angeles open: New York refused (retryable), Los Angeles now, unscheduled
        SubmitMultiResult mixed = multi("sched", "44444", "", ny, la);
        assertEquals(Map.of(ny, THROTTLED), unsuccess(mixed));
        SubmitMulti sent = lastMulti(before);
        assertEquals(List.of(la), destinations(sent));
        assertTrue(
                sent.getScheduleDeliveryTime() == null
                        || sent.getScheduleDeliveryTime().isEmpty(),
                sent.getScheduleDeliveryTime());
        // New York opens at 13:00 UTC, Chicago at 14:00 UTC: no one time fits both, both refused
        SubmitMultiResult apart = multi("sched", "44444", "", ny, chi);
        assertEquals(Map.of(ny, THROTTLED, chi, THROTTLED), unsuccess(apart));
        Thread.sleep(200);
        assertEquals(before + 1, smsc.receivedSubmitMultis().size());
        // a submit_sm to the same numbers is still rescheduled on its own
        assertEquals(0, submit("sched", "44444", chi, ""));
    }

    @Test
    void submitMultiDestinationsOverTheCapAreRefusedTheOthersCounted() throws Exception {
        String a = newYork();
        String b = newYork();
        String c = newYork();
        double capBefore = refused("multicap", "frequency_cap");
        int before = smsc.receivedSubmitMultis().size();
        assertEquals(Map.of(), unsuccess(multi("multicap", "55555", "", a, b)));
        assertEquals(List.of(a, b), destinations(lastMulti(before)));
        SubmitMultiResult again = multi("multicap", "55555", "", a, c);
        assertEquals(Map.of(a, THROTTLED), unsuccess(again), "a already had its one message today");
        assertEquals(List.of(c), destinations(lastMulti(before + 1)));
        assertEquals(1.0, refused("multicap", "frequency_cap") - capBefore);
        assertEquals(THROTTLED, submit("multicap", "55555", b, ""), "submit_sm and submit_multi share the count");
    }

    @Test
    void aDestinationRefusedForQuietHoursTakesNoSlotOfTheCap() throws Exception {
        String ny = newYork();
        String la = losAngeles();
        int before = smsc.receivedSubmitMultis().size();
        // action schedule, but the zones differ: New York refused, Los Angeles sent (its one slot)
        assertEquals(Map.of(ny, THROTTLED), unsuccess(multi("bandcap", "66666", "", ny, la)));
        assertEquals(List.of(la), destinations(lastMulti(before)));
        clock.set(DAY);
        SubmitMultiResult day = multi("bandcap", "66666", "", ny, la);
        assertEquals(Map.of(la, THROTTLED), unsuccess(day), "Los Angeles used its slot at night");
        assertEquals(List.of(ny), destinations(lastMulti(before + 1)), "New York's slot was never taken");
    }
}
