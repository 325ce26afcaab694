package io.optoutgw.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.evidence.Checkpoint;
import io.optoutgw.suppression.evidence.CheckpointStore;
import io.optoutgw.suppression.evidence.EvidenceBundleCheck;
import io.optoutgw.suppression.evidence.EvidenceKeys;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code gateway evidence NUMBER} / {@code GET /api/evidence/{number}}: one self-contained evidence bundle of
 * a number (docs/evidence.md, "Evidence bundle"): its consent events exactly as stored, each with how it was
 * read (raw MO, data_coding, text, keyword rule and rule-set version, times), its confirmations and their
 * receipts, the refusals after its opt-out, its trace, and the chain proof: the events of each hash chain from
 * the number's event up to the first checkpoint at or after it, that checkpoint, and the public key that
 * signed it. {@link EvidenceBundleCheck} verifies such a bundle offline. Blocking: call off the event loops.
 *
 * <p>A segment of the proof holds every event of the chain between the number's event and the checkpoint:
 * other people's events too (the hash of each covers its whole content). Keep a bundle as confidential as
 * the audit trail. A segment is at most {@code evidence.checkpointEvery} events long (shorter when
 * {@code evidence.checkpointInterval} wrote one first).
 */
public final class EvidenceBundles {

    /** Most audit index entries read to find one segment's events (else the segment is left incomplete). */
    static final int MAX_INDEX_SCAN = 500_000;

    private static final int PAGE = 5_000;
    private static final int READS_IN_FLIGHT = 64;
    /** How much earlier than the number's event a later event of its chain may carry as its time. */
    private static final Duration SLACK = Duration.ofMinutes(1);

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final SuppressionStore store;
    private final NumberTraces traces;
    private final CheckpointStore checkpoints;
    private final Map<String, PublicKey> keys;
    private final Supplier<String> ownChain;
    private final Supplier<Checkpoint> checkpointNow;
    private final String instanceId;
    private final Duration timeout;
    private volatile JournalDetail journalDetail = ids -> Map.of();

    /** The full form of events of chain version 2 from the journal, by event id (those it still holds). */
    @FunctionalInterface
    public interface JournalDetail {
        Map<String, String> find(Set<String> eventIds) throws Exception;
    }

    /**
     * Where a bundle finds the detail Redis does not keep (raw MO, text, ...): the journal, which holds the
     * full form of version-2 events until their retention; the bundle then carries that form (it hashes like
     * the summary Redis holds).
     */
    public EvidenceBundles withJournalDetail(JournalDetail detail) {
        this.journalDetail = detail;
        return this;
    }

    /**
     * @param keys          the public keys the gateway trusts (its signing key's, {@code evidence.publicKeys})
     * @param ownChain      the id of this instance's chain
     * @param checkpointNow writes a checkpoint of this instance's chain now (when an event of it is newer than
     *                      its last checkpoint); may answer null
     */
    public EvidenceBundles(
            SuppressionStore store,
            NumberTraces traces,
            CheckpointStore checkpoints,
            Map<String, PublicKey> keys,
            Supplier<String> ownChain,
            Supplier<Checkpoint> checkpointNow,
            String instanceId,
            Duration timeout) {
        this.store = store;
        this.traces = traces;
        this.checkpoints = checkpoints;
        this.keys = Map.copyOf(keys);
        this.ownChain = ownChain;
        this.checkpointNow = checkpointNow;
        this.instanceId = instanceId;
        this.timeout = timeout;
    }

    /** A number's event as stored, parsed. */
    private record Stored(String json, ConsentEvent event) {}

