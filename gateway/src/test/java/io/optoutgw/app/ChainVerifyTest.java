package io.optoutgw.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.admin.ListVerifier;
import io.optoutgw.admin.VerifyReport;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.RedisKeys;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.evidence.Checkpoint;
import io.optoutgw.suppression.evidence.CheckpointStore;
import io.optoutgw.suppression.evidence.Checkpointer;
import io.optoutgw.suppression.evidence.EventChain;
import io.optoutgw.suppression.evidence.EvidenceKeys;
import io.optoutgw.suppression.evidence.KeyFiles;
import io.optoutgw.suppression.journal.OptOutJournal;
import io.optoutgw.testsupport.JournalFiles;
import io.optoutgw.testsupport.RedisServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hash chains against a real redis-server, through the consent ledger and the verifier the
 * gateway runs: a clean chain verifies; an event edited, deleted or moved in an audit trail, the audit
 * index or the journal is found and named; a forged checkpoint is refused and a checkpoint beyond the
 * chain's end shows its deleted tail; compaction and a replay after Redis lost its data keep the chain
 * verifiable, byte for byte.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChainVerifyTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final int BUCKETS = 1024;
    /** Events recorded "an hour ago": none is young enough to count as still on its way to Redis. */
    private static final Instant PAST = Instant.now().minus(Duration.ofHours(1));

    private static RedisServerProcess redis;
    private static RedisConnector connector;

    @TempDir
    Path dir;

    private SuppressionStore store;
    private EvidenceKeys.Signer signer;
    private final List<OptOutJournal> journals = new ArrayList<>();
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
        journals.forEach(OptOutJournal::close);
    }

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A gateway's recording side: its journal (compacted with the gateway's policy) and its ledger. */
    private final class Instance {
        final String id;
        final Path journalDir;
        final OptOutJournal.Options options;
        OptOutJournal journal;
        ConsentLedger ledger;
        Checkpointer checkpointer;

        Instance(String id, OptOutJournal.Options options) throws Exception {
            this.id = id;
            this.journalDir = dir.resolve("journal-" + id);
            this.options = options;
            open();
        }

        void open() throws Exception {
            journal = OptOutJournal.open(journalDir, options);
            journals.add(journal);
            journal.enableCompaction(new ConsentJournalCompaction(signer), 0);
            ledger = new ConsentLedger(journal, store, connector.async(), id, TIMEOUT);
            // events as gateways before chain version 2 recorded them (CompactAuditTest covers version 2)
            ledger.chainVersion(1);
            ledger.replayAtStartup(TIMEOUT);
            // checkpoints made "an hour ago" too, like the events
            checkpointer = new Checkpointer(
                    ledger,
                    signer,
                    Duration.ofHours(1),
                    1_000_000,
                    TIMEOUT,
                    Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)));
        }

        void reopen() throws Exception {
            journal.close();
            open();
        }

        /** Records an administrative change of {@code digits}, an hour ago; the event as journaled. */
        ConsentEvent record(ConsentEvent.Type type, String digits) throws Exception {
            ConsentEvent e = new ConsentEvent(
                            ConsentEvent.newId(),
                            PAST.plusMillis(n++),
                            type,
                            digits,
                            Scope.Global.INSTANCE.code(),
                            null,
                            null,
                            null,
                            null,
                            null,
                            null,
                            id,
                            "ops",
                            "reason " + n)
                    .withSource(ConsentEvent.Source.ADMIN);
            return ledger.recordOrdered(e).get(10, TimeUnit.SECONDS);
        }

        List<ConsentEvent> recordMany(int count) throws Exception {
            List<ConsentEvent> out = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                out.add(record(ConsentEvent.Type.ADMIN_ADD, "1555300" + String.format("%04d", n)));
            }
            return out;
        }

        ListVerifier verifier() {
            return verifier(Map.of(signer.keyId(), signer.publicKey()));
        }

        ListVerifier verifier(Map<String, PublicKey> keys) {
            return new ListVerifier(
                    store,
                    journal,
                    new CheckpointStore(connector.async(), TIMEOUT),
                    keys,
                    TIMEOUT,
                    Duration.ofMillis(50));
        }
    }

    private Instance instance(String id) throws Exception {
        return new Instance(id, OptOutJournal.Options.defaults());
    }

    // --- helpers on Redis ----------------------------------------------------------------------------

    private String trailKey(String digits) {
        return RedisKeys.auditTrail(store.bucket(digits), digits);
    }

    /** The audit trail member of {@code e} as Redis holds it. */
    private String member(ConsentEvent e) throws Exception {
        for (String m : connector.async().zrange(trailKey(e.number()), 0, -1).get()) {
            if (m.contains("\"id\":\"" + e.id() + "\"")) {
                return m;
            }
        }
        throw new AssertionError("no member for " + e.id());
    }

    private void deleteFromTrail(ConsentEvent e) throws Exception {
        connector.async().zrem(trailKey(e.number()), member(e)).get();
    }

    private void deleteFromIndex(ConsentEvent e) throws Exception {
        connector.async().zrem(RedisKeys.AUDIT_INDEX, e.number() + "|" + e.id()).get();
    }

    private static List<VerifyReport.Discrepancy> found(
            VerifyReport r, String kind, Predicate<VerifyReport.Discrepancy> p) {
        return r.discrepancies().stream()
                .filter(d -> d.kind().equals(kind) && p.test(d))
                .toList();
    }

    private static void assertOk(VerifyReport r) {
        assertTrue(r.ok(), () -> "expected no findings: " + r.discrepancies());
    }

    private static String chainOf(ConsentEvent e) {
        return e.chain().id();
    }

    // --- tests ---------------------------------------------------------------------------------------

    @Test
    void aCleanChainVerifiesWithItsSignedCheckpoints() throws Exception {
        Instance a = instance("gw-a");
        List<ConsentEvent> events = a.recordMany(5);
        Checkpoint c = a.checkpointer.checkpointNow();
        assertNotNull(c);
        assertEquals(5, c.seq());
        assertEquals(signer.keyId(), c.key());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.get(i).chain().seq());
            // Redis holds exactly what the journal holds
            assertEquals(events.get(i).toJsonString(), member(events.get(i)));
        }
        VerifyReport r = a.verifier().verify();
        assertOk(r);
        VerifyReport.ChainStatus chain = r.chain().chains().get(0);
        assertEquals(chainOf(events.get(0)), chain.chain());
        assertEquals(5, chain.redisEvents());
        assertEquals(5, chain.journalEvents());
        assertEquals(5, chain.lastSeq());
        assertEquals(2, chain.checkpoints(), "the journal's copy and Redis's");
        assertEquals(2, chain.signatureValid());
        assertEquals(List.of(signer.keyId()), r.chain().trustedKeys());

        // an auditor who trusts another key cannot vouch for the signatures, but finds nothing wrong either
        EvidenceKeys.Signer other = KeyFiles.signer(dir);
        VerifyReport withOtherKey =
                a.verifier(Map.of(other.keyId(), other.publicKey())).verify();
        assertOk(withOtherKey);
        assertEquals(2, withOtherKey.chain().chains().get(0).unknownKey());
        assertEquals(0, withOtherKey.chain().chains().get(0).signatureValid());
    }

    @Test
    void anEventEditedInItsAuditTrailIsNamed() throws Exception {
        Instance a = instance("gw-a");
        List<ConsentEvent> events = a.recordMany(5);
        ConsentEvent victim = events.get(2);
        String original = member(victim);
        String edited = original.replace("\"reason\":\"" + victim.reason() + "\"", "\"reason\":\"never asked\"");
        double score =
                connector.async().zscore(trailKey(victim.number()), original).get();
        connector.async().zrem(trailKey(victim.number()), original).get();
        connector.async().zadd(trailKey(victim.number()), score, edited).get();

        VerifyReport r = a.verifier().verify();
        assertFalse(r.ok());
        List<VerifyReport.Discrepancy> f = found(r, VerifyReport.EVENT_EDITED, d -> true);
        assertEquals(1, f.size(), r.discrepancies().toString());
        VerifyReport.Discrepancy d = f.get(0);
        assertEquals(victim.id(), d.eventId());
        assertEquals("redis", d.where());
        assertEquals(chainOf(victim), d.chain());
        assertEquals(3L, d.seq());
        assertEquals("+*******" + victim.number().substring(victim.number().length() - 4), d.number());
        assertEquals(1, r.discrepancyCount(), r.discrepancies().toString());
        assertEquals(1, r.count(VerifyReport.EVENT_EDITED));
    }

    @Test
    void eventsDeletedFromTheAuditTrailOrItsIndexAreNamed() throws Exception {
        Instance a = instance("gw-a");
        List<ConsentEvent> events = a.recordMany(6);
        // only from the number's audit trail: the index still lists it
        deleteFromTrail(events.get(1));
        // from both: the journal still holds it
        deleteFromTrail(events.get(3));
        deleteFromIndex(events.get(3));
        // only from the index: time-range queries and reports no longer see it
        deleteFromIndex(events.get(5));

        VerifyReport r = a.verifier().verify();
        assertEquals(
                List.of(events.get(1).id()),
                found(r, VerifyReport.EVENT_DELETED, d -> "redis".equals(d.where())).stream()
                        .map(VerifyReport.Discrepancy::eventId)
                        .toList(),
                r.discrepancies().toString());
        assertEquals(
                List.of(events.get(5).id()),
                found(r, VerifyReport.EVENT_DELETED, d -> "audit index".equals(d.where())).stream()
                        .map(VerifyReport.Discrepancy::eventId)
                        .toList());
        assertEquals(
                List.of(events.get(1).id(), events.get(3).id()),
                found(r, VerifyReport.JOURNAL_EVENT_NOT_IN_AUDIT, d -> true).stream()
                        .map(VerifyReport.Discrepancy::eventId)
                        .sorted((x, y) -> x.equals(events.get(1).id()) ? -1 : 1)
                        .toList());
    }

    @Test
    void anEventDeletedWhereNoJournalHoldsItLeavesAGapThatNamesItsNeighbours() throws Exception {
        // gw-b recorded these; the verifying gateway (gw-a) has only Redis to go by
        Instance b = instance("gw-b");
        List<ConsentEvent> events = b.recordMany(4);
        b.checkpointer.checkpointNow();
        Instance a = instance("gw-a");
        a.recordMany(1);
        deleteFromTrail(events.get(1));
        deleteFromIndex(events.get(1));
        // and the last one: only the checkpoint tells
        deleteFromTrail(events.get(3));
        deleteFromIndex(events.get(3));

        VerifyReport r = a.verifier().verify();
        List<VerifyReport.Discrepancy> gap =
                found(r, VerifyReport.EVENT_DELETED, d -> chainOf(events.get(0)).equals(d.chain()));
        assertEquals(1, gap.size(), r.discrepancies().toString());
        assertEquals(2L, gap.get(0).seq());
        assertTrue(
                gap.get(0).detail().contains(events.get(0).id())
                        && gap.get(0).detail().contains(events.get(2).id()),
                gap.get(0).detail());
        List<VerifyReport.Discrepancy> tail = found(r, VerifyReport.CHECKPOINT_MISMATCH, d -> true);
        assertEquals(1, tail.size(), r.discrepancies().toString());
        assertEquals(4L, tail.get(0).seq());
        assertTrue(tail.get(0).detail().contains("ends at seq 3"), tail.get(0).detail());
        // besides the two list entries no event explains any more
        assertEquals(
                2,
                r.count(VerifyReport.LIST_ENTRY_WITHOUT_EVENT),
                r.discrepancies().toString());
        assertEquals(4, r.discrepancyCount(), r.discrepancies().toString());
    }

    @Test
    void eventsMovedInTheAuditTrailOrTheIndexAreNamed() throws Exception {
        Instance a = instance("gw-a");
        String digits = "15553109999";
        ConsentEvent added = a.record(ConsentEvent.Type.ADMIN_ADD, digits);
        ConsentEvent removed = a.record(ConsentEvent.Type.ADMIN_REMOVE, digits);
        ConsentEvent other = a.recordMany(1).get(0);
        // the removal placed before the addition in the number's trail (swapped scores)
        connector
                .async()
                .zadd(trailKey(digits), (double) removed.time().toEpochMilli(), member(added))
                .get();
        connector
                .async()
                .zadd(trailKey(digits), (double) added.time().toEpochMilli(), member(removed))
                .get();
        // another event moved an hour back in the index
        connector
                .async()
                .zadd(
                        RedisKeys.AUDIT_INDEX,
                        (double) other.time().minusSeconds(3600).toEpochMilli(),
                        other.number() + "|" + other.id())
                .get();

        VerifyReport r = a.verifier().verify();
        List<String> moved = found(r, VerifyReport.EVENT_REORDERED, d -> "redis".equals(d.where())).stream()
                .map(VerifyReport.Discrepancy::eventId)
                .sorted()
                .toList();
        assertEquals(
                List.of(added.id(), removed.id()).stream().sorted().toList(),
                moved,
                r.discrepancies().toString());
        List<VerifyReport.Discrepancy> inIndex =
                found(r, VerifyReport.EVENT_REORDERED, d -> "audit index".equals(d.where()));
        assertEquals(1, inIndex.size());
        assertEquals(other.id(), inIndex.get(0).eventId());
        assertEquals(3, r.discrepancyCount(), r.discrepancies().toString());
    }

    @Test
    void anEventEditedDeletedOrMovedInTheJournalIsNamed() throws Exception {
        Instance a = instance("gw-a");
        List<ConsentEvent> events = a.recordMany(6);
        // as the periodic reconciliation does: Redis holds the journal up to here, a restart replays what follows
        a.ledger.reconcile(TIMEOUT);
        a.journal.close();
        // edited: the second record's reason
        JournalFiles.rewrite(a.journalDir, "journal-", records -> {
            List<byte[]> out = new ArrayList<>(records);
            String json = new String(out.get(1), StandardCharsets.UTF_8);
            out.set(
                    1,
                    json.replace("\"reason\":\"" + events.get(1).reason() + "\"", "\"reason\":\"forged\"")
                            .getBytes(StandardCharsets.UTF_8));
            // moved: the fourth and fifth swapped
            Collections.swap(out, 3, 4);
            return out;
        });
        a.open();
        VerifyReport r = a.verifier().verify();
        List<VerifyReport.Discrepancy> edited = found(r, VerifyReport.EVENT_EDITED, d -> true);
        assertEquals(1, edited.size(), r.discrepancies().toString());
        assertEquals("journal", edited.get(0).where());
        assertEquals(events.get(1).id(), edited.get(0).eventId());
        assertEquals(2L, edited.get(0).seq());
        List<VerifyReport.Discrepancy> moved = found(r, VerifyReport.EVENT_REORDERED, d -> true);
        assertEquals(1, moved.size(), r.discrepancies().toString());
        assertEquals("journal", moved.get(0).where());
        assertEquals(events.get(3).id(), moved.get(0).eventId());
        assertEquals(2, r.discrepancyCount(), r.discrepancies().toString());

        // deleted: the third record (the rest renumbered, so the journal's own framing is intact)
        a.journal.close();
        JournalFiles.rewrite(a.journalDir, "journal-", records -> {
            List<byte[]> out = new ArrayList<>(records);
            out.remove(2);
            return out;
        });
        a.open();
        r = a.verifier().verify();
        List<VerifyReport.Discrepancy> deleted = found(r, VerifyReport.EVENT_DELETED, d -> "journal".equals(d.where()));
        assertEquals(1, deleted.size(), r.discrepancies().toString());
        assertEquals(3L, deleted.get(0).seq());
        assertEquals(events.get(2).id(), deleted.get(0).eventId(), "named by the audit trail's copy");

        // and the chain goes on after the damage: the next event follows the journal's last one
        ConsentEvent next = a.recordMany(1).get(0);
        assertEquals(7, next.chain().seq());
    }

    @Test
    void aForgedCheckpointIsRefusedAndOneAfterARewriteDoesNotFit() throws Exception {
        Instance a = instance("gw-a");
        List<ConsentEvent> events = a.recordMany(3);
        Checkpoint real = a.checkpointer.checkpointNow();
        // the same signature on another hash
        Checkpoint forged = new Checkpoint(
                real.chain(), real.seq(), "ee".repeat(32), real.time(), null, null, real.key(), real.sig());
        connector
                .async()
                .zadd(RedisKeys.checkpoints(real.chain()), (double) forged.seq(), forged.toJson())
                .get();
        // a properly signed checkpoint whose hash is not the chain's at its seq (the chain was rewritten)
        Checkpoint misfit = Checkpoint.of(new EventChain.Head(real.chain(), 2, "dd".repeat(32)), Instant.now())
                .signedBy(signer);
        connector
                .async()
                .zadd(RedisKeys.checkpoints(real.chain()), 2.0, misfit.toJson())
                .get();

        VerifyReport r = a.verifier().verify();
        List<VerifyReport.Discrepancy> invalid = found(r, VerifyReport.CHECKPOINT_INVALID, d -> true);
        assertEquals(1, invalid.size(), r.discrepancies().toString());
        assertEquals(3L, invalid.get(0).seq());
        assertEquals("redis", invalid.get(0).where());
        List<VerifyReport.Discrepancy> mismatch = found(r, VerifyReport.CHECKPOINT_MISMATCH, d -> true);
        assertEquals(1, mismatch.size(), r.discrepancies().toString());
        assertEquals(2L, mismatch.get(0).seq());
        assertEquals(events.get(1).id(), mismatch.get(0).eventId());
        assertEquals(2, r.discrepancyCount());
    }

    @Test
    void anErasedNumberStillVerifiesAfterCompactionAndReplay() throws Exception {
        store.numberKeys(io.optoutgw.suppression.NumberKeys.hmac(
                "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)));
        get(store.checkPrivacy("privacy.pepperFile"));
        Instance a = new Instance("gw-a", OptOutJournal.Options.defaults().withSegmentSizeBytes(4096));
        String erased = "15553400001";
        for (int i = 0; i < 6; i++) {
            a.record(ConsentEvent.Type.ADMIN_ADD, "1555340" + String.format("%04d", i));
        }
        a.record(ConsentEvent.Type.ADMIN_REMOVE, erased);
        a.record(ConsentEvent.Type.ADMIN_ADD, erased);
        a.ledger.reconcile(TIMEOUT);
        io.optoutgw.admin.PrivacyErase.Result r = new io.optoutgw.admin.PrivacyErase(
                        store, a.journal, a.ledger, a.id, TIMEOUT)
                .erase(erased, "dpo", "test");
        assertEquals(3, r.journalRecords(), r.toString());
        assertOk(a.verifier().verify());
        // compaction (reconciliation runs it) keeps the ERASED event beside the redacted events it vouches for
        a.ledger.reconcile(TIMEOUT);
        a.journal.compactThrough(a.journal.lastSequence());
        try (var files = java.nio.file.Files.list(a.journalDir)) {
            assertTrue(
                    files.anyMatch(f -> f.getFileName().toString().startsWith("snapshot-")),
                    "the erased segment was compacted into a snapshot");
        }
        assertOk(a.verifier().verify());
        // Redis loses everything: the redacted journal still suppresses the number
        connector.async().flushall().get(5, TimeUnit.SECONDS);
        get(store.checkLayout());
        get(store.checkPrivacy("privacy.pepperFile"));
        a.reopen();
        assertTrue(get(store.check(erased, "acme", "12345")).suppressed(), "still suppressed after the replay");
        assertOk(a.verifier().verify());
    }

    @Test
    void compactionAndAReplayAfterRedisLostItsDataKeepTheChainVerifiable() throws Exception {
        Instance a = new Instance("gw-a", OptOutJournal.Options.defaults().withSegmentSizeBytes(4096));
        // each number added then removed: compaction keeps one event of each
        List<ConsentEvent> events = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String digits = "1555320" + String.format("%04d", i);
            events.add(a.record(ConsentEvent.Type.ADMIN_ADD, digits));
            events.add(a.record(ConsentEvent.Type.ADMIN_REMOVE, digits));
        }
        List<String> before = new ArrayList<>();
        for (ConsentEvent e : events) {
            before.add(member(e));
        }
        assertTrue(a.journal.segmentCount() > 2, "segments: " + a.journal.segmentCount());
        assertTrue(a.journal.compactThrough(a.journal.lastSequence()) > 0, "compacted");
        VerifyReport afterCompaction = a.verifier().verify();
        assertOk(afterCompaction);
        assertTrue(afterCompaction.chain().chains().get(0).compactedThrough() > 0);

        // the chain goes on across the snapshot, also after a restart
        a.reopen();
        events.addAll(a.recordMany(3));
        assertEquals(27, events.get(events.size() - 1).chain().seq());
        assertOk(a.verifier().verify());

        // Redis loses everything: the replay restores the same bytes for every event the journal kept
        connector.async().flushall().get(5, TimeUnit.SECONDS);
        get(store.checkLayout());
        a.reopen();
        int kept = 0;
        for (int i = 0; i < before.size(); i++) {
            List<String> trail = connector
                    .async()
                    .zrange(trailKey(events.get(i).number()), 0, -1)
                    .get();
            if (trail.contains(before.get(i))) {
                kept++;
            }
            for (String m : trail) {
                assertTrue(before.contains(m), "a replayed event is byte for byte the one recorded: " + m);
            }
        }
        assertTrue(kept >= 12, "the journal kept the latest event of each number: " + kept);
        VerifyReport rebuilt = a.verifier().verify();
        assertOk(rebuilt);
        VerifyReport.ChainStatus chain = rebuilt.chain().chains().get(0);
        assertFalse(chain.rebuiltRanges().isEmpty(), chain.toString());
        assertEquals(27 - chain.redisEvents(), chain.missingAfterRebuild(), chain.toString());

        // an event the snapshot kept, edited: still found
        a.journal.close();
        JournalFiles.rewrite(a.journalDir, "snapshot-", records -> {
            List<byte[]> out = new ArrayList<>(records);
            for (int i = 0; i < out.size(); i++) {
                String json = new String(out.get(i), StandardCharsets.UTF_8);
                if (json.contains("ADMIN_REMOVE")) {
                    out.set(i, json.replace("ADMIN_REMOVE", "ADMIN_ADD").getBytes(StandardCharsets.UTF_8));
                    break;
                }
            }
            return out;
        });
        a.open();
        VerifyReport afterEdit = a.verifier().verify();
        assertEquals(
                1,
                found(afterEdit, VerifyReport.EVENT_EDITED, d -> "journal".equals(d.where()))
                        .size(),
                afterEdit.discrepancies().toString());
    }
}
