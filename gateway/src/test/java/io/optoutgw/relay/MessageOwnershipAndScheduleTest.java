package io.optoutgw.relay;

import static io.optoutgw.testsupport.Esmes.submitSm;
import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.pdu.CancelSm;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.pdu.QuerySm;
import io.optoutgw.app.Gateway;
import io.optoutgw.codec.ReplaceSm;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.RegisteredDelivery;
import org.jsmpp.bean.SMSCDeliveryReceipt;
import org.jsmpp.bean.TypeOfNumber;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * query_sm, cancel_sm and replace_sm act only on the account's own messages and go to the SMSC
 * that accepted them; scheduled submits follow the account's policy, and an opt-out cancels the
 * person's messages still pending at the SMSC.
 */
@Tag("integration")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MessageOwnershipAndScheduleTest {

    private static final int ESME_RINVMSGID = 0x0C;
    private static final int ESME_RINVSRCADR = 0x0A;
    private static final int ESME_RINVSCHED = 0x61;

    private RedisServerProcess redis;
    private SmscSimulator smscA;
    private SmscSimulator smscB;
    private Gateway gateway;
    private final List<SMPPSession> sessions = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        smscA = new SmscSimulator(SimulatorOptions.defaults()).start();
        smscB = new SmscSimulator(
                        SimulatorOptions.builder().messageIdPrefix("b").build())
                .start();
        String config = """
                optout: { journalDir: "%s", reconcileInterval: 1h }
                upstreams:
                  - { name: a, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                  - { name: b, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - { systemId: acme, password: pw, numbers: ["12345"], route: [a, b] }
                  - { systemId: beta, password: pw, numbers: ["67890"], route: [a, b] }
                  - { systemId: onb, password: pw, numbers: ["44444"], route: [b, a] }
                  - { systemId: norm, password: pw, numbers: ["55555"], optOut: { scheduled: refuse } }
                  - { systemId: capd, password: pw, numbers: ["66666"], optOut: { scheduled: cap, maxScheduleAhead: 2h } }
                  - { systemId: keep, password: pw, numbers: ["77777"], optOut: { cancelPendingOnOptOut: false } }
                """.formatted(TestGateways.tempJournalDir("gw-own"), smscA.port(), smscB.port());
        gateway = TestGateways.start("gw-own", redis.uri(), config);
        awaitBound(gateway);
    }

    @AfterEach
    void stop() {
        sessions.forEach(SMPPSession::unbindAndClose);
        if (gateway != null) {
            gateway.close();
        }
        smscA.close();
        smscB.close();
        redis.close();
    }

    private SMPPSession bind(String account) throws Exception {
        SMPPSession s = Esmes.bind(gateway.smppPort(), BindType.BIND_TRX, account, "pw", null);
        sessions.add(s);
        return s;
    }

    private static int status(Call call) {
        try {
            call.run();
            return 0;
        } catch (NegativeResponseException e) {
            return e.getCommandStatus();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    interface Call {
        void run() throws Exception;
    }

    private static String submit(SMPPSession s, String from, String to, String schedule, String validity)
            throws Exception {
        return submitSm(s)
                .from(from)
                .to(to)
                .schedule(schedule)
                .validity(validity)
                .send()
                .getMessageId();
    }

    private static long count(SmscSimulator smsc, Predicate<PduRequest<?>> p) {
        return smsc.receivedByMessageId().stream().filter(p).count();
    }

    @Test
    void anotherAccountCannotQueryCancelOrReplaceAMessage() throws Exception {
        SMPPSession acme = bind("acme");
        SMPPSession beta = bind("beta");
        String id = submit(acme, "12345", "15550001111", null, null);

        // beta, from its own short code, names acme's message: refused, nothing reaches the SMSC
        assertEquals(
                ESME_RINVMSGID,
                status(() ->
                        beta.queryShortMessage(id, TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN, "67890")));
        assertEquals(
                ESME_RINVMSGID,
                status(() -> beta.cancelShortMessage(
                        "",
                        id,
                        TypeOfNumber.UNKNOWN,
                        NumberingPlanIndicator.UNKNOWN,
                        "67890",
                        TypeOfNumber.INTERNATIONAL,
                        NumberingPlanIndicator.ISDN,
                        "15550001111")));
        assertEquals(
                ESME_RINVMSGID,
                status(() -> beta.replaceShortMessage(
                        id,
                        TypeOfNumber.UNKNOWN,
                        NumberingPlanIndicator.UNKNOWN,
                        "67890",
                        null,
                        null,
                        new RegisteredDelivery(SMSCDeliveryReceipt.DEFAULT),
                        (byte) 0,
                        "injected".getBytes(StandardCharsets.ISO_8859_1))));
        // nor with acme's source address: the source check applies to these requests too
        assertEquals(
                ESME_RINVSRCADR,
                status(() -> beta.cancelShortMessage(
                        "",
                        id,
                        TypeOfNumber.UNKNOWN,
                        NumberingPlanIndicator.UNKNOWN,
                        "12345",
                        TypeOfNumber.INTERNATIONAL,
                        NumberingPlanIndicator.ISDN,
                        "15550001111")));
        // an id nobody submitted
        assertEquals(
                ESME_RINVMSGID,
                status(() -> acme.queryShortMessage(
                        "no-such-id", TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN, "12345")));
        assertEquals(
                0,
                smscA.receivedByMessageId().size() + smscB.receivedByMessageId().size());

        // the owner may: each request reaches the SMSC with the message id
        assertEquals(
                0,
                status(() ->
                        acme.queryShortMessage(id, TypeOfNumber.UNKNOWN, NumberingPlanIndicator.UNKNOWN, "12345")));
        assertEquals(
                0,
                status(() -> acme.replaceShortMessage(
                        id,
                        TypeOfNumber.UNKNOWN,
                        NumberingPlanIndicator.UNKNOWN,
                        "12345",
                        null,
                        null,
                        new RegisteredDelivery(SMSCDeliveryReceipt.DEFAULT),
                        (byte) 0,
                        "fixed".getBytes(StandardCharsets.ISO_8859_1))));
        assertEquals(
                0,
                status(() -> acme.cancelShortMessage(
                        "",
                        id,
                        TypeOfNumber.UNKNOWN,
                        NumberingPlanIndicator.UNKNOWN,
                        "12345",
                        TypeOfNumber.INTERNATIONAL,
                        NumberingPlanIndicator.ISDN,
                        "15550001111")));
        assertEquals(1, count(smscA, r -> r instanceof QuerySm q && id.equals(q.getMessageId())));
        assertEquals(1, count(smscA, r -> r instanceof ReplaceSm q && id.equals(q.getMessageId())));
        assertEquals(1, count(smscA, r -> r instanceof CancelSm q && id.equals(q.getMessageId())));
    }

    @Test
    void requestsByMessageIdGoToTheSmscThatAcceptedTheMessage() throws Exception {
        SMPPSession onb = bind("onb");
        String id = submit(onb, "44444", "15550002222", null, null);
        assertTrue(id.startsWith("b"), "submitted through upstream b: " + id);
        assertEquals(
                0,
                status(() -> onb.cancelShortMessage(
                        "",
                        id,
                        TypeOfNumber.UNKNOWN,
                        NumberingPlanIndicator.UNKNOWN,
                        "44444",
                        TypeOfNumber.INTERNATIONAL,
                        NumberingPlanIndicator.ISDN,
                        "15550002222")));
        assertEquals(1, count(smscB, r -> r instanceof CancelSm c && id.equals(c.getMessageId())));
        assertEquals(0, smscA.receivedByMessageId().size());
    }

    @Test
    void scheduledSubmitsFollowTheAccountsPolicy() throws Exception {
        SMPPSession norm = bind("norm");
        SMPPSession capd = bind("capd");
        long before = smscA.submitCount();
        assertEquals(ESME_RINVSCHED, status(() -> submit(norm, "55555", "15550003333", "000000010000000R", null)));
        assertEquals(ESME_RINVSCHED, status(() -> submit(capd, "66666", "15550003333", "000000030000000R", null)));
        assertEquals(ESME_RINVSCHED, status(() -> submit(capd, "66666", "15550003333", "261324100000000+", null)));
        assertEquals(before, smscA.submitCount(), "nothing refused reached the SMSC");
        // within the cap, and no schedule at all, are relayed
        assertEquals(0, status(() -> submit(capd, "66666", "15550003333", "000000010000000R", null)));
        assertEquals(0, status(() -> submit(norm, "55555", "15550003333", null, null)));
        assertEquals(before + 2, smscA.submitCount());
    }

    @Test
    void anOptOutCancelsThePersonsPendingMessages() throws Exception {
        SMPPSession acme = bind("acme");
        SMPPSession keep = bind("keep");
        String person = "15550004444";
        String scheduled = submit(acme, "12345", person, "000001000000000R", null); // in a day
        String longLived = submit(acme, "12345", person, null, "000003000000000R"); // valid 3 days
        String ordinary = submit(acme, "12345", person, null, null);
        String other = submit(acme, "12345", "15550005555", "000001000000000R", null); // someone else
        String keepIt = submit(keep, "77777", person, "000001000000000R", null); // account opted not to

        long submitsBefore = smscA.submitCount();
        assertEquals(
                0,
                smscA.injectMo(person, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS));
        smscA.awaitSubmits((int) submitsBefore + 1, Duration.ofSeconds(10)); // the confirmation
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (count(smscA, r -> r instanceof CancelSm) < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        // barrier: a cancel of acme's own ordinary message, sent after, arrives after the gateway's
        assertEquals(
                0,
                status(() -> acme.cancelShortMessage(
                        "",
                        ordinary,
                        TypeOfNumber.UNKNOWN,
                        NumberingPlanIndicator.UNKNOWN,
                        "12345",
                        TypeOfNumber.INTERNATIONAL,
                        NumberingPlanIndicator.ISDN,
                        person)));
        List<String> cancelled = smscA.receivedByMessageId().stream()
                .filter(r -> r instanceof CancelSm)
                .map(r -> ((CancelSm) r).getMessageId())
                .toList();
        assertEquals(
                List.of(scheduled, longLived, ordinary),
                cancelled.stream()
                        .sorted((x, y) -> x.equals(ordinary) ? 1 : y.equals(ordinary) ? -1 : x.compareTo(y))
                        .toList(),
                "the scheduled and long-lived messages, then the ESME's own cancel: " + cancelled);
        assertTrue(!cancelled.contains(other) && !cancelled.contains(keepIt));
        CancelSm first = (CancelSm) smscA.receivedByMessageId().stream()
                .filter(r -> r instanceof CancelSm)
                .findFirst()
                .orElseThrow();
        assertEquals("12345", first.getSourceAddress().getAddress());
        assertEquals(person, first.getDestAddress().getAddress());
        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertTrue(metrics.contains("smppgw_pending_cancels_total{result=\"cancelled\"} 2.0"), metrics);
    }

    @Test
    void smppTimesAreRead() {
        Instant now = Instant.parse("2026-12-02T10:00:00Z");
        assertEquals(new SmppTime.At(Instant.parse("2026-12-03T11:30:00Z")), SmppTime.parse("000001013000000R", now));
        assertEquals(
                new SmppTime.At(Instant.parse("2026-12-24T08:00:00Z")),
                SmppTime.parse("261224100000008+", now)); // 10:00 local, 2 hours ahead of UTC
        assertEquals(
                new SmppTime.At(Instant.parse("2026-12-24T11:15:00.500Z")),
                SmppTime.parse("261224100000505-", now)); // 10:00:00.5 local, 1h15 behind UTC
        assertEquals(new SmppTime.NotSet(), SmppTime.parse("", now));
        assertTrue(SmppTime.parse("2612241000000", now) instanceof SmppTime.Invalid);
        assertTrue(SmppTime.parse("261324100000000+", now) instanceof SmppTime.Invalid);
        assertTrue(SmppTime.parse("261224100000000X", now) instanceof SmppTime.Invalid);
        // pending: a schedule in the future or a validity over an hour; ordinary messages are not kept
        assertEquals(null, PendingMessages.pendingUntil(new SmppTime.NotSet(), new SmppTime.NotSet(), now));
        assertEquals(
                null, PendingMessages.pendingUntil(new SmppTime.NotSet(), new SmppTime.At(now.plusSeconds(1800)), now));
        assertEquals(
                now.plusSeconds(7200),
                PendingMessages.pendingUntil(new SmppTime.NotSet(), new SmppTime.At(now.plusSeconds(7200)), now));
        assertEquals(
                now.plusSeconds(60).plus(PendingMessages.DEFAULT_PENDING),
                PendingMessages.pendingUntil(new SmppTime.At(now.plusSeconds(60)), new SmppTime.NotSet(), now));
    }
}