    /** The bundle of {@code digits}. */
    public ObjectNode build(String digits) throws Exception {
        List<SuppressionStore.AuditMember> members =
                get(store.auditEntries(digits).toCompletableFuture());
        NumberTrace trace = traces.trace(digits, null, null, NumberTraces.MAX_LIMIT);
        List<Stored> events = new ArrayList<>();
        for (SuppressionStore.AuditMember m : members) {
            if (m.compact()) {
                // chain version 2: its JSON form (summary or minimal) is what its hash can be recomputed from
                if (m.event() != null) {
                    events.add(new Stored(m.stored(), m.event()));
                }
                continue;
            }
            try {
                events.add(new Stored(m.json(), ConsentEvent.fromJson(m.json().getBytes(StandardCharsets.UTF_8))));
            } catch (RuntimeException e) {
                // not an event: verification reports it; a bundle shows what it can prove
            }
        }
        events.sort(Comparator.comparing((Stored s) -> s.event().time()));
        withJournalDetail(events);

        Map<String, Object> b = new LinkedHashMap<>();
        b.put("format", EvidenceBundleCheck.FORMAT);
        b.put("number", "+" + digits);
        b.put("generatedAt", Instant.now());
        b.put("generatedBy", instanceId);
        List<Map<String, Object>> eventEntries = new ArrayList<>();
        for (Stored s : events) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("stored", s.json());
            e.put("view", EvidenceBundleCheck.view(s.event()));
            eventEntries.add(e);
        }
        Instant optedOut = null;
        for (Stored s : events) {
            if (s.event().type().effect() > 0) {
                optedOut = s.event().time();
                break;
            }
        }
        List<NumberTrace.Line> confirmations = new ArrayList<>();
        List<NumberTrace.Line> refusals = new ArrayList<>();
        for (NumberTrace.Line l : trace.lines()) {
            switch (l.type()) {
                case NumberTrace.CONFIRMATION, NumberTrace.CONFIRMATION_FAILED, NumberTrace.CONFIRMATION_RECEIPT ->
                    confirmations.add(l);
                case NumberTrace.REFUSED -> {
                    if (optedOut == null || !l.time().isBefore(optedOut)) {
                        refusals.add(l);
                    }
                }
                default -> {}
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("events", events.size());
        summary.put("confirmations", confirmations.size());
        summary.put("refusalsAfterOptOut", refusals.size());
        summary.put("refusedTotal", trace.refused());
        summary.put("violations", trace.violations());
        summary.put("possibleViolations", trace.possibleViolations());
        summary.put("firstOptOut", optedOut);
        b.put("summary", summary);
        b.put("events", eventEntries);
        b.put("confirmations", confirmations);
        b.put("refusals", refusals);
        b.put("trace", trace);
        b.put("proof", proof(events));
        b.put("verify", verifyHelp());
        return JSON.valueToTree(b);
    }

    private static Map<String, Object> verifyHelp() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("command", "gateway evidence verify BUNDLE --public-key OPERATOR-PUBLIC-KEY.pem");
        v.put(
                "eventHash",
                "hex(SHA-256(\"optoutgw-chain-v1\\n\" + chain + \"\\n\" + seq + \"\\n\" + prev + \"\\n\" + the stored"
                        + " event's bytes before ',\"chain\":' followed by '}'))");
        v.put(
                "checkpointSignature",
                "Ed25519 over \"optoutgw-checkpoint-v1\\n\" + chain + \"\\n\" + seq + \"\\n\" + hash + \"\\n\" + time"
                        + " + \"\\n\" + compactedFrom + \"\\n\" + breaks (empty when absent), base64 in sig");
        v.put("docs", "docs/evidence.md, Evidence bundle");
        return v;
    }

