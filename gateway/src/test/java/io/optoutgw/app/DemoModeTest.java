package io.optoutgw.app;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.testsupport.FreePorts;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo set-up: the built-in simulator as upstream, a person "texting" STOP through
 * {@code POST /simulator/mo}, and {@code gateway send} then refused for that number.
 */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DemoModeTest {

    @Test
    void aStopInjectedThroughTheDemoEndpointIsRecordedAndEnforced() throws Exception {
        int simPort = FreePorts.find();
        try (RedisServerProcess redis = RedisServerProcess.start()) {
            Gateway g = TestGateways.start("gw-demo", redis.uri(), """
                    simulator: { enabled: true, host: 127.0.0.1, port: %d }
                    upstreams: [ { name: simulator, host: 127.0.0.1, port: %d, systemId: gateway } ]
                    accounts: [ { systemId: demo, password: demo-pw, numbers: ["12345"] } ]
                    """.formatted(simPort, simPort));
            try {
                awaitBound(g);
                HttpClient http = HttpClient.newHttpClient();
                String base = "http://127.0.0.1:" + g.httpPort() + "/simulator/mo";
                HttpResponse<String> mo = http.send(
                        HttpRequest.newBuilder(URI.create(base + "?from=15551112222&to=12345&text=STOP"))
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, mo.statusCode(), mo.body());
                assertEquals("{\"deliver_sm_resp\":\"0x00000000\"}", mo.body());
                HttpResponse<String> bad = http.send(
                        HttpRequest.newBuilder(URI.create(base + "?from=1"))
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(400, bad.statusCode());
                assertTwoAnswersOnOneConnection(g.httpPort());

                PrintStream console = System.out;
                ByteArrayOutputStream banner = new ByteArrayOutputStream();
                try {
                    System.setOut(new PrintStream(banner, true, StandardCharsets.UTF_8));
                    Banner.print(g.config(), g);
                } finally {
                    System.setOut(console);
                }
                String shown = banner.toString(StandardCharsets.UTF_8);
                assertTrue(shown.contains("system_id=demo"), shown);
                assertTrue(!shown.contains("demo-pw"), "the banner shows no password: " + shown);

                PrintStream old = System.out;
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int code;
                try {
                    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                    code = GatewayCli.commandLine()
                            .execute(
                                    "send",
                                    "--port",
                                    Integer.toString(g.smppPort()),
                                    "--to",
                                    "+15551112222",
                                    "--wait-receipt",
                                    "0");
                } finally {
                    System.setOut(old);
                }
                assertEquals(1, code, out.toString(StandardCharsets.UTF_8));
                assertTrue(out.toString(StandardCharsets.UTF_8).contains("refused: 0x0000000B"));
            } finally {
                g.close();
            }
        }
    }

    /**
     * A keep-alive client may send its next request on the same connection: the demo endpoint
     * must answer it, or say "Connection: close" before it closes.
     */
    private static void assertTwoAnswersOnOneConnection(int httpPort) throws Exception {
        try (Socket s = new Socket("127.0.0.1", httpPort)) {
            s.setSoTimeout(10_000);
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            var out = s.getOutputStream();
            String request = "POST /simulator/mo?from=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";
            for (int i = 0; i < 2; i++) {
                out.write(request.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String status = in.readLine();
                assertEquals("HTTP/1.1 400 Bad Request", status, "answer " + (i + 1) + " on one connection");
                int length = -1;
                for (String h; (h = in.readLine()) != null && !h.isEmpty(); ) {
                    assertTrue(!h.equalsIgnoreCase("connection: close"), "closes a keep-alive connection: " + h);
                    if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(h.substring(15).trim());
                    }
                }
                assertTrue(length > 0, "content-length");
                char[] body = new char[length];
                for (int n = 0; n < length; ) {
                    n += in.read(body, n, length - n);
                }
            }
        }
    }
}
