package io.optoutgw.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.optoutgw.config.ConfigLoader;
import io.optoutgw.config.ConfigOverrides;
import io.optoutgw.config.GatewayConfig;
import io.optoutgw.testsupport.TrafficScrape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The files under {@code deploy/} agree with the gateway: every metric (and every literal label
 * value and grouping label) the Grafana dashboard and the alert rules use appears in a real scrape
 * of a gateway that relayed traffic, recorded an opt-out and refused a submit; promtool accepts the
 * Prometheus files; every YAML and JSON file parses; the gateway configurations load.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeployFilesTest {

    private static final Path ROOT = repoRoot();
    private static final Path DEPLOY = ROOT.resolve("deploy");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Series Prometheus makes itself, not the gateway. */
    private static final Set<String> PROMETHEUS_GENERATED = Set.of("up");
    /** Labels Prometheus adds to every scraped series. */
    private static final Set<String> TARGET_LABELS = Set.of("instance", "job");

    private static final Set<String> PROMQL_KEYWORDS =
            Set.of("and", "or", "unless", "bool", "offset", "inf", "nan", "Inf", "NaN");

    private static TrafficScrape run;
    /** Sample name to the label sets of its series. */
    private static Map<String, List<Map<String, String>>> series;

    @BeforeAll
    static void runTrafficAndScrape() throws Exception {
        run = TrafficScrape.run("gw-deploy");
        series = parseScrape(run.scrape());
    }

    @AfterAll
    static void stop() {
        if (run != null) {
            run.close();
        }
    }

    // --- metric names in PromQL ----------------------------------------------------------------

    @Test
    void everyMetricTheDashboardAndTheAlertsUseIsInARealScrape() throws IOException {
        Map<String, String> exprs = allExpressions();
        assertTrue(exprs.size() > 20, "found only " + exprs.size() + " expressions");
        List<String> problems = new ArrayList<>();
        Set<String> used = new TreeSet<>();
        exprs.forEach((where, expr) -> {
            Set<String> names = metricNames(expr);
            if (names.isEmpty()) {
                problems.add(where + ": no metric in " + expr);
            }
            for (String name : names) {
                used.add(name);
                if (!PROMETHEUS_GENERATED.contains(name) && !series.containsKey(name)) {
                    problems.add(where + ": " + name + " is not in the scrape");
                }
            }
        });
        assertEquals(List.of(), problems);
        // the brief's panels and alerts are all there
        for (String name : List.of(
                "up",
                "smppgw_pdus_total",
                "smppgw_relay_latency_seconds_bucket",
                "smppgw_esme_binds_bound",
                "smppgw_upstream_binds_bound",
                "smppgw_esme_inflight",
                "smppgw_esme_deliveries_waiting",
                "smppgw_consent_events_total",
                "smppgw_messages_relayed_total",
                "smppgw_submits_refused_total",
                "smppgw_confirmation_delay_seconds_bucket",
                "smppgw_confirmation_delay_seconds_max",
                "smppgw_journal_fsync_seconds_bucket",
                "smppgw_eventloop_pending_tasks",
                "jvm_memory_used_bytes",
                "smppgw_journal_discrepancies_total",
                "smppgw_journal_unapplied",
                "smppgw_redis_connected",
                "smppgw_consent_record_failures_total")) {
            assertTrue(used.contains(name), name + " is used nowhere");
        }
    }

    @Test
    void literalLabelValuesMatchRealSeries() throws IOException {
        Pattern selector = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*\\{([^}]*)}");
        Pattern matcher = Pattern.compile("([a-zA-Z_]\\w*)\\s*(=~|!=|!~|=)\\s*\"([^\"]*)\"");
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (var e : allExpressions().entrySet()) {
            Matcher s = selector.matcher(e.getValue());
            while (s.find()) {
                String name = s.group(1);
                if (PROMETHEUS_GENERATED.contains(name)) {
                    continue;
                }
                Matcher m = matcher.matcher(s.group(2));
                while (m.find()) {
                    if (!m.group(2).equals("=") || m.group(3).contains("$")) {
                        continue;
                    }
                    checked++;
                    String label = m.group(1);
                    String value = m.group(3);
                    boolean found =
                            series.getOrDefault(name, List.of()).stream().anyMatch(l -> value.equals(l.get(label)));
                    if (!found) {
                        problems.add(e.getKey() + ": no series " + name + "{" + label + "=\"" + value + "\"}");
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(checked >= 3, "checked " + checked);
    }

    @Test
    void groupingLabelsExistOnTheMetricsGrouped() throws IOException {
        Pattern by = Pattern.compile("\\b(?:by|without)\\s*\\(([^)]*)\\)");
        List<String> problems = new ArrayList<>();
        for (var e : allExpressions().entrySet()) {
            Set<String> available = new HashSet<>(TARGET_LABELS);
            for (String name : metricNames(e.getValue())) {
                series.getOrDefault(name, List.of()).forEach(l -> available.addAll(l.keySet()));
            }
            Matcher m = by.matcher(e.getValue());
            while (m.find()) {
                for (String label : m.group(1).split(",")) {
                    if (!label.isBlank() && !available.contains(label.trim())) {
                        problems.add(e.getKey() + ": grouping label " + label.trim() + " is on none of its series");
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void metricNameExtractionIgnoresFunctionsLabelsAndVariables() {
        assertEquals(
                Set.of("a_total", "b_seconds_bucket"),
                metricNames(
                        "sum by (account, le) (rate(a_total{x=\"y\", instance=~\"$instance\"}[$__rate_interval])) * 60"
                                + " / on (account) group_left histogram_quantile(0.99, rate(b_seconds_bucket[5m])) > bool 1e3"));
        assertEquals(Set.of("up"), metricNames("up{job=\"smpp-optout-gateway\"} == 0"));
        assertEquals(Set.of("c"), metricNames("label_values(c, account)"));
        assertEquals(Set.of("d"), metricNames("max_over_time(d[10m]) offset 5m"));
    }

    /** Metric names in a PromQL expression (or a Grafana label_values() query). */
    static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("label_values\\(\\s*([^,()]+?)\\s*,\\s*\\w+\\s*\\)", "$1");
        s = s.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\""); // string literals
        s = s.replaceAll("\\{[^}]*}", " "); // label matchers
        s = s.replaceAll("\\[[^]]*]", " "); // range selectors
        s = s.replaceAll("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        s = s.replaceAll("\\b(?:offset)\\s+\\S+", " "); // offset 5m
        s = s.replaceAll("\\$\\{?\\w+}?", " "); // Grafana variables
        Set<String> names = new LinkedHashSet<>();
        Matcher m = Pattern.compile("(?<![\\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?")
                .matcher(s);
        while (m.find()) {
            String token = m.group(1);
            if (m.group(2) != null
                    || PROMQL_KEYWORDS.contains(token)
                    || token.equals("group_left")
                    || token.equals("group_right")) {
                continue; // a function call, aggregation or keyword
            }
            names.add(token);
        }
        return names;
    }

    /** Every PromQL expression in the alert rules and the dashboard (panels and variables), by where it is. */
    private static Map<String, String> allExpressions() throws IOException {
        Map<String, String> exprs = new LinkedHashMap<>();
        JsonNode rules = YAML.readTree(DEPLOY.resolve("prometheus/alerts.yml").toFile());
        for (JsonNode group : rules.get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                String name = rule.has("alert")
                        ? rule.get("alert").asText()
                        : rule.get("record").asText();
                exprs.put("alerts.yml " + name, rule.get("expr").asText());
            }
        }
        JsonNode dash = dashboard();
        for (JsonNode panel : allPanels(dash)) {
            for (JsonNode target : panel.path("targets")) {
                exprs.put(
                        "dashboard \"" + panel.get("title").asText() + "\" "
                                + target.get("refId").asText(),
                        target.get("expr").asText());
            }
        }
        for (JsonNode var : dash.path("templating").path("list")) {
            if (var.path("type").asText().equals("query")) {
                exprs.put(
                        "dashboard variable " + var.get("name").asText(),
                        var.get("query").asText());
            }
        }
        return exprs;
    }

    private static List<JsonNode> allPanels(JsonNode dash) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode p : dash.path("panels")) {
            panels.add(p);
            p.path("panels").forEach(panels::add); // panels inside collapsed rows
        }
        return panels;
    }

    // --- promtool ------------------------------------------------------------------------------

    @Test
    void promtoolAcceptsTheAlertRules() throws Exception {
        promtool("check", "rules", "deploy/prometheus/alerts.yml");
    }

    @Test
    void promtoolAcceptsThePrometheusConfig() throws Exception {
        promtool("check", "config", "deploy/prometheus/prometheus.yml");
    }

    @Test
    void alertRuleUnitTestsPass() throws Exception {
        promtool("test", "rules", "deploy/prometheus/alerts.test.yml");
    }

    private static void promtool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("promtool"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .directory(ROOT.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
    }

    // --- files parse ---------------------------------------------------------------------------

    @Test
    void everyDeployYamlFileParses() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(DEPLOY)) {
            files = walk.filter(
                            p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
                    .sorted()
                    .toList();
        }
        assertTrue(files.size() >= 12, "found " + files);
        for (Path f : files) {
            int docs = 0;
            try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
                while (it.hasNext()) {
                    JsonNode doc = it.next();
                    assertTrue(doc.isObject(), f + ": document " + docs + " is not a mapping");
                    docs++;
                }
            }
            assertTrue(docs > 0, f + " is empty");
        }
    }

    @Test
    void kubernetesManifestsHaveKindAndName() throws IOException {
        Set<String> kinds = new TreeSet<>();
        try (Stream<Path> walk = Files.list(DEPLOY.resolve("kubernetes"))) {
            for (Path f : walk.sorted().toList()) {
                for (JsonNode doc : yamlDocuments(f)) {
                    assertTrue(doc.hasNonNull("apiVersion"), f + ": no apiVersion");
                    String kind = doc.path("kind").asText();
                    kinds.add(kind);
                    if (!kind.equals("Kustomization")) {
                        assertFalse(doc.path("metadata").path("name").asText().isEmpty(), f + ": no name");
                    }
                }
            }
        }
        assertEquals(
                new TreeSet<>(List.of(
                        "ConfigMap", "Kustomization", "PodDisruptionBudget", "Secret", "Service", "StatefulSet")),
                kinds);
        JsonNode sts =
                yamlDocuments(DEPLOY.resolve("kubernetes/statefulset.yaml")).get(0);
        JsonNode container = sts.at("/spec/template/spec/containers/0");
        assertEquals("/ready", container.at("/readinessProbe/httpGet/path").asText());
        assertEquals("/health", container.at("/livenessProbe/httpGet/path").asText());
        assertTrue(sts.at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean());
        assertEquals(
                "journal", sts.at("/spec/volumeClaimTemplates/0/metadata/name").asText());
        assertTrue(container.path("env").toString().contains("GATEWAY_INSTANCE_ID"));
    }

    @Test
    void theGatewayConfigurationsLoad() throws IOException {
        GatewayConfig compose = ConfigLoader.load(DEPLOY.resolve("compose/gateway.yaml"), ConfigOverrides.NONE);
        assertEquals("redis://redis:6379/0", compose.redis().uri());
        assertEquals("smsc-simulator", compose.upstreams().get(0).host());
        assertFalse(compose.simulator().enabled());

        // the ConfigMap's file has no instanceId: the pod name supplies it
        JsonNode configMap =
                yamlDocuments(DEPLOY.resolve("kubernetes/configmap.yaml")).get(0);
        GatewayConfig k8s = ConfigLoader.parse(
                configMap.at("/data/gateway.yaml").asText(),
                new ConfigOverrides(null, null, null, null, null, null, null, "smpp-optout-gateway-0"));
        assertEquals("smpp-optout-gateway-0", k8s.instanceId());
        assertEquals("/var/lib/smpp-optout-gateway/journal", k8s.optout().journalDir());
    }

    @Test
    void composeMountsFilesThatExist() throws IOException {
        JsonNode compose = YAML.readTree(DEPLOY.resolve("docker-compose.yml").toFile());
        for (String service : List.of("redis", "gateway", "smsc-simulator", "prometheus", "grafana")) {
            assertTrue(compose.path("services").has(service), "no service " + service);
        }
        List<String> missing = new ArrayList<>();
        compose.path("services")
                .forEach(svc -> svc.path("volumes").forEach(v -> {
                    String source = v.asText().split(":")[0];
                    if (source.startsWith("./") && !Files.exists(DEPLOY.resolve(source))) {
                        missing.add(source);
                    }
                }));
        assertEquals(List.of(), missing);
        assertTrue(compose.at("/services/redis/command").toString().contains("noeviction"));
    }

    @Test
    void dashboardJsonParsesAndEveryPanelHasAQuery() throws IOException {
        JsonNode dash = dashboard();
        assertEquals("smpp-optout-gateway", dash.get("uid").asText());
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : allPanels(dash)) {
            assertTrue(ids.add(p.get("id").asInt()), "duplicate panel id " + p.get("id"));
            if (!p.get("type").asText().equals("row")) {
                assertTrue(p.path("targets").size() > 0, p.get("title") + " has no query");
            }
        }
        JsonNode ds = YAML.readTree(DEPLOY.resolve("grafana/provisioning/datasources/prometheus.yml")
                .toFile());
        assertEquals("prometheus", ds.at("/datasources/0/type").asText());
    }

    @Test
    void dockerfileRunsAsNonRootAndChecksHealth() throws IOException {
        String df = Files.readString(DEPLOY.resolve("Dockerfile"));
        assertTrue(df.contains("FROM maven:3.9-eclipse-temurin-17 AS build"));
        assertTrue(df.contains("FROM eclipse-temurin:17-jre"));
        assertTrue(df.contains("EXPOSE 2775 8080"));
        assertTrue(df.contains("/health"));
        assertTrue(Pattern.compile("(?m)^USER (?!root|0\\b)").matcher(df).find());
        assertTrue(Pattern.compile("(?m)^ENTRYPOINT \\[\"java\", \"-jar\", \"[^\"]*gateway.jar\", \"run\"]")
                .matcher(df)
                .find());
        assertTrue(df.contains("VOLUME"));
    }

    @Test
    void productionInstallsCarryGatewayJarOnly() throws IOException {
        String df = Files.readString(DEPLOY.resolve("Dockerfile"));
        int gatewayStage = df.indexOf("FROM eclipse-temurin:17-jre AS gateway");
        assertTrue(gatewayStage > 0, "the gateway's runtime stage");
        String runtime = df.substring(df.indexOf('\n', gatewayStage));
        assertFalse(runtime.contains("\nFROM "), "the gateway's stage is the last, the default target");
        assertTrue(runtime.contains("COPY --from=build /gateway.jar "));
        assertFalse(runtime.contains("simulator.jar"), "the gateway image carries no simulator");
        String systemd = Files.readString(DEPLOY.resolve("systemd/smpp-optout-gateway.service"));
        assertTrue(systemd.contains("gateway/target/gateway.jar"));
        assertFalse(systemd.contains("simulator.jar"));
        JsonNode compose = YAML.readTree(DEPLOY.resolve("docker-compose.yml").toFile());
        assertEquals(
                "simulator", compose.at("/services/smsc-simulator/build/target").asText());
        assertEquals("gateway", compose.at("/services/gateway/build/target").asText());
    }

    // --- helpers -------------------------------------------------------------------------------

    private static JsonNode dashboard() throws IOException {
        return JSON.readTree(
                DEPLOY.resolve("grafana/dashboards/smpp-optout-gateway.json").toFile());
    }

    private static List<JsonNode> yamlDocuments(Path f) throws IOException {
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
            return it.readAll();
        }
    }

    /** Sample name to the label sets of its series, from the Prometheus text format. */
    static Map<String, List<Map<String, String>>> parseScrape(String scrape) {
        Map<String, List<Map<String, String>>> out = new HashMap<>();
        Pattern pair = Pattern.compile("([a-zA-Z_]\\w*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
            Map<String, String> labels = new HashMap<>();
            if (brace >= 0 && brace < space) {
                Matcher m = pair.matcher(line.substring(brace, line.lastIndexOf('}') + 1));
                while (m.find()) {
                    labels.put(m.group(1), m.group(2));
                }
            }
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(labels);
        }
        return out;
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("config/gateway.yaml"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException(
                    "no config/gateway.yaml above " + Path.of("").toAbsolutePath());
        }
        return p;
    }
}