    /**
     * Replaces each version-2 event Redis holds without its journal detail, and each event Redis holds redacted
     * (privacy mode hmac: its key where its hash covers the number), by its form in the journal.
     */
    private void withJournalDetail(List<Stored> events) throws Exception {
        Set<String> ids = new LinkedHashSet<>();
        for (Stored s : events) {
            if (s.event().journalDigest() != null || s.event().isRedacted()) {
                ids.add(s.event().id());
            }
        }
        if (ids.isEmpty()) {
            return;
        }
        Map<String, String> full = journalDetail.find(ids);
        for (int i = 0; i < events.size(); i++) {
            Stored s = events.get(i);
            String json = full.get(s.event().id());
            if (json == null) {
                continue;
            }
            try {
                ConsentEvent e = ConsentEvent.fromJson(json.getBytes(StandardCharsets.UTF_8));
                if (e.chain() != null && e.chain().equals(s.event().chain())) {
                    events.set(i, new Stored(json, e));
                }
            } catch (RuntimeException x) {
                // the journal's copy is not readable: the bundle carries Redis's
            }
        }
    }

    /** The chain proof: segments from each chained event of the number up to the checkpoint covering it. */
    private Map<String, Object> proof(List<Stored> events) throws Exception {
        Map<String, TreeMap<Long, Stored>> byChain = new TreeMap<>();
        List<Map<String, Object>> unchained = new ArrayList<>();
        for (Stored s : events) {
            ConsentEvent.Chain link = s.event().chain();
            if (link == null) {
                unchained.add(
                        Map.of("eventId", s.event().id(), "why", "recorded before the hash chain began (no link)"));
                continue;
            }
            byChain.computeIfAbsent(link.id(), k -> new TreeMap<>()).put(link.seq(), s);
        }
        List<Map<String, Object>> segments = new ArrayList<>();
        Set<String> usedKeys = new LinkedHashSet<>();
        for (Map.Entry<String, TreeMap<Long, Stored>> c : byChain.entrySet()) {
            String chain = c.getKey();
            List<long[]> ranges = new ArrayList<>();
            List<Checkpoint> covering = new ArrayList<>();
            for (Map.Entry<Long, Stored> e : c.getValue().entrySet()) {
                long seq = e.getKey();
                Checkpoint cp = covering(chain, seq);
                long end = cp == null ? c.getValue().lastKey() : cp.seq();
                if (!ranges.isEmpty() && seq <= ranges.get(ranges.size() - 1)[1] + 1) {
                    long[] last = ranges.get(ranges.size() - 1);
                    if (end > last[1]) {
                        last[1] = end;
                        covering.set(covering.size() - 1, cp);
                    }
                } else {
                    ranges.add(new long[] {seq, end});
                    covering.add(cp);
                }
            }
            for (int i = 0; i < ranges.size(); i++) {
                long from = ranges.get(i)[0];
                long to = ranges.get(i)[1];
                Checkpoint cp = covering.get(i);
                Instant earliest = c.getValue().get(from).event().time();
                Instant latest =
                        cp != null ? cp.time() : c.getValue().get(to).event().time();
                Map<Long, String> found = chainEvents(chain, from, to, earliest, latest);
                // the number's own events as the bundle shows them (the journal's full form, when it had it)
                c.getValue().subMap(from, true, to, true).forEach((seq, st) -> found.put(seq, st.json()));
                Map<String, Object> seg = new LinkedHashMap<>();
                seg.put("chain", chain);
                seg.put("from", from);
                seg.put("to", to);
                List<String> list = new ArrayList<>();
                List<String> missing = new ArrayList<>();
                for (long s = from; s <= to; s++) {
                    String json = found.get(s);
                    if (json == null) {
                        missing.add(Long.toString(s));
                    } else {
                        list.add(json);
                    }
                }
                seg.put("events", list);
                seg.put("checkpoint", cp);
                if (cp == null) {
                    seg.put(
                            "note",
                            "no checkpoint of chain " + chain + " reaches seq " + to
                                    + " yet (its instance writes one within evidence.checkpointInterval)");
                } else if (cp.key() != null) {
                    usedKeys.add(cp.key());
                }
                if (!missing.isEmpty()) {
                    seg.put("missing", missing.size() > 20 ? missing.subList(0, 20) : missing);
                }
                segments.add(seg);
            }
        }
        List<Map<String, Object>> pub = new ArrayList<>();
        for (String id : usedKeys) {
            PublicKey k = keys.get(id);
            if (k != null) {
                pub.add(Map.of("key", id, "pem", EvidenceKeys.pem("PUBLIC KEY", k.getEncoded())));
            }
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("segments", segments);
        p.put("publicKeys", pub);
        if (!unchained.isEmpty()) {
            p.put("unchained", unchained);
        }
        return p;
    }

    /**
     * The checkpoint of {@code chain} at the lowest seq at or after {@code seq} (one whose signature a trusted
     * key verifies, when there are several there); for this instance's own chain, one written now when none is
     * that far yet. {@code null} when none covers it.
     */
    private Checkpoint covering(String chain, long seq) throws Exception {
        List<Checkpoint> found = checkpoints.covering(chain, seq);
        if (found.isEmpty() && chain.equals(ownChain.get())) {
            checkpointNow.get();
            found = checkpoints.covering(chain, seq);
        }
        for (Checkpoint c : found) {
            if (c.signature(keys) == Checkpoint.Signature.VALID) {
                return c;
            }
        }
        return found.isEmpty() ? null : found.get(0);
    }

    /**
     * The stored events of {@code chain} with seq {@code from..to}, by seq: the audit index between the first
     * event's time (less a minute: an event may carry a time a little before one journaled ahead of it) and
     * the checkpoint's time names the numbers, whose audit trails hold the events.
     */
    private Map<Long, String> chainEvents(String chain, long from, long to, Instant earliest, Instant latest)
            throws Exception {
        long fromMs = earliest.minus(SLACK).toEpochMilli();
        long toMs = latest.plusSeconds(1).toEpochMilli();
        Set<String> numbers = new LinkedHashSet<>();
        long[] scanned = {0};
        store.walkAuditIndex(fromMs, toMs, timeout, page -> {
            for (SuppressionStore.AuditRef r : page) {
                numbers.add(r.digits());
            }
            scanned[0] += page.size();
            return scanned[0] < MAX_INDEX_SCAN;
        });
        Map<Long, String> out = new HashMap<>();
        List<String> all = new ArrayList<>(numbers);
        for (int i = 0; i < all.size(); i += READS_IN_FLIGHT) {
            List<CompletableFuture<List<String>>> reads = new ArrayList<>();
            for (String d : all.subList(i, Math.min(all.size(), i + READS_IN_FLIGHT))) {
                reads.add(store.auditMembers(d, fromMs, toMs).toCompletableFuture());
            }
            for (CompletableFuture<List<String>> r : reads) {
                for (String json : get(r)) {
                    ConsentEvent.Chain link;
                    try {
                        link = ConsentEvent.fromJson(json.getBytes(StandardCharsets.UTF_8))
                                .chain();
                    } catch (RuntimeException e) {
                        continue;
                    }
                    if (link != null && chain.equals(link.id()) && link.seq() >= from && link.seq() <= to) {
                        out.putIfAbsent(link.seq(), json);
                    }
                }
            }
        }
        withJournalForm(out);
        return out;
    }

    /**
     * Privacy mode hmac: replaces each event Redis holds redacted (its number's key in place of the number, which
     * its version-2 hash covers) by its form in the journal, so that it hashes to its link; one the journal no
     * longer holds whole (erased) stays redacted.
     */
    private void withJournalForm(Map<Long, String> events) throws Exception {
        List<Stored> redacted = new ArrayList<>();
        for (String json : events.values()) {
            try {
                ConsentEvent e = ConsentEvent.fromJson(json.getBytes(StandardCharsets.UTF_8));
                if (e.isRedacted() && e.chain() != null) {
                    redacted.add(new Stored(json, e));
                }
            } catch (RuntimeException notAnEvent) {
                // left as it is: the verification names it
            }
        }
        if (redacted.isEmpty()) {
            return;
        }
        withJournalDetail(redacted);
        for (Stored s : redacted) {
            events.put(s.event().chain().seq(), s.json());
        }
    }

    private <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
