package io.optoutgw.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.evidence.EventChain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chain walk over many spill files: 40,000 events (three files of 16,384 seqs) fed in journal order
 * and, for Redis, in random order (as the walk by number reads them); gaps at a file boundary are
 * found once, on the right side, and named by their neighbours.
 */
class ChainAuditTest {

    @TempDir
    Path dir;

    private static final int EVENTS = 40_000;
    private static final Instant PAST = Instant.parse("2026-01-01T00:00:00Z");

    /** The chain's events as the journal writes them. */
    private static List<byte[]> chain() {
        EventChain chain = new EventChain(new EventChain.Head("gw-a/00c0ffee", 0, ConsentEvent.Chain.GENESIS));
        List<byte[]> out = new ArrayList<>(EVENTS);
        for (int i = 0; i < EVENTS; i++) {
            ConsentEvent e = new ConsentEvent(
                    "ev-" + i,
                    PAST.plusMillis(i),
                    ConsentEvent.Type.ADMIN_ADD,
                    "1555" + String.format("%07d", i),
                    "g",
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    "gw-a",
                    "ops",
                    "r");
            out.add(chain.link(e.toJson()));
        }
        return out;
    }

    @Test
    void gapsAcrossSpillFilesAreFoundOnceAndNamedByTheirNeighbours() throws Exception {
        List<byte[]> events = chain();
        List<VerifyReport.Discrepancy> found = new ArrayList<>();
        ChainAudit audit = new ChainAudit(dir, null, Map.of(), Instant.now().toEpochMilli(), found::add);
        // the journal lost seq 16384 and 16385 (the first file's last and the second's first), and 32768
        for (int i = 0; i < EVENTS; i++) {
            long seq = i + 1;
            if (seq != ChainAudit.CHUNK && seq != ChainAudit.CHUNK + 1 && seq != 2L * ChainAudit.CHUNK) {
                assertTrue(audit.journalEvent(seq, events.get(i)) != null);
            }
        }
        // Redis lost seq 32768 (the second file's last: gone from every copy) from both its trail and its index, and
        // its
        // trail lost seq 100 while the index still lists it
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(7));
        for (int i : order) {
            long seq = i + 1;
            ConsentEvent e = ConsentEvent.fromJson(events.get(i));
            Map<String, Double> index = new HashMap<>();
            index.put(e.id(), (double) e.time().toEpochMilli());
            if (seq == 2L * ChainAudit.CHUNK) {
                continue;
            }
            if (seq == 100) {
                audit.indexWithoutEvent(e.number(), e.id(), e.time().toEpochMilli());
                continue;
            }
            audit.redisEvent(
                    e.number(),
                    new SuppressionStore.AuditMember(
                            new String(events.get(i), StandardCharsets.UTF_8),
                            e.time().toEpochMilli(),
                            null,
                            null),
                    index,
                    new HashSet<>());
        }
        VerifyReport.ChainSummary summary = audit.finish();
        VerifyReport.ChainStatus chain = summary.chains().get(0);
        assertEquals(EVENTS - 2, chain.redisEvents());
        assertEquals(EVENTS - 3, chain.journalEvents());
        assertEquals(EVENTS, chain.lastSeq());

        List<String> seen = new ArrayList<>();
        found.forEach(d -> seen.add(d.kind() + " " + d.where() + " " + d.seq() + " " + d.eventId()));
        assertEquals(
                List.of(
                        "EVENT_DELETED redis null ev-99",
                        "EVENT_DELETED journal 16384 ev-16383",
                        "EVENT_DELETED redis 32768 null",
                        "EVENT_DELETED journal 32768 null"),
                seen,
                found.toString());
        VerifyReport.Discrepancy journalGap = found.get(1);
        assertTrue(
                journalGap.detail().startsWith("seqs 16384 to 16385 of the chain are missing from the journal"),
                journalGap.detail());
        VerifyReport.Discrepancy redisGap = found.get(2);
        assertTrue(redisGap.detail().contains("ev-32766") && redisGap.detail().contains("ev-32768"), redisGap.detail());
        // seq 100 is missing from the audit trail too, but the journal still holds it: named once, by the index
        // (the list's own check names it again, as a journal event missing from the audit trail)
        assertEquals(0, summary.eventsBeforeChain());
    }
}
