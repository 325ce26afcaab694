package io.optoutgw.loadtest;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Child processes of the harness: each is stopped by its PID at the end, also on failure or Ctrl-C. */
final class ChildProcesses {

    private static final List<Process> CHILDREN = new CopyOnWriteArrayList<>();
    /** Children started through the gateway's test kit (redis-server), closed like the others. */
    private static final List<AutoCloseable> CLOSEABLES = new CopyOnWriteArrayList<>();

    private static final long CLK_TCK = 100; // USER_HZ on Linux

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildProcesses::stopAll, "stop-children"));
    }

    /** CPUs (taskset list, e.g. "1") for child processes; null = not pinned. */
    private static volatile String childCpus;

    private ChildProcesses() {}

    /**
     * Pins the harness (every thread of this JVM, and the threads it starts later) to CPU 0 and
     * the child processes started afterwards (gateway, Redis) to the other CPUs, with taskset.
     * Returns a description, or throws if the machine has one CPU or taskset fails.
     */
    static String pin() throws IOException, InterruptedException {
        int cpus = Runtime.getRuntime().availableProcessors();
        if (cpus < 2) {
            throw new IllegalStateException("--pin needs at least 2 CPUs, this machine has " + cpus);
        }
        Process p = new ProcessBuilder(
                        "taskset",
                        "-a",
                        "-p",
                        "-c",
                        "0",
                        Long.toString(ProcessHandle.current().pid()))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("taskset failed: " + out.strip());
        }
        childCpus = cpus == 2 ? "1" : "1-" + (cpus - 1);
        return "harness on CPU 0, gateway and Redis on CPU " + childCpus;
    }

    /** {@code cmd}, prefixed with taskset when the children are pinned. */
    static List<String> command(List<String> cmd) {
        if (childCpus == null) {
            return cmd;
        }
        List<String> out = new ArrayList<>(List.of("taskset", "-c", childCpus));
        out.addAll(cmd);
        return out;
    }

    static void register(Process p) {
        CHILDREN.add(p);
    }

    static void register(AutoCloseable child) {
        CLOSEABLES.add(child);
    }

    static void unregister(AutoCloseable child) {
        CLOSEABLES.remove(child);
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
        for (AutoCloseable c : CLOSEABLES) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort at exit
            }
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

    /**
     * Waits up to 30 s for {@code p} to listen on loopback {@code port}; false if it exited or did
     * not listen in time.
     */
    static boolean awaitPort(Process p, int port) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException e) {
                if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                    return false;
                }
                Thread.sleep(100);
            }
        }
    }
}
