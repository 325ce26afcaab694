package io.optoutgw.app;

import java.io.Console;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The admin commands' progress bars on stderr, drawn by the progressbar library
 * ({@code me.tongfei:progressbar}: its own refresh thread, rate and time left). Nothing is drawn
 * for an operation shorter than a second.
 *
 * <p>On a terminal the bar is redrawn in place a few times a second and ended with a newline. When
 * stderr is not a terminal (a pipe, a log file, CI, tests) it is written as plain lines, one every
 * {@link #PLAIN_EVERY_MILLIS} at most and a last one at the end (only when one was written), never
 * with carriage returns or escape sequences.
 */
final class Progress implements AutoCloseable {

    static final long FIRST_DRAW_MILLIS = 1000;
    static final long PLAIN_EVERY_MILLIS = 10_000;
    private static final int REDRAW_MILLIS = 250;
    private static final int WIDTH = 100;

    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    /** Bytes sent or read of {@code total} (shown in MB). */
    static Progress bytes(PrintWriter err, String task, long total) {
        return start(
                err,
                new ProgressBarBuilder()
                        .setTaskName(task)
                        .setInitialMax(total)
                        .setUnit(" MB", 1_000_000)
                        .showSpeed(new java.text.DecimalFormat("0.0")),
                terminal());
    }

    /** Rows of a total not known in advance. */
    static Progress rows(PrintWriter err, String task) {
        return start(
                err,
                new ProgressBarBuilder().setTaskName(task).setInitialMax(-1).showSpeed(),
                terminal());
    }

    static Progress start(PrintWriter err, ProgressBarBuilder builder, boolean terminal) {
        return start(builder, terminal ? new InPlace(err, FIRST_DRAW_MILLIS) : new Plain(err, PLAIN_EVERY_MILLIS));
    }

    static Progress start(ProgressBarBuilder builder, ProgressBarConsumer consumer) {
        return new Progress(builder.setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(REDRAW_MILLIS)
                .continuousUpdate()
                .setConsumer(consumer)
                .build());
    }

    void stepBy(long n) {
        bar.stepBy(n);
    }

    void stepTo(long n) {
        bar.stepTo(n);
    }

    void extraMessage(String message) {
        bar.setExtraMessage(message);
    }

    @Override
    public void close() {
        bar.close();
    }

    /**
     * Whether stderr is an interactive terminal: the JVM has a console (standard input and output
     * not redirected; on newer JVMs, one that is a terminal), not CI, not a dumb terminal.
     */
    static boolean terminal() {
        Console console = System.console();
        if (console == null || System.getenv("CI") != null || "dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal"); // Java 22 and later
            return (Boolean) isTerminal.invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // before Java 22 a console is a terminal
        }
    }

    /** Redraws one line in place ({@code \r}); a newline at the end when it drew anything. */
    static final class InPlace implements ProgressBarConsumer {
        private final PrintWriter err;
        private final long firstDrawMillis;
        private final long start = System.currentTimeMillis();
        private int drawn = -1;

        InPlace(PrintWriter err, long firstDrawMillis) {
            this.err = err;
            this.firstDrawMillis = firstDrawMillis;
        }

        @Override
        public int getMaxRenderedLength() {
            return WIDTH;
        }

        @Override
        public synchronized void accept(String line) {
            if (System.currentTimeMillis() - start < firstDrawMillis) {
                return;
            }
            String pad = drawn > line.length() ? " ".repeat(drawn - line.length()) : "";
            err.print("\r" + line + pad);
            err.flush();
            drawn = line.length();
        }

        @Override
        public synchronized void close() {
            if (drawn >= 0) {
                err.println();
                err.flush();
            }
        }
    }

    /** Whole lines, one every {@link #PLAIN_EVERY_MILLIS} at most, and the last state at the end. */
    static final class Plain implements ProgressBarConsumer {
        private final PrintWriter err;
        private final long everyMillis;
        private final long start = System.currentTimeMillis();
        private long printed = -1;
        private String last;

        Plain(PrintWriter err, long everyMillis) {
            this.err = err;
            this.everyMillis = everyMillis;
        }

        @Override
        public int getMaxRenderedLength() {
            return WIDTH;
        }

        @Override
        public synchronized void accept(String line) {
            last = line;
            long now = System.currentTimeMillis();
            if (now - start >= everyMillis && (printed < 0 || now - printed >= everyMillis)) {
                print(line);
                printed = now;
            }
        }

        @Override
        public synchronized void close() {
            // the library renders the final state before it closes the consumer
            if (printed >= 0 && last != null) {
                print(last);
            }
        }

        private void print(String line) {
            err.println(line.strip());
            err.flush();
        }
    }
}
