package io.optoutgw.security;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.optoutgw.app.Gateway;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jsmpp.bean.BindType;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * A full run at DEBUG (binds with right and wrong passwords, submits, an opt-out, a refusal, an
 * upstream with a password) and a scan of every log line the gateway wrote: no password and no
 * full phone number appears (docs/reliability.md, "Security").
 */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LogHygieneTest {

    private static final String ESME_PASSWORD = "S3cr3tPw";
    private static final String WRONG_PASSWORD = "Wr0ngPw1";
    private static final String UPSTREAM_PASSWORD = "UpStr3am";
    private static final String PERSON = "15557771234";
    private static final String OTHER = "15557775678";

    @Test
    void noPasswordOrFullPhoneNumberIsEverLogged() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger ours = (Logger) LoggerFactory.getLogger("io.optoutgw");
        Level previous = ours.getLevel();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        ours.setLevel(Level.DEBUG);
        try (RedisServerProcess redis = RedisServerProcess.start();
                SmscSimulator smsc = new SmscSimulator(SimulatorOptions.builder()
                                .credentials(Map.of("gw", UPSTREAM_PASSWORD))
                                .build())
                        .start()) {
            Gateway gateway = TestGateways.start(
                    "gw-logs", redis.uri(), """
                    upstreams: [ { name: sim, host: 127.0.0.1, port: %d, systemId: gw, password: %s } ]
                    accounts: [ { systemId: acme, password: %s, numbers: ["12345"] } ]
                    """.formatted(smsc.port(), UPSTREAM_PASSWORD, ESME_PASSWORD));
            try {
                awaitBound(gateway);
                try {
                    Esmes.bind(gateway.smppPort(), BindType.BIND_TRX, "acme", WRONG_PASSWORD, null)
                            .unbindAndClose();
                } catch (IOException expected) {
                    // refused
                }
                try {
                    // a system_id that would forge a log line if printed raw
                    Esmes.bind(gateway.smppPort(), BindType.BIND_TRX, "x\nFORGED\u001b[2J", WRONG_PASSWORD, null)
                            .unbindAndClose();
                } catch (IOException expected) {
                    // refused
                }
                SMPPSession acme =
                        Esmes.bind(gateway.smppPort(), BindType.BIND_TRX, "acme", ESME_PASSWORD, new Esmes.Inbox());
                Esmes.submit(acme, "12345", OTHER, "hello", true);
                assertEquals(
                        0,
                        smsc.injectMo(PERSON, "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                                .get(10, TimeUnit.SECONDS));
                try {
                    Esmes.submit(acme, "12345", PERSON, "after stop", false);
                } catch (NegativeResponseException expected) {
                    // refused, and logged
                }
                smsc.injectMo(PERSON, "12345", "why did you text me".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS);
                Thread.sleep(300);
                acme.unbindAndClose();
            } finally {
                gateway.close();
            }
        } finally {
            root.detachAppender(appender);
            ours.setLevel(previous);
        }
        List<String> leaks = new ArrayList<>();
        int ourLines = 0;
        boolean escapedSystemIdLogged = false;
        for (ILoggingEvent e : appender.list) {
            if (!e.getLoggerName().startsWith("io.optoutgw")) {
                continue; // third-party client libraries used by the test itself
            }
            ourLines++;
            String line = e.getFormattedMessage()
                    + (e.getThrowableProxy() == null
                            ? ""
                            : " " + e.getThrowableProxy().getMessage());
            if (line.contains("\nFORGED") || line.contains("\u001b")) {
                leaks.add("raw control characters from a peer: " + e.getLoggerName() + ": " + line);
            }
            if (line.contains("x\\nFORGED\\x1b[2J")) {
                escapedSystemIdLogged = true;
            }
            for (String secret : new String[] {ESME_PASSWORD, WRONG_PASSWORD, UPSTREAM_PASSWORD, PERSON, OTHER}) {
                if (line.contains(secret)) {
                    leaks.add(e.getLoggerName() + ": " + line);
                }
            }
        }
        assertTrue(ourLines > 10, "the run logged something to scan: " + ourLines + " lines");
        assertEquals(List.of(), leaks);
        assertTrue(escapedSystemIdLogged, "the refused system_id is logged, escaped");
    }
}
