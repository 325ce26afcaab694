package io.optoutgw.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.admin.ListVerifier;
import io.optoutgw.admin.VerifyReport;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.AuditCodec;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.NumberKeys;
import io.optoutgw.suppression.RedisKeys;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.evidence.CheckpointStore;
import io.optoutgw.suppression.evidence.Checkpointer;
import io.optoutgw.suppression.evidence.EvidenceKeys;
import io.optoutgw.suppression.evidence.KeyFiles;
import io.optoutgw.suppression.journal.OptOutJournal;
import io.optoutgw.testsupport.RedisServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Several consent events of one number recorded in the same millisecond (an opt-out globally, for an account
 * and for a category at once), against a real redis-server, in each way the audit trail is kept: chain
 * version 1 (JSON per number, {@code gw:audit}), chain version 2 (the compact trail, whose time index
 * {@code gw:ai} names (number, time) without the event) and privacy mode {@code hmac} (redacted JSON). An
 * honest list verifies, also after a replay wrote the events again; an index entry or a trail record
 * removed by hand is still found.
 */
@Tag("integration")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SameMillisecondAuditTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final int BUCKETS = 64;
    /** An hour ago: no event is young enough to count as still on its way to Redis. */
    private static final Instant PAST = Instant.now()
            .minus(Duration.ofHours(1))
            .truncatedTo(ChronoUnit.SECONDS)
            .plusMillis(123);

    /** How the audit trail is kept. */
    enum Mode {
        /** Chain version 1: JSON members of {@code gw:a:{B}:DIGITS}, indexed by id in {@code gw:audit}. */
        VERSION_1,
        /** Chain version 2: records of {@code gw:ac:{B}}, indexed by (number, time) in {@code gw:ai}. */
        COMPACT,
        /** Privacy mode hmac: redacted JSON under the number's key, indexed by id in {@code gw:audit}. */
        HMAC
    }

    private static RedisServerProcess redis;
    private static RedisConnector connector;

    @TempDir
    Path dir;

    private SuppressionStore store;
    private EvidenceKeys.Signer signer;
    private OptOutJournal journal;
    private ConsentLedger ledger;
    private Mode mode;

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

    private void open(Mode m) throws Exception {
        mode = m;
        if (m == Mode.HMAC) {
            store.numberKeys(NumberKeys.hmac("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)));
            get(store.checkPrivacy("privacy.pepperFile"));
        }
        journal = OptOutJournal.open(dir.resolve("journal"), OptOutJournal.Options.defaults());
        journal.enableCompaction(new ConsentJournalCompaction(signer), 0);
        ledger = new ConsentLedger(journal, store, connector.async(), "gw-a", TIMEOUT);
        if (m == Mode.VERSION_1) {
            ledger.chainVersion(1);
        }
        ledger.replayAtStartup(TIMEOUT);
    }

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** An opt-out of {@code digits} in {@code scope} (and {@code category}) at {@code time}, as journaled. */
    private ConsentEvent optOut(String digits, Instant time, String scope, String category) throws Exception {
        ConsentEvent e = new ConsentEvent(
                        ConsentEvent.newId(),
                        time,
                        ConsentEvent.Type.OPT_OUT,
                        digits,
                        scope,
                        "STOP",
                        "en",
                        "STOP",
                        0,
                        "smsc-1",
                        "smsc-1#" + digits,
                        "gw-a",
                        null,
                        null,
                        "acme",
                        "12345",
                        null,
                        category)
                .withSource(ConsentEvent.Source.MO_KEYWORD);
        ConsentEvent recorded = ledger.recordOrdered(e).get(10, TimeUnit.SECONDS);
        assertEquals(mode == Mode.VERSION_1 ? 1 : 2, recorded.chain().version());
        return recorded;
    }

    /** One number's opt-out globally, for account acme and for category marketing, in one millisecond. */
    private List<ConsentEvent> threeAtOnce(String digits, Instant time) throws Exception {
        return List.of(
                optOut(digits, time, Scope.Global.INSTANCE.code(), null),
                optOut(digits, time, "a:acme", null),
                optOut(digits, time, Scope.Global.INSTANCE.code(), "marketing"));
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

    private void checkpoint() throws Exception {
        Checkpointer checkpointer = new Checkpointer(
                ledger,
                signer,
                Duration.ofHours(1),
                1_000_000,
                TIMEOUT,
                Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)));
        assertNotNull(checkpointer.checkpointNow());
    }

    private static void assertOk(VerifyReport r) {
        assertTrue(r.ok(), () -> "expected no findings: " + r.discrepancies());
    }

    private static List<VerifyReport.Discrepancy> found(VerifyReport r, String kind) {
        return r.discrepancies().stream().filter(d -> d.kind().equals(kind)).toList();
    }

    // --- tampering by hand, with redis commands ------------------------------------------------------------

    /** Removes {@code e}'s entry from the audit index (for a compact event: one record of its (number, time)). */
    private void removeIndexEntry(ConsentEvent e) throws Exception {
        if (mode == Mode.COMPACT) {
            long ms = e.time().toEpochMilli();
            String key = RedisKeys.auditSlice(AuditCodec.minute(ms));
            String slice = connector.async().get(key).get();
            String record = AuditCodec.indexRecord(ms, e.number());
            for (int at = 0; at < slice.length(); at += AuditCodec.INDEX_RECORD) {
                if (slice.startsWith(record, at)) {
                    connector
                            .async()
                            .set(key, slice.substring(0, at) + slice.substring(at + AuditCodec.INDEX_RECORD))
                            .get();
                    return;
                }
            }
            throw new AssertionError("no index record of " + e.id());
        }
        String member = store.keyOf(e.number()) + "|" + e.id();
        assertEquals(
                1L, (long) connector.async().zrem(RedisKeys.AUDIT_INDEX, member).get(), member);
    }

    /** Removes {@code e} from its number's audit trail. */
    private void removeFromTrail(ConsentEvent e) throws Exception {
        if (mode == Mode.COMPACT) {
            String key = RedisKeys.auditCompact(store.bucket(e.number()));
            StringBuilder out = new StringBuilder();
            boolean hit = false;
            for (AuditCodec.Decoded d :
                    AuditCodec.decodeAll(connector.async().get(key).get(), null)) {
                if (d.event() != null && d.event().id().equals(e.id())) {
                    hit = true;
                } else {
                    out.append(d.record());
                }
            }
            assertTrue(hit, "no record of " + e.id());
            connector.async().set(key, out.toString()).get();
            return;
        }
        String trail = RedisKeys.auditTrail(store.bucket(e.number()), store.keyOf(e.number()));
        for (String m : connector.async().zrange(trail, 0, -1).get()) {
            if (m.contains("\"id\":\"" + e.id() + "\"")) {
                assertEquals(1L, (long) connector.async().zrem(trail, m).get());
                return;
            }
        }
        throw new AssertionError("no member of " + e.id());
    }

    // --- the tests -------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Mode.class)
    void eventsOfOneNumberInOneMillisecondVerify(Mode m) throws Exception {
        open(m);
        List<ConsentEvent> x = threeAtOnce("15556100001", PAST);
        // another number in the same millisecond, and one a millisecond later
        optOut("15556100002", PAST, Scope.Global.INSTANCE.code(), null);
        optOut("15556100003", PAST.plusMillis(1), "a:acme", null);
        checkpoint();
        for (ConsentEvent e : x) {
            assertTrue(get(store.history(e.number())).stream().anyMatch(h -> h.id().equals(e.id())));
        }
        VerifyReport r = verifier().verify();
        assertOk(r);
        assertEquals(5, r.auditEvents(), "one index entry per event");

        // a replay of the journal writes each event again (the compact time index then lists it twice)
        for (ConsentEvent e : x) {
            get(store.apply(e));
        }
        assertOk(verifier().verify());

        // the time-range read still gives each event once
        List<String> read = new ArrayList<>();
        List<SuppressionStore.AuditRef> refs = new ArrayList<>();
        store.walkAuditIndex(0, Long.MAX_VALUE, TIMEOUT, refs::addAll);
        for (SuppressionStore.AuditRef ref : refs) {
            if (ref.digits().equals(store.keyOf("15556100001"))) {
                for (ConsentEvent e : get(store.history(ref.digits(), ref.epochMillis(), ref.epochMillis()))) {
                    if (ref.eventId() == null || ref.eventId().equals(e.id())) {
                        read.add(e.id());
                    }
                }
            }
        }
        assertEquals(
                x.stream().map(ConsentEvent::id).collect(Collectors.toSet()),
                Set.copyOf(read),
                "each event found through the index");
        assertEquals(3, read.size(), "each event once: " + read);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void anIndexEntryRemovedByHandIsFoundAmongEventsOfOneMillisecond(Mode m) throws Exception {
        open(m);
        List<ConsentEvent> x = threeAtOnce("15556200001", PAST);
        optOut("15556200002", PAST, Scope.Global.INSTANCE.code(), null);
        checkpoint();
        assertOk(verifier().verify());
        Set<String> ids = x.stream().map(ConsentEvent::id).collect(Collectors.toSet());

        // one entry removed: one event of the three is reported (a compact entry does not name which)
        removeIndexEntry(x.get(1));
        VerifyReport one = verifier().verify();
        List<VerifyReport.Discrepancy> deleted = found(one, VerifyReport.EVENT_DELETED);
        assertEquals(1, deleted.size(), one.discrepancies().toString());
        assertEquals("audit index", deleted.get(0).where());
        assertTrue(ids.contains(deleted.get(0).eventId()), deleted.toString());
        if (m != Mode.COMPACT) {
            assertEquals(x.get(1).id(), deleted.get(0).eventId());
        }
        assertEquals(1, one.discrepancyCount(), one.discrepancies().toString());

        // all of them removed: each event is reported
        removeIndexEntry(x.get(0));
        removeIndexEntry(x.get(2));
        VerifyReport all = verifier().verify();
        deleted = found(all, VerifyReport.EVENT_DELETED);
        assertEquals(
                ids,
                deleted.stream().map(VerifyReport.Discrepancy::eventId).collect(Collectors.toSet()),
                all.discrepancies().toString());
        assertTrue(deleted.stream().allMatch(d -> d.where().equals("audit index")), deleted.toString());
        assertEquals(3, all.discrepancyCount(), all.discrepancies().toString());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void anIndexEntryRemovedAfterAReplayIsFoundWhenNoCopyIsLeft(Mode m) throws Exception {
        open(m);
        List<ConsentEvent> x = threeAtOnce("15556300001", PAST);
        checkpoint();
        for (ConsentEvent e : x) {
            get(store.apply(e)); // a replay: the compact time index lists (number, time) six times
        }
        for (ConsentEvent e : x) {
            removeIndexEntry(e);
        }
        if (m == Mode.COMPACT) {
            // three copies left: as many as events, nothing to report
            assertOk(verifier().verify());
            for (ConsentEvent e : x) {
                removeIndexEntry(e);
            }
        }
        VerifyReport r = verifier().verify();
        assertEquals(
                x.stream().map(ConsentEvent::id).collect(Collectors.toSet()),
                found(r, VerifyReport.EVENT_DELETED).stream()
                        .map(VerifyReport.Discrepancy::eventId)
                        .collect(Collectors.toSet()),
                r.discrepancies().toString());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void anEventRemovedFromTheTrailIsFoundAmongEventsOfOneMillisecond(Mode m) throws Exception {
        open(m);
        List<ConsentEvent> x = threeAtOnce("15556400001", PAST);
        checkpoint();
        assertOk(verifier().verify());

        ConsentEvent gone = x.get(1);
        removeFromTrail(gone);
        VerifyReport r = verifier().verify();
        String all = r.discrepancies().toString();
        assertFalse(r.ok(), all);
        List<VerifyReport.Discrepancy> missing = found(r, VerifyReport.JOURNAL_EVENT_NOT_IN_AUDIT);
        assertEquals(1, missing.size(), all);
        assertEquals(gone.id(), missing.get(0).eventId(), "the journal's event is missing from the audit trail");
        if (m == Mode.COMPACT) {
            // the record the event left in the time index is the same as its neighbours': it names no event, and
            // cannot be told from a replay's repeat; the journal names the event
            assertEquals(1, r.discrepancyCount(), all);
        } else {
            List<VerifyReport.Discrepancy> deleted = found(r, VerifyReport.EVENT_DELETED);
            assertEquals(1, deleted.size(), all);
            assertEquals(gone.id(), deleted.get(0).eventId(), "the index lists it: " + all);
            assertEquals(2, r.discrepancyCount(), all);
        }

        // every event of that millisecond removed: the index's entries name no event left
        removeFromTrail(x.get(0));
        removeFromTrail(x.get(2));
        r = verifier().verify();
        all = r.discrepancies().toString();
        assertEquals(
                x.stream().map(ConsentEvent::id).collect(Collectors.toSet()),
                found(r, VerifyReport.JOURNAL_EVENT_NOT_IN_AUDIT).stream()
                        .map(VerifyReport.Discrepancy::eventId)
                        .collect(Collectors.toSet()),
                all);
        List<VerifyReport.Discrepancy> deleted = found(r, VerifyReport.EVENT_DELETED);
        assertEquals(m == Mode.COMPACT ? 1 : 3, deleted.size(), "once per (number, time) in the compact index: " + all);
        assertTrue(deleted.stream().allMatch(d -> d.where().equals("redis")), all);
    }
}
