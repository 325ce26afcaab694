package io.optoutgw.suppression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.suppression.evidence.EventChain;
import io.optoutgw.suppression.evidence.EventForms;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The compact record of an event of chain version 2 reads back as the same event, and hashes alike in every form. */
class AuditCodecTest {

    private static ConsentEvent linked(ConsentEvent e, long seq, String prev) {
        ConsentEvent.Chain partial = new ConsentEvent.Chain("gw-a/0a1b2c3d", seq, prev, null, EventForms.VERSION);
        String hash = EventForms.hash(e.withChain(partial));
        return e.withChain(new ConsentEvent.Chain("gw-a/0a1b2c3d", seq, prev, hash, EventForms.VERSION));
    }

    static ConsentEvent mo() {
        return new ConsentEvent(
                        ConsentEvent.newId(),
                        Instant.parse("2026-05-01T10:00:00.123456789Z"),
                        ConsentEvent.Type.OPT_OUT,
                        "15551230001",
                        "a:acme",
                        "STOP",
                        "en",
                        "Stop ça",
                        0,
                        "smsc-1",
                        "smsc-1#42",
                        "gw-a",
                        null,
                        null,
                        "acme",
                        "12345",
                        1777629600L,
                        "marketing")
                .withSource(ConsentEvent.Source.MO_KEYWORD)
                .withMoEvidence("53746f70", "0123456789abcdef");
    }

    @Test
    void aRecordReadsBackAsTheEventInItsSummaryFormWithTheSameHash() {
        ConsentEvent full = linked(mo(), 7, "ab".repeat(32));
        AuditCodec.Encoded enc = AuditCodec.encode(full);
        assertTrue(enc.record().chars().allMatch(c -> c < 0x80 || "ç".indexOf(c) >= 0), "7-bit but for the text's");
        ConsentEvent back = AuditCodec.decode(enc.record());
        assertEquals(full.id(), back.id());
        assertEquals(full.time().toEpochMilli(), back.time().toEpochMilli());
        assertEquals(full.order(), back.order());
        assertEquals("STOP", back.keyword());
        assertEquals("acme", back.account());
        assertEquals("gw-a", back.instance());
        assertEquals(null, back.rawMo(), "the raw MO stays in the journal");
        assertEquals(EventForms.journalDigest(full), back.journalDigest());
        assertEquals(full.chain(), back.chain(), "the hash recomputed from the record is the journal's");
        assertEquals(EventChain.Problem.NONE, EventChain.checkDecoded(back).problem());
        // minimal form: same hash
        ConsentEvent minimal = EventForms.minimal(back);
        ConsentEvent min2 = AuditCodec.decode(AuditCodec.encode(minimal).record());
        assertEquals(full.chain(), min2.chain());
        assertEquals(null, min2.keyword());
        assertEquals(EventChain.Problem.NONE, EventChain.check(min2.toJson()).problem());
        assertEquals(EventChain.Problem.NONE, EventChain.check(back.toJson()).problem());
        // same event, same characters: the needle finds it whatever the form
        assertTrue(AuditCodec.encode(minimal).record().startsWith(enc.needle()));
    }

    @Test
    void anEditedRecordNoLongerFitsItsHash() {
        ConsentEvent full = linked(mo(), 7, "ab".repeat(32));
        String rec = AuditCodec.encode(full).record();
        // the type is the second character after the length: flip OPT_OUT to OPT_IN by re-encoding an edited event
        ConsentEvent edited = AuditCodec.decode(rec);
        String forged = AuditCodec.encode(new ConsentEvent(
                                edited.id(),
                                edited.time().plusSeconds(3600),
                                edited.type(),
                                edited.number(),
                                edited.scope(),
                                edited.keyword(),
                                edited.language(),
                                edited.text(),
                                null,
                                null,
                                null,
                                edited.instance(),
                                edited.actor(),
                                edited.reason(),
                                edited.account(),
                                edited.sender(),
                                edited.order(),
                                edited.category())
                        .withSource(edited.source())
                        .withDigests(null, edited.journalDigest())
                        .withChain(edited.chain()))
                .record();
        ConsentEvent back = AuditCodec.decode(forged);
        assertNotEquals(full.chain().hash(), back.chain().hash());
        assertEquals(
                EventChain.Problem.HASH_MISMATCH, EventChain.checkDecoded(back).problem());
    }

    @Test
    void aTrailOfSeveralNumbersIsSplitByNumber() {
        ConsentEvent a = linked(mo(), 1, ConsentEvent.Chain.GENESIS);
        ConsentEvent b = linked(
                ConsentEvent.administrative(
                        "not-a-uuid",
                        ConsentEvent.Type.ADMIN_ADD,
                        "4420123456",
                        Scope.Global.INSTANCE,
                        "gw-b",
                        "ops",
                        "asked by phone",
                        ConsentEvent.Source.ADMIN,
                        null),
                2,
                a.chain().hash());
        String blob = AuditCodec.encode(a).record() + AuditCodec.encode(b).record();
        List<AuditCodec.Decoded> all = AuditCodec.decodeAll(blob, null);
        assertEquals(2, all.size());
        assertEquals("gw-b", all.get(1).event().instance());
        assertEquals("not-a-uuid", all.get(1).event().id());
        assertEquals(1, AuditCodec.decodeAll(blob, "4420123456").size());
        assertEquals(
                EventChain.Problem.NONE,
                EventChain.checkDecoded(all.get(1).event()).problem());
        String idx = AuditCodec.indexRecord(1777629600123L, "15551230001");
        assertEquals(AuditCodec.INDEX_RECORD, idx.length());
        SuppressionStore.AuditRef ref = AuditCodec.indexRef(AuditCodec.minute(1777629600123L), idx, 0);
        assertEquals("15551230001", ref.digits());
        assertEquals(1777629600123L, ref.epochMillis());
    }
}
