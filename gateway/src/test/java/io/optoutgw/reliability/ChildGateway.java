package io.optoutgw.reliability;

import io.optoutgw.app.GatewayCli;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A gateway in a child JVM ({@code GatewayCli run --config FILE} on this JVM's class path), so
 * that a test can kill it for real with SIGKILL by PID.
 */
final class ChildGateway implements AutoCloseable {

    private final Process process;
    private final Path log;
    final int smppPort;
    final int httpPort;

    private ChildGateway(Process process, Path log, int smppPort, int httpPort) {
        this.process = process;
        this.log = log;
        this.smppPort = smppPort;
        this.httpPort = httpPort;
    }

    /** Starts {@code GatewayCli run --config FILE}; does not wait. */
    static ChildGateway launch(Path workDir, String name, String yaml, int smppPort, int httpPort) throws IOException {
        Path config = workDir.resolve(name + ".yaml");
        Files.writeString(config, yaml);
        Path log = workDir.resolve(name + ".log");
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process p = new ProcessBuilder(List.of(
                        java,
                        "-Xmx256m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        GatewayCli.class.getName(),
                        "run",
                        "--config",
                        config.toString()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new ChildGateway(p, log, smppPort, httpPort);
    }

    /** Waits until {@code /ready} answers 200 (journal replayed, upstream bound). */
    ChildGateway awaitReady(Duration timeout) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("child gateway exited with " + process.exitValue() + ":\n" + log());
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
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("child gateway not ready within " + timeout + ":\n" + log());
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to exit by itself; its exit code, or -1 if it still runs after {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** SIGKILL by PID, then waits until it is gone. */
    void kill9() throws Exception {
        if (!process.isAlive()) {
            return;
        }
        Process kill = new ProcessBuilder("kill", "-9", Long.toString(process.pid()))
                .inheritIO()
                .start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            process.destroyForcibly(); // SIGKILL as well
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("child gateway " + process.pid() + " survived kill -9");
        }
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        kill9();
    }
}
