package io.optoutgw.suppression.journal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;

/**
 * Child process for {@link JournalCrashTest}: appends records from several threads forever and prints
 * {@code ACK <seq> <payload>} as soon as each append is acknowledged, until it is killed.
 */
public final class JournalCrashChild {

    static final String ACK = "ACK ";
    static final String READY = "READY";

    private JournalCrashChild() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String tag = args.length > 1 ? args[1] : "r";
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        OptOutJournal journal =
                OptOutJournal.open(dir, OptOutJournal.Options.defaults().withSegmentSizeBytes(64 * 1024));
        out.println(READY);
        int threads = 4;
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread appender = new Thread(() -> appendForever(journal, out, tag + "-" + thread), "appender-" + t);
            appender.start();
        }
        Thread.currentThread().join();
    }

    private static void appendForever(OptOutJournal journal, PrintStream out, String thread) {
        Semaphore inFlight = new Semaphore(64);
        for (long i = 0; ; i++) {
            inFlight.acquireUninterruptibly();
            String payload = "{\"t\":\"" + thread + "\",\"i\":" + i + "}";
            journal.append(payload.getBytes(StandardCharsets.UTF_8)).whenComplete((seq, err) -> {
                inFlight.release();
                if (err == null) {
                    out.println(ACK + seq + " " + payload);
                }
            });
        }
    }
}
