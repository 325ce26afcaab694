package io.optoutgw.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} from PATH on a free 127.0.0.1 port in a temp dir, which tests can
 * pause, resume, kill and restart by PID. The load test harness starts it with {@link #startIn}:
 * in a directory of its run (kept, with {@code redis.log}), on a port it chose, behind a command
 * prefix (taskset).
 */
public final class RedisServerProcess implements AutoCloseable {

    private static final long STARTUP_MILLIS = 10_000;

    private final Path dir;
    private final int port;
    private final boolean appendOnly;
    private final Mode mode;
    private final List<String> extraArgs;
    private final List<String> prefix;
    private final boolean keepDir;
    private Process process;

    /** What kind of redis-server to run. */
    private enum Mode {
        PLAIN,
        SENTINEL
    }

    private RedisServerProcess(
            Path dir,
            int port,
            boolean appendOnly,
            Mode mode,
            List<String> extraArgs,
            List<String> prefix,
            boolean keepDir) {
        this.dir = dir;
        this.port = port;
        this.appendOnly = appendOnly;
        this.mode = mode;
        this.extraArgs = List.copyOf(extraArgs);
        this.prefix = List.copyOf(prefix);
        this.keepDir = keepDir;
    }

    /** Starts redis-server without persistence ({@code --save '' --appendonly no}). */
    public static RedisServerProcess start() {
        return start(false);
    }

    /** Starts redis-server; with {@code appendOnly} it uses {@code --appendonly yes --appendfsync always}. */
    public static RedisServerProcess start(boolean appendOnly) {
        return start(appendOnly, Mode.PLAIN, List.of());
    }

    /** Starts redis-server without persistence and with {@code extraArgs} (e.g. cluster mode). */
    public static RedisServerProcess startWith(List<String> extraArgs) {
        return start(false, Mode.PLAIN, extraArgs);
    }

    /**
     * Starts a Sentinel monitoring the master {@code masterName} at 127.0.0.1:{@code masterPort}
     * with quorum 1.
     */
    public static RedisServerProcess startSentinel(String masterName, int masterPort) {
        return start(false, Mode.SENTINEL, List.of(masterName, Integer.toString(masterPort)));
    }

    /**
     * Starts redis-server without persistence in {@code dir} (created if missing, kept on close) on
     * {@code port}, its command line behind {@code prefix} (e.g. {@code taskset -c 1}; empty for none)
     * and with {@code extraArgs}.
     */
    public static RedisServerProcess startIn(Path dir, int port, List<String> prefix, List<String> extraArgs) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return launched(new RedisServerProcess(dir, port, false, Mode.PLAIN, extraArgs, prefix, true));
    }

    private static RedisServerProcess start(boolean appendOnly, Mode mode, List<String> extraArgs) {
        try {
            int port = FreePorts.find();
            if (port == 6379) {
                port = FreePorts.find();
            }
            return launched(new RedisServerProcess(
                    Files.createTempDirectory("redis-test-"), port, appendOnly, mode, extraArgs, List.of(), false));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RedisServerProcess launched(RedisServerProcess server) {
        try {
            server.launch();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public Path dir() {
        return dir;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Freezes the server (SIGSTOP): its socket stays open but nothing is answered. */
    public void pause() {
        signal("-STOP");
    }

    /** Thaws a paused server (SIGCONT). */
    public void resume() {
        signal("-CONT");
    }

    /** SIGKILL, then waits until the process has exited. */
    public void kill() {
        if (!isAlive()) {
            return;
        }
        signal("-KILL");
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis-server pid " + pid() + " survived kill -9");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills the server if it still runs and starts it again on the same port and dir. */
    public void restart() {
        kill();
        launch();
    }

    /** Kills the server and deletes its temp dir (a {@link #startIn} dir is kept). */
    @Override
    public void close() {
        try {
            if (isAlive()) {
                kill();
            }
        } finally {
            if (!keepDir) {
                deleteTree(dir);
            }
        }
    }

    private List<String> command() throws IOException {
        if (mode == Mode.SENTINEL) {
            Path conf = dir.resolve("sentinel.conf");
            if (!Files.exists(conf)) {
                Files.writeString(
                        conf,
                        "sentinel monitor " + extraArgs.get(0) + " 127.0.0.1 " + extraArgs.get(1) + " 1\n"
                                + "sentinel down-after-milliseconds " + extraArgs.get(0) + " 5000\n");
            }
            return List.of(
                    "redis-server",
                    conf.toString(),
                    "--sentinel",
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    Integer.toString(port),
                    "--dir",
                    dir.toString(),
                    "--daemonize",
                    "no",
                    "--protected-mode",
                    "no");
        }
        List<String> cmd = new ArrayList<>(List.of(
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--dir",
                dir.toString(),
                "--save",
                "",
                "--daemonize",
                "no",
                "--protected-mode",
                "yes"));
        if (appendOnly) {
            cmd.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
        } else {
            cmd.addAll(List.of("--appendonly", "no"));
        }
        cmd.addAll(extraArgs);
        return cmd;
    }

    private void launch() {
        List<String> cmd = new ArrayList<>(prefix);
        try {
            cmd.addAll(command());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path log = dir.resolve("redis.log");
        try {
            process = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run redis-server from PATH", e);
        }
        long deadline = System.currentTimeMillis() + STARTUP_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited during startup:\n" + tail(log));
            }
            if (ping()) {
                return;
            }
            sleep(50);
        }
        process.destroyForcibly();
        throw new IllegalStateException("redis-server did not answer PING on port " + port + ":\n" + tail(log));
    }

    private boolean ping() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] buf = socket.getInputStream().readNBytes(7);
            return new String(buf, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    private void signal(String signal) {
        if (!isAlive()) {
            throw new IllegalStateException("redis-server is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(pid()))
                    .inheritIO()
                    .start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill " + signal + " " + pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no output)";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
