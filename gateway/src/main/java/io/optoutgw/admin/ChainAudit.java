package io.optoutgw.admin;

import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.NumberKeys;
import io.optoutgw.suppression.PhoneNumbers;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.evidence.Checkpoint;
import io.optoutgw.suppression.evidence.CheckpointStore;
import io.optoutgw.suppression.evidence.Erasure;
import io.optoutgw.suppression.evidence.EventChain;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The hash-chain half of verification (docs/evidence.md): every event of the journal and of the audit
 * trail in Redis is checked against its own link (edited?), its place (reordered?) and its neighbours
 * (deleted? linked?), the journal's copy against Redis's, and every checkpoint against its signature and
 * the chain. Fed by {@link ListVerifier}'s passes (Redis checkpoints, then the journal, then the audit
 * trails number by number), then {@link #finish()} walks each chain in seq order.
 *
 * <p>Memory stays bounded: what the walk needs of each event (seq, 16 bytes of its hash and of the one it
 * links to, time, id, number) is spilled to a file per chain and range of {@value #CHUNK} seqs, and the
 * walk loads one file at a time. About 100 bytes of temporary disk per event, journal and Redis copies
 * apiece.
 */
final class ChainAudit {

    /** Seqs per spill file. */
    static final int CHUNK = 16_384;
    /** Bytes buffered for the spill files before they are appended to disk. */
    private static final int SPILL_BUDGET = 8 << 20;

    private static final int CHECKPOINT_PAGE = 1_000;
    /** Checkpoints beyond the end of a chain listed one by one (the rest are counted). */
    private static final int MAX_PENDING = 100;

    private static final byte JOURNAL = 'J';
    private static final byte REDIS = 'R';
    private static final byte CHECKPOINT = 'K';
    private static final byte[] NO_HASH = new byte[16];

    /** Receives the findings. */
    interface Sink {
        void add(VerifyReport.Discrepancy d);
    }

    private static final class Chain {
        final String id;
        final int index;
        final TreeSet<Long> chunks = new TreeSet<>();
        long redisEvents;
        long journalEvents;
        long lastJournalOrderSeq;
        long maxSeq;
        long checkpoints;
        long valid;
        long unsigned;
        long unknownKey;
        long compactedThrough;
        final List<long[]> journalCompacted = new ArrayList<>();
        final List<long[]> rebuilt = new ArrayList<>();
        long missingAfterRebuild;

        Chain(String id, int index) {
            this.id = id;
            this.index = index;
        }
    }

    /** One spilled record. */
    private record Entry(
            byte tag,
            long seq,
            byte[] prev,
            byte[] hash,
            long timeMs,
            String id,
            String digits,
            String where,
            long compactedFrom,
            byte[] content) {}

    private final Path dir;
    private final NumberKeys numberKeys;
    /** Erased events (chain and seq) -> what the ERASED event recorded of them. */
    private final Map<String, Erasure> erasures = new HashMap<>();
    /** Redacted events found in the journal, checked against {@link #erasures} once every record was read. */
    private final List<Redacted> redactedInJournal = new ArrayList<>();

    private record Redacted(ConsentEvent event, ConsentEvent.Chain link, long journalSeq) {}

    private final CheckpointStore checkpoints;
    private final Map<String, PublicKey> keys;
    private final long recentMs;
    private final Sink sink;
    private final Map<String, Chain> chains = new TreeMap<>();
    /** Instance id -> the earliest time an event of one of its chains is known to have been recorded. */
    private final Map<String, Long> chainStartMs = new HashMap<>();
    /** Instances whose chained events the journal pass has seen, in journal order. */
    private final Set<String> chainedInJournal = new HashSet<>();

    private final Map<String, ByteArrayOutputStream> buffers = new HashMap<>();
    private int buffered;
    private long eventsBeforeChain;

    /**
     * @param dir         an empty directory for the spill files
     * @param checkpoints the checkpoints in Redis ({@code null}: not read)
     * @param keys        the public keys trusted for checkpoint signatures, by key id
     * @param recentMs    events and checkpoints from this time on may still be on their way to Redis: a gap
     *                    next to them, or a missing index entry, is left for the next verification
     */
    ChainAudit(Path dir, CheckpointStore checkpoints, Map<String, PublicKey> keys, long recentMs, Sink sink)
            throws IOException {
        this(dir, checkpoints, keys, recentMs, sink, NumberKeys.CLEAR);
    }

    /**
     * @param numberKeys how the list keys numbers (docs/privacy.md): in mode {@code hmac} Redis holds each event
     *                   redacted, so its copy is compared with the journal's by content (what is left of it once
     *                   redacted) besides the link
     */
    ChainAudit(
            Path dir,
            CheckpointStore checkpoints,
            Map<String, PublicKey> keys,
            long recentMs,
            Sink sink,
            NumberKeys numberKeys)
            throws IOException {
        this.numberKeys = numberKeys;
        this.dir = Files.createDirectories(dir);
        this.checkpoints = checkpoints;
        this.keys = keys;
        this.recentMs = recentMs;
        this.sink = sink;
    }

    private Chain chain(String id) {
        return chains.computeIfAbsent(id, k -> new Chain(k, chains.size()));
    }

    static String instanceOf(String chain) {
        int slash = chain.lastIndexOf('/');
        return slash < 0 ? chain : chain.substring(0, slash);
    }

    private void chainStarted(String chain, long timeMs) {
        chainStartMs.merge(instanceOf(chain), timeMs, Math::min);
    }

    // --- pass 0: the checkpoints in Redis --------------------------------------------------------

    /**
     * Reads every checkpoint Redis holds (page by page), checks its signature and spills it. Runs before
     * the journal is read: every checkpoint names an event that was on disk when it was made.
     */
    void readRedisCheckpoints() throws Exception {
        if (checkpoints == null) {
            return;
        }
        for (String id : checkpoints.chains()) {
            for (long start = 0; ; start += CHECKPOINT_PAGE) {
                List<String> page = checkpoints.page(id, start, CHECKPOINT_PAGE);
                for (String json : page) {
                    Checkpoint c;
                    try {
                        c = Checkpoint.fromJson(json);
                    } catch (RuntimeException e) {
                        finding(
                                VerifyReport.CHECKPOINT_INVALID,
                                "redis",
                                null,
                                null,
                                id,
                                null,
                                "a member of gw:chk:" + id + " is not a checkpoint");
                        continue;
                    }
                    if (!id.equals(c.chain())) {
                        finding(
                                VerifyReport.CHECKPOINT_INVALID,
                                "redis",
                                null,
                                null,
                                id,
                                c.seq(),
                                "a checkpoint of chain " + c.chain() + " is kept under chain " + id);
                        continue;
                    }
                    Checkpoint.Signature sig = checkpoint(c, "redis");
                    if (c.compactedFrom() != null && sig != Checkpoint.Signature.INVALID) {
                        // only a full replay of a compacted journal brings a compaction's summary to Redis
                        chain(id).rebuilt.add(new long[] {c.compactedFrom(), c.seq()});
                    }
                }
                if (page.size() < CHECKPOINT_PAGE) {
                    break;
                }
            }
        }
    }

    /** Counts, checks and spills one checkpoint; returns how its signature stands. */
    private Checkpoint.Signature checkpoint(Checkpoint c, String where) {
        Chain ch = chain(c.chain());
        ch.checkpoints++;
        Checkpoint.Signature sig = c.signature(keys);
        switch (sig) {
            case VALID -> ch.valid++;
            case UNSIGNED -> ch.unsigned++;
            case UNKNOWN_KEY -> ch.unknownKey++;
            case INVALID ->
                finding(
                        VerifyReport.CHECKPOINT_INVALID,
                        where,
                        null,
                        null,
                        c.chain(),
                        c.seq(),
                        "the signature of the checkpoint made at " + c.time() + " (key " + c.key()
                                + ") does not fit its content: forged or edited");
        }
        if (sig == Checkpoint.Signature.INVALID) {
            // what it says cannot be trusted: not compared with the chain
            return sig;
        }
        if (c.time() != null) {
            chainStarted(c.chain(), c.time().toEpochMilli());
        }
        spill(ch, c.seq(), out -> {
            out.writeByte(CHECKPOINT);
            out.writeLong(c.seq());
            out.write(EventChain.prefix(c.hash()));
            out.writeLong(c.time() == null ? 0 : c.time().toEpochMilli());
            out.writeUTF(where);
            out.writeLong(c.compactedFrom() == null ? -1 : c.compactedFrom());
        });
        return sig;
    }

    // --- pass 1: the journal ---------------------------------------------------------------------

    /** A checkpoint record of the journal. */
    void journalCheckpoint(long journalSeq, byte[] payload) {
        Checkpoint c;
        try {
            c = Checkpoint.fromRecord(payload);
        } catch (RuntimeException e) {
            finding(
                    VerifyReport.CHECKPOINT_INVALID,
                    "journal",
                    null,
                    null,
                    null,
                    null,
                    "journal record at sequence " + journalSeq + " is not a checkpoint");
            return;
        }
        Checkpoint.Signature sig = checkpoint(c, "journal");
        if (c.compactedFrom() != null && sig != Checkpoint.Signature.INVALID) {
            Chain ch = chain(c.chain());
            ch.journalCompacted.add(new long[] {c.compactedFrom(), c.seq()});
            ch.compactedThrough = Math.max(ch.compactedThrough, c.seq());
            if (c.breaks() != null && c.breaks() > 0) {
                finding(
                        VerifyReport.CHAIN_BROKEN,
                        "journal",
                        null,
                        null,
                        c.chain(),
                        c.seq(),
                        "the compaction at " + c.time() + " found " + c.breaks() + " link(s) that did not fit among "
                                + "the events it replaced (seq " + c.compactedFrom() + " to " + c.seq()
                                + "); the gateway's log of that time names them");
            }
        }
    }

    /**
     * An event record of the journal: checked against its link and its place in journal order, and
     * spilled. Returns the event for the list's checks, or {@code null} when it is not one.
     */
    ConsentEvent journalEvent(long journalSeq, byte[] payload) {
        EventChain.Checked c = EventChain.check(payload);
        ConsentEvent e = c.event();
        if (c.problem() == EventChain.Problem.UNPARSEABLE) {
            finding(
                    VerifyReport.EVENT_EDITED,
                    "journal",
                    null,
                    null,
                    null,
                    null,
                    "journal record at sequence " + journalSeq + " is not a consent event");
            return null;
        }
        ConsentEvent.Chain link = c.link();
        if (link == null) {
            eventsBeforeChain++;
            if (e.instance() != null && chainedInJournal.contains(e.instance())) {
                finding(
                        VerifyReport.EVENT_UNCHAINED,
                        "journal",
                        e,
                        null,
                        null,
                        null,
                        "journal record at sequence " + journalSeq + " has no link although " + e.instance()
                                + "'s chain began before it: its link was removed");
            }
            return e;
        }
        if (c.problem() == EventChain.Problem.NONE) {
            noteErasure(e); // only an ERASED event that fits its own hash vouches for anything
        }
        if (c.problem() == EventChain.Problem.HASH_MISMATCH && e.isRedacted()) {
            // erased: checked against the ERASED event's record of it once the whole journal was read
            redactedInJournal.add(new Redacted(e, link, journalSeq));
        } else if (c.problem() != EventChain.Problem.NONE) {
            finding(VerifyReport.EVENT_EDITED, "journal", e, e.id(), link.id(), link.seq(), edited(c.problem()));
        }
        Chain ch = chain(link.id());
        ch.journalEvents++;
        chainedInJournal.add(instanceOf(link.id()));
        if (link.seq() <= ch.lastJournalOrderSeq) {
            finding(
                    VerifyReport.EVENT_REORDERED,
                    "journal",
                    e,
                    e.id(),
                    link.id(),
                    link.seq(),
                    "it comes after seq " + ch.lastJournalOrderSeq + " in the journal");
        }
        ch.lastJournalOrderSeq = Math.max(ch.lastJournalOrderSeq, link.seq());
        chainStarted(link.id(), e.time().toEpochMilli());
        spillEvent(ch, JOURNAL, link, e);
        return e;
    }

    private static String edited(EventChain.Problem p) {
        return p == EventChain.Problem.NOT_CANONICAL
                ? "its stored bytes are not what the gateway wrote for it: edited"
                : "its content does not fit its hash: edited";
    }

    // --- pass 2: the audit trails ----------------------------------------------------------------

    /**
     * One member of a number's audit trail, with its score and the audit index's entries of the number
     * (id -> score; the entry of this event is taken out). Returns the event for the list's checks, or
     * {@code null} when it is not one.
     */
    ConsentEvent redisEvent(
            String digits, SuppressionStore.AuditMember member, Map<String, Double> index, Set<String> seen) {
        EventChain.Checked c;
        if (!member.compact()) {
            c = EventChain.check(member.json().getBytes(StandardCharsets.UTF_8));
        } else if (member.event() == null) {
            c = new EventChain.Checked(null, null, EventChain.Problem.UNPARSEABLE);
        } else {
            c = EventChain.checkDecoded(member.event());
        }
        double score = member.score();
        ConsentEvent e = c.event();
        if (c.problem() == EventChain.Problem.UNPARSEABLE && member.compact()) {
            finding(
                    VerifyReport.EVENT_EDITED,
                    "redis",
                    digits,
                    null,
                    null,
                    null,
                    null,
                    "a record of the compact audit trail of the number's bucket cannot be read (edited): "
                            + member.record().length() + " characters");
            return null;
        }
        if (c.problem() == EventChain.Problem.UNPARSEABLE) {
            finding(
                    VerifyReport.EVENT_EDITED,
                    "redis",
                    digits,
                    null,
                    null,
                    null,
                    null,
                    "a member of the number's audit trail (scored at " + Instant.ofEpochMilli((long) score)
                            + ") is not a consent event");
            return null;
        }
        long t = e.time().toEpochMilli();
        ConsentEvent.Chain link = c.link();
        String chainId = link == null ? null : link.id();
        Long seq = link == null ? null : link.seq();
        if ((long) score != t) {
            finding(
                    VerifyReport.EVENT_REORDERED,
                    "redis",
                    e,
                    e.id(),
                    chainId,
                    seq,
                    "its audit trail scores it at " + Instant.ofEpochMilli((long) score) + " but it was recorded at "
                            + e.time() + ": moved");
        }
        Double indexed = index == null ? null : index.remove(e.id());
        if (indexed == null && index != null && member.compact()) {
            // the compact time index names (number, time), one record per event written: each event takes one
            indexed = takeTimeRecord(index, t);
            if (indexed != null) {
                seen.add(timeKey(t));
            }
        }
        if (indexed == null && seen.contains(e.id())) {
            indexed = (double) t; // a second copy of an event already matched (recorded twice before chains)
        }
        seen.add(e.id());
        if (indexed == null) {
            if (t < recentMs) {
                finding(
                        VerifyReport.EVENT_DELETED,
                        "audit index",
                        e,
                        e.id(),
                        chainId,
                        seq,
                        "the audit index (gw:audit, or gw:ai for compact events) lacks it: time-range queries and reports do not see it");
            }
        } else if ((long) indexed.doubleValue() != t) {
            finding(
                    VerifyReport.EVENT_REORDERED,
                    "audit index",
                    e,
                    e.id(),
                    chainId,
                    seq,
                    "the audit index places it at " + Instant.ofEpochMilli(indexed.longValue())
                            + " but it was recorded at " + e.time() + ": moved");
        }
        if (link == null) {
            eventsBeforeChain++;
            Long start = e.instance() == null ? null : chainStartMs.get(e.instance());
            if (start != null && t > start) {
                finding(
                        VerifyReport.EVENT_UNCHAINED,
                        "redis",
                        e,
                        e.id(),
                        null,
                        null,
                        "it has no link although it was recorded by " + e.instance() + " after its chain began (at "
                                + Instant.ofEpochMilli(start) + "): its link was removed");
            }
            return e;
        }
        // a redacted copy (privacy mode hmac, or erased) cannot be hashed: the walk compares its content with the
        // journal's copy, whose own hash or erasure record vouches for it
        if (c.problem() != EventChain.Problem.NONE
                && !(c.problem() == EventChain.Problem.HASH_MISMATCH && e.isRedacted())) {
            finding(VerifyReport.EVENT_EDITED, "redis", e, e.id(), link.id(), link.seq(), edited(c.problem()));
        }
        Chain ch = chain(link.id());
        ch.redisEvents++;
        spillEvent(ch, REDIS, link, e);
        return e;
    }

    /**
     * The key of a record of the compact time index in a number's index entries ({@link #redisEvent}): its
     * records of one time are {@code @MS}, {@code @MS#2}, {@code @MS#3}, ... (several events of the number in
     * that millisecond, or one written again by a replay).
     */
    static String timeKey(long ms) {
        return "@" + ms;
    }

    /** Adds a record of the compact time index at {@code ms} to a number's index entries, after those of that time. */
    static void addTimeRecord(Map<String, Double> index, long ms) {
        String key = timeKey(ms);
        int copy = 1;
        while (index.containsKey(key)) {
            key = timeKey(ms) + "#" + ++copy;
        }
        index.put(key, (double) ms);
    }

    /** Takes a record of the compact time index at {@code ms} (the last, so the rest stay numbered from 1); null if none is left. */
    static Double takeTimeRecord(Map<String, Double> index, long ms) {
        String key = timeKey(ms);
        if (!index.containsKey(key)) {
            return null;
        }
        for (int copy = 2; index.containsKey(timeKey(ms) + "#" + copy); copy++) {
            key = timeKey(ms) + "#" + copy;
        }
        return index.remove(key);
    }

    /**
     * The entries of a number's audit index that none of its audit trail's events took ({@code seen}: what
     * {@link #redisEvent} saw): each is reported by {@link #indexWithoutEvent}, but a record of the compact time
     * index is reported once per (number, time), and not at all when an event of that time took one of its records
     * (the rest were written again by a replay: they name no event of their own). Returns how many name an event.
     */
    int indexLeft(String digits, Map<String, Double> left, Set<String> seen) {
        int named = 0;
        for (Map.Entry<String, Double> x : left.entrySet()) {
            String id = x.getKey();
            String time = timeKey(x.getValue().longValue());
            if (id.startsWith(time + "#") || (id.equals(time) && seen.contains(id))) {
                continue;
            }
            indexWithoutEvent(digits, id, x.getValue());
            named++;
        }
        return named;
    }

    /** An entry of the audit index whose event the number's audit trail does not hold. */
    void indexWithoutEvent(String digits, String eventId, double score) {
        if ((long) score < recentMs) {
            finding(
                    VerifyReport.EVENT_DELETED,
                    "redis",
                    digits,
                    null,
                    eventId,
                    null,
                    null,
                    "the audit index lists it at " + Instant.ofEpochMilli((long) score)
                            + " but the number's audit trail does not hold it");
        }
    }

    // --- pass 3: each chain in seq order ---------------------------------------------------------

    /** Remembers what an ERASED event of the journal recorded. */
    private void noteErasure(ConsentEvent e) {
        if (e.type() == ConsentEvent.Type.ERASED) {
            for (Erasure x : Erasure.parse(e.evidence())) {
                erasures.put(x.chain() + "\n" + x.seq(), x);
            }
        }
    }

    /** Each redacted journal event must be one an ERASED event recorded, as it recorded it. */
    private void checkRedacted() {
        for (Redacted r : redactedInJournal) {
            Erasure x = erasures.get(r.link().id() + "\n" + r.link().seq());
            String detail = null;
            if (x == null) {
                detail = "it carries no number and no text, but no ERASED event records its erasure: edited";
            } else if (!x.hash().equals(r.link().hash())) {
                detail = "its link names hash " + abbreviate(r.link().hash()) + "... but its erasure recorded "
                        + abbreviate(x.hash()) + "...: edited";
            } else if (!x.redacted().equals(Erasure.redactedHash(r.event()))) {
                detail = "what is left of it after its erasure does not match the hash its erasure recorded: edited";
            }
            if (detail != null) {
                finding(
                        VerifyReport.EVENT_EDITED,
                        "journal",
                        r.event(),
                        r.event().id(),
                        r.link().id(),
                        r.link().seq(),
                        "journal record at sequence " + r.journalSeq() + ": " + detail);
            }
        }
        redactedInJournal.clear();
    }

    private static String abbreviate(String hash) {
        return hash == null ? "null" : hash.substring(0, Math.min(12, hash.length()));
    }

    /**
     * 16 bytes of the hash of what Redis keeps of an event in privacy mode {@code hmac} (the event redacted):
     * equal for the journal's copy and Redis's copy unless one was edited; zeros in clear mode.
     */
    private byte[] content(ConsentEvent e) {
        if (!numberKeys.hashed()) {
            return NO_HASH;
        }
        return EventChain.prefix(Erasure.redactedHash(e.redacted(numberKeys.of(e.number()))));
    }

    /** Walks every chain and returns what was found about them. */
    VerifyReport.ChainSummary finish() throws IOException {
        checkRedacted();
        flushAll();
        List<VerifyReport.ChainStatus> out = new ArrayList<>();
        for (Chain ch : chains.values()) {
            walk(ch);
            List<String> rebuilt = new ArrayList<>();
            ch.rebuilt.forEach(r -> rebuilt.add(r[0] + ".." + r[1]));
            out.add(new VerifyReport.ChainStatus(
                    ch.id,
                    ch.redisEvents,
                    ch.journalEvents,
                    ch.maxSeq,
                    ch.checkpoints,
                    ch.valid,
                    ch.unsigned,
                    ch.unknownKey,
                    ch.compactedThrough,
                    rebuilt,
                    ch.missingAfterRebuild));
        }
        return new VerifyReport.ChainSummary(out, eventsBeforeChain, new ArrayList<>(new TreeSet<>(keys.keySet())));
    }

    /** The walk's position on one side (journal or Redis). */
    private static final class Side {
        Entry last;
    }

    private void walk(Chain ch) throws IOException {
        Side redis = new Side();
        Side journal = new Side();
        long journalSinceRedis = 0;
        Entry redisSinceJournal = null;
        List<Entry> pending = new ArrayList<>();
        long pendingCount = 0;
        for (long chunk : ch.chunks) {
            List<Entry> entries = read(ch, chunk);
            entries.sort(Comparator.comparingLong(Entry::seq));
            int i = 0;
            while (i < entries.size()) {
                long s = entries.get(i).seq();
                List<Entry> rs = new ArrayList<>(1);
                List<Entry> js = new ArrayList<>(1);
                List<Entry> ks = new ArrayList<>(0);
                for (; i < entries.size() && entries.get(i).seq() == s; i++) {
                    Entry x = entries.get(i);
                    (x.tag() == REDIS ? rs : x.tag() == JOURNAL ? js : ks).add(x);
                }
                Entry r = rs.isEmpty() ? null : rs.get(0);
                Entry j = js.isEmpty() ? null : js.get(0);
                if (r != null || j != null) {
                    ch.maxSeq = Math.max(ch.maxSeq, s);
                    // checkpoints at seqs without an event that events follow sat in a gap (reported as such)
                    pending.clear();
                    pendingCount = 0;
                }
                if (rs.size() > 1) {
                    finding(
                            VerifyReport.CHAIN_BROKEN,
                            "redis",
                            rs.get(1),
                            ch.id,
                            s,
                            "events " + rs.get(0).id() + " and " + rs.get(1).id() + " both claim this seq");
                }
                if (js.size() > 1) {
                    finding(
                            VerifyReport.CHAIN_BROKEN,
                            "journal",
                            js.get(1),
                            ch.id,
                            s,
                            "events " + js.get(0).id() + " and " + js.get(1).id() + " both claim this seq");
                }
                if (r != null) {
                    long expected = redis.last == null ? 1 : redis.last.seq() + 1;
                    if (s > expected) {
                        redisGap(ch, expected, s - 1, journalSinceRedis, redis.last, r);
                    } else if (redis.last != null && s == expected && !Arrays.equals(r.prev(), redis.last.hash())) {
                        finding(
                                VerifyReport.CHAIN_BROKEN,
                                "redis",
                                r,
                                ch.id,
                                s,
                                "it does not link to the event at seq " + redis.last.seq() + " (" + redis.last.id()
                                        + "): that event was replaced, or this one's link rewritten");
                    }
                    redis.last = r;
                    journalSinceRedis = 0;
                    if (redisSinceJournal == null) {
                        redisSinceJournal = r;
                    }
                }
                if (j != null) {
                    long expected = journal.last == null ? 1 : journal.last.seq() + 1;
                    if (s > expected) {
                        if (!covered(ch.journalCompacted, expected, s - 1)) {
                            journalGap(ch, expected, s - 1, redisSinceJournal);
                        }
                    } else if (journal.last != null && s == expected && !Arrays.equals(j.prev(), journal.last.hash())) {
                        finding(
                                VerifyReport.CHAIN_BROKEN,
                                "journal",
                                j,
                                ch.id,
                                s,
                                "it does not link to the journal's record at seq " + journal.last.seq()
                                        + ": that record was replaced, or this one's link rewritten");
                    }
                    journal.last = j;
                    redisSinceJournal = null;
                    if (redis.last == null || s > redis.last.seq()) {
                        // a journal event of a seq the audit trails have not shown yet
                        journalSinceRedis++;
                    }
                }
                if (r != null
                        && j != null
                        && Arrays.equals(r.hash(), j.hash())
                        && !Arrays.equals(r.content(), j.content())) {
                    finding(
                            VerifyReport.CHAIN_COPIES_DIFFER,
                            "redis",
                            r,
                            ch.id,
                            s,
                            "the audit trail's copy says something else than the journal's (compared without number"
                                    + " and text, as Redis keeps it): one of them was rewritten");
                }
                if (r != null && j != null && !Arrays.equals(r.hash(), j.hash())) {
                    finding(
                            VerifyReport.CHAIN_COPIES_DIFFER,
                            "redis",
                            r,
                            ch.id,
                            s,
                            "the audit trail's copy has hash " + hex(r.hash()) + "..., the journal's " + hex(j.hash())
                                    + "...: one of them was rewritten");
                }
                for (Entry k : ks) {
                    Entry ev = r != null ? r : j;
                    if (ev == null) {
                        pendingCount++;
                        if (pending.size() < MAX_PENDING) {
                            pending.add(k);
                        }
                    } else if (!Arrays.equals(k.hash(), ev.hash())) {
                        finding(
                                VerifyReport.CHECKPOINT_MISMATCH,
                                k.where(),
                                ev,
                                ch.id,
                                s,
                                "the checkpoint made at " + Instant.ofEpochMilli(k.timeMs()) + " names hash "
                                        + hex(k.hash()) + "... but the event at this seq has " + hex(ev.hash())
                                        + "...: the chain was rewritten after it");
                    }
                    if (k.where().equals("journal")
                            && k.compactedFrom() >= 0
                            && (journal.last == null || journal.last.seq() < s)) {
                        // a compaction's summary stands for its last event: the next one links to it
                        journal.last = k;
                    }
                }
            }
        }
        for (Entry k : pending) {
            if (k.timeMs() < recentMs) {
                finding(
                        VerifyReport.CHECKPOINT_MISMATCH,
                        k.where(),
                        null,
                        ch.id,
                        k.seq(),
                        "the checkpoint made at " + Instant.ofEpochMilli(k.timeMs()) + " names seq " + k.seq()
                                + " but the chain ends at seq " + ch.maxSeq + ": its last events were deleted");
            }
        }
        if (pendingCount > pending.size()) {
            finding(
                    VerifyReport.CHECKPOINT_MISMATCH,
                    "redis",
                    null,
                    ch.id,
                    null,
                    (pendingCount - pending.size()) + " more checkpoints name seqs beyond the end of the chain");
        }
    }

    private void redisGap(Chain ch, long from, long to, long inJournal, Entry before, Entry after) {
        long missing = to - from + 1;
        if (covered(ch.rebuilt, from, to)) {
            ch.missingAfterRebuild += missing;
            return;
        }
        if (after.timeMs() >= recentMs || missing <= inJournal) {
            // in flight, or every missing event is in the journal (each listed as JOURNAL_EVENT_NOT_IN_AUDIT)
            return;
        }
        String range = from == to ? "seq " + from : "seqs " + from + " to " + to;
        String between =
                before == null ? "before " + named(after) : "between " + named(before) + " and " + named(after);
        finding(
                VerifyReport.EVENT_DELETED,
                "redis",
                null,
                ch.id,
                from,
                range + " of the chain " + (missing == 1 ? "is" : "are") + " missing from the audit trails (" + between
                        + ")" + (inJournal > 0 ? "; the journal still holds " + inJournal + " of them" : ""));
    }

    private void journalGap(Chain ch, long from, long to, Entry redisCopy) {
        String range = from == to ? "seq " + from : "seqs " + from + " to " + to;
        String copy = redisCopy != null && redisCopy.seq() <= to
                ? "; the audit trail holds " + named(redisCopy) + (from == to ? "" : " among them")
                : "";
        finding(
                VerifyReport.EVENT_DELETED,
                "journal",
                redisCopy != null && redisCopy.seq() == from ? redisCopy : null,
                ch.id,
                from,
                range + " of the chain " + (from == to ? "is" : "are") + " missing from the journal" + copy);
    }

    private static String named(Entry e) {
        return "event " + e.id() + " (" + masked(e.digits()) + ", seq " + e.seq() + ")";
    }

    private static boolean covered(List<long[]> ranges, long from, long to) {
        for (long[] r : ranges) {
            if (r[0] <= from && to <= r[1]) {
                return true;
            }
        }
        return false;
    }

    private static String hex(byte[] hashPrefix) {
        return HexFormat.of().formatHex(hashPrefix, 0, 6);
    }

    static String masked(String digits) {
        return digits == null || digits.isEmpty() ? null : "+" + PhoneNumbers.mask(digits);
    }

    // --- findings --------------------------------------------------------------------------------

    private void finding(
            String kind, String where, ConsentEvent e, String eventId, String chain, Long seq, String detail) {
        finding(kind, where, e == null ? null : e.number(), e == null ? null : e.scope(), eventId, chain, seq, detail);
    }

    private void finding(String kind, String where, Entry e, String chain, Long seq, String detail) {
        finding(kind, where, e == null ? null : e.digits(), null, e == null ? null : e.id(), chain, seq, detail);
    }

    private void finding(
            String kind,
            String where,
            String digits,
            String scope,
            String eventId,
            String chain,
            Long seq,
            String detail) {
        sink.add(new VerifyReport.Discrepancy(
                kind,
                masked(digits),
                scope == null ? null : ScopeNames.displaySlot(scope),
                null,
                null,
                eventId,
                detail,
                where,
                chain,
                seq));
    }

    // --- spill files -----------------------------------------------------------------------------

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private void spillEvent(Chain ch, byte tag, ConsentEvent.Chain link, ConsentEvent e) {
        spill(ch, link.seq(), out -> {
            out.writeByte(tag);
            out.writeLong(link.seq());
            out.write(EventChain.prefix(link.prev()));
            out.write(EventChain.prefix(link.hash()));
            out.writeLong(e.time().toEpochMilli());
            out.writeUTF(clip(e.id()));
            out.writeUTF(clip(e.number()));
            out.write(content(e));
        });
    }

    private static String clip(String s) {
        return s == null ? "" : s.length() > 200 ? s.substring(0, 200) : s;
    }

    private void spill(Chain ch, long seq, Writer w) {
        long chunk = Math.floorDiv(seq, CHUNK);
        ch.chunks.add(chunk);
        String name = ch.index + "-" + chunk;
        ByteArrayOutputStream buf = buffers.computeIfAbsent(name, k -> new ByteArrayOutputStream(256));
        int before = buf.size();
        try {
            w.write(new DataOutputStream(buf));
            buffered += buf.size() - before;
            if (buffered > SPILL_BUDGET) {
                flushAll();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void flushAll() throws IOException {
        for (Map.Entry<String, ByteArrayOutputStream> b : buffers.entrySet()) {
            Files.write(
                    dir.resolve(b.getKey() + ".spill"),
                    b.getValue().toByteArray(),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
        buffers.clear();
        buffered = 0;
    }

    private List<Entry> read(Chain ch, long chunk) throws IOException {
        List<Entry> out = new ArrayList<>();
        Path file = dir.resolve(ch.index + "-" + chunk + ".spill");
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 65536))) {
            while (true) {
                int tag;
                try {
                    tag = in.readByte();
                } catch (EOFException end) {
                    return out;
                }
                long seq = in.readLong();
                if (tag == CHECKPOINT) {
                    byte[] hash = in.readNBytes(16);
                    long time = in.readLong();
                    String where = in.readUTF();
                    long from = in.readLong();
                    out.add(new Entry(CHECKPOINT, seq, NO_HASH, hash, time, null, null, where, from, NO_HASH));
                } else {
                    byte[] prev = in.readNBytes(16);
                    byte[] hash = in.readNBytes(16);
                    long time = in.readLong();
                    String id = in.readUTF();
                    String digits = in.readUTF();
                    byte[] content = in.readNBytes(16);
                    out.add(new Entry((byte) tag, seq, prev, hash, time, id, digits, null, -1, content));
                }
            }
        }
    }
}
