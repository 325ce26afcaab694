package io.optoutgw.suppression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.admin.NumberTrace;
import io.optoutgw.admin.NumberTraces;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.EvidenceLedger.Entry;
import io.optoutgw.suppression.EvidenceLedger.Kind;
import io.optoutgw.testsupport.RedisServerProcess;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The evidence ledger against a real redis-server: what one write stores, trimming by age and by
 * count with every entry still counted in the daily roll-up, the detail key's expiry, and the
 * trace's roll-up lines and violation rule built from it.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EvidenceLedgerTest {

    private static final Instant DAY_START = Instant.parse("2026-03-02T00:00:00Z");

    private static RedisServerProcess redis;
    private static RedisConnector connector;
    private static SuppressionStore list;

    @BeforeAll
    static void start() {
        redis = RedisServerProcess.start();
        connector = RedisConnector.connect(redis.uri(), Duration.ofSeconds(5));
        list = new SuppressionStore(connector.async(), 1 << 10);
    }

    @AfterAll
    static void stop() {
        connector.close();
        redis.close();
    }

    private static EvidenceLedger ledger(Duration detail, int max) {
        return new EvidenceLedger(connector::async, list, detail, max);
    }

    private static Entry refused(long ms, String account, String reason, int seq) {
        return new Entry(Kind.REFUSED, "submit_sm", ms, account, "12345", null, reason, "a", "b", seq, null, null);
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void anEntryReadsBackAsWrittenEvenWithSeparatorsInItsFields() throws Exception {
        EvidenceLedger ledger = ledger(Duration.ofDays(400), 10_000);
        String digits = "15557100001";
        long now = System.currentTimeMillis();
        Entry written = new Entry(
                Kind.REFUSED,
                "submit_multi",
                now,
                "ac|me%",
                "BRAND|1",
                "marketing",
                "suppressed",
                "s~",
                "0",
                7,
                "GW12ab",
                null);
        assertEquals(1L, await(ledger.record(digits, written)));
        List<Entry> read = await(ledger.detail(digits));
        assertEquals(List.of(written), read);
        List<EvidenceLedger.Rollup> rollups = await(ledger.rollups(digits));
        assertEquals(1, rollups.size());
        assertEquals("ac|me%", rollups.get(0).account());
        assertEquals("suppressed", rollups.get(0).reason());
        assertEquals(1L, rollups.get(0).count());
        long ttl = await(connector.async().pttl(ledger.detailKey(digits)));
        assertTrue(
                ttl > Duration.ofDays(399).toMillis()
                        && ttl <= Duration.ofDays(400).toMillis(),
                "ttl " + ttl);
        assertTrue(ledger.detailKey(digits).startsWith("gw:r:{" + list.bucket(digits) + "}:"));
        assertTrue(ledger.rollupKey(digits).startsWith("gw:rr:{" + list.bucket(digits) + "}:"));
    }

    @Test
    void detailOlderThanTheWindowIsTrimmedAndStillCountedInTheRollup() throws Exception {
        EvidenceLedger ledger = ledger(Duration.ofHours(1), 10_000);
        String digits = "15557100002";
        long t0 = DAY_START.plus(Duration.ofHours(8)).toEpochMilli();
        await(ledger.record(digits, refused(t0, "acme", "suppressed", 1)));
        await(ledger.record(digits, refused(t0 + Duration.ofMinutes(30).toMillis(), "acme", "suppressed", 2)));
        await(ledger.record(digits, refused(t0 + Duration.ofMinutes(40).toMillis(), "acme", "quiet_hours", 3)));
        long kept = await(ledger.record(digits, refused(t0 + Duration.ofHours(2).toMillis(), "acme", "suppressed", 4)));
        assertEquals(1L, kept, "the first three are more than an hour older than the newest");
        List<Entry> detail = await(ledger.detail(digits));
        assertEquals(List.of(4), detail.stream().map(Entry::sequence).toList());
        List<EvidenceLedger.Rollup> rollups = await(ledger.rollups(digits));
        assertEquals(
                List.of(
                        new EvidenceLedger.Rollup(LocalDate.of(2026, 3, 2), "acme", Kind.REFUSED, "quiet_hours", 1),
                        new EvidenceLedger.Rollup(LocalDate.of(2026, 3, 2), "acme", Kind.REFUSED, "suppressed", 3)),
                rollups);

        NumberTrace trace =
                NumberTraces.build(digits, List.of(), detail, rollups, List.of(), true, null, null, null, 100);
        assertEquals(4, trace.refused(), "every refusal counted: one in detail, three in the roll-up");
        List<NumberTrace.Line> rolled = trace.lines().stream()
                .filter(l -> l.type().equals(NumberTrace.ROLLUP))
                .toList();
        assertEquals(2, rolled.size(), rolled.toString());
        NumberTrace.Line suppressed = rolled.stream()
                .filter(l -> "suppressed".equals(l.reason()))
                .findFirst()
                .orElseThrow();
        assertEquals(2L, suppressed.count(), "three counted, one still in detail");
        assertEquals("refused", suppressed.kind());
    }

    @Test
    void atMostTheConfiguredNumberOfEntriesIsKeptTheNewestAndTheExcessIsCounted() throws Exception {
        EvidenceLedger ledger = ledger(Duration.ofDays(400), 3);
        String digits = "15557100003";
        long t0 = DAY_START.plus(Duration.ofHours(9)).toEpochMilli();
        for (int i = 1; i <= 5; i++) {
            await(ledger.record(digits, refused(t0 + i, "acme", "suppressed", i)));
        }
        List<Entry> detail = await(ledger.detail(digits));
        assertEquals(List.of(3, 4, 5), detail.stream().map(Entry::sequence).toList());
        assertEquals(5L, await(ledger.rollups(digits)).get(0).count());
    }

    @Test
    void equalEntriesOfTheSameMillisecondAreKeptApart() throws Exception {
        EvidenceLedger ledger = ledger(Duration.ofDays(400), 10_000);
        String digits = "15557100004";
        long ms = System.currentTimeMillis();
        for (int i = 0; i < 5; i++) {
            await(ledger.record(digits, refused(ms, "acme", "suppressed", 9)));
        }
        // a nonce of 46,656 values: five equal entries collide with a probability below 1 in 4,000
        assertTrue(await(ledger.detail(digits)).size() >= 4);
        assertEquals(5L, await(ledger.rollups(digits)).get(0).count());
    }

    private static ConsentEvent event(
            Instant at, ConsentEvent.Type type, String digits, String scope, String category) {
        return new ConsentEvent(
                ConsentEvent.newId(),
                at,
                type,
                digits,
                scope,
                null,
                null,
                null,
                null,
                null,
                null,
                "test",
                "op",
                null,
                null,
                null,
                at.getEpochSecond(),
                category);
    }

    private static Entry relayed(Instant at, Kind kind, String account, String sender, String category) {
        return new Entry(
                kind, "submit_sm", at.toEpochMilli(), account, sender, category, null, null, "0", 1, null, null);
    }

    @Test
    void aRelayIsAViolationExactlyWhileAnOptOutCoveringItsAccountSenderAndCategoryIsInForce() {
        String digits = "15557100005";
        Instant t = Instant.parse("2026-03-02T10:00:00Z");
        ConsentEvent optOut = event(t, ConsentEvent.Type.ADMIN_ADD, digits, "a:acme", "marketing");
        ConsentEvent optIn = event(t.plusSeconds(60), ConsentEvent.Type.ADMIN_REMOVE, digits, "a:acme", "marketing");
        List<Entry> detail = List.of(
                relayed(t.minusSeconds(1), Kind.RELAYED, "acme", "12345", "marketing"), // before: fine
                relayed(t.plusSeconds(10), Kind.RELAYED_UNCHECKED, "acme", "12345", "marketing"), // covered
                relayed(t.plusSeconds(11), Kind.RELAYED_UNCHECKED, "acme", "12345", "alerts"), // other category
                relayed(t.plusSeconds(12), Kind.RELAYED_UNCHECKED, "other", "12345", "marketing"), // other account
                relayed(t.plusSeconds(61), Kind.RELAYED, "acme", "12345", "marketing")); // after the opt-in
        NumberTrace trace = NumberTraces.build(
                digits, List.of(optIn, optOut), detail, List.of(), List.of(), true, null, null, null, 100);
        assertEquals(1, trace.violations());
        List<NumberTrace.Line> relays = trace.lines().stream()
                .filter(l -> l.type().startsWith("relayed"))
                .toList();
        assertEquals(5, relays.size());
        assertNull(relays.get(0).violation());
        assertEquals(Boolean.TRUE, relays.get(1).violation());
        assertTrue(relays.get(1).violates().contains(optOut.id()), relays.get(1).violates());
        assertTrue(
                relays.get(1).violates().contains("account:acme (marketing)"),
                relays.get(1).violates());
        assertNull(relays.get(2).violation());
        assertNull(relays.get(3).violation());
        assertNull(relays.get(4).violation());
        assertEquals("admin_add", trace.lines().get(1).type(), "consent events interleave by time");
    }

    @Test
    void aGlobalOptOutCoversEveryAccountAndAnEntryForEveryCategoryCoversEachCategory() {
        String digits = "15557100006";
        Instant t = Instant.parse("2026-03-02T10:00:00Z");
        ConsentEvent optOut = event(t, ConsentEvent.Type.OPT_OUT, digits, "g", null);
        NumberTrace trace = NumberTraces.build(
                digits,
                List.of(optOut),
                List.of(
                        relayed(t.plusSeconds(1), Kind.RELAYED_UNCHECKED, "acme", "1", null),
                        relayed(t.plusSeconds(2), Kind.RELAYED_UNCHECKED, "beta", "2", "alerts")),
                List.of(),
                List.of(),
                true,
                null,
                null,
                null,
                100);
        assertEquals(2, trace.violations());
        assertFalse(trace.truncated());
        NumberTrace limited = NumberTraces.build(
                digits,
                List.of(optOut),
                List.of(relayed(t.plusSeconds(1), Kind.RELAYED_UNCHECKED, "acme", "1", null)),
                List.of(),
                List.of(),
                true,
                null,
                null,
                null,
                1);
        assertTrue(limited.truncated());
        assertEquals(1, limited.violations(), "the count covers lines the limit cut");
    }
}
