package io.optoutgw.app;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * A progress line on stderr, redrawn in place a few times a second once an operation has taken
 * more than a second (short ones print nothing), finished with a newline.
 */
final class Progress implements AutoCloseable {

    private static final long FIRST_DRAW_MILLIS = 1000;
    private static final long REDRAW_MILLIS = 250;

    private final PrintWriter err;
    private final AtomicLong done;
    private final LongFunction<String> render;
    private final Thread thread;
    private volatile boolean drawn;
    private volatile boolean stopped;

    private Progress(PrintWriter err, AtomicLong done, LongFunction<String> render) {
        this.err = err;
        this.done = done;
        this.render = render;
        this.thread = new Thread(this::loop, "progress");
        this.thread.setDaemon(true);
    }

    static Progress start(PrintWriter err, AtomicLong done, LongFunction<String> render) {
        Progress p = new Progress(err, done, render);
        p.thread.start();
        return p;
    }

    /** {@code [#####.....]  52%  14.6 / 28.0 MB}. */
    static String bar(String label, long sent, long total) {
        int width = 30;
        double f = total <= 0 ? 1 : Math.min(1.0, (double) sent / total);
        int filled = (int) Math.round(f * width);
        return String.format(
                Locale.ROOT,
                "%s [%s%s] %3d%%  %s / %s",
                label,
                "#".repeat(filled),
                ".".repeat(width - filled),
                Math.round(f * 100),
                mb(sent),
                mb(total));
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private void loop() {
        long start = System.currentTimeMillis();
        try {
            while (!stopped) {
                Thread.sleep(REDRAW_MILLIS);
                if (!stopped && System.currentTimeMillis() - start >= FIRST_DRAW_MILLIS) {
                    draw();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void draw() {
        err.print("\r" + render.apply(done.get()));
        err.flush();
        drawn = true;
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (drawn) {
            draw();
            err.println();
            err.flush();
        }
    }
}
