package io.optoutgw.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.admin.AuditRetention;
import io.optoutgw.admin.ListVerifier;
import io.optoutgw.admin.VerifyReport;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.AuditCodec;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.RedisKeys;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.evidence.CheckpointStore;
import io.optoutgw.suppression.evidence.Checkpointer;
import io.optoutgw.suppression.evidence.EventChain;
import io.optoutgw.suppression.evidence.EventForms;
import io.optoutgw.suppression.evidence.EvidenceKeys;
import io.optoutgw.suppression.evidence.KeyFiles;
import io.optoutgw.suppression.journal.OptOutJournal;
import io.optoutgw.testsupport.RedisServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compact audit trail (chain version 2) against a real redis-server, through the consent ledger, the
 * verifier and the retention the gateway runs: events kept as compact records verify, also mixed with events
 * an older gateway recorded (version 1, JSON in {@code gw:a}); a compact record edited, deleted or moved to
 * another place in the chain is found; retention drops the detail from Redis and the journal while the list
 * still suppresses and the chain still verifies, and an edit after it is still found.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CompactAuditTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final int BUCKETS = 64;
    private static final Instant PAST = Instant.now().minus(Duration.ofHours(1));

    private static RedisServerProcess redis;
    private static RedisConnector connector;

    @TempDir
    Path dir;

    private SuppressionStore store;
    private EvidenceKeys.Signer signer;
    private OptOutJournal journal;
    private ConsentLedger ledger;
    private Checkpointer checkpointer;
    private int n;

    @BeforeAll
    static void startRedis() {
        redis = RedisServerProcess.start();
        connector = RedisConnector.connect(redis.uri(), Duration.ofSeconds(2));
    }

    @AfterAll
    static void stopRedis() {
        connector.close();
        redis.close();
    }

    @BeforeEach
    void fresh() throws Exception {
        connector.async().flushall().get(5, TimeUnit.SECONDS);
        store = new SuppressionStore(connector.async(), BUCKETS);
        get(store.checkLayout());
        signer = KeyFiles.signer(dir);
    }

    @AfterEach
    void close() {
        if (journal != null) {
            journal.close();
        }
    }

    private void open(OptOutJournal.Options options, Duration retention) throws Exception {
        journal = OptOutJournal.open(dir.resolve("journal"), options);
        journal.enableCompaction(new ConsentJournalCompaction(signer, retention, Clock.systemUTC()), 0);
        ledger = new ConsentLedger(journal, store, connector.async(), "gw-a", TIMEOUT);
        ledger.replayAtStartup(TIMEOUT);
        checkpointer = new Checkpointer(
                ledger,
                signer,
                Duration.ofHours(1),
                1_000_000,
                TIMEOUT,
                Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)));
    }

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** An opt-out by MO (text, raw MO, keyword rule: detail), an hour ago. */
    private ConsentEvent stop(String digits) throws Exception {
        ConsentEvent e = new ConsentEvent(
                        ConsentEvent.newId(),
                        PAST.plusMillis(n++),
                        ConsentEvent.Type.OPT_OUT,
                        digits,
                        Scope.Global.INSTANCE.code(),
                        "STOP",
                        "en",
                        "Stop please",
                        0,
                        "smsc-1",
                        "smsc-1#" + n,
                        "gw-a",
                        null,
                        null,
                        "acme",
                        "12345")
                .withSource(ConsentEvent.Source.MO_KEYWORD)
                .withMoEvidence("53746f7020706c65617365", "00112233aabbccdd");
        return ledger.recordOrdered(e).get(10, TimeUnit.SECONDS);
    }

    private ConsentEvent admin(String digits) throws Exception {
        ConsentEvent e = ConsentEvent.administrative(
                        ConsentEvent.newId(),
                        ConsentEvent.Type.ADMIN_ADD,
                        digits,
                        Scope.Global.INSTANCE,
                        "gw-a",
                        "ops",
                        "asked by phone",
                        ConsentEvent.Source.ADMIN,
                        null)
                .withChain(null);
        e = new ConsentEvent(
                        e.id(),
                        PAST.plusMillis(n++),
                        e.type(),
                        e.number(),
                        e.scope(),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        "gw-a",
                        "ops",
                        "asked by phone")
                .withSource(ConsentEvent.Source.ADMIN);
        return ledger.recordOrdered(e).get(10, TimeUnit.SECONDS);
    }

    private ListVerifier verifier() {
        return new ListVerifier(
                store,
                journal,
                new CheckpointStore(connector.async(), TIMEOUT),
                Map.of(signer.keyId(), signer.publicKey()),
                TIMEOUT,
                Duration.ofMillis(50));
    }

    private static void assertOk(VerifyReport r) {
        assertTrue(r.ok(), () -> "expected no findings: " + r.discrepancies());
    }

    private static List<VerifyReport.Discrepancy> found(VerifyReport r, String kind, String id) {
        return r.discrepancies().stream()
                .filter(d -> d.kind().equals(kind) && (id == null || id.equals(d.eventId())))
                .toList();
    }

    private String trailKey(String digits) {
        return RedisKeys.auditCompact(store.bucket(digits));
    }

    /** Rewrites the compact record of {@code e} in its bucket's trail with {@code edit} (null: deletes it). */
    private void rewriteRecord(ConsentEvent e, UnaryOperator<String> edit) throws Exception {
        String key = trailKey(e.number());
        String blob = connector.async().get(key).get();
        StringBuilder out = new StringBuilder();
        boolean hit = false;
        for (AuditCodec.Decoded d : AuditCodec.decodeAll(blob, null)) {
            if (d.event() != null && d.event().id().equals(e.id())) {
                hit = true;
                String r = edit.apply(d.record());
                if (r != null) {
                    out.append(r);
                }
            } else {
                out.append(d.record());
            }
        }
        assertTrue(hit, "no record for " + e.id());
        connector.async().set(key, out.toString()).get();
    }

    /** The record of {@code e} re-encoded after {@code change} (its stored hash tag kept: an edit by hand). */
    private static UnaryOperator<String> reencoded(UnaryOperator<ConsentEvent> change) {
        return record ->
                AuditCodec.encode(change.apply(AuditCodec.decode(record))).record();
    }

    @Test
    void compactEventsVerifyAndReadBackWithTheirKeptDetail() throws Exception {
        open(OptOutJournal.Options.defaults(), Duration.ofDays(1826));
        List<ConsentEvent> events = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            events.add(stop("1555400000" + i));
        }
        events.add(admin("15554000000"));
        assertNotNull(checkpointer.checkpointNow());
        for (ConsentEvent e : events) {
            assertEquals(2, e.chain().version());
            assertEquals(
                    0L,
                    (long) connector
                            .async()
                            .exists(RedisKeys.auditTrail(store.bucket(e.number()), e.number()))
                            .get(),
                    "nothing in the older per-number trail");
        }
        List<ConsentEvent> history = get(store.history("15554000000"));
        assertEquals(2, history.size());
        ConsentEvent first = history.get(0);
        assertEquals("STOP", first.keyword());
        assertEquals("acme", first.account());
        assertEquals("gw-a", first.instance());
        assertNull(first.rawMo(), "the raw MO is in the journal only");
        assertNull(first.text());
        assertEquals(events.get(0).chain(), first.chain(), "the hash recomputed from the record is the journal's");
        assertEquals("ops", history.get(1).actor());
        assertEquals("asked by phone", history.get(1).reason());
        // the journal keeps the full detail
        List<ConsentEvent> journaled = new ArrayList<>();
        journal.replay(0, (seq, payload) -> {
            if (payload[0] == '{' && !new String(payload, StandardCharsets.UTF_8).startsWith("{\"checkpoint\"")) {
                journaled.add(ConsentEvent.fromJson(payload));
            }
        });
        assertEquals("53746f7020706c65617365", journaled.get(0).rawMo());
        assertEquals(
                EventChain.Problem.NONE,
                EventChain.check(journaled.get(0).toJson()).problem());
        assertOk(verifier().verify());
        // time-range reads through the compact index
        List<SuppressionStore.AuditRef> refs = new ArrayList<>();
        store.walkAuditIndex(0, Long.MAX_VALUE, TIMEOUT, p -> refs.addAll(p));
        assertEquals(5, refs.size());
    }

    @Test
    void eventsOfAnOlderGatewayAndCompactOnesVerifyTogether() throws Exception {
        open(OptOutJournal.Options.defaults(), Duration.ofDays(1826));
        ledger.chainVersion(1);
        ConsentEvent old1 = stop("15554100001");
        ConsentEvent old2 = admin("15554100002");
        assertEquals(1, old1.chain().version());
        assertEquals(1L, (long) connector
                .async()
                .zcard(RedisKeys.auditTrail(store.bucket(old1.number()), old1.number()))
                .get());
        // the upgrade: the same chain goes on in version 2
        ledger.chainVersion(2);
        ConsentEvent new1 = stop("15554100001");
        ConsentEvent new2 = admin("15554100003");
        assertEquals(old2.chain().hash(), new1.chain().prev(), "one chain across the upgrade");
        assertEquals(2, new1.chain().version());
        List<ConsentEvent> history = get(store.history("15554100001"));
        assertEquals(
                List.of(old1.id(), new1.id()),
                history.stream().map(ConsentEvent::id).toList());
        assertEquals("Stop please", history.get(0).text(), "the older event is read as it was stored");
        assertNotNull(checkpointer.checkpointNow());
        VerifyReport r = verifier().verify();
        assertOk(r);
        assertEquals(4, r.chain().chains().get(0).redisEvents());
        assertEquals(4, r.auditEvents(), "both indexes read");
        assertTrue(new2.chain().seq() == 4);

        // an edit of either kind is still found
        rewriteRecord(new1, reencoded(e -> e.withCategory("marketing")));
        String oldKey = RedisKeys.auditTrail(store.bucket(old2.number()), old2.number());
        String member = connector.async().zrange(oldKey, 0, -1).get().get(0);
        connector.async().zrem(oldKey, member).get();
        connector
                .async()
                .zadd(oldKey, (double) old2.time().toEpochMilli(), member.replace("asked by phone", "asked by fax"))
                .get();
        VerifyReport edited = verifier().verify();
        assertEquals(
                1,
                found(edited, VerifyReport.EVENT_EDITED, new1.id()).size(),
                edited.discrepancies().toString());
        assertEquals(
                1,
                found(edited, VerifyReport.EVENT_EDITED, old2.id()).size(),
                edited.discrepancies().toString());
    }

    @Test
    void aCompactEventEditedDeletedOrMovedInTheChainIsFound() throws Exception {
        open(OptOutJournal.Options.defaults(), Duration.ofDays(1826));
        List<ConsentEvent> events = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            events.add(stop("1555420000" + i));
        }
        assertNotNull(checkpointer.checkpointNow());
        assertOk(verifier().verify());

        // edited: an opt-out made an opt-in
        ConsentEvent edited = events.get(1);
        rewriteRecord(
                edited,
                reencoded(e -> new ConsentEvent(
                                e.id(),
                                e.time(),
                                ConsentEvent.Type.OPT_IN,
                                e.number(),
                                e.scope(),
                                e.keyword(),
                                e.language(),
                                e.text(),
                                null,
                                null,
                                null,
                                e.instance(),
                                e.actor(),
                                e.reason(),
                                e.account(),
                                e.sender(),
                                e.order(),
                                e.category())
                        .withSource(e.source())
                        .withDigests(null, e.journalDigest())
                        .withChain(e.chain())));
        // deleted
        ConsentEvent deleted = events.get(3);
        rewriteRecord(deleted, r -> null);
        // moved: event 5 put at event 4's place in the chain (its seq and prev)
        ConsentEvent moved = events.get(5);
        ConsentEvent.Chain place = events.get(4).chain();
        rewriteRecord(
                moved,
                reencoded(e -> e.withChain(new ConsentEvent.Chain(
                        place.id(), place.seq(), place.prev(), e.chain().hash(), EventForms.VERSION))));

        VerifyReport r = verifier().verify();
        String all = r.discrepancies().toString();
        assertEquals(1, found(r, VerifyReport.EVENT_EDITED, edited.id()).size(), all);
        assertTrue(
                found(r, VerifyReport.CHAIN_COPIES_DIFFER, edited.id()).size() == 1,
                "the journal's copy differs: " + all);
        assertFalse(
                found(r, VerifyReport.JOURNAL_EVENT_NOT_IN_AUDIT, deleted.id()).isEmpty(), all);
        assertFalse(found(r, VerifyReport.EVENT_DELETED, null).isEmpty(), "its index entry has no event: " + all);
        assertEquals(1, found(r, VerifyReport.EVENT_EDITED, moved.id()).size(), all);
        assertFalse(r.ok());
    }

    @Test
    void retentionDropsTheDetailButKeepsTheSuppressionAndTheChain() throws Exception {
        // a journal of small segments, so that compaction has closed segments to rewrite
        open(OptOutJournal.Options.defaults().withSegmentSizeBytes(4096), Duration.ofSeconds(1));
        List<ConsentEvent> events = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            events.add(stop("155543" + String.format("%05d", i)));
        }
        assertNotNull(checkpointer.checkpointNow());
        assertOk(verifier().verify());

        // Redis: every event is an hour old, past the retention of a second
        long dropped = new AuditRetention(store, Duration.ofSeconds(1), Clock.systemUTC(), TIMEOUT).run();
        assertEquals(30, dropped);
        assertEquals(0, new AuditRetention(store, Duration.ofSeconds(1), Clock.systemUTC(), TIMEOUT).run(), "once");
        ConsentEvent minimal = get(store.history(events.get(0).number())).get(0);
        assertNull(minimal.keyword());
        assertNull(minimal.account());
        assertNull(minimal.instance());
        assertNotNull(minimal.detailDigest());
        assertEquals(ConsentEvent.Type.OPT_OUT, minimal.type());
        assertEquals(ConsentEvent.Source.MO_KEYWORD, minimal.source());
        assertEquals(events.get(0).chain(), minimal.chain(), "the same hash without the detail");
        // still suppressed
        for (ConsentEvent e : events) {
            assertTrue(get(store.check(e.number(), "acme", "12345")).suppressed());
        }
        // a retention as long as the default drops nothing
        assertEquals(0, new AuditRetention(store, Duration.ofDays(1826), Clock.systemUTC(), TIMEOUT).run());

        // the journal: compaction writes the events it keeps in their minimal form
        assertTrue(journal.segmentCount() > 2, "segments: " + journal.segmentCount());
        assertTrue(journal.compactThrough(journal.lastSequence()) > 0, "compacted");
        int minimalInJournal = 0;
        List<String> raw = new ArrayList<>();
        journal.replay(0, (seq, payload) -> raw.add(new String(payload, StandardCharsets.UTF_8)));
        for (String json : raw) {
            if (json.startsWith("{\"checkpoint\"")) {
                continue;
            }
            ConsentEvent e = ConsentEvent.fromJson(json.getBytes(StandardCharsets.UTF_8));
            if (e.detailDigest() != null) {
                minimalInJournal++;
                assertFalse(json.contains("53746f70"), "no raw MO left: " + json);
                assertFalse(json.contains("Stop please"), json);
            }
        }
        assertTrue(minimalInJournal > 0, "compacted records without detail: " + raw);
        VerifyReport after = verifier().verify();
        assertOk(after);

        // an edit after retention is still found
        ConsentEvent target = events.get(2);
        rewriteRecord(target, reencoded(e -> e.withCategory("alerts")));
        VerifyReport edited = verifier().verify();
        assertEquals(
                1,
                found(edited, VerifyReport.EVENT_EDITED, target.id()).size(),
                edited.discrepancies().toString());
    }
}
