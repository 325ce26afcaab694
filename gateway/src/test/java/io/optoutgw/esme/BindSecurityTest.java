package io.optoutgw.esme;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.app.Gateway;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jsmpp.bean.BindType;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bind lockout, per-address connection cap, bind rate limit and sender authorization, over real sockets. */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BindSecurityTest {

    private RedisServerProcess redis;
    private SmscSimulator smsc;
    private Gateway gateway;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start("gw-sec", redis.uri(), """
                smpp: { host: 127.0.0.1, port: 0, maxConnectionsPerIp: 5, bindRate: 1000, maxBindFailures: 3, bindLockout: 1h }
                upstreams: [ { name: sim, host: 127.0.0.1, port: %d, systemId: gw } ]
                accounts:
                  - { systemId: acme, password: acme-pw, numbers: ["12345"], senderIds: ["ACME"] }
                  - { systemId: other, password: other-pw, senderIds: ["*"] }
                """.formatted(smsc.port()));
        awaitBound(gateway);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            if (c instanceof SMPPSession s) {
                s.unbindAndClose();
            } else {
                c.close();
            }
        }
        gateway.close();
        smsc.close();
        redis.close();
    }

    private static int bindStatus(Gateway g, String user, String password) {
        try {
            SMPPSession s = Esmes.bind(g.smppPort(), BindType.BIND_TX, user, password, null);
            s.unbindAndClose();
            return 0;
        } catch (IOException e) {
            return e.getCause() instanceof NegativeResponseException n ? n.getCommandStatus() : -1;
        }
    }

    @Test
    void repeatedFailuresLockTheAccountOutEvenWithTheRightPassword() {
        for (int i = 0; i < 3; i++) {
            assertEquals(0x0D, bindStatus(gateway, "acme", "guess" + i));
        }
        assertEquals(0x0D, bindStatus(gateway, "acme", "acme-pw"), "locked out: the right password fails alike");
    }

    @Test
    void connectionsBeyondThePerAddressCapAreClosed() throws Exception {
        for (int i = 0; i < 5; i++) {
            Socket s = new Socket("127.0.0.1", gateway.smppPort());
            open.add(s);
        }
        try (Socket extra = new Socket("127.0.0.1", gateway.smppPort())) {
            extra.setSoTimeout(20000);
            assertEquals(-1, extra.getInputStream().read(), "the sixth connection is closed at once");
        }
    }

    @Test
    void anAccountMaySubmitOnlyWithItsOwnSenders() throws Exception {
        SMPPSession acme = Esmes.bind(gateway.smppPort(), BindType.BIND_TX, "acme", "acme-pw", null);
        open.add(acme);
        assertTrue(Esmes.submit(acme, "12345", "15551239999", "own number", false)
                        .getMessageId()
                        .length()
                > 0);
        assertTrue(Esmes.submit(acme, "ACME", "15551239999", "own sender id", false)
                        .getMessageId()
                        .length()
                > 0);
        NegativeResponseException e = assertThrows(
                NegativeResponseException.class,
                () -> Esmes.submit(acme, "67890", "15551239999", "someone else's short code", false));
        assertEquals(0x0A, e.getCommandStatus(), "ESME_RINVSRCADR");
        SMPPSession other = Esmes.bind(gateway.smppPort(), BindType.BIND_TX, "other", "other-pw", null);
        open.add(other);
        assertFalse(
                Esmes.submit(other, "ANY", "15551239999", "unrestricted", false)
                        .getMessageId()
                        .isEmpty(),
                "an account with senderIds [\"*\"] is not restricted");
    }

    @Test
    void anAccountBindsOnlyFromItsAllowedAddresses() throws Exception {
        gateway.close();
        gateway = TestGateways.start("gw-allow", redis.uri(), """
                upstreams: [ { name: sim, host: 127.0.0.1, port: %d, systemId: gw } ]
                accounts:
                  - { systemId: office, password: pw, allowedIps: ["10.0.0.0/8", "192.168.1.5"] }
                  - { systemId: local, password: pw, allowedIps: ["127.0.0.0/8"] }
                """.formatted(smsc.port()));
        awaitBound(gateway);
        assertEquals(
                0x0D,
                bindStatus(gateway, "office", "pw"),
                "127.0.0.1 is outside 10.0.0.0/8: same answer as a bad password");
        assertEquals(0, bindStatus(gateway, "local", "pw"));
    }

    @Test
    void bindsBeyondTheGatewayRateAreThrottled() throws Exception {
        gateway.close();
        gateway = TestGateways.start("gw-rate", redis.uri(), """
                smpp: { host: 127.0.0.1, port: 0, bindRate: 2 }
                upstreams: [ { name: sim, host: 127.0.0.1, port: %d, systemId: gw } ]
                accounts: [ { systemId: acme, password: acme-pw } ]
                """.formatted(smsc.port()));
        awaitBound(gateway);
        // sent together: every bind's password check takes a PBKDF2 hash, longer than the refill
        ExecutorService pool = Executors.newFixedThreadPool(10);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            results.add(pool.submit(() -> bindStatus(gateway, "acme", "acme-pw")));
        }
        int throttled = 0;
        for (var r : results) {
            if (r.get(30, TimeUnit.SECONDS) == 0x58) {
                throttled++;
            }
        }
        pool.shutdownNow();
        assertTrue(throttled >= 5, "most of 10 immediate binds exceed 2 per second: " + throttled + " throttled");
    }
}
