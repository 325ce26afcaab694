package io.optoutgw.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Child processes of the harness: each is stopped by its PID at the end, also on failure or Ctrl-C. */
final class ChildProcesses {

    private static final List<Process> CHILDREN = new CopyOnWriteArrayList<>();
    private static final long CLK_TCK = 100; // USER_HZ on Linux

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::stopAll, "stop-children"));
    }

    private ChildProcesses() {
    }

    static void register(Process p) {
        CHILDREN.add(p);
    }

    /** SIGTERM, then SIGKILL after 10 s. */
    static void stop(Process p) {
        if (p.isAlive()) {
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        CHILDREN.remove(p);
    }

    static void stopAll() {
        for (Process p : CHILDREN) {
            stop(p);
        }
    }

    /** User + system CPU seconds of {@code pid} from /proc/PID/stat (fields 14 and 15), -1 if unreadable. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // f[0] is field 3 (state): utime = field 14 -> f[11], stime = field 15 -> f[12]
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLK_TCK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static double ownCpuSeconds() {
        return cpuSeconds(ProcessHandle.current().pid());
    }
}
