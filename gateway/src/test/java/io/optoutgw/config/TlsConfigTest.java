package io.optoutgw.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.optoutgw.testsupport.TestCertificates;
import io.optoutgw.testsupport.TestCertificates.Cert;
import io.optoutgw.transport.TlsContexts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The smpp.tls and upstreams[].tls settings: defaults, one-line errors naming the key, PEM checks. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsConfigTest {

    private static final String BASE = """
            instanceId: gw-test
            redis: { uri: embedded }
            smpp: { port: 2775%s }
            upstreams:
              - { name: smsc, host: 10.0.0.1, port: 2775, systemId: gw%s }
            accounts:
              - { systemId: alice, password: secret }
            """;

    @TempDir
    Path tmp;

    private static GatewayConfig parse(String smppExtra, String upstreamExtra) {
        return ConfigLoader.parse(BASE.formatted(smppExtra, upstreamExtra), ConfigOverrides.NONE);
    }

    private static ConfigException fails(String smppExtra, String upstreamExtra) {
        return assertThrows(ConfigException.class, () -> parse(smppExtra, upstreamExtra));
    }

    private static String q(Object path) {
        return "\"" + path.toString().replace('\\', '/') + "\"";
    }

    @Test
    void absentMeansPlainTcpEverywhere() {
        GatewayConfig c = parse("", "");
        assertNull(c.smpp().tls());
        assertFalse(c.upstreams().get(0).tls().enabled());
        assertNull(TlsContexts.upstreamClient(c.upstreams().get(0).tls(), "x."));
    }

    @Test
    void esmeListenerDefaultsAndValidation() {
        Cert server = TestCertificates.localhost("cfg-server");
        String tls = ", tls: { certificateFile: %s, privateKeyFile: %s%s }";
        SmppTlsConfig t = parse(tls.formatted(q(server.certPath()), q(server.keyPath()), ""), "")
                .smpp()
                .tls();
        assertEquals(3550, t.port());
        assertEquals(SmppTlsConfig.ClientAuth.NONE, t.clientAuth());

        ConfigException missing = fails(tls.formatted(q(tmp.resolve("nope.pem")), q(server.keyPath()), ""), "");
        assertEquals("smpp.tls.certificateFile", missing.key());
        assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
        assertEquals(
                "smpp.tls.privateKeyFile",
                fails(", tls: { certificateFile: %s }".formatted(q(server.certPath())), "")
                        .key());
        assertEquals(
                "smpp.tls.certificateFile",
                fails(", tls: { certificateFile: %s, privateKeyFile: %s }".formatted(q(tmp), q(server.keyPath())), "")
                        .key());
        assertEquals(
                "smpp.tls.trustedClientCertificatesFile",
                fails(tls.formatted(q(server.certPath()), q(server.keyPath()), ", clientAuth: require"), "")
                        .key());
        assertEquals(
                "smpp.tls.trustedClientCertificatesFile",
                fails(
                                tls.formatted(
                                        q(server.certPath()),
                                        q(server.keyPath()),
                                        ", trustedClientCertificatesFile: " + q(server.certPath())),
                                "")
                        .key());
        assertEquals(
                "smpp.tls.clientAuth",
                fails(tls.formatted(q(server.certPath()), q(server.keyPath()), ", clientAuth: sometimes"), "")
                        .key());
        assertEquals(
                "smpp.tls.port",
                fails(tls.formatted(q(server.certPath()), q(server.keyPath()), ", port: 2775"), "")
                        .key());
        ConfigException unknown =
                fails(tls.formatted(q(server.certPath()), q(server.keyPath()), ", keyPassword: x"), "");
        assertEquals("smpp.tls.keyPassword", unknown.key());
    }

    @Test
    void upstreamDefaultsAndValidation() {
        Cert cert = TestCertificates.localhost("cfg-server");
        UpstreamTlsConfig t = parse("", ", tls: { }").upstreams().get(0).tls();
        assertTrue(t.enabled(), "a tls section turns TLS on");
        assertTrue(t.hostnameVerification());
        assertNull(t.trustedCertificatesFile());
        assertFalse(
                parse("", ", tls: { enabled: false, trustedCertificatesFile: nope }")
                        .upstreams()
                        .get(0)
                        .tls()
                        .enabled(),
                "files are not checked while TLS is off");

        assertEquals(
                "upstreams[smsc].tls.trustedCertificatesFile",
                fails("", ", tls: { trustedCertificatesFile: " + q(tmp.resolve("missing.pem")) + " }")
                        .key());
        assertEquals(
                "upstreams[smsc].tls.clientPrivateKeyFile",
                fails("", ", tls: { clientCertificateFile: " + q(cert.certPath()) + " }")
                        .key());
        assertEquals(
                "upstreams[0].tls.hostnameVerification",
                fails("", ", tls: { hostnameVerification: maybe }").key());
        assertEquals(
                "upstreams[0].tls.verifyHost",
                fails("", ", tls: { verifyHost: true }").key());
    }

    @Test
    void pemProblemsNameTheKey() throws Exception {
        Cert server = TestCertificates.localhost("cfg-server");
        Cert other = TestCertificates.localhost("cfg-other");
        Path garbage = Files.writeString(tmp.resolve("garbage.pem"), "not a certificate\n");
        Path pkcs1 = Files.writeString(
                tmp.resolve("rsa.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");

        ConfigException e = assertThrows(
                ConfigException.class,
                () -> TlsContexts.esmeServer(new SmppTlsConfig(0, garbage.toString(), server.keyPath(), null, null)));
        assertEquals("smpp.tls.certificateFile", e.key());
        assertTrue(e.getMessage().contains("no PEM certificate"), e.getMessage());

        e = assertThrows(
                ConfigException.class,
                () -> TlsContexts.esmeServer(new SmppTlsConfig(0, server.certPath(), pkcs1.toString(), null, null)));
        assertEquals("smpp.tls.privateKeyFile", e.key());
        assertTrue(e.getMessage().contains("PKCS#8"), e.getMessage());

        e = assertThrows(
                ConfigException.class,
                () -> TlsContexts.esmeServer(new SmppTlsConfig(0, server.certPath(), other.keyPath(), null, null)));
        assertEquals("smpp.tls.privateKeyFile", e.key());
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
        assertFalse(e.getMessage().contains("BEGIN"), "no key material in messages");

        e = assertThrows(
                ConfigException.class,
                () -> TlsContexts.upstreamClient(
                        new UpstreamTlsConfig(true, garbage.toString(), null, null, null), "upstreams[smsc].tls."));
        assertEquals("upstreams[smsc].tls.trustedCertificatesFile", e.key());
    }

    @Test
    void onlyTls12And13AreEnabled() {
        Cert server = TestCertificates.localhost("cfg-server");
        SslContext ctx = TlsContexts.esmeServer(new SmppTlsConfig(0, server.certPath(), server.keyPath(), null, null));
        SSLEngine engine = ctx.newEngine(ByteBufAllocator.DEFAULT);
        assertEquals(
                List.of("TLSv1.2", "TLSv1.3"),
                List.of(engine.getEnabledProtocols()).stream().sorted().toList());
        SslContext client =
                TlsContexts.upstreamClient(new UpstreamTlsConfig(true, server.certPath(), null, null, null), "u.");
        assertEquals(
                List.of("TLSv1.2", "TLSv1.3"),
                List.of(client.newEngine(ByteBufAllocator.DEFAULT).getEnabledProtocols()).stream()
                        .sorted()
                        .toList());
    }
}
