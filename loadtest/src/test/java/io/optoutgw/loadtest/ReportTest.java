package io.optoutgw.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Medians, ratios against the targets, and the JSON and PNG files, from known leg results. */
class ReportTest {

    private static LegResult leg(String scenario, String leg, int run, double rate, double throughput, double p50) {
        return new LegResult(
                scenario,
                leg,
                run,
                rate,
                10,
                throughput,
                throughput,
                0,
                0,
                throughput,
                0,
                p50,
                p50 * 2,
                p50 * 3,
                p50 * 4,
                0,
                leg.equals("proxied") ? 12.5 : 0,
                0,
                0,
                0,
                -1);
    }

    @Test
    void targetsAreRatiosOfMedians(@TempDir Path dir) throws Exception {
        List<LegResult> legs = new ArrayList<>(List.of(
                leg("saturation", "direct", 1, 0, 100_000, 4000),
                leg("saturation", "proxied", 1, 0, 60_000, 6000),
                leg("saturation", "direct", 2, 0, 120_000, 4000),
                leg("saturation", "proxied", 2, 0, 66_000, 6000),
                leg("saturation", "direct", 3, 0, 200_000, 4000),
                leg("saturation", "proxied", 3, 0, 10_000, 6000),
                leg("saturation", "cloudhopper", 1, 0, 30_000, 3000),
                leg("saturation", "tcp-relay", 1, 0, 108_000, 4100),
                leg("window1", "direct", 1, 0, 18_000, 50),
                leg("window1", "proxied", 1, 0, 6_000, 160),
                leg("redis-down", "proxied", 1, 5000, 5000, 110)));
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("repeat", 3);
        Map<String, Object> extras = new LinkedHashMap<>();
        // heap after GC at 0, 60, 120, 180 s: scattered, trend -6 MiB over the run
        extras.put(
                "soakHeapAfterGcMiB",
                List.of(List.of(0.0, 70.0), List.of(60.0, 80.0), List.of(120.0, 60.0), List.of(180.0, 70.0)));
        Report report = new Report(legs, extras, new ArrayList<>(List.of("a note")), settings, 42);
        report.writeJson(dir.resolve("latest.json"));
        report.writePng(dir.resolve("latest.png"));

        JsonNode root = new ObjectMapper().readTree(Files.readString(dir.resolve("latest.json")));
        Map<String, JsonNode> targets = new LinkedHashMap<>();
        root.path("targets").forEach(t -> targets.put(t.path("name").asText(), t));
        // medians: direct 120,000, proxied 60,000, cloudhopper 30,000
        JsonNode ratio = targets.get("saturation proxied/direct throughput");
        assertNotNull(ratio, targets.keySet().toString());
        assertEquals(0.5, ratio.path("value").asDouble(), 1e-9);
        assertFalse(ratio.path("met").asBoolean());
        assertEquals(
                2.0,
                targets.get("saturation proxied/cloudhopper throughput")
                        .path("value")
                        .asDouble(),
                1e-9);
        assertEquals(
                "reference: a TCP relay doing no work carried 108000/s at saturation, 0.90 of direct; the gateway"
                        + " carried 0.56 of the relay's rate",
                root.path("relayReference").asText());
        assertEquals(
                2.0,
                targets.get("harness headroom direct/proxied").path("value").asDouble(),
                1e-9);
        assertTrue(targets.get("harness headroom direct/proxied").path("met").asBoolean());
        assertEquals(110.0, targets.get("window1 added p50 (us)").path("value").asDouble(), 1e-9);
        assertFalse(targets.get("window1 added p50 (us)").path("met").asBoolean());

        JsonNode soak = targets.get("soak heap trend after GC over the run (MiB)");
        assertEquals(-6.0, soak.path("value").asDouble(), 1e-9);
        assertTrue(soak.path("met").asBoolean());

        List<String> summaryRows = new ArrayList<>();
        root.path("summary")
                .forEach(s -> summaryRows.add(s.path("scenario").asText() + "/"
                        + s.path("leg").asText() + "/" + s.path("runs").asInt() + "/"
                        + s.path("throughput").asDouble()));
        assertTrue(summaryRows.contains("saturation/direct/3/120000.0"), summaryRows.toString());
        assertTrue(summaryRows.contains("redis-down/proxied/1/5000.0"), summaryRows.toString());
        assertEquals(11, root.path("legs").size());
        assertTrue(summaryRows.contains("saturation/tcp-relay/1/108000.0"), summaryRows.toString());
        assertEquals("a note", root.path("notes").get(0).asText());

        BufferedImage png = ImageIO.read(dir.resolve("latest.png").toFile());
        assertEquals(1400, png.getWidth());
        assertEquals(640, png.getHeight());
    }

    @Test
    void gatewayPerCoreAgainstJasminEndToEndPerCore() {
        // proxied legs: 12.5 us of gateway CPU per submit, 80,000 relayed per core
        List<LegResult> legs = List.of(
                leg("saturation", "direct", 1, 0, 100_000, 4000),
                leg("saturation", "proxied", 1, 0, 60_000, 6000),
                leg("saturation", "jasmin", 1, 0, 1_400, 400_000));
        Map<String, Object> extras = new LinkedHashMap<>();
        extras.put(
                "jasmin",
                List.of(
                        Map.of("run", 1, "endToEndPerCore", 1_000.0),
                        Map.of("run", 2, "endToEndPerCore", 2_000.0),
                        Map.of("run", 3, "endToEndPerCore", 1_600.0)));
        Report report = new Report(legs, extras, new ArrayList<>(), new LinkedHashMap<>(), 1);
        assertEquals(1_600.0, report.jasminEndToEndPerCore(), 1e-9);
        Map<String, Object> target = report.targets().stream()
                .filter(t -> t.get("name").equals("saturation per core: gateway relayed / Jasmin end to end"))
                .findFirst()
                .orElseThrow();
        assertEquals(50.0, (Double) target.get("value"), 1e-9);
        assertTrue((Boolean) target.get("met"));

        Report without = new Report(legs, new LinkedHashMap<>(), new ArrayList<>(), new LinkedHashMap<>(), 1);
        assertTrue(Double.isNaN(without.jasminEndToEndPerCore()));
        assertTrue(without.targets().stream()
                .noneMatch(t -> t.get("name").toString().contains("Jasmin")));
    }
}
