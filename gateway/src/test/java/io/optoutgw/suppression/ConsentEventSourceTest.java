package io.optoutgw.suppression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The source, time of request and re-subscribe justification on consent events, and records from before they existed. */
class ConsentEventSourceTest {

    /** A journal / audit line of an SMS opt-out as gateways wrote it before sources existed. */
    private static final String OLD_OPT_OUT = "{\"id\":\"3f1c\",\"time\":\"2025-01-02T03:04:05Z\",\"type\":\"OPT_OUT\","
            + "\"number\":\"15551230001\",\"scope\":\"a:acme\",\"keyword\":\"STOP\",\"language\":\"en\",\"text\":\"STOP\","
            + "\"dataCoding\":0,\"upstream\":\"sim\",\"instance\":\"gw-a\",\"account\":\"acme\",\"sender\":\"12345\","
            + "\"order\":1735787045}";

    /** An administrative addition as gateways wrote it before sources existed. */
    private static final String OLD_ADMIN_ADD = "{\"id\":\"i1x.2\",\"time\":\"2025-01-02T03:04:05.123Z\","
            + "\"type\":\"ADMIN_ADD\",\"number\":\"15551230002\",\"scope\":\"g\",\"instance\":\"gw-a\",\"actor\":\"ops\","
            + "\"reason\":\"legacy\",\"order\":1735787046}";

    @Test
    void anOldLineParsesWithoutASourceAndIsWrittenBackByteForByte() {
        for (String line : new String[] {OLD_OPT_OUT, OLD_ADMIN_ADD}) {
            ConsentEvent e = ConsentEvent.fromJson(line.getBytes(StandardCharsets.UTF_8));
            assertNull(e.source());
            assertNull(e.receivedAt());
            assertNull(e.evidence());
            assertNull(e.override());
            assertEquals(ConsentEvent.UNKNOWN_SOURCE, e.sourceLabel());
            // the audit trail is a set of JSON strings: a replayed old line must not become a second entry
            assertEquals(line, e.toJsonString());
        }
        assertTrue(ConsentEvent.fromJson(OLD_OPT_OUT.getBytes(StandardCharsets.UTF_8))
                .fromPerson());
        assertFalse(ConsentEvent.fromJson(OLD_ADMIN_ADD.getBytes(StandardCharsets.UTF_8))
                .fromPerson());
    }

    @Test
    void sourceAndTimeOfRequestRoundTrip() {
        Instant asked = Instant.parse("2026-11-20T20:00:00Z");
        ConsentEvent e = ConsentEvent.administrative(
                        "id-1",
                        ConsentEvent.Type.ADMIN_ADD,
                        "15551230003",
                        Scope.Global.INSTANCE,
                        "gw-a",
                        "crm",
                        "web form",
                        ConsentEvent.Source.API,
                        asked)
                .withOrder(7);
        String json = e.toJsonString();
        assertTrue(json.contains("\"source\":\"api\""), json);
        assertTrue(json.contains("\"receivedAt\":\"2026-11-20T20:00:00Z\""), json);
        assertFalse(json.contains("override"), json);
        ConsentEvent back = ConsentEvent.fromJson(e.toJson());
        assertEquals(e, back);
        assertEquals("api", back.sourceLabel());
        assertFalse(back.fromPerson());
    }

    @Test
    void aJustifiedRemovalRecordsEvidenceAndOverride() {
        ConsentEvent removal = ConsentEvent.administrative(
                        "id-2",
                        ConsentEvent.Type.ADMIN_REMOVE,
                        "15551230004",
                        new Scope.Account("acme"),
                        "gw-a",
                        "alice",
                        "asked on the phone",
                        ConsentEvent.Source.ADMIN,
                        null)
                .withJustification("crm-ticket-42", true);
        ConsentEvent back = ConsentEvent.fromJson(removal.toJson());
        assertEquals("crm-ticket-42", back.evidence());
        assertEquals(Boolean.TRUE, back.override());
        assertNull(ConsentEvent.fromJson(removal.withJustification(null, false).toJson())
                .override());
    }

    @Test
    void anMoEventCarriesNoTimeOfRequestAndCountsAsThePersons() {
        ConsentEvent mo = ConsentEvent.fromJson(OLD_OPT_OUT.getBytes(StandardCharsets.UTF_8))
                .withSource(ConsentEvent.Source.MO_PHRASE);
        assertEquals("mo_phrase", ConsentEvent.fromJson(mo.toJson()).sourceLabel());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> mo.withSource(ConsentEvent.Source.MO_KEYWORD, Instant.now()));
        assertTrue(e.getMessage().contains("receivedAt"), e.getMessage());
        for (ConsentEvent.Source s : ConsentEvent.Source.values()) {
            assertEquals(s.code().startsWith("mo_"), s.fromPerson(), s.code());
            assertEquals(s, ConsentEvent.Source.of(s.code()));
        }
        // an admin event with a person's source is the person's (a clarification reply recorded by another flow)
        assertTrue(ConsentEvent.fromJson(OLD_ADMIN_ADD.getBytes(StandardCharsets.UTF_8))
                .withSource(ConsentEvent.Source.MO_CLARIFICATION)
                .fromPerson());
    }

    @Test
    void anUnknownSourceIsNotAConsentEvent() {
        String bad = OLD_ADMIN_ADD.replace("\"order\"", "\"source\":\"carrier_pigeon\",\"order\"");
        UncheckedIOException e = assertThrows(
                UncheckedIOException.class, () -> ConsentEvent.fromJson(bad.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("carrier_pigeon"), e.getMessage());
    }
}
