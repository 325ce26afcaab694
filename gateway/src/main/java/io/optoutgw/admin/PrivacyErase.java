package io.optoutgw.admin;

import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.NumberKeys;
import io.optoutgw.suppression.PhoneNumbers;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.evidence.Checkpoint;
import io.optoutgw.suppression.evidence.Erasure;
import io.optoutgw.suppression.journal.OptOutJournal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code gateway privacy erase NUMBER} (docs/privacy.md, "Erase"), in privacy mode {@code hmac} only: the
 * number's events lose their message text, raw MO, IP and clear number in the journal (Redis never held them
 * in this mode), the list entries (keyed by the HMAC) stay, so the number stays suppressed, and an ERASED event
 * records who erased what, when.
 *
 * <ol>
 *   <li>The journal is read for the number's events; each is redacted ({@link ConsentEvent#redacted}) with its
 *       link kept.</li>
 *   <li>The ERASED event (the number's key, actor, reason, and per redacted event its chain, seq, original hash
 *       and the hash of what is left, {@link Erasure}) is recorded, journaled in a new segment and applied to
 *       Redis. Recorded first: a crash before the rewrite leaves events in clear that the next erase finds again,
 *       never a redacted event without its record.</li>
 *   <li>The segments holding the events are rewritten (new file, fsync, atomic rename, directory fsync).</li>
 * </ol>
 *
 * The chain still links (a redacted event keeps its link, whose hash its successor names) and verification
 * checks each redacted event against the ERASED event's record of it, which the chain itself covers.
 */
public final class PrivacyErase {

    private static final Logger log = LoggerFactory.getLogger(PrivacyErase.class);

    private final SuppressionStore store;
    private final OptOutJournal journal;
    private final ConsentLedger recorder;
    private final String instanceId;
    private final Duration timeout;

    public PrivacyErase(
            SuppressionStore store,
            OptOutJournal journal,
            ConsentLedger recorder,
            String instanceId,
            Duration timeout) {
        this.store = store;
        this.journal = journal;
        this.recorder = recorder;
        this.instanceId = instanceId;
        this.timeout = timeout;
    }

    /**
     * In privacy mode hmac: key -> digits of every number whose events the journal holds in clear (not erased),
     * for the export, whose list holds keys only (docs/privacy.md). Memory: one entry per such number.
     */
    public Map<String, String> journalNumbers() throws java.io.IOException {
        NumberKeys keys = store.numberKeys();
        Map<String, String> out = new java.util.HashMap<>();
        journal.replay(0, (seq, payload) -> {
            if (Checkpoint.isCheckpoint(payload)) {
                return;
            }
            try {
                String n = ConsentEvent.fromJson(payload).number();
                if (n != null && !NumberKeys.isKey(n)) {
                    out.computeIfAbsent(keys.of(n), k -> n);
                }
            } catch (RuntimeException notAnEvent) {
                // verification reports it
            }
        });
        return out;
    }

    /** What an erase did. */
    public record Result(
            String key,
            String erasedEvent,
            int journalRecords,
            int segmentsRewritten,
            int auditMembers,
            List<String> scopesSuppressed) {}

    /**
     * Erases {@code digits}; {@code actor} and {@code reason} go into the ERASED event.
     *
     * @throws IllegalStateException in clear mode (the list itself is keyed by the number there)
     */
    public synchronized Result erase(String digits, String actor, String reason) throws Exception {
        NumberKeys keys = store.numberKeys();
        if (!keys.hashed()) {
            throw new IllegalStateException("privacy erase needs privacy.mode: hmac; in clear mode the list itself is"
                    + " keyed by the number (docs/privacy.md)");
        }
        String key = keys.of(digits);
        // 1. the number's events in the journal, redacted
        Map<Long, byte[]> replacements = new LinkedHashMap<>();
        List<Erasure> erased = new ArrayList<>();
        journal.replay(0, (seq, payload) -> {
            if (Checkpoint.isCheckpoint(payload)) {
                return;
            }
            ConsentEvent e;
            try {
                e = ConsentEvent.fromJson(payload);
            } catch (RuntimeException notAnEvent) {
                return;
            }
            if (!digits.equals(e.number())) {
                return;
            }
            ConsentEvent r = e.redacted(key);
            replacements.put(seq, r.toJson());
            if (r.chain() != null) {
                erased.add(Erasure.of(r));
            }
        });
        // 2. the ERASED event, in a new segment: every record read above is then in a segment no longer written
        journal.rotateBeforeNextAppend();
        ConsentEvent event = ConsentEvent.administrative(
                        ConsentEvent.newId(),
                        ConsentEvent.Type.ERASED,
                        key,
                        Scope.Global.INSTANCE,
                        instanceId,
                        actor,
                        reason == null || reason.isBlank() ? "privacy erase" : reason,
                        ConsentEvent.Source.ADMIN,
                        null)
                .withJustification(Erasure.evidence(erased), false);
        ConsentEvent recorded = recorder.recordOrdered(event).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        // 3. the segments rewritten
        int segments = replacements.isEmpty() ? 0 : journal.rewrite(replacements);
        // Redis keeps every event redacted in this mode: nothing of the number's to remove there
        List<SuppressionStore.AuditMember> members =
                store.auditEntries(key).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        for (SuppressionStore.AuditMember m : members) {
            String stored = m.stored();
            if (stored != null && stored.contains(digits)) {
                throw new IllegalStateException("the audit trail of " + key + " holds the number in clear");
            }
        }
        List<String> suppressed = new ArrayList<>();
        store.entries(key)
                .toCompletableFuture()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .forEach((slot, value) -> {
                    if (value > 0) {
                        suppressed.add(slot);
                    }
                });
        log.info(
                "privacy: erased {} ({} journal records, {} segment(s) rewritten) for {}; ERASED event {}",
                "+" + PhoneNumbers.mask(digits),
                replacements.size(),
                segments,
                actor,
                recorded.id());
        return new Result(key, recorded.id(), replacements.size(), segments, members.size(), suppressed);
    }
}
