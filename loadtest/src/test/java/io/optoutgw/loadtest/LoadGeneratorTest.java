package io.optoutgw.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The load generator against the SMSC simulator over loopback (the harness's direct leg, small):
 * every submit is answered once, nothing is counted lost, every accepted submit gets its
 * receipt, and the latency histogram holds one value per response.
 */
@Tag("integration")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoadGeneratorTest {

    @Test
    void saturationLegAccountsForEverySubmitResponseAndReceipt() throws Exception {
        try (SmscSimulator sim = simulator();
                LoadGenerator gen = generator(sim, 0, true)) {
            LoadGenerator.Counters c = saturate(gen);
            Histogram h = gen.intervalHistogram();
            assertEquals(c.sent(), c.responses(), "every submit answered once");
            assertEquals(c.responses(), c.ok() + c.refused() + c.otherStatus());
            assertEquals(c.responses(), c.ok(), "the simulator accepts every submit");
            assertEquals(0, c.lost());
            assertEquals(c.ok(), c.receipts(), "one receipt per accepted submit");
            assertEquals(c.responses(), h.getTotalCount(), "one latency value per response");
            assertTrue(h.getValueAtPercentile(50) > 0);
        }
    }

    @Test
    void fixedRateLegSendsOnItsScheduleAndStops() throws Exception {
        try (SmscSimulator sim = simulator();
                LoadGenerator gen = generator(sim, 1_000, false)) {
            gen.bindAll(10_000);
            long t0 = System.nanoTime();
            gen.start();
            assertTrue(eventually(20, () -> gen.counters().responses() >= 500), "500 responses at 1,000/s");
            gen.stopSending();
            double seconds = (System.nanoTime() - t0) / 1e9;
            long sent = gen.counters().sent();
            // a schedule, not a burst: 1,000/s cannot have sent far more than 1,000 per second elapsed
            assertTrue(sent <= 1_000 * seconds + 16, sent + " sent in " + seconds + " s");
            assertTrue(eventually(10, () -> gen.outstanding() <= 0), "window drained");
            Thread.sleep(200);
            assertEquals(gen.counters().sent(), gen.counters().responses(), "nothing sent after stopSending");
            assertEquals(0, gen.counters().receipts(), "no receipts asked for");
        }
    }

    /** The harness's tcp-relay leg: the relay runs as a child process and passes every PDU both ways. */
    @Test
    void throughTheTcpRelayEverySubmitIsAnsweredAndEveryReceiptArrives() throws Exception {
        try (SmscSimulator sim = simulator();
                TcpRelay.Child relay = TcpRelay.Child.start(sim.port(), 2);
                LoadGenerator gen = new LoadGenerator(
                        new LoadGenerator.Options("127.0.0.1", relay.port, "direct", "x", 2, 8, 0, 0.0, 0, true, 1))) {
            assertTrue(relay.pid() != ProcessHandle.current().pid(), "a process of its own");
            LoadGenerator.Counters c = saturate(gen);
            assertEquals(c.sent(), c.responses(), "every submit answered once");
            assertEquals(c.responses(), c.ok());
            assertEquals(0, c.lost());
            assertEquals(c.ok(), c.receipts(), "one receipt per accepted submit");
            assertEquals(c.sent(), sim.submitCount(), "the submits reached the simulator through the relay");
            assertEquals(c.receipts(), sim.receiptsSent());
        }
    }

    /**
     * Binds, sends at saturation until 2,000 responses, stops and waits for the window and the
     * receipts to drain; the latency histogram then covers exactly this traffic.
     */
    private static LoadGenerator.Counters saturate(LoadGenerator gen) throws Exception {
        gen.bindAll(10_000);
        gen.intervalHistogram();
        gen.start();
        assertTrue(eventually(20, () -> gen.counters().responses() >= 2_000), "2,000 responses");
        gen.stopSending();
        assertTrue(eventually(10, () -> gen.outstanding() <= 0), "window drained");
        assertTrue(
                eventually(10, () -> gen.counters().receipts() >= gen.counters().ok()), "receipts in");
        return gen.counters();
    }

    /** The simulator in the harness's fast mode: no record keeping, one I/O thread. */
    private static SmscSimulator simulator() {
        return new SmscSimulator(
                        SimulatorOptions.builder().recordLimit(0).ioThreads(1).build())
                .start();
    }

    /** 2 binds x window 8, no destination on a list; {@code rate} 0 = saturation. */
    private static LoadGenerator generator(SmscSimulator sim, double rate, boolean receipts) {
        return new LoadGenerator(
                new LoadGenerator.Options("127.0.0.1", sim.port(), "direct", "x", 2, 8, rate, 0.0, 0, receipts, 1));
    }

    private static boolean eventually(int seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
