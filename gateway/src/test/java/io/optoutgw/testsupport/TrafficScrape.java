package io.optoutgw.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.app.Gateway;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jsmpp.bean.BindType;
import org.jsmpp.extra.NegativeResponseException;
import org.jsmpp.session.SMPPSession;

/**
 * A gateway (real redis-server, SMSC simulator) that has carried representative traffic: a submit
 * with a receipt, the same STOP twice (both recorded, one confirmed: one duplicate), a STOP answered with a
 * clarification and its reply "1", and a submit refused because
 * of it; then a scrape of its /metrics. Shared by the tests that check the metrics and the
 * deployment files against a real scrape.
 */
public final class TrafficScrape implements AutoCloseable {

    private final RedisServerProcess redis;
    private final SmscSimulator smsc;
    private final Gateway gateway;
    private final String scrape;

    private TrafficScrape(RedisServerProcess redis, SmscSimulator smsc, Gateway gateway, String scrape) {
        this.redis = redis;
        this.smsc = smsc;
        this.gateway = gateway;
        this.scrape = scrape;
    }

    public static TrafficScrape run(String instanceId) throws Exception {
        RedisServerProcess redis = RedisServerProcess.start();
        SmscSimulator smsc = null;
        Gateway gateway = null;
        try {
            smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
            gateway = TestGateways.start(instanceId, redis.uri(), """
                    upstreams: [ { name: sim, host: 127.0.0.1, port: %d, systemId: gw } ]
                    lists: [ { name: dnc, maxAge: 31d } ]
                    webhooks: [ { name: crm, url: "http://127.0.0.1:9/hook",
                                  secret: "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3" } ]
                    accounts: [ { systemId: acme, password: pw, numbers: ["12345"],
                                  optOut: { optOutInstruction: { action: count } } },
                                { systemId: clar, password: pw, numbers: ["23456"],
                                  optOut: { categories: [marketing, alerts], senderCategories: {"23456": marketing},
                                            clarify: true } } ]
                    """.formatted(smsc.port()));
            TestGateways.awaitBound(gateway);
            SMPPSession acme = Esmes.bind(gateway.smppPort(), BindType.BIND_TRX, "acme", "pw", new Esmes.Inbox());
            try {
                Esmes.submit(acme, "12345", "15550001111", "hello", true);
                byte[] stop = "STOP".getBytes(StandardCharsets.ISO_8859_1);
                assertEquals(
                        0, smsc.injectMo("15550002222", "12345", stop, (byte) 0).get(10, TimeUnit.SECONDS));
                assertEquals(
                        0, smsc.injectMo("15550002222", "12345", stop, (byte) 0).get(10, TimeUnit.SECONDS));
                // a STOP to an account that asks for clarification, answered "1"
                assertEquals(
                        0, smsc.injectMo("15550003333", "23456", stop, (byte) 0).get(10, TimeUnit.SECONDS));
                assertEquals(
                        0,
                        smsc.injectMo("15550003333", "23456", "1".getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                                .get(10, TimeUnit.SECONDS));
                try {
                    Esmes.submit(acme, "12345", "15550002222", "after stop", false);
                } catch (NegativeResponseException expected) {
                    // refused as suppressed: counted
                }
                Gateway g = gateway;
                assertTrue(TestGateways.eventually(
                        Duration.ofSeconds(10), () -> fetch(g).contains("smppgw_confirmation_delay_seconds_count")));
                return new TrafficScrape(redis, smsc, gateway, fetch(gateway));
            } finally {
                acme.unbindAndClose();
            }
        } catch (Exception | Error e) {
            if (gateway != null) {
                gateway.close();
            }
            if (smsc != null) {
                smsc.close();
            }
            redis.close();
            throw e;
        }
    }

    /** The /metrics text taken after the traffic. */
    public String scrape() {
        return scrape;
    }

    private static String fetch(Gateway g) {
        try {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (Exception e) {
            return "";
        }
    }

    @Override
    public void close() {
        gateway.close();
        smsc.close();
        redis.close();
    }
}
