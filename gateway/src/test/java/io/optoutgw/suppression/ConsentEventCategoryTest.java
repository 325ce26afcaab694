package io.optoutgw.suppression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The category on consent events and list fields, and records from before categories existed. */
class ConsentEventCategoryTest {

    /** A journal / audit record as gateways wrote it before categories existed. */
    private static final String OLD_RECORD = "{\"id\":\"3f1c\",\"time\":\"2025-01-02T03:04:05Z\",\"type\":\"OPT_OUT\","
            + "\"number\":\"15551230001\",\"scope\":\"a:acme\",\"keyword\":\"STOP\",\"language\":\"en\",\"text\":\"STOP\","
            + "\"dataCoding\":0,\"upstream\":\"sim\",\"instance\":\"gw-a\",\"account\":\"acme\",\"sender\":\"12345\","
            + "\"order\":1735787045}";

    @Test
    void anOldRecordReadsAsAChangeOfEveryCategory() {
        ConsentEvent e = ConsentEvent.fromJson(OLD_RECORD.getBytes(StandardCharsets.UTF_8));
        assertNull(e.category());
        assertEquals("a:acme", e.slot());
        assertEquals("15551230001|a:acme", SuppressionStore.field(e.number(), e.parsedScope(), e.category()));
        assertEquals(1735787045L, e.listOrder());
        assertFalse(e.toJsonString().contains("category"), "an all-categories event is written as before");
    }

    @Test
    void aCategoryEventRoundTrips() {
        ConsentEvent e = new ConsentEvent(
                        "id",
                        Instant.parse("2025-01-02T03:04:05Z"),
                        ConsentEvent.Type.OPT_OUT,
                        "15551230001",
                        "a:acme",
                        "STOP",
                        "en",
                        "STOP",
                        0,
                        "sim",
                        null,
                        "gw-a",
                        null,
                        null,
                        "acme",
                        "12345")
                .withCategory("marketing")
                .withOrder(42);
        ConsentEvent back = ConsentEvent.fromJson(e.toJson());
        assertEquals(e, back);
        assertEquals("marketing", back.category());
        assertEquals("a:acme~marketing", back.slot());
        assertEquals(
                "15551230001~marketing|a:acme", SuppressionStore.field("15551230001", back.parsedScope(), "marketing"));
        assertEquals(
                "15551230001~marketing", SuppressionStore.field("15551230001", Scope.Global.INSTANCE, "marketing"));
    }

    @Test
    void fieldsParseBackWithTheirCategory() {
        SuppressionStore.ListEntry old = SuppressionStore.parseField("15551230001|s:acme:12345", "-7");
        assertEquals("15551230001", old.digits());
        assertEquals("s:acme:12345", old.scope());
        assertNull(old.category());
        SuppressionStore.ListEntry global = SuppressionStore.parseField("15551230001~alerts", "9");
        assertEquals("15551230001", global.digits());
        assertEquals("g", global.scope());
        assertEquals("alerts", global.category());
        assertEquals("g~alerts", global.slot());
        SuppressionStore.ListEntry sender = SuppressionStore.parseField("15551230001~alerts|s:acme:A~B", "9");
        assertEquals("s:acme:A~B", sender.scope());
        assertEquals("alerts", sender.category());
    }

    @Test
    void theLaterEntryDecidesAndATieIsAnOptOut() {
        assertEquals(5, SuppressionStore.later(5, 0));
        assertEquals(-6, SuppressionStore.later(5, -6));
        assertEquals(7, SuppressionStore.later(-6, 7));
        assertEquals(5, SuppressionStore.later(-5, 5));
        assertEquals(0, SuppressionStore.later(0, 0));
    }
}
