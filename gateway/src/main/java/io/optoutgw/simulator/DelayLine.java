package io.optoutgw.simulator;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The delayed actions of one event loop (submit responses after the configured delay, receipts),
 * run in shared timer ticks: an action is due at the nearest multiple of {@link #GRAIN_NANOS}, and
 * every action due at the same tick runs in one task. A simulator answering thousands of submits a
 * second after 5-10 ms then wakes its thread a few thousand times a second instead of once per
 * response, and the writes of one tick leave in one flush per connection (the pipeline's flush
 * consolidation). The delays keep their mean; each is off by at most half a grain.
 *
 * <p>Used only on its own loop.
 */
final class DelayLine {

    /** Width of a tick. */
    static final long GRAIN_NANOS = TimeUnit.MICROSECONDS.toNanos(250);

    private final EventLoop loop;
    private final Map<Long, List<Runnable>> ticks = new HashMap<>();
    private long timersSet;

    DelayLine(EventLoop loop) {
        this.loop = loop;
    }

    /** Runs {@code action} on this loop about {@code delayNanos} from now. Call on the loop. */
    void after(long delayNanos, Runnable action) {
        long now = System.nanoTime();
        long tick = Math.floorDiv(now + delayNanos + GRAIN_NANOS / 2, GRAIN_NANOS);
        List<Runnable> due = ticks.get(tick);
        if (due == null) {
            due = new ArrayList<>();
            ticks.put(tick, due);
            timersSet++;
            loop.schedule(() -> run(tick), Math.max(0, tick * GRAIN_NANOS - now), TimeUnit.NANOSECONDS);
        }
        due.add(action);
    }

    private void run(long tick) {
        List<Runnable> due = ticks.remove(tick);
        for (Runnable action : due) {
            action.run();
        }
    }

    /** Timer tasks scheduled so far (for tests). */
    long timersSet() {
        return timersSet;
    }

    /** Actions waiting (for tests). */
    int waiting() {
        int n = 0;
        for (List<Runnable> due : ticks.values()) {
            n += due.size();
        }
        return n;
    }
}
