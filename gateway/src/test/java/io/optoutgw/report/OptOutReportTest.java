package io.optoutgw.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.app.GatewayCli;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.testsupport.RedisServerProcess;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code gateway report} over a real Redis holding audit events and relayed counts. */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OptOutReportTest {

    private static ConsentEvent event(
            ConsentEvent.Type type, String number, Instant at, String keyword, String text, String sender) {
        return new ConsentEvent(
                ConsentEvent.newId(),
                at,
                type,
                number,
                "a:acme",
                keyword,
                "en",
                text,
                0,
                "sim",
                "ref",
                "gw-1",
                null,
                null,
                "acme",
                sender);
    }

    @Test
    void reportCountsOptOutsPerDayRanksSendersAndListsReasons(@TempDir Path dir) throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start();
                RedisConnector c = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2))) {
            SuppressionStore store = new SuppressionStore(c.async(), SuppressionStore.DEFAULT_BUCKETS);
            store.checkLayout().toCompletableFuture().get();
            Instant today = Instant.now();
            Instant yesterday = today.minus(Duration.ofDays(1));
            store.apply(event(ConsentEvent.Type.OPT_OUT, "15550000001", yesterday, "STOP", "STOP", "12345"))
                    .toCompletableFuture()
                    .get();
            store.apply(event(ConsentEvent.Type.OPT_OUT, "15550000002", today, "STOP", "stop", "12345"))
                    .toCompletableFuture()
                    .get();
            store.apply(event(ConsentEvent.Type.OPT_OUT, "15550000003", today, "ARRET", "arret", "777"))
                    .toCompletableFuture()
                    .get();
            store.apply(event(
                            ConsentEvent.Type.REASON,
                            "15550000002",
                            today.minusSeconds(2),
                            null,
                            "too many texts",
                            "12345"))
                    .toCompletableFuture()
                    .get();
            store.apply(event(
                            ConsentEvent.Type.OPT_OUT,
                            "15550000009",
                            today.minus(Duration.ofDays(40)),
                            "QUIT",
                            "quit",
                            "12345"))
                    .toCompletableFuture()
                    .get();
            store.apply(event(
                                    ConsentEvent.Type.REASON,
                                    "15550000003",
                                    today.minusSeconds(10),
                                    null,
                                    "moved abroad",
                                    "777")
                            .withSource(ConsentEvent.Source.MO_PHRASE))
                    .toCompletableFuture()
                    .get();
            store.apply(ConsentEvent.administrative(
                                    "dnc-1",
                                    ConsentEvent.Type.ADMIN_ADD,
                                    "15550000005",
                                    Scope.Global.INSTANCE,
                                    "gw-1",
                                    "sync",
                                    "national list",
                                    ConsentEvent.Source.EXTERNAL_LIST,
                                    today.minus(Duration.ofDays(2)))
                            .withOrder(today.getEpochSecond()))
                    .toCompletableFuture()
                    .get();
            store.apply(event(ConsentEvent.Type.OPT_OUT, "15550000006", today, "STOP", "STOP marketing", "12345")
                            .withCategory("marketing"))
                    .toCompletableFuture()
                    .get();
            RelayedStats stats = new RelayedStats(c.async());
            for (int i = 0; i < 200; i++) {
                stats.relayed("acme", "12345");
            }
            for (int i = 0; i < 10; i++) {
                stats.relayed("acme", "777");
            }
            stats.flush();

            OptOutReport.Result r = OptOutReport.build(c.async(), Duration.ofDays(30));
            assertEquals(4, r.totalOptOuts(), "the 40-day-old opt-out is outside the period");
            assertEquals(
                    Map.of(
                            "a:acme/all", Map.of("OPT_OUT", 3L),
                            "a:acme/marketing", Map.of("OPT_OUT", 1L),
                            "g/all", Map.of("ADMIN_ADD", 1L)),
                    r.changesByCategory(),
                    "list changes by scope and category; reasons change nothing");
            assertTrue(OptOutReport.table(r).contains("a:acme/marketing"), OptOutReport.table(r));
            // events recorded before sources existed count as unknown
            assertEquals(
                    Map.of(
                            "unknown", Map.of("OPT_OUT", 4L, "REASON", 1L),
                            "mo_phrase", Map.of("REASON", 1L),
                            "external_list", Map.of("ADMIN_ADD", 1L)),
                    r.eventsBySource());
            LocalDate d0 = LocalDate.ofInstant(yesterday, ZoneOffset.UTC);
            LocalDate d1 = LocalDate.ofInstant(today, ZoneOffset.UTC);
            assertEquals(1L, r.optOutsPerDayByKeyword().get(d0).get("STOP"));
            assertEquals(1L, r.optOutsPerDayByKeyword().get(d1).get("ARRET"));
            assertEquals("777", r.senders().get(0).sender(), "1 of 10 beats 2 of 200");
            assertEquals(0.1, r.senders().get(0).rate(), 1e-9);
            assertEquals(0.015, r.senders().get(1).rate(), 1e-9);
            assertEquals("too many texts", r.reasons().get(0).text());
            assertEquals("*******0002", r.reasons().get(0).maskedNumber());

            // the JSON the web console charts (GET /api/report): every day of the period, zeros included
            Map<String, Object> json = OptOutReport.json(r);
            List<?> days = (List<?>) json.get("days");
            assertEquals(r.to().toEpochDay() - r.from().toEpochDay() + 1, days.size());
            assertEquals(
                    r.totalOptOuts(),
                    days.stream()
                            .mapToLong(d -> (Long) ((Map<?, ?>) d).get("total"))
                            .sum());
            assertEquals(r.from().toString(), ((Map<?, ?>) days.get(0)).get("day"));
            Map<?, ?> top = (Map<?, ?>) ((List<?>) json.get("senders")).get(0);
            assertEquals("777", top.get("sender"));
            assertEquals(0.1, (Double) top.get("rate"), 1e-9);
            // each reason given once here: all listed, ties in alphabetical order
            List<?> reasonCounts = (List<?>) json.get("reasonCounts");
            assertEquals(
                    r.reasons().stream().map(OptOutReport.Reason::text).sorted().toList(),
                    reasonCounts.stream().map(e -> ((Map<?, ?>) e).get("text")).toList());
            assertTrue(reasonCounts.stream()
                    .allMatch(e -> ((Map<?, ?>) e).get("count").equals(1L)));

            PrintStream oldOut = System.out;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Path png = dir.resolve("report.png");
            try {
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                assertEquals(
                        0,
                        GatewayCli.commandLine()
                                .execute("report", "--since", "30d", "--redis", redis.uri(), "--png", png.toString()));
            } finally {
                System.setOut(oldOut);
            }
            String table = out.toString(StandardCharsets.UTF_8);
            assertTrue(table.contains("opt-outs 4"), table);
            assertTrue(table.contains("Events by source"), table);
            assertTrue(
                    table.lines()
                            .anyMatch(l ->
                                    l.startsWith("external_list") && l.strip().endsWith(" 1")),
                    table);
            assertTrue(table.contains("10.00%"), table);
            assertTrue(table.contains("too many texts"), table);
            assertFalse(table.contains("15550000002"), "numbers are masked");
            BufferedImage img = ImageIO.read(png.toFile());
            assertEquals(1000, img.getWidth());
        }
    }
}
