package io.optoutgw.admin;

import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.evidence.Checkpoint;
import io.optoutgw.suppression.evidence.CheckpointStore;
import io.optoutgw.suppression.journal.OptOutJournal;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares the do-not-contact list with this gateway's journal and the audit trail in Redis, and
 * reports every disagreement: a list entry that no event explains, a latest event per (number,
 * scope) that the list does not reflect, and a journal event missing from the audit trail. "Latest"
 * follows the list's own rule: the greater order ({@link ConsentEvent#listOrder()}) wins, and on a
 * tie an opt-out beats an opt-in. Runs inside the gateway, which owns (and locks) the journal. Blocking.
 *
 * <p>Memory stays bounded whatever the list's size: one pass spills the journal's events and the
 * audit index's numbers to temporary files, one per group of buckets ({@value #GROUPS}); then each
 * group is compared on its own (its list buckets, its numbers' audit trails, its journal events)
 * and dropped. The temporary files (about 60 bytes per journal event and audit entry) go to
 * {@code java.io.tmpdir} and are deleted when the check ends.
 *
 * <p>The same passes check the hash chains ({@link ChainAudit}, docs/evidence.md): every journal
 * record and audit trail member against its own link, its place and its neighbours, each audit trail
 * member against its entry in the audit index, and every checkpoint against its signature and the
 * chain; their findings come first in the report.
 */
public final class ListVerifier {

    /** Most discrepancies listed in a report; the count stays exact. */
    public static final int MAX_LISTED = 1000;

    private static final int BUCKET_BATCH = 1024;
    private static final int NUMBER_BATCH = 1000;

    private final SuppressionStore store;
    private final OptOutJournal journal;
    private final CheckpointStore checkpoints;
    private final Map<String, PublicKey> trustedKeys;
    private final Duration timeout;
    private final Duration settle;

    /**
     * @param timeout bound on each Redis round trip
     * @param settle  how long a change may take to reach Redis after its journal entry (the record
     *                timeout): discrepancies that recent changes could explain are checked again after it
     */
    public ListVerifier(SuppressionStore store, OptOutJournal journal, Duration timeout, Duration settle) {
        this(store, journal, null, Map.of(), timeout, settle);
    }

    /**
     * @param checkpoints the checkpoints in Redis ({@code null}: only the journal's are checked)
     * @param trustedKeys public keys checkpoint signatures are checked with, by key id
     *                    ({@link io.optoutgw.suppression.evidence.EvidenceKeys#keyId})
     */
    public ListVerifier(
            SuppressionStore store,
            OptOutJournal journal,
            CheckpointStore checkpoints,
            Map<String, PublicKey> trustedKeys,
            Duration timeout,
            Duration settle) {
        this.store = store;
        this.journal = journal;
        this.checkpoints = checkpoints;
        this.trustedKeys = Map.copyOf(trustedKeys);
        this.timeout = timeout;
        this.settle = settle;
    }

    /** The essentials of one event for comparing. */
    /** {@code scope}: the entry's slot, scope code plus {@code ~category} for one category. */
    private record Ev(String id, String scope, long second, int effect, String type) {
        static Ev of(ConsentEvent e) {
            return new Ev(
                    e.id(), e.slot(), e.listOrder(), e.type().effect(), e.type().name());
        }

        long value() {
            return effect > 0 ? second : -second;
        }
    }

    /** Verifies, checking checkpoint signatures with the keys this verifier was given. */
    public VerifyReport verify() throws Exception {
        return verify(trustedKeys);
    }

    /** Verifies, checking checkpoint signatures with {@code keys} only (by key id). */
    public VerifyReport verify(Map<String, PublicKey> keys) throws Exception {
        long start = System.nanoTime();
        Instant startedAt = Instant.now();
        int groups = Math.min(store.buckets(), GROUPS);
        Path dir = Files.createTempDirectory("gateway-verify-");
        try {
            long[] counts = new long[2];
            long journalCount;
            long auditEvents = 0;
            ChainFindings chainFindings = new ChainFindings();
            // events (and checkpoints) this recent may still be on their way to Redis: checked next time
            long recentMs = startedAt.minus(settle.multipliedBy(2)).toEpochMilli() - 1_000;
            ChainAudit chain = new ChainAudit(
                    dir.resolve("chains"),
                    checkpoints,
                    Map.copyOf(keys),
                    recentMs,
                    chainFindings::add,
                    store.numberKeys());
            // pass 0: the checkpoints in Redis, before the journal: each names an event then on disk
            chain.readRedisCheckpoints();
            // pass 1: the journal and the audit index, spilled to one file per bucket group
            try (Spill spill = new Spill(dir, groups)) {
                long[] n = {0};
                journal.replay(0, (seq, payload) -> {
                    if (Checkpoint.isCheckpoint(payload)) {
                        chain.journalCheckpoint(seq, payload);
                        return;
                    }
                    ConsentEvent e = chain.journalEvent(seq, payload);
                    if (e != null) {
                        spill.event(group(e.number(), groups), e, store.keyOf(e.number()));
                        n[0]++;
                    }
                });
                journalCount = n[0];
                spillAuditIndex(spill, groups);
            }
            // pass 2: one bucket group at a time, against the list and the audit trail
            int[] order = store.walkOrder();
            Findings findings = new Findings(settle, startedAt);
            long numbers = 0;
            for (int g = 0; g < groups; g++) {
                Map<String, List<Ev>> journalEvents = new HashMap<>();
                Map<String, Map<String, Double>> index = new HashMap<>();
                Set<String> groupNumbers = new TreeSet<>();
                readSpill(dir, g, journalEvents, groupNumbers, index);
                Map<String, Map<String, Long>> list = new HashMap<>();
                readListGroup(order, g, groups, list, counts);
                groupNumbers.addAll(list.keySet());
                numbers += groupNumbers.size();
                List<String> all = new ArrayList<>(groupNumbers);
                for (int i = 0; i < all.size(); i += NUMBER_BATCH) {
                    List<String> batch = all.subList(i, Math.min(all.size(), i + NUMBER_BATCH));
                    List<List<SuppressionStore.AuditMember>> trails =
                            Reads.batch(0, batch.size(), j -> store.auditEntries(batch.get(j)), timeout);
                    for (int j = 0; j < batch.size(); j++) {
                        String digits = batch.get(j);
                        Map<String, Double> indexed = index.remove(digits);
                        int entries = indexed == null ? 0 : indexed.size();
                        Set<String> seen = new HashSet<>();
                        List<ConsentEvent> history =
                                new ArrayList<>(trails.get(j).size());
                        for (SuppressionStore.AuditMember member : trails.get(j)) {
                            ConsentEvent e = chain.redisEvent(digits, member, indexed, seen);
                            if (e != null) {
                                history.add(e);
                            }
                        }
                        if (indexed != null) {
                            // the entries events took, and those left that name events the trail lacks (a
                            // compact record a replay wrote again names none of its own)
                            auditEvents += entries - indexed.size() + chain.indexLeft(digits, indexed, seen);
                        }
                        List<Ev> events = journalEvents.getOrDefault(digits, List.of());
                        findings.add(
                                digits, check(digits, list.getOrDefault(digits, Map.of()), history, events), events);
                    }
                }
            }
            // pass 3: each hash chain in seq order
            VerifyReport.ChainSummary chains = chain.finish();
            findings.recheck(this::checkAgain);
            Map<String, Long> byKind = new LinkedHashMap<>();
            for (String kind : VerifyReport.KINDS) {
                byKind.put(kind, findings.kinds.getOrDefault(kind, 0L) + chainFindings.kinds.getOrDefault(kind, 0L));
            }
            List<VerifyReport.Discrepancy> listed = new ArrayList<>(chainFindings.listed);
            for (VerifyReport.Discrepancy d : findings.listed()) {
                if (listed.size() < MAX_LISTED) {
                    listed.add(d);
                }
            }
            long total = findings.total + chainFindings.total;
            return new VerifyReport(
                    total == 0,
                    counts[0],
                    counts[1],
                    numbers,
                    auditEvents,
                    journalCount,
                    total,
                    listed,
                    (System.nanoTime() - start) / 1_000_000,
                    byKind,
                    chains);
        } finally {
            deleteAll(dir);
        }
    }

    /** The chains' findings: counted by kind, the first {@link #MAX_LISTED} kept in the order found. */
    private static final class ChainFindings {
        final Map<String, Long> kinds = new HashMap<>();
        final List<VerifyReport.Discrepancy> listed = new ArrayList<>();
        long total;

        void add(VerifyReport.Discrepancy d) {
            total++;
            kinds.merge(d.kind(), 1L, Long::sum);
            if (listed.size() < MAX_LISTED) {
                listed.add(d);
            }
        }
    }

    /** Bucket groups the verification walks one at a time; memory is about the list's size over this. */
    static final int GROUPS = 256;

    /** The group of a number: a run of {@link SuppressionStore#walkOrder()}, read together. */
    private int group(String digits, int groups) {
        return store.walkPosition(store.bucket(digits)) / (store.buckets() / groups);
    }

    private List<VerifyReport.Discrepancy> checkAgain(String digits, List<Ev> journalEvents) throws Exception {
        Map<String, Long> entries = Reads.one(i -> store.entries(digits), timeout);
        List<ConsentEvent> history = new ArrayList<>();
        for (SuppressionStore.AuditMember member : Reads.one(i -> store.auditEntries(digits), timeout)) {
            if (member.compact()) {
                if (member.event() != null) {
                    history.add(member.event());
                }
                continue;
            }
            try {
                history.add(ConsentEvent.fromJson(member.json().getBytes(StandardCharsets.UTF_8)));
            } catch (RuntimeException e) {
                // reported by the chain's checks
            }
        }
        return check(digits, entries, history, journalEvents);
    }

    private interface Recheck {
        List<VerifyReport.Discrepancy> check(String digits, List<Ev> journalEvents) throws Exception;
    }

    /**
     * What the walk found, in bounded memory: the exact count, the first {@link #MAX_LISTED}
     * numbers' discrepancies in number order, and up to {@link #MAX_RECHECK} numbers whose
     * discrepancies recent changes could explain (a change in flight when the list was read:
     * journaled, not yet in Redis), checked again once such changes have had time to land.
     */
    private static final class Findings {
        private final TreeMap<String, List<VerifyReport.Discrepancy>> listed = new TreeMap<>();
        private final Map<String, List<Ev>> recent = new HashMap<>();
        private final Map<String, List<VerifyReport.Discrepancy>> recentFound = new HashMap<>();
        final Map<String, Long> kinds = new HashMap<>();
        private final Duration settle;
        private final long recentSecond;
        private int listedCount;
        private boolean tooManyRecent;
        long total;

        Findings(Duration settle, Instant startedAt) {
            this.settle = settle;
            this.recentSecond = startedAt.minus(settle).getEpochSecond() - 1;
        }

        void add(String digits, List<VerifyReport.Discrepancy> found, List<Ev> journalEvents) {
            if (found.isEmpty()) {
                return;
            }
            total += found.size();
            count(found, 1);
            list(digits, found);
            if (journalEvents.stream().anyMatch(ev -> ev.second() >= recentSecond)) {
                if (recent.size() < MAX_RECHECK) {
                    recent.put(digits, journalEvents);
                    recentFound.put(digits, found);
                } else {
                    tooManyRecent = true;
                }
            }
        }

        private void list(String digits, List<VerifyReport.Discrepancy> found) {
            List<VerifyReport.Discrepancy> old = listed.put(digits, found);
            listedCount += found.size() - (old == null ? 0 : old.size());
            while (listedCount - listed.lastEntry().getValue().size() >= MAX_LISTED) {
                listedCount -= listed.pollLastEntry().getValue().size();
            }
        }

        void recheck(Recheck again) throws Exception {
            if (recent.isEmpty() || tooManyRecent) {
                return;
            }
            Thread.sleep(settle.toMillis());
            for (Map.Entry<String, List<Ev>> e : recent.entrySet()) {
                String digits = e.getKey();
                List<VerifyReport.Discrepancy> now = again.check(digits, e.getValue());
                List<VerifyReport.Discrepancy> before = recentFound.get(digits);
                total += now.size() - before.size();
                count(before, -1);
                count(now, 1);
                List<VerifyReport.Discrepancy> old = listed.remove(digits);
                if (old != null) {
                    listedCount -= old.size();
                }
                if (!now.isEmpty()) {
                    list(digits, now);
                }
            }
        }

        private void count(List<VerifyReport.Discrepancy> found, long sign) {
            for (VerifyReport.Discrepancy d : found) {
                kinds.merge(d.kind(), sign, Long::sum);
            }
        }

        List<VerifyReport.Discrepancy> listed() {
            List<VerifyReport.Discrepancy> out = new ArrayList<>();
            for (List<VerifyReport.Discrepancy> d : listed.values()) {
                for (VerifyReport.Discrepancy x : d) {
                    if (out.size() < MAX_LISTED) {
                        out.add(x);
                    }
                }
            }
            return out;
        }
    }

    private static final int MAX_RECHECK = 10_000;
    private static final byte EVENT = 0;
    private static final byte AUDITED_NUMBER = 1;

    /** One temporary file per bucket group: journal events and audit-indexed numbers of that group. */
    private static final class Spill implements AutoCloseable {
        private final DataOutputStream[] out;

        Spill(Path dir, int groups) throws IOException {
            out = new DataOutputStream[groups];
            for (int g = 0; g < groups; g++) {
                out[g] = new DataOutputStream(
                        new BufferedOutputStream(Files.newOutputStream(dir.resolve(g + ".spill")), 8192));
            }
        }

        /** A journal event of the number whose key (its digits in clear mode, docs/privacy.md) is {@code key}. */
        void event(int group, ConsentEvent e, String key) {
            try {
                DataOutputStream o = out[group];
                o.writeByte(EVENT);
                o.writeUTF(key);
                o.writeUTF(e.id());
                o.writeUTF(e.slot());
                o.writeLong(e.listOrder());
                o.writeByte(e.type().effect());
                o.writeUTF(e.type().name());
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
        }

        void indexed(int group, SuppressionStore.AuditRef ref) throws IOException {
            out[group].writeByte(AUDITED_NUMBER);
            out[group].writeUTF(ref.digits());
            // an entry of the compact index names no event: it is matched by its time ("@ms")
            String id = ref.eventId() == null ? ChainAudit.timeKey(ref.epochMillis()) : ref.eventId();
            out[group].writeUTF(id.length() > 1000 ? id.substring(0, 1000) : id);
            out[group].writeLong(ref.epochMillis());
        }

        @Override
        public void close() throws IOException {
            for (DataOutputStream o : out) {
                o.close();
            }
        }
    }

    private static void readSpill(
            Path dir,
            int group,
            Map<String, List<Ev>> events,
            Set<String> numbers,
            Map<String, Map<String, Double>> index)
            throws IOException {
        try (DataInputStream in = new DataInputStream(
                new BufferedInputStream(Files.newInputStream(dir.resolve(group + ".spill")), 65536))) {
            while (true) {
                int tag = in.read();
                if (tag < 0) {
                    return;
                }
                String digits = in.readUTF();
                numbers.add(digits);
                if (tag == EVENT) {
                    String id = in.readUTF();
                    String scope = in.readUTF();
                    long order = in.readLong();
                    int effect = in.readByte();
                    String type = in.readUTF();
                    events.computeIfAbsent(digits, k -> new ArrayList<>(1)).add(new Ev(id, scope, order, effect, type));
                } else {
                    String id = in.readUTF();
                    long ms = in.readLong();
                    Map<String, Double> of = index.computeIfAbsent(digits, k -> new HashMap<>(2));
                    if (id.equals(ChainAudit.timeKey(ms))) {
                        ChainAudit.addTimeRecord(of, ms); // each record of the compact index counts
                    } else {
                        of.put(id, (double) ms);
                    }
                }
            }
        }
    }

    private static void deleteAll(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isDirectory(f)) {
                    deleteAll(f);
                } else {
                    Files.deleteIfExists(f);
                }
            }
        }
        Files.deleteIfExists(dir);
    }

    private void readListGroup(int[] order, int group, int groups, Map<String, Map<String, Long>> list, long[] counts)
            throws Exception {
        int perGroup = store.buckets() / groups;
        int end = (group + 1) * perGroup;
        for (int i = group * perGroup; i < end; i += BUCKET_BATCH) {
            for (List<SuppressionStore.ListEntry> bucket :
                    Reads.listBuckets(store, order, i, Math.min(end, i + BUCKET_BATCH), timeout)) {
                for (SuppressionStore.ListEntry e : bucket) {
                    list.computeIfAbsent(e.digits(), k -> new HashMap<>(2)).put(e.slot(), e.value());
                    counts[0]++;
                    if (e.suppressed()) {
                        counts[1]++;
                    }
                }
            }
        }
    }

    private void spillAuditIndex(Spill spill, int groups) throws Exception {
        // the older index by position, not by offset into a score range: each page costs the same at 10M entries;
        // the compact index with every record, so that events of one number in one millisecond each find theirs
        store.walkAuditIndex(Long.MIN_VALUE, Long.MAX_VALUE, timeout, true, page -> {
            try {
                for (SuppressionStore.AuditRef ref : page) {
                    spill.indexed(group(ref.digits(), groups), ref);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return true;
        });
    }

    private static List<VerifyReport.Discrepancy> check(
            String digits, Map<String, Long> listEntries, List<ConsentEvent> audit, List<Ev> journal) {
        List<VerifyReport.Discrepancy> out = new ArrayList<>(0);
        String number = "+" + digits;
        Map<String, Ev> latest = new HashMap<>();
        Set<String> auditIds = new HashSet<>();
        for (ConsentEvent e : audit) {
            auditIds.add(e.id());
            consider(latest, Ev.of(e));
        }
        for (Ev e : journal) {
            if (!auditIds.contains(e.id())) {
                out.add(new VerifyReport.Discrepancy(
                        "JOURNAL_EVENT_NOT_IN_AUDIT",
                        number,
                        ScopeNames.displaySlot(e.scope()),
                        describe(listEntries.get(e.scope())),
                        null,
                        e.id(),
                        "journal event " + e.type() + " at " + Instant.ofEpochSecond(e.second())
                                + " is missing from the audit trail in Redis"));
            }
            consider(latest, e);
        }
        Set<String> scopes = new TreeSet<>(listEntries.keySet());
        scopes.addAll(latest.keySet());
        for (String scope : scopes) {
            Long value = listEntries.get(scope);
            Ev ev = latest.get(scope);
            String display = ScopeNames.displaySlot(scope);
            if (ev == null) {
                out.add(new VerifyReport.Discrepancy(
                        "LIST_ENTRY_WITHOUT_EVENT",
                        number,
                        display,
                        describe(value),
                        null,
                        null,
                        "the list says " + describe(value) + " but no audit or journal event exists for this scope"));
            } else if (value == null) {
                out.add(new VerifyReport.Discrepancy(
                        "EVENT_NOT_IN_LIST",
                        number,
                        display,
                        describe(null),
                        describe(ev.value()),
                        ev.id(),
                        "latest event " + ev.type() + " (" + describe(ev.value())
                                + ") is not reflected: the list has no entry"));
            } else if (value != ev.value()) {
                out.add(new VerifyReport.Discrepancy(
                        "LIST_DISAGREES_WITH_EVENTS",
                        number,
                        display,
                        describe(value),
                        describe(ev.value()),
                        ev.id(),
                        "the list says " + describe(value) + " but the latest event " + ev.type() + " says "
                                + describe(ev.value())));
            }
        }
        return out;
    }

    private static void consider(Map<String, Ev> latest, Ev e) {
        if (e.effect() == 0) {
            return;
        }
        latest.merge(e.scope(), e, (a, b) -> {
            if (a.second() != b.second()) {
                return a.second() > b.second() ? a : b;
            }
            return a.effect() >= b.effect() ? a : b;
        });
    }

    private static String describe(Long value) {
        if (value == null) {
            return "absent";
        }
        Instant t = Instant.ofEpochSecond(Math.abs(value));
        return value > 0 ? "suppressed since " + t : "opted in at " + t;
    }
}
