package io.optoutgw.upstream;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static io.optoutgw.testsupport.TestGateways.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.app.Gateway;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.DeliverSm;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPSession;
import org.jsmpp.session.SubmitSmResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The gateway's sessions to SMSCs under trouble: refused binds, half-open links, failover, late answers, shutdown. */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamResilienceTest {

    private RedisServerProcess redis;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeEach
    void startRedis() {
        redis = RedisServerProcess.start();
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            AutoCloseable r = resources.get(i);
            if (r instanceof SMPPSession s) {
                s.unbindAndClose();
            } else {
                r.close();
            }
        }
        redis.close();
    }

    private <T extends AutoCloseable> T keep(T resource) {
        resources.add(resource);
        return resource;
    }

    private SmscSimulator simulator(SimulatorOptions options) {
        return keep(new SmscSimulator(options).start());
    }

    private static String upstream(String name, int port, String extra) {
        return """
                  - name: %s
                    host: 127.0.0.1
                    port: %d
                    systemId: gw
                    binds: 1
                    reconnectInitialDelay: 50ms
                    reconnectMaxDelay: 200ms
                %s""".formatted(name, port, extra);
    }

    @Test
    void alreadyBoundIsRetriedWithBackoffUntilTheSmscAccepts() throws Exception {
        SmscSimulator smsc = simulator(SimulatorOptions.defaults());
        smsc.refuseNextBinds(3, 0x05); // ESME_RALYBND: the SMSC still holds an old bind
        Gateway g = keep(TestGateways.start(
                "gw-a",
                redis.uri(),
                "upstreams:\n" + upstream("sim", smsc.port(), "")
                        + "accounts:\n  - { systemId: acme, password: pw, senderIds: [\"*\"] }\n"));
        awaitBound(g);
        assertEquals(3, smsc.failedBindCount(), "three refusals, then bound");
    }

    @Test
    void halfOpenUpstreamIsDetectedByEnquireLinkAndReconnected() throws Exception {
        SmscSimulator smsc = simulator(SimulatorOptions.defaults());
        Gateway g = keep(TestGateways.start(
                "gw-a",
                redis.uri(),
                "upstreams:\n"
                        + upstream("sim", smsc.port(), "    enquireLinkInterval: 200ms\n    responseTimeout: 300ms\n")
                        + "accounts:\n  - { systemId: acme, password: pw, senderIds: [\"*\"] }\n"));
        awaitBound(g);
        long binds = smsc.bindCount();
        smsc.setSilent(true); // TCP stays up but nothing is answered: a half-open link as the gateway sees it
        assertTrue(
                eventually(Duration.ofSeconds(10), () -> smsc.bindCount() > binds),
                "gateway noticed the dead link and bound again");
    }

    @Test
    void routeFailsOverToTheNextUpstreamWhenTheFirstIsDown() throws Exception {
        SmscSimulator primary =
                simulator(SimulatorOptions.builder().messageIdPrefix("P").build());
        SmscSimulator backup =
                simulator(SimulatorOptions.builder().messageIdPrefix("B").build());
        Gateway g = keep(
                TestGateways.start(
                        "gw-a",
                        redis.uri(),
                        "upstreams:\n"
                                + upstream("primary", primary.port(), "") + upstream("backup", backup.port(), "")
                                + "accounts:\n  - { systemId: acme, password: pw, senderIds: [\"*\"], route: [primary, backup] }\n"));
        awaitBound(g);
        SMPPSession esme = keep(Esmes.bind(g.smppPort(), BindType.BIND_TX, "acme", "pw", null));
        assertTrue(Esmes.submit(esme, "12345", "15551230001", "one", false)
                .getMessageId()
                .startsWith("P"));
        primary.close();
        assertTrue(eventually(
                Duration.ofSeconds(5), () -> g.upstreams().pool("primary").boundCount() == 0));
        SubmitSmResult viaBackup = Esmes.submit(esme, "12345", "15551230002", "two", false);
        assertTrue(viaBackup.getMessageId().startsWith("B"), viaBackup.getMessageId());
        assertEquals(1, backup.submitCount());
    }

    @Test
    void noUpstreamBoundMeansThrottledNotAHang() throws Exception {
        SmscSimulator smsc = simulator(SimulatorOptions.defaults());
        Gateway g = keep(TestGateways.start(
                "gw-a",
                redis.uri(),
                "upstreams:\n" + upstream("sim", smsc.port(), "")
                        + "accounts:\n  - { systemId: acme, password: pw, senderIds: [\"*\"] }\n"));
        awaitBound(g);
        SMPPSession esme = keep(Esmes.bind(g.smppPort(), BindType.BIND_TX, "acme", "pw", null));
        smsc.close();
        assertTrue(eventually(Duration.ofSeconds(5), () -> g.upstreams().boundCount() == 0));
        NegativeResponseException e = assertThrows(
                NegativeResponseException.class,
                () -> Esmes.submit(esme, "12345", "15551230003", "nowhere to go", false));
        assertEquals(0x58, e.getCommandStatus());
    }

    @Test
    void lateResponseAfterExpiryIsDropped() throws Exception {
        SmscSimulator smsc = simulator(SimulatorOptions.builder()
                .responseDelay(Duration.ofMillis(1200))
                .build());
        Gateway g = keep(TestGateways.start(
                "gw-a",
                redis.uri(),
                "relay: { requestTimeout: 400ms }\nupstreams:\n" + upstream("sim", smsc.port(), "")
                        + "accounts:\n  - { systemId: acme, password: pw, senderIds: [\"*\"] }\n"));
        awaitBound(g);
        SMPPSession esme = keep(Esmes.bind(g.smppPort(), BindType.BIND_TX, "acme", "pw", null));
        NegativeResponseException e = assertThrows(
                NegativeResponseException.class, () -> Esmes.submit(esme, "12345", "15551230004", "slow smsc", false));
        assertEquals(0x08, e.getCommandStatus());
        assertTrue(
                eventually(
                        Duration.ofSeconds(5), () -> g.upstreams().pool("sim").lateResponses() == 1),
                "the SMSC's late submit_sm_resp was counted and dropped");
        assertTrue(esme.getSessionState().isBound(), "the ESME session is unaffected");
    }

    @Test
    void receiptArrivingOnAnotherGatewayInstanceReachesTheSubmittingAccount() throws Exception {
        // Receipts go out on a session other than the submitter's: here, the other gateway's.
        SmscSimulator smsc =
                simulator(SimulatorOptions.builder().receiptsOnAnySession(true).build());
        String rest = "upstreams:\n" + upstream("sim", smsc.port(), "")
                + "accounts:\n  - { systemId: acme, password: pw, senderIds: [\"*\"] }\n  - { systemId: beta, password: pw, senderIds: [\"*\"] }\n";
        Gateway a = keep(TestGateways.start("gw-a", redis.uri(), rest));
        Gateway b = keep(TestGateways.start("gw-b", redis.uri(), rest));
        awaitBound(a);
        awaitBound(b);
        Esmes.Inbox acmeOnB = new Esmes.Inbox();
        Esmes.Inbox betaOnB = new Esmes.Inbox();
        keep(Esmes.bind(b.smppPort(), BindType.BIND_RX, "acme", "pw", acmeOnB));
        keep(Esmes.bind(b.smppPort(), BindType.BIND_RX, "beta", "pw", betaOnB));
        SMPPSession acmeOnA = keep(Esmes.bind(a.smppPort(), BindType.BIND_TX, "acme", "pw", null));

        SubmitSmResult result = Esmes.submit(acmeOnA, "12345", "15551230005", "receipt via b", true);
        DeliverSm receipt = acmeOnB.delivered.poll(5, TimeUnit.SECONDS);
        assertNotNull(receipt, "gateway b routed the receipt using the mapping gateway a stored in Redis");
        assertEquals(
                result.getMessageId(),
                receipt.getShortMessageAsDeliveryReceipt().getId());
        assertTrue(betaOnB.delivered.isEmpty());
    }

    @Test
    void shutdownDrainsRequestsInFlightBeforeUnbindingTheEsme() throws Exception {
        SmscSimulator smsc = simulator(
                SimulatorOptions.builder().responseDelay(Duration.ofMillis(600)).build());
        Gateway g = TestGateways.start(
                "gw-a",
                redis.uri(),
                "upstreams:\n" + upstream("sim", smsc.port(), "")
                        + "accounts:\n  - { systemId: acme, password: pw, senderIds: [\"*\"] }\n");
        awaitBound(g);
        SMPPSession esme = Esmes.bind(g.smppPort(), BindType.BIND_TX, "acme", "pw", null);
        try {
            CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> {
                try {
                    return Esmes.submit(esme, "12345", "15551230006", "draining", false)
                            .getMessageId();
                } catch (Exception e) {
                    return "failed: " + e;
                }
            });
            assertTrue(eventually(Duration.ofSeconds(5), () -> smsc.submitCount() == 1));
            g.close(); // what SIGTERM does
            String messageId = inFlight.get(5, TimeUnit.SECONDS);
            assertFalse(messageId.startsWith("failed"), messageId);
            assertTrue(
                    eventually(
                            Duration.ofSeconds(5), () -> !esme.getSessionState().isBound()),
                    "the gateway unbound the ESME after draining");
        } finally {
            esme.close();
        }
    }
}
