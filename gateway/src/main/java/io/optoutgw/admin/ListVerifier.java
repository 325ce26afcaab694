package io.optoutgw.admin;

import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.journal.OptOutJournal;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
 */
public final class ListVerifier {

    /** Most discrepancies listed in a report; the count stays exact. */
    public static final int MAX_LISTED = 1000;

    private static final int BUCKET_BATCH = 256;
    private static final int NUMBER_BATCH = 1000;
    private static final int INDEX_PAGE = 2_000;

    private final SuppressionStore store;
    private final OptOutJournal journal;
    private final Duration timeout;
    private final Duration settle;

    /**
     * @param timeout bound on each Redis round trip
     * @param settle  how long a change may take to reach Redis after its journal entry (the record
     *                timeout): discrepancies that recent changes could explain are checked again after it
     */
    public ListVerifier(SuppressionStore store, OptOutJournal journal, Duration timeout, Duration settle) {
        this.store = store;
        this.journal = journal;
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

    public VerifyReport verify() throws Exception {
        long start = System.nanoTime();
        Instant startedAt = Instant.now();
        int groups = Math.min(store.buckets(), GROUPS);
        Path dir = Files.createTempDirectory("gateway-verify-");
        try {
            long[] counts = new long[2];
            long journalCount;
            long auditEvents;
            // pass 1: the journal and the audit index, spilled to one file per bucket group
            try (Spill spill = new Spill(dir, groups)) {
                long[] n = {0};
                journal.replay(0, (seq, payload) -> {
                    ConsentEvent e = ConsentEvent.fromJson(payload);
                    spill.event(group(e.number(), groups), e);
                    n[0]++;
                });
                journalCount = n[0];
                auditEvents = spillAuditIndex(spill, groups);
            }
            // pass 2: one bucket group at a time, against the list and the audit trail
            Findings findings = new Findings(settle, startedAt);
            long numbers = 0;
            for (int g = 0; g < groups; g++) {
                Map<String, List<Ev>> journalEvents = new HashMap<>();
                Set<String> groupNumbers = new TreeSet<>();
                readSpill(dir, g, journalEvents, groupNumbers);
                Map<String, Map<String, Long>> list = new HashMap<>();
                readListGroup(g, groups, list, counts);
                groupNumbers.addAll(list.keySet());
                numbers += groupNumbers.size();
                List<String> all = new ArrayList<>(groupNumbers);
                for (int i = 0; i < all.size(); i += NUMBER_BATCH) {
                    List<String> batch = all.subList(i, Math.min(all.size(), i + NUMBER_BATCH));
                    List<List<ConsentEvent>> histories =
                            Reads.batch(0, batch.size(), j -> store.history(batch.get(j)), timeout);
                    for (int j = 0; j < batch.size(); j++) {
                        String digits = batch.get(j);
                        List<Ev> events = journalEvents.getOrDefault(digits, List.of());
                        findings.add(
                                digits,
                                check(digits, list.getOrDefault(digits, Map.of()), histories.get(j), events),
                                events);
                    }
                }
            }
            findings.recheck(this::checkAgain);
            return new VerifyReport(
                    findings.total == 0,
                    counts[0],
                    counts[1],
                    numbers,
                    auditEvents,
                    journalCount,
                    findings.total,
                    findings.listed(),
                    (System.nanoTime() - start) / 1_000_000);
        } finally {
            deleteAll(dir);
        }
    }

    /** Bucket groups the verification walks one at a time; memory is about the list's size over this. */
    static final int GROUPS = 256;

    private int group(String digits, int groups) {
        return store.bucket(digits) & (groups - 1);
    }

    private List<VerifyReport.Discrepancy> checkAgain(String digits, List<Ev> journalEvents) throws Exception {
        Map<String, Long> entries = Reads.one(i -> store.entries(digits), timeout);
        List<ConsentEvent> history = Reads.one(i -> store.history(digits), timeout);
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
        private final Map<String, Integer> recentCounts = new HashMap<>();
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
            list(digits, found);
            if (journalEvents.stream().anyMatch(ev -> ev.second() >= recentSecond)) {
                if (recent.size() < MAX_RECHECK) {
                    recent.put(digits, journalEvents);
                    recentCounts.put(digits, found.size());
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
                total += now.size() - recentCounts.get(digits);
                List<VerifyReport.Discrepancy> old = listed.remove(digits);
                if (old != null) {
                    listedCount -= old.size();
                }
                if (!now.isEmpty()) {
                    list(digits, now);
                }
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

        void event(int group, ConsentEvent e) {
            try {
                DataOutputStream o = out[group];
                o.writeByte(EVENT);
                o.writeUTF(e.number());
                o.writeUTF(e.id());
                o.writeUTF(e.slot());
                o.writeLong(e.listOrder());
                o.writeByte(e.type().effect());
                o.writeUTF(e.type().name());
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
        }

        void number(int group, String digits) throws IOException {
            out[group].writeByte(AUDITED_NUMBER);
            out[group].writeUTF(digits);
        }

        @Override
        public void close() throws IOException {
            for (DataOutputStream o : out) {
                o.close();
            }
        }
    }

    private static void readSpill(Path dir, int group, Map<String, List<Ev>> events, Set<String> numbers)
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
                }
            }
        }
    }

    private static void deleteAll(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }

    private void readListGroup(int group, int groups, Map<String, Map<String, Long>> list, long[] counts)
            throws Exception {
        int perGroup = store.buckets() / groups;
        for (int i = 0; i < perGroup; i += BUCKET_BATCH) {
            for (List<SuppressionStore.ListEntry> bucket : Reads.batch(
                    i, Math.min(perGroup, i + BUCKET_BATCH), k -> store.exportBucket(group + k * groups), timeout)) {
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

    private long spillAuditIndex(Spill spill, int groups) throws Exception {
        long count = 0;
        for (long offset = 0; ; offset += INDEX_PAGE) {
            long at = offset;
            // by position, not by offset into a score range: each page costs the same at 10M entries
            List<SuppressionStore.AuditRef> page = Reads.one(i -> store.auditIndexPage(at, INDEX_PAGE), timeout);
            for (SuppressionStore.AuditRef ref : page) {
                spill.number(group(ref.digits(), groups), ref.digits());
            }
            count += page.size();
            if (page.size() < INDEX_PAGE) {
                return count;
            }
        }
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
