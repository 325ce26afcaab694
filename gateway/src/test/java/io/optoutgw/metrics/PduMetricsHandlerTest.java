package io.optoutgw.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.pdu.EnquireLink;
import com.cloudhopper.smpp.pdu.SubmitSm;
import com.cloudhopper.smpp.pdu.SubmitSmResp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class PduMetricsHandlerTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double count(String direction, String command, String status) {
        Counter c = registry.find("smppgw.pdus")
                .tags("side", "esme", "direction", direction, "command", command, "status", status)
                .counter();
        return c == null ? 0 : c.count();
    }

    private static SubmitSmResp resp(int status) {
        SubmitSmResp r = new SubmitSmResp();
        r.setCommandStatus(status);
        return r;
    }

    @Test
    void countsEachCommandAndStatusInItsOwnSeries() {
        EmbeddedChannel ch = new EmbeddedChannel(new PduMetricsHandler(new GatewayMetrics(registry), "esme"));
        for (int i = 0; i < 3; i++) {
            ch.writeInbound(new SubmitSm());
        }
        ch.writeInbound(new EnquireLink());
        ch.writeOutbound(resp(0), resp(0), resp(0x58), resp(0x58), resp(0x0400), resp(0x12345));

        String submit = new SubmitSm().getName();
        String submitResp = new SubmitSmResp().getName();
        assertEquals(3, count("in", submit, "0x00"));
        assertEquals(1, count("in", new EnquireLink().getName(), "0x00"));
        assertEquals(0, count("out", submit, "0x00"));
        assertEquals(2, count("out", submitResp, "0x00"));
        assertEquals(2, count("out", submitResp, "0x58"));
        assertEquals(1, count("out", submitResp, "vendor"));
        assertEquals(1, count("out", submitResp, "other"));
        ch.finishAndReleaseAll();
    }

    @Test
    void peerChosenStatusesDoNotGrowTheCounterCache() {
        PduMetricsHandler handler = new PduMetricsHandler(new GatewayMetrics(registry), "esme");
        EmbeddedChannel ch = new EmbeddedChannel(handler);
        for (int i = 0; i < 100_000; i++) {
            EnquireLink el = new EnquireLink();
            el.setCommandStatus(0x100 + i * 7919);
            ch.writeInbound(el);
            ch.readInbound();
        }
        assertTrue(
                handler.cachedCounters() <= 3,
                "one cache entry per bounded label, not per raw status: " + handler.cachedCounters());
        assertEquals(
                100_000,
                count("in", new EnquireLink().getName(), "vendor") + count("in", new EnquireLink().getName(), "other"));
        ch.finishAndReleaseAll();
    }

    @Test
    void okSlotsAreDistinctForRequestsAndResponses() {
        assertEquals(4, PduMetricsHandler.okSlot(0x00000004));
        assertEquals(256 + 4, PduMetricsHandler.okSlot(0x80000004));
        assertEquals(256 + 0x21, PduMetricsHandler.okSlot(0x80000021));
        assertEquals(-1, PduMetricsHandler.okSlot(0x00000104));
        assertEquals(-1, PduMetricsHandler.okSlot(0x80010004));
    }
}
