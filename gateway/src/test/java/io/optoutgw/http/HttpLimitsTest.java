package io.optoutgw.http;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.optoutgw.app.Gateway;
import io.optoutgw.config.ConfigLoader;
import io.optoutgw.config.ConfigOverrides;
import io.optoutgw.config.HttpConfig;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jsmpp.bean.BindType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Limits of the HTTP port: request and idle timeouts, auth before the body, connection cap, demo MO hook. */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HttpLimitsTest {

    private static final String TOKEN = "test-admin-token-0123456789";
    private RedisServerProcess redis;
    private SmscSimulator smsc;
    private Gateway gateway;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
    }

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        smsc.close();
        redis.close();
    }

    private Gateway start(String http) throws Exception {
        String yaml = """
                instanceId: gw-http
                smpp: { host: 127.0.0.1, port: 0, bindTimeout: 3s }
                http: { host: 127.0.0.1, port: 0, adminToken: "%s", %s }
                redis: { uri: "%s", commandTimeout: 2s }
                optout: { journalDir: "%s" }
                upstreams: [ { name: sim, host: 127.0.0.1, port: %d, systemId: gw } ]
                accounts: [ { systemId: acme, password: pw } ]
                """.formatted(TOKEN, http, redis.uri(), TestGateways.tempJournalDir("http"), smsc.port());
        gateway = Gateway.start(ConfigLoader.parse(yaml, ConfigOverrides.NONE));
        awaitBound(gateway);
        return gateway;
    }

    private Socket connect() throws Exception {
        Socket s = new Socket("127.0.0.1", gateway.httpPort());
        s.setSoTimeout(20_000);
        sockets.add(s);
        return s;
    }

    private static void write(Socket s, String text) throws Exception {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    @Test
    void aHalfSentRequestIsClosedAfterTheRequestTimeout() throws Exception {
        start("requestTimeout: 1s, idleTimeout: 1s");
        Socket body = connect();
        write(
                body,
                "POST /api/suppressions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                        + "\r\nContent-Length: 100\r\n\r\n{\"num");
        Socket headers = connect();
        write(headers, "GET /health HTTP/1.1\r\nHost: x\r\n");
        assertEquals(-1, body.getInputStream().read(), "closed without an answer: the body never came whole");
        assertEquals(-1, headers.getInputStream().read(), "closed: the headers never ended");
    }

    @Test
    void anUnauthenticatedApiRequestIsRefusedBeforeItsBodyIsRead() throws Exception {
        start("requestTimeout: 60s");
        Socket s = connect();
        write(s, "POST /api/suppressions HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n");
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        assertEquals("HTTP/1.1 401 Unauthorized", in.readLine(), "answered with only the headers sent");
        while (in.readLine() != null) {
            // the rest of the answer, then the close
        }
    }

    @Test
    void anOversizeBodyIsAnswered413AndTheConnectionClosedWithoutReadingTheRest() throws Exception {
        start("requestTimeout: 60s");
        Socket s = connect();
        // keep-alive (HTTP/1.1 default): the body is not drained, the connection goes
        write(
                s,
                "POST /api/suppressions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + (32L << 20)
                        + "\r\n\r\n{\"numbers\"");
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        assertEquals("HTTP/1.1 413 Request Entity Too Large", in.readLine());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (in.readLine() != null) {
            assertTrue(System.nanoTime() < deadline, "the connection stays open after a 413");
        }
    }

    @Test
    void aMalformedRequestIsAnswered400AndNotServed() throws Exception {
        start("requestTimeout: 60s");
        Socket s = connect();
        write(s, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + "x".repeat(20_000) + "\r\n\r\n");
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        assertEquals("HTTP/1.1 400 Bad Request", in.readLine(), "a header over the limit: not served as /metrics");
        StringBuilder rest = new StringBuilder();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            rest.append(line).append('\n');
        }
        assertFalse(rest.toString().contains("smppgw_"), rest.toString());
    }

    @Test
    void connectionsOverTheCapAreClosedAtAccept() throws Exception {
        start("maxConnections: 3, requestTimeout: 60s");
        for (int i = 0; i < 3; i++) {
            connect();
        }
        // the first three are held open: a request on one of them is still answered later
        Thread.sleep(200);
        Socket extra = connect();
        assertEquals(-1, extra.getInputStream().read(), "the fourth connection is closed at once");
        Socket first = sockets.get(0);
        write(first, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        BufferedReader in =
                new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.US_ASCII));
        assertEquals("HTTP/1.1 200 OK", in.readLine());
    }

    @Test
    void smppBindsWhileManyHalfOpenHttpConnectionsAreHeld() throws Exception {
        start("maxConnections: 300, requestTimeout: 60s");
        for (int i = 0; i < 200; i++) {
            write(
                    connect(),
                    "POST /api/suppressions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                            + "\r\nContent-Length: 60000\r\n\r\nxxxx");
        }
        Esmes.bind(gateway.smppPort(), BindType.BIND_TX, "acme", "pw", null).unbindAndClose();
    }

    @Test
    void theDemoMoHookTakesLoopbackOrTheAdminToken() throws Exception {
        HttpServer server = new HttpServer(
                new HttpConfig("127.0.0.1", 0, TOKEN), () -> null, () -> "", new AdminApi(TOKEN, null, null));
        HttpRequest plain = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/simulator/mo");
        HttpRequest withToken = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/simulator/mo");
        withToken.headers().set("Authorization", "Bearer " + TOKEN);
        assertTrue(server.demoMoAllowed(new InetSocketAddress("127.0.0.1", 5000), plain));
        assertTrue(server.demoMoAllowed(new InetSocketAddress("::1", 5000), plain));
        assertFalse(server.demoMoAllowed(new InetSocketAddress("192.168.1.20", 5000), plain), "from the LAN");
        assertTrue(server.demoMoAllowed(new InetSocketAddress("192.168.1.20", 5000), withToken));
        server.stop();
    }
}
