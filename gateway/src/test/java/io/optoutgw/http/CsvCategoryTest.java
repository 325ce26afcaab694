package io.optoutgw.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optoutgw.app.Gateway;
import io.optoutgw.testsupport.RedisServerProcess;
import io.optoutgw.testsupport.TestGateways;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The category column of the list's CSV: the export writes each entry's category ({@code all}
 * for an entry covering every category), the import reads an optional {@code category} column
 * validated against the scope's account, and an export imports back with its categories.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CsvCategoryTest {

    private static final String TOKEN = "csv-category-token-0123";
    private static final String ACCOUNTS = """
            optout: { reconcileInterval: 1h }
            upstreams:
              - { name: sim, host: 127.0.0.1, port: 9, systemId: gw, binds: 1 }
            accounts:
              - systemId: acme
                password: pw
                numbers: ["12345"]
                optOut: { categories: [marketing, alerts] }
              - { systemId: beta, password: pw, numbers: ["67890"] }
            """;

    private static RedisServerProcess redis;
    private static Gateway gateway;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServerProcess.start();
        gateway = TestGateways.start("gw-csvcat", redis.uri(), ACCOUNTS, TOKEN);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        redis.close();
    }

    private static HttpResponse<String> call(Gateway g, String method, String path, String body) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.httpPort() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .timeout(Duration.ofSeconds(60)) // an export walks all 2^18 buckets (as AdminApiTest)
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode importCsv(Gateway g, String csv) throws Exception {
        HttpResponse<String> r = call(g, "POST", "/api/suppressions/import", csv);
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readTree(r.body());
    }

    /** number,scope -> category of every exported row; checks the header. */
    private static Map<String, String> export(Gateway g) throws Exception {
        HttpResponse<String> r = call(g, "GET", "/api/suppressions/export", null);
        assertEquals(200, r.statusCode(), r.body());
        List<String> lines = r.body().lines().toList();
        assertEquals("number,scope,since,category", lines.get(0));
        Map<String, String> rows = new HashMap<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",");
            assertEquals(4, f.length, l);
            rows.put(f[0] + "," + f[1], f[3]);
        }
        return rows;
    }

    @Test
    void exportWritesTheCategoryOfEachEntry() throws Exception {
        HttpResponse<String> add = call(
                gateway,
                "POST",
                "/api/suppressions",
                "{\"number\":\"+15557040001\",\"scope\":\"account:acme\",\"reason\":\"r\",\"category\":\"marketing\"}");
        assertEquals(200, add.statusCode(), add.body());
        HttpResponse<String> whole = call(
                gateway,
                "POST",
                "/api/suppressions",
                "{\"number\":\"+15557040002\",\"scope\":\"account:acme\",\"reason\":\"r\"}");
        assertEquals(200, whole.statusCode(), whole.body());
        Map<String, String> rows = export(gateway);
        assertEquals("marketing", rows.get("+15557040001,account:acme"));
        assertEquals("all", rows.get("+15557040002,account:acme"));
    }

    @Test
    void importReadsAnOptionalCategoryColumnValidatedAgainstTheScopesAccount() throws Exception {
        JsonNode result = importCsv(gateway, """
                number,scope,category,reason
                +15557040011,account:acme,Marketing,campaign list
                +15557040012,account:acme,all,x
                +15557040013,account:acme,,x
                +15557040014,account:acme,promo,x
                +15557040015,account:beta,alerts,x
                +15557040016,global,alerts,x
                """);
        assertEquals(6, result.get("rows").asLong(), result.toString());
        assertEquals(4, result.get("imported").asLong(), result.toString());
        assertEquals(2, result.get("bad").asLong(), result.toString());
        Map<Long, String> errors = new HashMap<>();
        result.get("errors")
                .forEach(e -> errors.put(e.get("line").asLong(), e.get("error").asText()));
        assertTrue(errors.get(5L).contains("unknown category 'promo'"), errors.toString());
        assertTrue(errors.get(5L).contains("marketing"), "names the choices: " + errors);
        assertTrue(errors.get(6L).contains("declares no categories"), errors.toString());

        Map<String, String> rows = export(gateway);
        assertEquals("marketing", rows.get("+15557040011,account:acme"));
        assertEquals("all", rows.get("+15557040012,account:acme"));
        assertEquals("all", rows.get("+15557040013,account:acme"), "an empty category is every category");
        assertEquals("alerts", rows.get("+15557040016,global"));
        assertTrue(!rows.containsKey("+15557040014,account:acme") && !rows.containsKey("+15557040015,account:beta"));
    }

    @Test
    void anExportImportsBackWithItsCategories() throws Exception {
        importCsv(gateway, """
                number,scope,category
                +15557040021,account:acme,alerts
                +15557040022,account:acme,all
                +15557040023,global,marketing
                """);
        HttpResponse<String> exported = call(gateway, "GET", "/api/suppressions/export", null);
        Map<String, String> before = export(gateway);
        try (RedisServerProcess redis2 = RedisServerProcess.start();
                Gateway fresh = TestGateways.start("gw-csvcat-fresh", redis2.uri(), ACCOUNTS, TOKEN)) {
            JsonNode result = importCsv(fresh, exported.body());
            assertEquals(0, result.get("bad").asLong(), result.toString());
            Map<String, String> after = export(fresh);
            Set<String> keys = new HashSet<>(before.keySet());
            assertTrue(keys.containsAll(after.keySet()));
            for (String k : List.of("+15557040021,account:acme", "+15557040022,account:acme", "+15557040023,global")) {
                assertEquals(before.get(k), after.get(k), k);
            }
            assertEquals(before.size(), after.size(), "every exported row came back: " + after);
        }
    }
}
