package io.optoutgw.suppression;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optoutgw.app.Gateway;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.Esmes;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jsmpp.bean.BindType;
import org.jsmpp.bean.OptionalParameter;
import org.jsmpp.session.SMPPSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Consent categories and revoke-all end to end (docs/consent-rules.md, "Categories and
 * revoke-all"): a real redis-server, the SMSC simulator, jSMPP ESMEs, the STOP injected as an MO.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CategoryEnforcementTest {

    private static final AtomicInteger PERSON = new AtomicInteger(3000);
    private static final String TOKEN = "category-test-token-0123";
    private static final int REFUSED = 0x0B;
    private static final short TAG = 0x1400;

    private static RedisServerProcess redis;
    private static SmscSimulator smsc;
    private static Gateway gateway;
    private static final Map<String, SMPPSession> sessions = new HashMap<>();
    private static final HttpClient http = HttpClient.newHttpClient();

    static String config(int smscPort) {
        return """
                optout: { reconcileInterval: 1h }
                upstreams:
                  - { name: sim, host: 127.0.0.1, port: %d, systemId: gw, binds: 1 }
                accounts:
                  - systemId: acme
                    password: pw
                    numbers: ["12345", "23456", "34567"]
                    optOut:
                      categories: [marketing, alerts]
                      categorySource: service_type
                      defaultCategory: alerts
                      senderCategories: {"12345": marketing, "23456": alerts}
                      revokeAll: false
                  - systemId: strict
                    password: pw
                    numbers: ["45678"]
                    optOut:
                      categories: [marketing, alerts]
                      senderCategories: {"45678": marketing}
                      revokeAll: true
                  - systemId: tlvacct
                    password: pw
                    numbers: ["56789"]
                    optOut:
                      categories: [marketing, alerts]
                      categorySource: "tlv:0x1400"
                      senderCategories: {"56789": marketing}
                  - systemId: byfrom
                    password: pw
                    numbers: ["61111", "62222"]
                    optOut:
                      categories: [marketing, alerts]
                      categorySource: sender
                      senderCategories: {"61111": marketing, "62222": alerts}
                  - systemId: past
                    password: pw
                    numbers: ["71111"]
                    optOut:
                      categories: [marketing, alerts]
                      senderCategories: {"71111": marketing}
                      revokeAll: 2020-01-01
                  - systemId: future
                    password: pw
                    numbers: ["72222"]
                    optOut:
                      categories: [marketing, alerts]
                      senderCategories: {"72222": marketing}
                      revokeAll: 2999-01-01
                  - { systemId: plain, password: pw, numbers: ["80000"] }
                """.formatted(smscPort);
    }

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start("gw-cat", redis.uri(), config(smsc.port()), TOKEN);
        awaitBound(gateway);
    }

    @AfterAll
    static void stop() {
        sessions.values().forEach(SMPPSession::unbindAndClose);
        gateway.close();
        smsc.close();
        redis.close();
    }

    private static SMPPSession esme(String account) throws Exception {
        SMPPSession s = sessions.get(account);
        if (s == null) {
            s = Esmes.bind(gateway.smppPort(), BindType.BIND_TX, account, "pw", null);
            sessions.put(account, s);
        }
        return s;
    }

    private static String person() {
        return "1201555" + String.format("%04d", PERSON.incrementAndGet());
    }

    /** {@code text} from {@code person} to {@code shortCode}, acknowledged, its confirmation received. */
    private static void mo(String person, String shortCode, String text) throws Exception {
        long before = smsc.submitCount();
        assertEquals(
                0,
                smsc.injectMo(person, shortCode, text.getBytes(StandardCharsets.ISO_8859_1), (byte) 0)
                        .get(10, TimeUnit.SECONDS));
        smsc.awaitSubmits((int) before + 1, Duration.ofSeconds(10));
    }

    /** The command_status a submit_sm gets (0 = relayed). */
    private static int submit(String account, String from, String to, String serviceType, OptionalParameter... tlvs)
            throws Exception {
        return Esmes.status(esme(account), serviceType, from, to, tlvs);
    }

    private static OptionalParameter tlv(String value) {
        return new OptionalParameter.OctetString(TAG, value);
    }

    @Test
    void revokeAllOffStopToTheMarketingShortCodeRefusesMarketingAndRelaysAlerts() throws Exception {
        String p = person();
        assertEquals(0, submit("acme", "12345", p, "MARKE"), "nothing recorded yet");
        mo(p, "12345", "STOP");
        assertEquals(REFUSED, submit("acme", "12345", p, "MARKE"));
        assertEquals(REFUSED, submit("acme", "23456", p, "marke"), "account scope: every sender of acme");
        assertEquals(0, submit("acme", "12345", p, "ALERT"));
        assertEquals(0, submit("acme", "12345", p, ""), "no category: the default, alerts");
        assertEquals(0, submit("acme", "12345", p, "CMT"), "not a category: the default, alerts");
        // START to the same short code restores marketing
        mo(p, "12345", "START");
        assertEquals(0, submit("acme", "12345", p, "MARKE"));
    }

    @Test
    void revokeAllOnStopToTheMarketingShortCodeRefusesBoth() throws Exception {
        String p = person();
        mo(p, "45678", "STOP");
        assertEquals(REFUSED, submit("strict", "45678", p, "MARKE"));
        assertEquals(REFUSED, submit("strict", "45678", p, "ALERT"));
    }

    @Test
    void stopAllCoversEveryCategoryAndAPlainStartToAnUnmappedCodeLiftsIt() throws Exception {
        String p = person();
        mo(p, "12345", "STOPALL");
        assertEquals(REFUSED, submit("acme", "12345", p, "MARKE"));
        assertEquals(REFUSED, submit("acme", "12345", p, "ALERT"));
        mo(p, "34567", "START");
        assertEquals(0, submit("acme", "12345", p, "MARKE"));
        assertEquals(0, submit("acme", "12345", p, "ALERT"));
    }

    @Test
    void stopNamingACategoryNarrowsToItAndStartNamingItRestoresIt() throws Exception {
        String p = person();
        mo(p, "34567", "STOP marketing");
        assertEquals(REFUSED, submit("acme", "34567", p, "MARKE"));
        assertEquals(0, submit("acme", "34567", p, "ALERT"));
        mo(p, "34567", "START Marketing");
        assertEquals(0, submit("acme", "34567", p, "MARKE"));
    }

    @Test
    void stopAfterStopAllThenStartOneCategoryRestoresOnlyThatCategory() throws Exception {
        String p = person();
        mo(p, "34567", "STOPALL");
        mo(p, "34567", "START alerts");
        assertEquals(REFUSED, submit("acme", "34567", p, "MARKE"));
        assertEquals(0, submit("acme", "34567", p, "ALERT"));
    }

    @Test
    void stopToACodeWithoutCategoryCoversEverything() throws Exception {
        String p = person();
        mo(p, "34567", "STOP");
        assertEquals(REFUSED, submit("acme", "34567", p, "MARKE"));
        assertEquals(REFUSED, submit("acme", "34567", p, "ALERT"));
    }

    @Test
    void tlvSource() throws Exception {
        String p = person();
        mo(p, "56789", "STOP");
        assertEquals(REFUSED, submit("tlvacct", "56789", p, "ALERT", tlv("marketing")), "the TLV, not service_type");
        assertEquals(0, submit("tlvacct", "56789", p, "MARKE", tlv("alerts")));
        assertEquals(0, submit("tlvacct", "56789", p, "", tlv("ALERTS\0")), "a trailing NUL is ignored");
        assertEquals(REFUSED, submit("tlvacct", "56789", p, "ALERT"), "no TLV: the default, marketing (the first)");
    }

    @Test
    void senderSource() throws Exception {
        String p = person();
        mo(p, "61111", "STOP");
        assertEquals(REFUSED, submit("byfrom", "61111", p, "ALERT"), "the sender's category, not service_type");
        assertEquals(0, submit("byfrom", "62222", p, "MARKE"));
    }

    @Test
    void revokeAllDateInThePastIsOnInTheFutureOff() throws Exception {
        String p = person();
        mo(p, "71111", "STOP");
        assertEquals(REFUSED, submit("past", "71111", p, "ALERT"));
        String q = person();
        mo(q, "72222", "STOP");
        assertEquals(REFUSED, submit("future", "72222", q, "MARKE"));
        assertEquals(0, submit("future", "72222", q, "ALERT"));
    }

    @Test
    void anEntryWithoutCategoryBlocksEveryCategoryAndAccountsWithoutCategoriesAreUnchanged() throws Exception {
        String p = person();
        // what every entry recorded before categories existed looks like: no category
        HttpResponse<String> added = api(
                "POST",
                "/api/suppressions",
                "{\"number\":\"+" + p + "\",\"scope\":\"account:acme\",\"reason\":\"legacy\"}");
        assertEquals(200, added.statusCode(), added.body());
        assertEquals("all", json(added).get("category").asText());
        assertEquals(REFUSED, submit("acme", "12345", p, "MARKE"));
        assertEquals(REFUSED, submit("acme", "12345", p, "ALERT"));
        String q = person();
        mo(q, "80000", "STOP");
        assertEquals(REFUSED, submit("plain", "80000", q, "MARKE"));
    }

    @Test
    void theApiListsEachScopeWithItsCategoryAndTakesOneOnChanges() throws Exception {
        String p = person();
        mo(p, "12345", "STOP");
        mo(p, "45678", "STOP");
        JsonNode status = json(api("GET", "/api/suppressions/" + enc("+" + p), null));
        Map<String, String> categories = new HashMap<>();
        for (JsonNode sc : status.get("scopes")) {
            categories.put(sc.get("scope").asText(), sc.get("category").asText());
            assertTrue(sc.get("suppressed").asBoolean());
        }
        assertEquals(Map.of("account:acme", "marketing", "account:strict", "all"), categories);
        // an operator lifts the marketing entry by its category (the person's own STOP: with evidence of an opt-in)
        HttpResponse<String> removed = api(
                "DELETE",
                "/api/suppressions/" + enc("+" + p)
                        + "?scope=account:acme&category=marketing&reason=test&evidence=web-opt-in-1",
                null);
        assertEquals(200, removed.statusCode(), removed.body());
        assertEquals("marketing", json(removed).get("category").asText());
        assertEquals(0, submit("acme", "12345", p, "MARKE"));
        HttpResponse<String> bad = api(
                "POST",
                "/api/suppressions",
                "{\"number\":\"+" + p + "\",\"scope\":\"account:acme\",\"reason\":\"x\",\"category\":\"promo\"}");
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("unknown category 'promo'"), bad.body());
        HttpResponse<String> added = api(
                "POST",
                "/api/suppressions",
                "{\"number\":\"+" + p + "\",\"scope\":\"account:acme\",\"reason\":\"x\",\"category\":\"alerts\"}");
        assertEquals(200, added.statusCode(), added.body());
        assertEquals(REFUSED, submit("acme", "12345", p, "ALERT"));
        assertEquals(0, submit("acme", "12345", p, "MARKE"));
    }

    private static HttpResponse<String> api(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .timeout(Duration.ofSeconds(30));
        b.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return new ObjectMapper().readTree(r.body());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
