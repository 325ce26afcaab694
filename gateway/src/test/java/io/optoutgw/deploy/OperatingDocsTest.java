package io.optoutgw.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.optoutgw.metrics.GatewayMeter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/operations.md lists every catalogued meter (name, type, labels) and every alert. */
class OperatingDocsTest {

    private static final Path ROOT = DeployFilesTest.repoRoot();

    /** A level-2 section of docs/operations.md, up to the next level-2 heading. */
    private static String operationsSection(String heading) throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/operations.md"));
        int start = doc.indexOf("\n## " + heading + "\n");
        assertTrue(start >= 0, "docs/operations.md has no '## " + heading + "' section");
        int end = doc.indexOf("\n## ", start + 1);
        return end < 0 ? doc.substring(start) : doc.substring(start, end);
    }

    /** First-column name (in backticks) to the row's cells, for every table row of the section. */
    private static Map<String, List<String>> tableRows(String section) {
        Map<String, List<String>> rows = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\|\\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\\s*\\|(.*)\\|\\s*$")
                .matcher(section);
        while (m.find()) {
            List<String> cells = new ArrayList<>();
            for (String c : m.group(2).split("\\|")) {
                cells.add(c.trim());
            }
            rows.put(m.group(1), cells);
        }
        return rows;
    }

    @Test
    void metricsTableListsEveryCataloguedMeterWithItsTypeAndLabels() throws IOException {
        Map<String, List<String>> rows = tableRows(operationsSection("Metrics"));
        List<String> problems = new ArrayList<>();
        for (GatewayMeter m : GatewayMeter.values()) {
            List<String> cells = rows.get(m.prometheusName());
            if (cells == null) {
                problems.add(m.prometheusName() + ": no row");
                continue;
            }
            String type = m.kind().name().toLowerCase();
            if (!cells.get(0).equals(type)) {
                problems.add(m.prometheusName() + ": type " + cells.get(0) + ", catalogue says " + type);
            }
            String labels = String.join(", ", m.tagKeys());
            if (!cells.get(1).equals(labels)) {
                problems.add(m.prometheusName() + ": labels '" + cells.get(1) + "', catalogue says '" + labels + "'");
            }
        }
        // and no row for a meter that is not in the catalogue
        for (String name : rows.keySet()) {
            boolean metricRow = name.startsWith("smppgw_");
            boolean known = false;
            for (GatewayMeter m : GatewayMeter.values()) {
                known |= m.prometheusName().equals(name);
            }
            if (metricRow && !known) {
                problems.add(name + ": documented but not in GatewayMeter");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void alertsTableListsEveryAlertRule() throws IOException {
        Map<String, List<String>> rows = tableRows(operationsSection("Alerts"));
        JsonNode rules = new ObjectMapper(new YAMLFactory())
                .readTree(ROOT.resolve("deploy/prometheus/alerts.yml").toFile());
        List<String> missing = new ArrayList<>();
        for (JsonNode group : rules.get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                String alert = rule.path("alert").asText();
                if (!alert.isEmpty() && !rows.containsKey(alert)) {
                    missing.add(alert);
                } else if (!alert.isEmpty()) {
                    String severity = rule.at("/labels/severity").asText();
                    List<String> cells = rows.get(alert);
                    if (!cells.get(cells.size() - 1).equals(severity)) {
                        missing.add(alert + " with severity " + severity);
                    }
                }
            }
        }
        assertEquals(List.of(), missing);
    }
}
