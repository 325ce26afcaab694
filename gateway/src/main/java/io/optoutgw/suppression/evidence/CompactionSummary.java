package io.optoutgw.suppression.evidence;

import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.journal.JournalCompaction;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a compaction of the journal says about the hash chains it compacts: for each chain, a
 * {@link Checkpoint} naming the range of seqs it covered and the hash the chain had reached, signed when a
 * key is configured, which leads the snapshot. The kept events still carry their links, and the next event
 * after the snapshot links to the summary's hash, so verification continues across the snapshot
 * (docs/evidence.md). Links that did not fit among the replaced records are counted in the summary (and
 * logged), not mended: the evidence of tampering survives the compaction.
 */
public final class CompactionSummary implements JournalCompaction.Summary {

    private static final Logger log = LoggerFactory.getLogger(CompactionSummary.class);

    private static final class State {
        long from;
        /** The last seq an earlier compaction covered: events up to it are kept ones, not consecutive. */
        long compactedThrough;

        long seq;
        String hash;
        int breaks;
    }

    private final EvidenceKeys.Signer signer;
    private final Map<String, State> chains = new LinkedHashMap<>();

    /** @param signer signs the summaries; {@code null}: unsigned */
    public CompactionSummary(EvidenceKeys.Signer signer) {
        this.signer = signer;
    }

    @Override
    public void see(byte[] payload) {
        if (Checkpoint.isCheckpoint(payload)) {
            Checkpoint c = Checkpoint.fromRecord(payload);
            if (c.compactedFrom() != null) {
                State s = chains.computeIfAbsent(c.chain(), k -> new State());
                s.from = c.compactedFrom();
                s.compactedThrough = c.seq();
                s.seq = c.seq();
                s.hash = c.hash();
                s.breaks += c.breaks() == null ? 0 : c.breaks();
            }
            return;
        }
        EventChain.Checked checked = EventChain.check(payload);
        ConsentEvent.Chain link = checked.link();
        if (link == null) {
            return;
        }
        State s = chains.get(link.id());
        String problem = null;
        boolean erased = checked.problem() == EventChain.Problem.HASH_MISMATCH
                && checked.event().isRedacted();
        if (checked.problem() != EventChain.Problem.NONE && !erased) {
            // an erased event cannot be hashed: verification checks it against its ERASED event (kept by compaction)
            problem = "its content does not fit its hash (" + checked.problem() + ")";
        }
        if (s == null) {
            s = new State();
            s.from = link.seq();
            chains.put(link.id(), s);
            if (link.seq() != 1) {
                problem = "the chain's first seq here is " + link.seq();
            }
        } else if (link.seq() <= s.compactedThrough) {
            // an event an earlier compaction kept: not next to its neighbours any more
            return;
        } else if (link.seq() != s.seq + 1 || !link.prev().equals(s.hash)) {
            problem = "it does not follow seq " + s.seq;
        }
        if (problem != null) {
            s.breaks++;
            log.warn("journal compaction: chain {} seq {} (event {}): {}", link.id(), link.seq(), id(checked), problem);
        }
        s.seq = link.seq();
        s.hash = link.hash();
    }

    private static String id(EventChain.Checked c) {
        return c.event() == null ? "?" : c.event().id();
    }

    @Override
    public List<byte[]> records() {
        List<byte[]> out = new ArrayList<>(chains.size());
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        chains.forEach((chain, s) -> out.add(new Checkpoint(chain, s.seq, s.hash, now, s.from, s.breaks, null, null)
                .signedBy(signer)
                .toRecord()));
        return out;
    }
}
