package io.optoutgw.redis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;
import redis.embedded.model.OsArchitecture;

/**
 * A redis-server child process bound to 127.0.0.1, started for the gateway's {@code embedded} mode.
 * Uses {@code redis-server} from PATH, or the binary bundled in the embedded-redis jar.
 */
public final class LocalRedis implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalRedis.class);
    private static final String HOST = "127.0.0.1";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    static final String LOG_FILE = "redis.log";

    /** Which redis-server binary to run. */
    enum Executable {
        AUTO,
        PATH,
        BUNDLED
    }

    private final Process process;
    private final int port;
    private final Path binary;
    private final Path extracted;
    private final Thread shutdownHook;
    private boolean closed;

    private LocalRedis(Process process, int port, Path binary, Path extracted) {
        this.process = process;
        this.port = port;
        this.binary = binary;
        this.extracted = extracted;
        this.shutdownHook = new Thread(this::stopProcess, "local-redis-shutdown");
    }

    /** Starts redis-server with its data in {@code dataDir} on {@code port} (0 picks a free port). */
    public static LocalRedis start(Path dataDir, int port) {
        return start(dataDir, port, Executable.AUTO);
    }

    static LocalRedis start(Path dataDir, int port, Executable choice) {
        Path extracted = null;
        try {
            Path dir = Files.createDirectories(dataDir).toAbsolutePath();
            Optional<Path> onPath = choice == Executable.BUNDLED ? Optional.empty() : findOnPath("redis-server");
            if (onPath.isEmpty() && choice == Executable.PATH) {
                throw new IllegalStateException("redis: no redis-server on PATH");
            }
            Path binary;
            if (onPath.isPresent()) {
                binary = onPath.get();
            } else {
                extracted = extractBundled();
                binary = extracted;
            }
            int actualPort = port == 0 ? freePort() : port;
            Path logFile = dir.resolve(LOG_FILE);
            Process process = new ProcessBuilder(command(binary, dir, actualPort))
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            LocalRedis redis = new LocalRedis(process, actualPort, binary, extracted);
            try {
                awaitPing(process, actualPort, logFile);
            } catch (RuntimeException e) {
                redis.close();
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(redis.shutdownHook);
            log.info("embedded redis: {} on {}:{} (pid {}, data dir {})", binary, HOST, actualPort, process.pid(), dir);
            return redis;
        } catch (IOException e) {
            deleteQuietly(extracted);
            throw new IllegalStateException("redis: cannot start embedded redis-server: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(extracted);
            throw e;
        }
    }

    /** {@code redis://127.0.0.1:PORT}. */
    public String uri() {
        return "redis://" + HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** The redis-server binary that runs. */
    public Path binary() {
        return binary;
    }

    /** Stops redis-server (SIGTERM, then SIGKILL after 5 s) and deletes an extracted binary. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException ignored) {
            // JVM shutting down, or the hook was never registered
        }
        stopProcess();
        deleteQuietly(extracted);
    }

    private void stopProcess() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn(
                        "embedded redis pid {} did not stop within {} s, killing it",
                        process.pid(),
                        STOP_TIMEOUT.toSeconds());
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> command(Path binary, Path dir, int port) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(List.of(
                "--bind", HOST,
                "--port", Integer.toString(port),
                "--dir", dir.toString(),
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--maxmemory-policy", "noeviction",
                "--save", "",
                "--protected-mode", "yes",
                "--daemonize", "no"));
        return cmd;
    }

    static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static Path extractBundled() throws IOException {
        OsArchitecture osArch = OsArchitecture.detectOSandArchitecture();
        String resource = ExecutableProvider.newProvidedVersionsMap().get(osArch);
        if (resource == null) {
            throw new IllegalStateException("redis: no redis-server on PATH and none bundled for "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
        }
        Path target = Files.createTempFile("redis-server-", "");
        try (InputStream in = ExecutableProvider.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("redis: bundled binary " + resource + " not found on the classpath");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
            return target;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(target);
            throw e;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }

    private static void awaitPing(Process process, int port, Path logFile) {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis: redis-server exited with code " + process.exitValue()
                        + " during startup; output:\n" + tail(logFile));
            }
            if (ping(port)) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("redis: interrupted while waiting for redis-server", e);
            }
        }
        throw new IllegalStateException("redis: redis-server did not answer PING on " + HOST + ":" + port + " within "
                + STARTUP_TIMEOUT.toSeconds() + " s; output:\n" + tail(logFile));
    }

    /** True if a Redis server on 127.0.0.1:{@code port} answers PING with PONG. */
    static boolean ping(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] buf = new byte[7];
            int n = socket.getInputStream().readNBytes(buf, 0, buf.length);
            return new String(buf, 0, n, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    static String tail(Path logFile) {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort: a temp file
        }
    }
}
