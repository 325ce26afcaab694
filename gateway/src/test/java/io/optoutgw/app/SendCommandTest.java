package io.optoutgw.app;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code gateway send} against a running gateway: accepted with a receipt, then refused after a STOP. */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SendCommandTest {

    private static String[] send(String... args) {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            int code = GatewayCli.commandLine().execute(args);
            return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(oldOut);
        }
    }

    @Test
    void sendShowsTheMessageIdAndReceiptThenTheRefusalAfterAStop() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start();
                SmscSimulator smsc = new SmscSimulator(SimulatorOptions.defaults()).start()) {
            Gateway g = TestGateways.start("gw-send", redis.uri(), """
                    upstreams: [ { name: sim, host: 127.0.0.1, port: %d, systemId: gw } ]
                    accounts: [ { systemId: demo, password: demo-pw, numbers: ["12345"] } ]
                    """.formatted(smsc.port()));
            try {
                awaitBound(g);
                String port = Integer.toString(g.smppPort());
                String[] ok = send("send", "--port", port, "--to", "+15554443333");
                assertEquals("0", ok[0], ok[1]);
                assertTrue(ok[1].contains("submit_sm accepted, message_id"), ok[1]);
                assertTrue(ok[1].contains("receipt: id:"), ok[1]);

                assertEquals(
                        0,
                        smsc.injectMo("15554443333", "12345", "STOP".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                                .get(10, TimeUnit.SECONDS));
                String[] refused = send("send", "--port", port, "--to", "+15554443333", "--wait-receipt", "0");
                assertEquals("1", refused[0], refused[1]);
                assertTrue(refused[1].contains("refused: 0x0000000B"), refused[1]);
            } finally {
                g.close();
            }
        }
    }
}
