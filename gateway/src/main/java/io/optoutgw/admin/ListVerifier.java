package io.optoutgw.admin;

import io.optoutgw.store.OptOutJournal;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.SuppressionStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares the do-not-contact list with this gateway's journal and the audit trail in Redis, and
 * reports every disagreement: a list entry that no event explains, a latest event per (number,
 * scope) that the list does not reflect, and a journal event missing from the audit trail. "Latest"
 * follows the list's own rule: the greater order ({@link ConsentEvent#listOrder()}) wins, and on a
 * tie an opt-out beats an opt-in. Runs inside the gateway, which owns (and locks) the journal. Blocking.
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
    private record Ev(String id, String scope, long second, int effect, String type) {
        static Ev of(ConsentEvent e) {
            return new Ev(e.id(), e.scope(), e.listOrder(), e.type().effect(), e.type().name());
        }

        long value() {
            return effect > 0 ? second : -second;
        }
    }

    public VerifyReport verify() throws Exception {
        long start = System.nanoTime();
        Instant startedAt = Instant.now();
        Map<String, Map<String, Long>> list = new HashMap<>();
        long[] counts = new long[2];
        readList(list, counts);
        Set<String> numbers = new LinkedHashSet<>(list.keySet());
        long auditEvents = readAuditIndex(numbers);
        Map<String, List<Ev>> journalEvents = new HashMap<>();
        long[] journalCount = {0};
        journal.replay(0, (seq, payload) -> {
            ConsentEvent e = ConsentEvent.fromJson(payload);
            journalEvents.computeIfAbsent(e.number(), k -> new ArrayList<>(1)).add(Ev.of(e));
            numbers.add(e.number());
            journalCount[0]++;
        });

        List<String> all = new ArrayList<>(numbers);
        Map<String, List<VerifyReport.Discrepancy>> found = new HashMap<>();
        for (int i = 0; i < all.size(); i += NUMBER_BATCH) {
            List<String> batch = all.subList(i, Math.min(all.size(), i + NUMBER_BATCH));
            List<List<ConsentEvent>> histories = Reads.batch(0, batch.size(), j -> store.history(batch.get(j)), timeout);
            for (int j = 0; j < batch.size(); j++) {
                String digits = batch.get(j);
                List<VerifyReport.Discrepancy> d = check(digits, list.getOrDefault(digits, Map.of()),
                        histories.get(j), journalEvents.getOrDefault(digits, List.of()));
                if (!d.isEmpty()) {
                    found.put(digits, d);
                }
            }
        }
        recheckRecent(found, journalEvents, startedAt);

        List<VerifyReport.Discrepancy> listed = new ArrayList<>();
        long total = 0;
        for (String digits : new TreeSet<>(found.keySet())) {
            for (VerifyReport.Discrepancy d : found.get(digits)) {
                total++;
                if (listed.size() < MAX_LISTED) {
                    listed.add(d);
                }
            }
        }
        return new VerifyReport(total == 0, counts[0], counts[1], numbers.size(), auditEvents, journalCount[0], total,
                listed, (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * A change in flight when the list was read (journaled, not yet in Redis) looks like a
     * discrepancy; numbers whose discrepancies involve recent times are read and checked again
     * once such changes have had time to land.
     */
    private void recheckRecent(Map<String, List<VerifyReport.Discrepancy>> found, Map<String, List<Ev>> journalEvents,
                               Instant startedAt) throws Exception {
        if (found.isEmpty() || found.size() > 10_000) {
            return;
        }
        long recent = startedAt.minus(settle).getEpochSecond() - 1;
        boolean anyRecent = journalEvents.entrySet().stream().filter(e -> found.containsKey(e.getKey()))
                .flatMap(e -> e.getValue().stream()).anyMatch(ev -> ev.second() >= recent);
        if (!anyRecent) {
            return;
        }
        Thread.sleep(settle.toMillis());
        for (String digits : new ArrayList<>(found.keySet())) {
            Map<String, Long> entries = Reads.one(i -> store.entries(digits), timeout);
            List<ConsentEvent> history = Reads.one(i -> store.history(digits), timeout);
            List<VerifyReport.Discrepancy> again = check(digits, entries, history,
                    journalEvents.getOrDefault(digits, List.of()));
            if (again.isEmpty()) {
                found.remove(digits);
            } else {
                found.put(digits, again);
            }
        }
    }

    private void readList(Map<String, Map<String, Long>> list, long[] counts) throws Exception {
        int buckets = store.buckets();
        for (int b = 0; b < buckets; b += BUCKET_BATCH) {
            for (List<SuppressionStore.ListEntry> bucket : Reads.batch(b, Math.min(buckets, b + BUCKET_BATCH),
                    store::exportBucket, timeout)) {
                for (SuppressionStore.ListEntry e : bucket) {
                    list.computeIfAbsent(e.digits(), k -> new HashMap<>(2)).put(e.scope(), e.value());
                    counts[0]++;
                    if (e.suppressed()) {
                        counts[1]++;
                    }
                }
            }
        }
    }

    private long readAuditIndex(Set<String> numbers) throws Exception {
        long count = 0;
        for (long offset = 0; ; offset += INDEX_PAGE) {
            long at = offset;
            List<SuppressionStore.AuditRef> page = Reads.one(i -> store.auditIndex(Long.MIN_VALUE / 2, Long.MAX_VALUE / 2,
                    at, INDEX_PAGE), timeout);
            for (SuppressionStore.AuditRef ref : page) {
                numbers.add(ref.digits());
            }
            count += page.size();
            if (page.size() < INDEX_PAGE) {
                return count;
            }
        }
    }

    private static List<VerifyReport.Discrepancy> check(String digits, Map<String, Long> listEntries,
                                                        List<ConsentEvent> audit, List<Ev> journal) {
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
                out.add(new VerifyReport.Discrepancy("JOURNAL_EVENT_NOT_IN_AUDIT", number, ScopeNames.display(e.scope()),
                        describe(listEntries.get(e.scope())), null, e.id(),
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
            String display = ScopeNames.display(scope);
            if (ev == null) {
                out.add(new VerifyReport.Discrepancy("LIST_ENTRY_WITHOUT_EVENT", number, display, describe(value), null,
                        null, "the list says " + describe(value) + " but no audit or journal event exists for this scope"));
            } else if (value == null) {
                out.add(new VerifyReport.Discrepancy("EVENT_NOT_IN_LIST", number, display, describe(null),
                        describe(ev.value()), ev.id(), "latest event " + ev.type() + " (" + describe(ev.value())
                        + ") is not reflected: the list has no entry"));
            } else if (value != ev.value()) {
                out.add(new VerifyReport.Discrepancy("LIST_DISAGREES_WITH_EVENTS", number, display, describe(value),
                        describe(ev.value()), ev.id(), "the list says " + describe(value) + " but the latest event "
                        + ev.type() + " says " + describe(ev.value())));
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
