package io.optoutgw.app;

import io.optoutgw.config.EvidenceConfig;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.evidence.Checkpoint;
import io.optoutgw.suppression.evidence.CompactionSummary;
import io.optoutgw.suppression.evidence.EventForms;
import io.optoutgw.suppression.evidence.EvidenceKeys;
import io.optoutgw.suppression.journal.JournalCompaction;
import java.time.Clock;
import java.time.Duration;

/**
 * What compaction keeps of the opt-out journal: per (number, scope) the event the list itself would
 * end up with (the greater order, {@link ConsentEvent#listOrder()}, wins, and on a tie an opt-out beats
 * an opt-in), so a replay of
 * the compacted journal after Redis lost data restores the same list. Events that do not change the list
 * (HELP, REASON) are dropped, except ERASED events (each kept: they vouch for the redacted events a privacy
 * erase left, docs/privacy.md), as are the older changes of each (number, scope); their audit entries stay
 * in Redis. Checkpoints are dropped too (Redis keeps them): the snapshot starts with a
 * {@link CompactionSummary} of each hash chain it covers instead.
 */
final class ConsentJournalCompaction implements JournalCompaction {

    private final EvidenceKeys.Signer signer;
    private final Duration retention;
    private final Clock clock;

    ConsentJournalCompaction() {
        this(null);
    }

    /** @param signer signs the snapshot's chain summaries ({@code null}: unsigned) */
    ConsentJournalCompaction(EvidenceKeys.Signer signer) {
        this(signer, EvidenceConfig.DEFAULT_RETENTION, Clock.systemUTC());
    }

    /**
     * @param retention how long events keep their detail ({@code evidence.retention}): a kept event of chain
     *                  version 2 older than that is written to the snapshot in its minimal form, which hashes
     *                  as before (docs/evidence.md, "Retention")
     */
    ConsentJournalCompaction(EvidenceKeys.Signer signer, Duration retention, Clock clock) {
        this.signer = signer;
        this.retention = retention;
        this.clock = clock;
    }

    @Override
    public byte[] rewrite(byte[] payload) {
        ConsentEvent e = ConsentEvent.fromJson(payload);
        if (e.chain() == null
                || e.chain().version() != EventForms.VERSION
                || EventForms.isMinimal(e)
                || !e.time().isBefore(clock.instant().minus(retention))) {
            return payload;
        }
        return EventForms.minimal(e).toJson();
    }

    @Override
    public Kept classify(byte[] payload) {
        if (Checkpoint.isCheckpoint(payload)) {
            return null;
        }
        ConsentEvent e = ConsentEvent.fromJson(payload);
        int effect = e.type().effect();
        if (e.type() == ConsentEvent.Type.ERASED) {
            // each kept: verification checks the erased events still in the journal against it (docs/privacy.md)
            return new Kept("erased\u0000" + e.id(), 0);
        }
        if (effect == 0) {
            return null;
        }
        return new Kept(e.number() + '\u0000' + e.scope(), e.listOrder() * 2 + (effect > 0 ? 1 : 0));
    }

    @Override
    public Summary summary() {
        return new CompactionSummary(signer);
    }
}
