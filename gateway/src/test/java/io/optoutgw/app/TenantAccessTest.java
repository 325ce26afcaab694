package io.optoutgw.app;

import static io.optoutgw.testsupport.TestGateways.awaitBound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optoutgw.admin.ApiTokens;
import io.optoutgw.http.AdminApiTestConfig;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.RedisKeys;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Accounts' API tokens against a real gateway, redis-server and SMSC simulator: created, listed
 * and revoked with the CLI and the API, stored hashed, confined to their account's scopes and to
 * their role, audited by name, and refused by every instance once revoked.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TenantAccessTest {

    private static final String ADMIN = "tenant-admin-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    private RedisServerProcess redis;
    private SmscSimulator smsc;
    private Gateway gateway;
    private RedisConnector inspector;
    private final List<AutoCloseable> extra = new ArrayList<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Result(int code, String out, String err) {}

    @BeforeEach
    void start() throws Exception {
        redis = RedisServerProcess.start();
        smsc = new SmscSimulator(SimulatorOptions.defaults()).start();
        gateway = TestGateways.start("gw-tenant", redis.uri(), AdminApiTestConfig.config(smsc.port()), ADMIN);
        awaitBound(gateway);
        inspector = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : extra) {
            c.close();
        }
        if (inspector != null) {
            inspector.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        smsc.close();
        redis.close();
    }

    private Result cli(Gateway g, String... args) {
        String[] all = Arrays.copyOf(args, args.length + 4);
        all[args.length] = "--url";
        all[args.length + 1] = "http://127.0.0.1:" + g.httpPort();
        all[args.length + 2] = "--token";
        all[args.length + 3] = ADMIN;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = GatewayCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(all);
        return new Result(code, out.toString(), err.toString());
    }

    private String createToken(String account, String role, String name) {
        Result r = cli(gateway, "tokens", "create", "--account", account, "--role", role, "--name", name);
        assertEquals(0, r.code(), r.err());
        String token = r.out().strip();
        assertTrue(token.startsWith("gwt_" + name + "_"), token);
        return token;
    }

    private HttpResponse<String> send(Gateway g, HttpRequest.Builder b, String token) throws Exception {
        b.header("Authorization", "Bearer " + token);
        // as AdminApiTest: an export walks all 2^18 list buckets, a few seconds with Netty's paranoid
        // leak detection while the rest of the suite runs beside it
        return http.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        return send(
                gateway,
                HttpRequest.newBuilder(URI.create(base(gateway) + path)).GET(),
                token);
    }

    private HttpResponse<String> add(String token, String number, String scope) throws Exception {
        String body = JSON.writeValueAsString(
                scope == null
                        ? Map.of("number", number, "reason", "asked")
                        : Map.of("number", number, "scope", scope, "reason", "asked"));
        return send(
                gateway,
                HttpRequest.newBuilder(URI.create(base(gateway) + "/api/suppressions"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)),
                token);
    }

    private HttpResponse<String> remove(String token, String number, String scope) throws Exception {
        return send(
                gateway,
                HttpRequest.newBuilder(URI.create(base(gateway) + "/api/suppressions/" + enc(number) + "?scope="
                                + enc(scope) + "&reason=mistake"))
                        .DELETE(),
                token);
    }

    private static String base(Gateway g) {
        return "http://127.0.0.1:" + g.httpPort();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void assertStatus(int status, HttpResponse<String> r) {
        assertEquals(status, r.statusCode(), r.body());
    }

    @Test
    void createListRevokeWithTheCliStoresOnlyHashes() throws Exception {
        String token = createToken("acme", "operator", "acme-ops");
        Result list = cli(gateway, "tokens", "list");
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("acme-ops") && list.out().contains("operator"), list.out());
        assertFalse(list.out().contains(token), "the list never shows a token");

        // Redis holds the token's SHA-256, never the token
        String stored = inspector.async().hget(RedisKeys.API_TOKENS, "acme-ops").get(5, TimeUnit.SECONDS);
        assertFalse(stored.contains(token), stored);
        assertFalse(stored.contains(token.substring(token.lastIndexOf('_') + 1)), stored);
        assertEquals(
                ApiTokens.sha256(token), JSON.readTree(stored).get("sha256").asText());

        HttpResponse<String> hello = get("/api", token);
        assertStatus(200, hello);
        JsonNode h = JSON.readTree(hello.body());
        assertEquals("acme", h.get("account").asText());
        assertEquals("operator", h.get("role").asText());

        Result revoke = cli(gateway, "tokens", "revoke", "acme-ops");
        assertEquals(0, revoke.code(), revoke.err());
        assertStatus(401, get("/api", token));
        assertNull(inspector.async().hget(RedisKeys.API_TOKENS, "acme-ops").get(5, TimeUnit.SECONDS));
        Result again = cli(gateway, "tokens", "revoke", "acme-ops");
        assertEquals(2, again.code());
        assertTrue(again.err().contains("404") && again.err().contains("acme-ops"), again.err());

        Result unknown = cli(gateway, "tokens", "create", "--account", "nobody", "--role", "viewer");
        assertEquals(2, unknown.code());
        assertTrue(
                unknown.err().startsWith("error: ") && unknown.err().contains("unknown account 'nobody'"),
                unknown.err());
        Result badRole = cli(gateway, "tokens", "create", "--account", "acme", "--role", "root");
        assertEquals(2, badRole.code());
        assertTrue(badRole.err().contains("role must be viewer, operator, compliance or admin"), badRole.err());
        createToken("acme", "viewer", "twice");
        Result taken = cli(gateway, "tokens", "create", "--account", "acme", "--role", "viewer", "--name", "twice");
        assertEquals(2, taken.code());
        assertTrue(taken.err().contains("409"), taken.err());

        // without --name one is made up from the account
        Result unnamed = cli(gateway, "tokens", "create", "--account", "beta", "--role", "viewer");
        assertEquals(0, unnamed.code(), unnamed.err());
        assertTrue(unnamed.out().strip().startsWith("gwt_beta-"), unnamed.out());
    }

    @Test
    void tokensApiIsForTheAdminTokenOnly() throws Exception {
        HttpResponse<String> created = send(
                gateway,
                HttpRequest.newBuilder(URI.create(base(gateway) + "/api/tokens"))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"account\":\"beta\",\"role\":\"admin\",\"name\":\"beta-admin\"}")),
                ADMIN);
        assertStatus(200, created);
        String token = JSON.readTree(created.body()).get("token").asText();
        HttpResponse<String> list = get("/api/tokens", ADMIN);
        assertStatus(200, list);
        assertEquals(
                "beta-admin",
                JSON.readTree(list.body()).get("tokens").get(0).get("name").asText());
        assertFalse(list.body().contains(token));
        // an account's admin role manages its list, not tokens, webhooks or verification
        assertStatus(403, get("/api/tokens", token));
        assertStatus(403, get("/api/audit/verify", token));
        assertStatus(
                403,
                send(
                        gateway,
                        HttpRequest.newBuilder(URI.create(base(gateway) + "/api/config/reload"))
                                .POST(HttpRequest.BodyPublishers.noBody()),
                        token));
        assertStatus(
                404,
                send(
                        gateway,
                        HttpRequest.newBuilder(URI.create(base(gateway) + "/api/tokens/nope"))
                                .DELETE(),
                        ADMIN));
        assertStatus(
                200,
                send(
                        gateway,
                        HttpRequest.newBuilder(URI.create(base(gateway) + "/api/tokens/beta-admin"))
                                .DELETE(),
                        ADMIN));
        assertStatus(401, get("/api", token));
        // a made-up token of the right form is refused like any wrong token
        assertStatus(401, get("/api", "gwt_beta-admin_" + "0".repeat(64)));
    }

    @Test
    void anAccountsTokenSeesAndChangesOnlyItsOwnScopes() throws Exception {
        String acme = createToken("acme", "operator", "acme-ops");
        String number = "+15557090001";
        // the admin token puts the number on beta's list and on the global one
        assertStatus(200, add(ADMIN, number, "account:beta"));
        assertStatus(200, add(ADMIN, number, "global"));

        // acme's token: its own scope yes (default: its account), beta's and global no
        assertStatus(200, add(acme, number, null));
        assertStatus(200, add(acme, number, "sender:acme:12345"));
        HttpResponse<String> other = add(acme, number, "account:beta");
        assertStatus(403, other);
        assertTrue(other.body().contains("outside account acme"), other.body());
        assertStatus(403, add(acme, number, "global"));
        assertStatus(403, add(acme, number, "sender:beta:67890"));
        assertStatus(403, remove(acme, number, "account:beta"));
        assertStatus(403, remove(acme, number, "global"));

        JsonNode seen =
                JSON.readTree(get("/api/suppressions/" + enc(number), acme).body());
        List<String> scopes = new ArrayList<>();
        seen.get("scopes").forEach(s -> scopes.add(s.get("scope").asText()));
        assertEquals(
                List.of("account:acme", "sender:acme:12345"),
                scopes.stream().sorted().toList(),
                seen.toString());
        for (JsonNode e : seen.get("history")) {
            assertTrue(e.get("scope").asText().matches("[as]:acme(:.*)?"), e.toString());
        }
        // the admin token still sees everything
        JsonNode all =
                JSON.readTree(get("/api/suppressions/" + enc(number), ADMIN).body());
        assertEquals(4, all.get("scopes").size(), all.toString());

        // the change is audited with the token's name
        JsonNode acmeAdd = null;
        for (JsonNode e : all.get("history")) {
            if (e.get("scope").asText().equals("a:acme")) {
                acmeAdd = e;
            }
        }
        assertEquals("acme-ops", acmeAdd.get("actor").asText(), all.toString());

        assertStatus(200, remove(acme, number, "account:acme"));
        // beta's and the global entry are untouched
        JsonNode after =
                JSON.readTree(get("/api/suppressions/" + enc(number), ADMIN).body());
        for (JsonNode s : after.get("scopes")) {
            boolean expected = !s.get("scope").asText().equals("account:acme");
            assertEquals(expected, s.get("suppressed").asBoolean(), after.toString());
        }

        // operator: no export, no audit trail
        assertStatus(403, get("/api/suppressions/export", acme));
        assertStatus(403, get("/api/audit?number=" + enc(number), acme));
    }

    @Test
    void rolesLimitWhatATokenDoes() throws Exception {
        String viewer = createToken("acme", "viewer", "acme-view");
        String compliance = createToken("acme", "compliance", "acme-audit");
        String number = "+15557090002";
        assertStatus(200, add(ADMIN, number, "account:acme"));
        assertStatus(200, add(ADMIN, "+15557090003", "account:beta"));

        HttpResponse<String> refused = add(viewer, number, "account:acme");
        assertStatus(403, refused);
        assertTrue(refused.body().contains("reading only"), refused.body());
        assertStatus(403, remove(viewer, number, "account:acme"));
        HttpResponse<String> imported = send(
                gateway,
                HttpRequest.newBuilder(URI.create(base(gateway) + "/api/suppressions/import"))
                        .POST(HttpRequest.BodyPublishers.ofString("+15557090004\n")),
                viewer);
        assertStatus(403, imported);
        HttpResponse<String> look = get("/api/suppressions/" + enc(number), viewer);
        assertStatus(200, look);
        assertTrue(JSON.readTree(look.body()).get("suppressed").asBoolean());
        assertStatus(403, get("/api/suppressions/export", viewer));

        // compliance: export and audit, of its own account only; no changes
        assertStatus(403, add(compliance, number, "account:acme"));
        HttpResponse<String> export = get("/api/suppressions/export", compliance);
        assertStatus(200, export);
        assertTrue(export.body().contains("+15557090002,account:acme"), export.body());
        assertFalse(export.body().contains("+15557090003"), export.body());
        HttpResponse<String> audit = get("/api/audit?from=2000-01-01", compliance);
        assertStatus(200, audit);
        JsonNode events = JSON.readTree(audit.body()).get("events");
        assertTrue(events.size() >= 1, audit.body());
        for (JsonNode e : events) {
            assertEquals("a:acme", e.get("scope").asText(), audit.body());
        }
        HttpResponse<String> trace = get("/api/trace/" + enc("+15557090003"), compliance);
        assertStatus(200, trace);
        assertEquals(0, JSON.readTree(trace.body()).get("lines").size(), trace.body());
        HttpResponse<String> adminTrace = get("/api/trace/" + enc("+15557090003"), ADMIN);
        assertNotEquals(0, JSON.readTree(adminTrace.body()).get("lines").size(), adminTrace.body());
    }

    @Test
    void anAccountsAuditPageIsFilteredBeforeTheLimitAndItsTraceShowsItsOwnLines() throws Exception {
        String compliance = createToken("acme", "compliance", "acme-pages");
        // beta's events first and in between: a page cut before the filter would hold none of acme's
        for (int i = 0; i < 4; i++) {
            assertStatus(200, add(ADMIN, "+155570901" + (10 + i), "account:beta"));
        }
        for (int i = 0; i < 3; i++) {
            assertStatus(200, add(ADMIN, "+155570902" + (10 + i), "account:acme"));
            assertStatus(200, add(ADMIN, "+155570903" + (10 + i), "account:beta"));
        }
        HttpResponse<String> two = get("/api/audit?from=2000-01-01&limit=2", compliance);
        assertStatus(200, two);
        JsonNode page = JSON.readTree(two.body());
        assertEquals(2, page.get("events").size(), two.body());
        assertTrue(page.get("truncated").asBoolean(), two.body());
        for (JsonNode e : page.get("events")) {
            assertEquals("a:acme", e.get("scope").asText(), two.body());
        }
        JsonNode all = JSON.readTree(
                get("/api/audit?from=2000-01-01&limit=3", compliance).body());
        assertEquals(3, all.get("events").size(), all.toString());
        assertFalse(all.get("truncated").asBoolean(), all.toString());
        // the global admin token's page is cut as before: the oldest events, beta's
        JsonNode admin =
                JSON.readTree(get("/api/audit?from=2000-01-01&limit=2", ADMIN).body());
        assertEquals(2, admin.get("events").size(), admin.toString());
        assertEquals("a:beta", admin.get("events").get(0).get("scope").asText());

        // one number in both accounts' scopes: its trail, beta's event first, then acme's
        String both = "+15557090220";
        assertStatus(200, add(ADMIN, both, "account:beta"));
        assertStatus(200, add(ADMIN, both, "account:acme"));
        JsonNode trail = JSON.readTree(
                get("/api/audit?number=" + enc(both) + "&limit=1", compliance).body());
        assertEquals(1, trail.get("events").size(), trail.toString());
        assertEquals("a:acme", trail.get("events").get(0).get("scope").asText());
        assertFalse(trail.get("truncated").asBoolean(), trail.toString());
        // the trace: acme's own consent line, not beta's
        JsonNode trace =
                JSON.readTree(get("/api/trace/" + enc(both), compliance).body());
        assertEquals(1, trace.get("lines").size(), trace.toString());
        assertEquals("account:acme", trace.get("lines").get(0).get("scope").asText(), trace.toString());
    }

    @Test
    void importOfAnOperatorTokenRecordsItsOwnRowsOnly() throws Exception {
        String acme = createToken("acme", "operator", "acme-import");
        HttpResponse<String> r = send(
                gateway,
                HttpRequest.newBuilder(URI.create(base(gateway) + "/api/suppressions/import"))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "+15557090010\n+15557090011,account:beta\n+15557090012,sender:acme:12345\n")),
                acme);
        assertStatus(200, r);
        JsonNode result = JSON.readTree(r.body());
        assertEquals(2, result.get("imported").asInt(), r.body());
        assertEquals(1, result.get("bad").asInt(), r.body());
        assertTrue(r.body().contains("outside account acme"), r.body());
        JsonNode beta = JSON.readTree(
                get("/api/suppressions/" + enc("+15557090011"), ADMIN).body());
        assertEquals(0, beta.get("scopes").size(), beta.toString());
        JsonNode first = JSON.readTree(
                get("/api/suppressions/" + enc("+15557090010"), ADMIN).body());
        assertEquals("account:acme", first.get("scopes").get(0).get("scope").asText());
        assertTrue(first.get("history").get(0).get("actor").asText().startsWith("acme-import"), first.toString());
    }

    @Test
    void aRevokedTokenIsRefusedByEveryInstanceWithinASecond() throws Exception {
        Gateway second = TestGateways.start("gw-tenant-2", redis.uri(), AdminApiTestConfig.config(smsc.port()), ADMIN);
        extra.add(second);
        String token = createToken("acme", "viewer", "acme-both");
        HttpResponse<String> before = send(
                second,
                HttpRequest.newBuilder(URI.create(base(second) + "/api")).GET(),
                token);
        assertStatus(200, before);
        assertEquals(0, cli(gateway, "tokens", "revoke", "acme-both").code());
        long revoked = System.nanoTime();
        int status;
        do {
            status = send(
                            second,
                            HttpRequest.newBuilder(URI.create(base(second) + "/api"))
                                    .GET(),
                            token)
                    .statusCode();
        } while (status == 200 && System.nanoTime() - revoked < TimeUnit.SECONDS.toNanos(3));
        long tookMs = (System.nanoTime() - revoked) / 1_000_000;
        assertEquals(401, status);
        assertTrue(tookMs < 1000, "refused after " + tookMs + " ms");
    }
}
