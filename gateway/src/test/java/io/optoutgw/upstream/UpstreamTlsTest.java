package io.optoutgw.upstream;

import static io.optoutgw.testsupport.TestGateways.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.optoutgw.app.Gateway;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestCertificates;
import io.optoutgw.testsupport.TestCertificates.Cert;
import io.optoutgw.testsupport.TestGateways;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jsmpp.bean.BindType;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The gateway to SMSC simulators over TLS, one gateway with four upstreams: explicitly trusted
 * (binds and relays), self-signed but not trusted (refused: JDK default trust store), trusted but
 * for another host name (refused by hostname verification) and the same with verification off.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UpstreamTlsTest {

    private static RedisServerProcess redis;
    private static SmscSimulator trustedSim;
    private static SmscSimulator untrustedSim;
    private static SmscSimulator mismatchSim;
    private static SmscSimulator noVerifySim;
    private static Gateway gateway;
    private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();
    private static final Logger UPSTREAM_LOG = (Logger) LoggerFactory.getLogger(UpstreamBind.class);

    @BeforeAll
    static void start() throws Exception {
        LOGS.start();
        UPSTREAM_LOG.addAppender(LOGS);
        Cert trusted = TestCertificates.localhost("smsc-trusted");
        Cert untrusted = TestCertificates.localhost("smsc-untrusted");
        Cert otherHost = TestCertificates.selfSigned("smsc-other-host", "smsc.example.com", "dns:smsc.example.com");
        redis = RedisServerProcess.start();
        trustedSim = tlsSimulator(trusted, "T");
        untrustedSim = tlsSimulator(untrusted, "U");
        mismatchSim = tlsSimulator(otherHost, "M");
        noVerifySim = tlsSimulator(otherHost, "N");
        gateway = TestGateways.start(
                "gw-tls-up",
                redis.uri(),
                "upstreams:\n"
                        + upstream("trusted", trustedSim, "{ trustedCertificatesFile: \"" + trusted.certPath() + "\" }")
                        + upstream("untrusted", untrustedSim, "{ enabled: true }")
                        + upstream(
                                "mismatch",
                                mismatchSim,
                                "{ trustedCertificatesFile: \"" + otherHost.certPath() + "\" }")
                        + upstream(
                                "noverify",
                                noVerifySim,
                                "{ trustedCertificatesFile: \"" + otherHost.certPath()
                                        + "\", hostnameVerification: false }")
                        + "accounts:\n  - { systemId: acme, password: pw, numbers: [\"12345\"], route: [trusted] }\n");
    }

    private static SmscSimulator tlsSimulator(Cert cert, String prefix) {
        return new SmscSimulator(SimulatorOptions.builder()
                        .messageIdPrefix(prefix)
                        .tls(cert.certificate(), cert.privateKey())
                        .build())
                .start();
    }

    private static String upstream(String name, SmscSimulator sim, String tls) {
        return """
                  - name: %s
                    host: 127.0.0.1
                    port: %d
                    systemId: gw
                    binds: 1
                    reconnectInitialDelay: 200ms
                    reconnectMaxDelay: 1s
                    tls: %s
                """.formatted(name, sim.port(), tls);
    }

    @AfterAll
    static void stop() {
        UPSTREAM_LOG.detachAppender(LOGS);
        if (gateway != null) {
            gateway.close();
        }
        for (SmscSimulator s : new SmscSimulator[] {trustedSim, untrustedSim, mismatchSim, noVerifySim}) {
            if (s != null) {
                s.close();
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static UpstreamPool pool(String name) {
        return gateway.upstreams().pool(name);
    }

    @Test
    void explicitlyTrustedSmscBindsAndRelaysEndToEnd() throws Exception {
        assertTrue(
                eventually(Duration.ofSeconds(20), () -> pool("trusted").boundCount() > 0),
                "bound over TLS to the explicitly trusted simulator");
        SMPPSession esme = Esmes.bind(gateway.smppPort(), BindType.BIND_TRX, "acme", "pw", null);
        try {
            String id = Esmes.submit(esme, "12345", "15551230001", "over tls", false)
                    .getMessageId();
            assertTrue(id.startsWith("T"), id);
            assertEquals(
                    "15551230001",
                    trustedSim
                            .awaitSubmits(1, Duration.ofSeconds(10))
                            .get(0)
                            .pdu()
                            .getDestAddress()
                            .getAddress());
        } finally {
            esme.unbindAndClose();
        }
    }

    @Test
    void selfSignedSmscIsRefusedUnlessExplicitlyTrusted() throws Exception {
        // the same kind of certificate is accepted when trusted (other test); here only the JDK trust store applies
        assertTrue(
                eventually(Duration.ofSeconds(20), () -> pool("untrusted").tlsHandshakeFailures() >= 2),
                "handshakes were attempted and failed, with reconnects in between");
        Thread.sleep(1000);
        assertEquals(0, pool("untrusted").boundCount());
        assertEquals(0, untrustedSim.bindCount(), "no bind_* ever reached the untrusted SMSC");
        assertReason("untrusted", "certificate not trusted");
    }

    @Test
    void certificateForAnotherHostIsRefusedByHostnameVerification() throws Exception {
        assertTrue(eventually(Duration.ofSeconds(20), () -> pool("mismatch").tlsHandshakeFailures() >= 2));
        assertEquals(0, pool("mismatch").boundCount());
        assertEquals(0, mismatchSim.bindCount());
        assertReason("mismatch", "hostname mismatch");
    }

    @Test
    void hostnameVerificationCanBeTurnedOff() throws Exception {
        assertTrue(
                eventually(Duration.ofSeconds(20), () -> pool("noverify").boundCount() > 0),
                "trusted certificate, other host name, verification off: bound");
        assertEquals(0, pool("noverify").tlsHandshakeFailures());
        assertTrue(noVerifySim.bindCount() > 0);
    }

    /** The last failure has the reason, and each failed attempt is logged once, as a warning with it. */
    private static void assertReason(String upstream, String reason) {
        String last = pool(upstream).binds().get(0).lastTlsFailure();
        assertTrue(last != null && last.startsWith(reason), last);
        List<ILoggingEvent> lines;
        synchronized (LOGS) {
            lines = List.copyOf(LOGS.list);
        }
        long failures = pool(upstream).tlsHandshakeFailures();
        List<String> mine = lines.stream()
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("[upstream=" + upstream + "#"))
                .toList();
        List<String> tlsLines = mine.stream()
                .filter(m -> m.contains("TLS handshake with 127.0.0.1:"))
                .toList();
        assertTrue(
                tlsLines.stream().allMatch(m -> m.contains("failed: " + reason) && m.contains("reconnecting in")),
                tlsLines.toString());
        assertTrue(
                tlsLines.size() >= 1 && tlsLines.size() <= failures && failures <= tlsLines.size() + 1,
                "one line per failed attempt: " + tlsLines.size() + " lines, " + failures + " failures");
        assertEquals(
                tlsLines.size(),
                mine.stream().filter(m -> !m.contains("TLS error")).count(),
                "nothing else logged for the failed attempts: " + mine);
    }
}
