package io.optoutgw.loadtest;

import io.optoutgw.simulator.SmscSimulator;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Injects mobile-originated deliver_sm at the simulator in proportion to the submits sent:
 * {@code moShare} MO per submit, of which {@code stopShare} are "STOP" (an opt-out the gateway
 * journals and writes to Redis). Senders come from a range the submits never address.
 */
final class MoInjector implements AutoCloseable {

    static final long MO_SENDER_BASE = 12135000000L;
    private static final byte[] STOP = "STOP".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] CHAT = "Yes please, see you at 5 tomorrow".getBytes(StandardCharsets.ISO_8859_1);

    private final SmscSimulator sim;
    private final LongSupplier submits;
    private final double moShare;
    private final double stopShare;
    private final Thread thread;
    private final SplittableRandom random = new SplittableRandom(42);
    final LongAdder injected = new LongAdder();
    final LongAdder stops = new LongAdder();
    final LongAdder failed = new LongAdder();
    private volatile boolean running = true;

    MoInjector(SmscSimulator sim, LongSupplier submits, double moShare, double stopShare) {
        this.sim = sim;
        this.submits = submits;
        this.moShare = moShare;
        this.stopShare = stopShare;
        this.thread = new Thread(this::loop, "mo-injector");
        this.thread.setDaemon(true);
    }

    MoInjector start() {
        if (moShare > 0) {
            thread.start();
        }
        return this;
    }

    private void loop() {
        long base = submits.getAsLong();
        long done = 0;
        while (running) {
            long due = (long) ((submits.getAsLong() - base) * moShare) - done;
            for (int i = 0; i < Math.min(due, 2000); i++) {
                boolean stop = random.nextDouble() < stopShare;
                String from = Long.toString(MO_SENDER_BASE + random.nextInt(9_000_000));
                sim.injectMo(from, LoadGenerator.SHORT_CODE, stop ? STOP : CHAT, (byte) 0)
                        .whenComplete((status, error) -> {
                            if (error != null || status != 0) {
                                failed.increment();
                            }
                        });
                injected.increment();
                if (stop) {
                    stops.increment();
                }
                done++;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
