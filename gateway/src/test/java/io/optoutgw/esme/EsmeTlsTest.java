package io.optoutgw.esme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import io.optoutgw.testsupport.TestCertificates;
import io.optoutgw.testsupport.TestCertificates.Cert;
import io.optoutgw.testsupport.TestGateways;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.jsmpp.bean.BindType;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * ESMEs over TLS: one gateway whose TLS listener needs no client certificate and one that
 * requires a trusted one, both relaying to a plain simulator. Raw SMPP bytes over JDK sockets,
 * and jSMPP over an SSL socket for a whole session.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EsmeTlsTest {

    private static final int BIND_TRANSCEIVER = 0x00000009;
    private static final int BIND_TRANSCEIVER_RESP = 0x80000009;
    private static final int ENQUIRE_LINK = 0x00000015;
    private static final int ENQUIRE_LINK_RESP = 0x80000015;
    private static final String PASSWORD = "tls-pw9";

    private static RedisServerProcess redis;
    private static SmscSimulator smsc;
    private static Gateway open;
    private static Gateway mutual;
    private static Cert server;
    private static Cert client;
    private static Cert stranger;

    @BeforeAll
    static void start() throws Exception {
        server = TestCertificates.localhost("esme-server");
        client = TestCertificates.selfSigned("esme-client", "acme", "dns:acme.example");
        stranger = TestCertificates.selfSigned("esme-stranger", "acme", "dns:acme.example");
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        open = TestGateways.start("gw-tls-esme", redis.uri(), gatewayYaml(""));
        mutual = TestGateways.start(
                "gw-tls-mtls",
                redis.uri(),
                gatewayYaml(", clientAuth: require, trustedClientCertificatesFile: \"" + client.certPath() + "\""));
        TestGateways.awaitBound(open);
        TestGateways.awaitBound(mutual);
    }

    private static String gatewayYaml(String tlsExtra) {
        return """
                smpp:
                  host: 127.0.0.1
                  port: 0
                  bindTimeout: 5s
                  unbindDrainTimeout: 2s
                  tls: { port: 0, certificateFile: "%s", privateKeyFile: "%s"%s }
                upstreams: [ { name: sim, host: 127.0.0.1, port: %d, systemId: gw } ]
                accounts: [ { systemId: acme, password: %s, numbers: ["12345"] } ]
                """.formatted(server.certPath(), server.keyPath(), tlsExtra, smsc.port(), PASSWORD);
    }

    @AfterAll
    static void stop() {
        for (Gateway g : new Gateway[] {open, mutual}) {
            if (g != null) {
                g.close();
            }
        }
        if (smsc != null) {
            smsc.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void rawBindAndEnquireLinkOverTls() throws Exception {
        assertTrue(open.smppTlsPort() > 0 && open.smppTlsPort() != open.smppPort());
        try (SSLSocket socket =
                TestCertificates.connect(TestCertificates.clientContext(server, null), open.smppTlsPort())) {
            assertTrue(
                    List.of("TLSv1.3", "TLSv1.2").contains(socket.getSession().getProtocol()),
                    socket.getSession().getProtocol());
            assertEquals(0, bind(socket), "ESME_ROK over TLS");
            write(socket, ENQUIRE_LINK, 2, new byte[0]);
            int[] header = readHeader(socket.getInputStream());
            assertEquals(ENQUIRE_LINK_RESP, header[1]);
            assertEquals(0, header[2]);
            assertEquals(2, header[3]);
        }
    }

    @Test
    void jsmppSessionOverTlsRelaysLikeAPlainOne() throws Exception {
        SMPPSession esme = Esmes.bindTls(
                open.smppTlsPort(),
                TestCertificates.clientContext(server, null),
                BindType.BIND_TRX,
                "acme",
                PASSWORD,
                null);
        try {
            long before = smsc.submitCount();
            assertTrue(
                    Esmes.submit(esme, "12345", "15551239999", "via tls", false).getMessageId() != null);
            smsc.awaitSubmits((int) before + 1, Duration.ofSeconds(10));
        } finally {
            esme.unbindAndClose();
        }
    }

    @Test
    void plainTcpToTheTlsPortGetsNoBind() throws Exception {
        Logger ours = (Logger) LoggerFactory.getLogger("io.optoutgw");
        Level previous = ours.getLevel();
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        ours.addAppender(logs);
        ours.setLevel(Level.DEBUG);
        try (Socket socket = TestCertificates.plain(open.smppTlsPort())) {
            try {
                write(socket, BIND_TRANSCEIVER, 1, bindBody());
            } catch (SocketException e) {
                // the gateway may close as soon as the first bytes show that this is not TLS
            }
            byte[] answer = readUntilClosed(socket.getInputStream());
            boolean bindResp = answer.length >= 8
                    && (((answer[4] & 0xff) << 24)
                                    | ((answer[5] & 0xff) << 16)
                                    | ((answer[6] & 0xff) << 8)
                                    | (answer[7] & 0xff))
                            == BIND_TRANSCEIVER_RESP;
            assertTrue(!bindResp, "no bind_resp in clear text");
            assertTrue(
                    TestGateways.eventually(
                            Duration.ofSeconds(5),
                            () -> snapshot(logs).stream()
                                    .anyMatch(m -> m.contains("TLS handshake failed: peer does not speak TLS"))),
                    "failure logged");
        } finally {
            ours.detachAppender(logs);
            ours.setLevel(previous);
        }
        String hex = HexFormat.of().formatHex(PASSWORD.getBytes(StandardCharsets.US_ASCII));
        for (String line : snapshot(logs)) {
            assertTrue(!line.contains(PASSWORD) && !line.toLowerCase().contains(hex), "password logged: " + line);
        }
        // the plain listener is unaffected
        try (Socket socket = TestCertificates.plain(open.smppPort())) {
            assertEquals(0, bind(socket));
        }
    }

    @Test
    void tls11ClientIsRefused() throws Exception {
        try (Socket socket = TestCertificates.plain(open.smppTlsPort())) {
            socket.getOutputStream().write(tls11ClientHello());
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            int type = in.read();
            assertNotEquals(0x16, type, "the server must not answer a TLS 1.1 hello with a ServerHello");
            if (type == 0x15) {
                byte[] alert = new DataInputStream(in).readNBytes(6);
                assertEquals(70, alert[5] & 0xff, "alert protocol_version");
            }
        }
    }

    @Test
    void clientCertificateRequired() throws Exception {
        // no certificate: the server aborts the handshake (TLS 1.3 may report it only on first read)
        assertThrows(IOException.class, () -> {
            try (SSLSocket socket =
                    TestCertificates.connect(TestCertificates.clientContext(server, null), mutual.smppTlsPort())) {
                bind(socket);
            }
        });
        // an untrusted certificate: refused as well
        assertThrows(IOException.class, () -> {
            try (SSLSocket socket =
                    TestCertificates.connect(TestCertificates.clientContext(server, stranger), mutual.smppTlsPort())) {
                bind(socket);
            }
        });
        // the trusted certificate binds
        try (SSLSocket socket =
                TestCertificates.connect(TestCertificates.clientContext(server, client), mutual.smppTlsPort())) {
            assertEquals(0, bind(socket));
        }
    }

    private static List<String> snapshot(ListAppender<ILoggingEvent> logs) {
        synchronized (logs) {
            return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    // ---- raw SMPP and TLS bytes ----------------------------------------------------------------

    /** bind_transceiver as acme; returns the bind_transceiver_resp command_status. */
    private static int bind(Socket socket) throws IOException {
        write(socket, BIND_TRANSCEIVER, 1, bindBody());
        int[] header = readHeader(socket.getInputStream());
        assertEquals(BIND_TRANSCEIVER_RESP, header[1]);
        return header[2];
    }

    private static byte[] bindBody() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String s : new String[] {"acme", PASSWORD, ""}) {
            body.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            body.write(0);
        }
        body.write(0x34); // interface_version
        body.write(0); // addr_ton
        body.write(0); // addr_npi
        body.write(0); // address_range
        return body.toByteArray();
    }

    private static void write(Socket socket, int commandId, int sequence, byte[] body) throws IOException {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.writeInt(16 + body.length);
        out.writeInt(commandId);
        out.writeInt(0);
        out.writeInt(sequence);
        out.write(body);
        out.flush();
    }

    /** [length, command_id, status, sequence]; the body is skipped. */
    private static int[] readHeader(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int[] h = {data.readInt(), data.readInt(), data.readInt(), data.readInt()};
        data.skipNBytes(h[0] - 16);
        return h;
    }

    private static byte[] readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[256];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                got.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the TLS port kept a clear-text connection open", e);
        } catch (EOFException | SocketException e) {
            // reset: closed as well
        }
        return got.toByteArray();
    }

    /** A TLS 1.1 ClientHello (no supported_versions extension), as an old client sends it. */
    private static byte[] tls11ClientHello() {
        ByteArrayOutputStream hello = new ByteArrayOutputStream();
        hello.write(0x03);
        hello.write(0x02); // client_version TLS 1.1
        byte[] random = new byte[32];
        ThreadLocalRandom.current().nextBytes(random);
        hello.writeBytes(random);
        hello.write(0); // session_id
        int[] suites = {0xc009, 0xc00a, 0xc013, 0xc014, 0x002f, 0x0035};
        u16(hello, suites.length * 2);
        for (int s : suites) {
            u16(hello, s);
        }
        hello.write(1);
        hello.write(0); // compression: null
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        u16(ext, 0x000a); // supported_groups: secp256r1
        u16(ext, 4);
        u16(ext, 2);
        u16(ext, 0x0017);
        u16(ext, 0x000b); // ec_point_formats: uncompressed
        u16(ext, 2);
        ext.write(1);
        ext.write(0);
        u16(hello, ext.size());
        hello.writeBytes(ext.toByteArray());

        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.write(0x16); // handshake
        record.write(0x03);
        record.write(0x01);
        u16(record, hello.size() + 4);
        record.write(0x01); // client_hello
        record.write(0);
        u16(record, hello.size());
        record.writeBytes(hello.toByteArray());
        return record.toByteArray();
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write((v >> 8) & 0xff);
        out.write(v & 0xff);
    }
}
