package io.optoutgw.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A gateway in a child JVM, so that a test (or the load test harness) can read its CPU time or
 * kill it for real with SIGKILL by PID. It runs {@code gateway.jar} when one is given and exists,
 * else {@code GatewayCli} from this JVM's class path (the tests, which run before the jars are
 * packaged).
 */
public final class ChildGateway implements AutoCloseable {

    /** The gateway's main class, run from the class path when there is no jar. */
    public static final String MAIN_CLASS = "io.optoutgw.app.GatewayCli";

    private final Process process;
    private final Path log;
    public final int smppPort;
    public final int httpPort;

    private ChildGateway(Process process, Path log, int smppPort, int httpPort) {
        this.process = process;
        this.log = log;
        this.smppPort = smppPort;
        this.httpPort = httpPort;
    }

    /**
     * The command line of a gateway JVM: {@code java JVM_ARGS -jar JAR ARGS}, or {@code java
     * JVM_ARGS -cp CLASS_PATH GatewayCli ARGS} when {@code jar} is null or not a file.
     */
    public static List<String> command(Path jar, List<String> jvmArgs, List<String> args) {
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmArgs);
        if (jar != null && Files.isRegularFile(jar)) {
            cmd.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        } else {
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MAIN_CLASS));
        }
        cmd.addAll(args);
        return cmd;
    }

    /**
     * Writes {@code yaml} to {@code WORK_DIR/NAME.yaml} and starts {@code GatewayCli run --config
     * FILE} from the class path with a 256 MiB heap, its output in {@code NAME.log}; does not wait.
     */
    public static ChildGateway launch(Path workDir, String name, String yaml, int smppPort, int httpPort)
            throws IOException {
        Path config = workDir.resolve(name + ".yaml");
        Files.writeString(config, yaml);
        return launch(
                command(null, List.of("-Xmx256m"), List.of("run", "--config", config.toString())),
                null,
                workDir.resolve(name + ".log"),
                smppPort,
                httpPort);
    }

    /**
     * Starts {@code command} (from {@link #command}, possibly behind a prefix such as taskset) in
     * {@code dir} (null: this JVM's working directory), its output in {@code log}; does not wait.
     */
    public static ChildGateway launch(List<String> command, Path dir, Path log, int smppPort, int httpPort)
            throws IOException {
        Process p = new ProcessBuilder(command)
                .directory(dir == null ? null : dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new ChildGateway(p, log, smppPort, httpPort);
    }

    /** Waits until {@code /ready} answers 200 (Redis connected, journal replayed, an upstream bound). */
    public ChildGateway awaitReady(Duration timeout) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "not listening";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "child gateway exited with " + process.exitValue() + " (log " + log + "):\n" + tail());
            }
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return this;
                }
                last = "HTTP " + r.statusCode();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(
                "child gateway not ready within " + timeout + " (" + last + "; log " + log + "):\n" + tail());
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, once it has exited. */
    public int exitValue() {
        return process.exitValue();
    }

    /** Waits for the process to exit by itself; its exit code, or -1 if it still runs after {@code timeout}. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** SIGKILL by PID, then waits until it is gone. */
    public void kill9() throws Exception {
        kill9(process);
    }

    /** SIGKILL {@code p} by PID, then waits until it is gone. */
    public static void kill9(Process p) throws Exception {
        if (!p.isAlive()) {
            return;
        }
        Process kill = new ProcessBuilder("kill", "-9", Long.toString(p.pid()))
                .inheritIO()
                .start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            p.destroyForcibly(); // SIGKILL as well
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("process " + p.pid() + " survived kill -9");
        }
    }

    /** SIGTERM (the gateway drains and stops), then SIGKILL after {@code grace}. */
    public void stop(Duration grace) {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    public Path logFile() {
        return log;
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private String tail() {
        String all = log();
        String[] lines = all.split("\n");
        return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 30), lines.length));
    }

    /** SIGKILL: a test's gateway leaves nothing running. */
    @Override
    public void close() throws Exception {
        kill9();
    }
}
