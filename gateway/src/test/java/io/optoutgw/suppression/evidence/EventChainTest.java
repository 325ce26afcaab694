package io.optoutgw.suppression.evidence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.journal.JournalCompaction;
import io.optoutgw.suppression.journal.OptOutJournal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hash chain of a journal: links, what a check finds in an edited record, recovery of the head. */
class EventChainTest {

    @TempDir
    Path dir;

    static ConsentEvent event(int i) {
        return new ConsentEvent(
                        "ev-" + i,
                        Instant.parse("2026-03-04T05:06:07.123456Z").plusSeconds(i),
                        ConsentEvent.Type.ADMIN_ADD,
                        "1555123" + String.format("%04d", i),
                        Scope.Global.INSTANCE.code(),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        "gw-a",
                        "ops",
                        "reason " + i + " \u00e9\"quoted\"")
                .withSource(ConsentEvent.Source.ADMIN)
                .withOrder(1_700_000_000L + i);
    }

    /** Appends events linked by {@code chain}; returns the records as the journal wrote them. */
    private static List<byte[]> appendLinked(OptOutJournal j, int from, int to) throws Exception {
        List<byte[]> out = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            out.add(j.appendLinked(event(i).toJson()).get(10, TimeUnit.SECONDS).payload());
        }
        return out;
    }

    @Test
    void theLinkedBytesAreTheEventWithItsLinkAsItsLastProperty() {
        ConsentEvent e = event(1);
        ConsentEvent.Chain link =
                new ConsentEvent.Chain("gw-a/0badcafe", 7, ConsentEvent.Chain.GENESIS, "ab".repeat(32));
        byte[] linked = EventChain.linked(e.toJson(), link);
        assertArrayEquals(e.withChain(link).toJson(), linked);
        assertTrue(new String(linked, StandardCharsets.UTF_8)
                .endsWith(",\"chain\":{\"id\":\"gw-a/0badcafe\",\"seq\":7," + "\"prev\":\"" + ConsentEvent.Chain.GENESIS
                        + "\",\"hash\":\"" + "ab".repeat(32) + "\"}}"));
        assertEquals(link, EventChain.linkOf(e.toJson(), linked));
        assertEquals(e.withChain(link), ConsentEvent.fromJson(linked));
        // the event without its link is what the hash covers, byte for byte
        assertArrayEquals(
                e.toJson(), ConsentEvent.fromJson(linked).withChain(null).toJson());
    }

    @Test
    void eachRecordLinksToTheOneBeforeAndTheChainContinuesAfterAReopen() throws Exception {
        List<byte[]> written;
        String id;
        try (OptOutJournal j = OptOutJournal.open(dir, OptOutJournal.Options.defaults())) {
            EventChain chain = EventChain.open(j, "gw-a");
            id = chain.id();
            assertTrue(id.startsWith("gw-a/"), id);
            assertEquals(0, chain.head().seq());
            j.linkWith(chain);
            written = appendLinked(j, 1, 3);
            assertEquals(3, chain.head().seq());
        }
        String prev = ConsentEvent.Chain.GENESIS;
        for (int i = 0; i < written.size(); i++) {
            EventChain.Checked c = EventChain.check(written.get(i));
            assertEquals(EventChain.Problem.NONE, c.problem());
            assertEquals(id, c.link().id());
            assertEquals(i + 1, c.link().seq());
            assertEquals(prev, c.link().prev());
            assertEquals(
                    EventChain.hash(id, i + 1, prev, event(i + 1).toJson()),
                    c.link().hash());
            prev = c.link().hash();
        }
        try (OptOutJournal j = OptOutJournal.open(dir, OptOutJournal.Options.defaults())) {
            EventChain chain = EventChain.open(j, "gw-a");
            assertEquals(new EventChain.Head(id, 3, prev), chain.head());
            j.linkWith(chain);
            ConsentEvent.Chain fourth =
                    EventChain.check(appendLinked(j, 4, 4).get(0)).link();
            assertEquals(new ConsentEvent.Chain(id, 4, prev, fourth.hash()), fourth);
            // another instance id starts its own chain in the same journal
            EventChain other = EventChain.open(j, "gw-b");
            assertNotEquals(id, other.id());
            assertEquals(0, other.head().seq());
        }
    }

    @Test
    void aCheckFindsAnEditAnEditedEncodingARemovedLinkAndGarbage() throws Exception {
        byte[] record;
        try (OptOutJournal j = OptOutJournal.open(dir, OptOutJournal.Options.defaults())) {
            j.linkWith(EventChain.open(j, "gw-a"));
            record = appendLinked(j, 1, 1).get(0);
        }
        String json = new String(record, StandardCharsets.UTF_8);
        assertEquals(EventChain.Problem.NONE, EventChain.check(record).problem());
        byte[] edited = json.replace("\"ADMIN_ADD\"", "\"ADMIN_REMOVE\"").getBytes(StandardCharsets.UTF_8);
        assertEquals(EventChain.Problem.HASH_MISMATCH, EventChain.check(edited).problem());
        byte[] spaced = json.replace("\"type\":", "\"type\": ").getBytes(StandardCharsets.UTF_8);
        assertEquals(EventChain.Problem.NOT_CANONICAL, EventChain.check(spaced).problem());
        byte[] unlinked = ConsentEvent.fromJson(record).withChain(null).toJson();
        assertEquals(EventChain.Problem.UNCHAINED, EventChain.check(unlinked).problem());
        assertEquals(
                EventChain.Problem.UNPARSEABLE,
                EventChain.check("{\"id\":".getBytes(StandardCharsets.UTF_8)).problem());
        assertNull(EventChain.check(unlinked).link());
    }

    @Test
    void aCompactionSummaryCarriesTheHeadAndIsSigned() throws Exception {
        EvidenceKeys.Signer signer = KeyFiles.signer(dir);
        OptOutJournal.Options small = OptOutJournal.Options.defaults().withSegmentSizeBytes(2048);
        String lastHash;
        String id;
        try (OptOutJournal j = OptOutJournal.open(dir.resolve("j"), small)) {
            EventChain chain = EventChain.open(j, "gw-a");
            id = chain.id();
            j.linkWith(chain);
            appendLinked(j, 1, 40);
            lastHash = chain.head().hash();
            assertTrue(j.segmentCount() > 3, "several segments: " + j.segmentCount());
            // keep nothing but the summaries: every event of the covered segments is compacted away
            j.enableCompaction(
                    new JournalCompaction() {
                        @Override
                        public Kept classify(byte[] payload) {
                            return null;
                        }

                        @Override
                        public Summary summary() {
                            return new CompactionSummary(signer);
                        }
                    },
                    0);
            assertTrue(j.compactThrough(j.lastSequence()) > 0);
            List<Checkpoint> summaries = new ArrayList<>();
            j.replay(0, (seq, payload) -> {
                if (Checkpoint.isCheckpoint(payload)) {
                    summaries.add(Checkpoint.fromRecord(payload));
                }
            });
            assertEquals(1, summaries.size());
            Checkpoint s = summaries.get(0);
            assertEquals(id, s.chain());
            assertEquals(1L, s.compactedFrom());
            assertEquals(0, s.breaks());
            assertTrue(s.seq() < 40 && s.seq() > 1, "covers the closed segments: " + s.seq());
            assertEquals(Checkpoint.Signature.VALID, s.signature(Map.of(signer.keyId(), signer.publicKey())));
        }
        try (OptOutJournal j = OptOutJournal.open(dir.resolve("j"), small)) {
            EventChain chain = EventChain.open(j, "gw-a");
            assertEquals(new EventChain.Head(id, 40, lastHash), chain.head());
        }
    }
}
