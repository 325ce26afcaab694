package io.optoutgw.loadtest;

import io.optoutgw.suppression.RedisKeys;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.testsupport.RedisServerProcess;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * A redis-server child process on 127.0.0.1 without persistence (the load test measures the
 * gateway, not Redis's fsync), started by the gateway's test kit ({@link RedisServerProcess}) and
 * stopped with the harness, plus what the harness asks of it over plain RESP: a pipelined bulk
 * loader for the suppression list, one-line commands, used memory and PING round trips.
 */
final class BenchRedis implements AutoCloseable {

    private final RedisServerProcess server;

    private BenchRedis(RedisServerProcess server) {
        this.server = server;
        ChildProcesses.register(this);
    }

    /** In {@code dir} (kept, with redis.log) on {@code port}, pinned with the other children. */
    static BenchRedis start(Path dir, int port) {
        return new BenchRedis(RedisServerProcess.startIn(dir, port, ChildProcesses.command(List.of()), List.of()));
    }

    /** In a temp dir on a free port, with default settings; the dir is deleted on close (the benchmarks). */
    static BenchRedis start() {
        return new BenchRedis(RedisServerProcess.start());
    }

    int port() {
        return server.port();
    }

    long pid() {
        return server.pid();
    }

    String uri() {
        return server.uri();
    }

    /**
     * Loads {@code count} numbers starting at {@code base} as global opt-outs (pipelined HSET into
     * the gateway's bucket layout) and records the bucket count; returns the elapsed milliseconds.
     */
    long loadList(long base, int count, int buckets) throws Exception {
        long t0 = System.nanoTime();
        String now = Long.toString(System.currentTimeMillis() / 1000);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port()), 2000);
            s.setSoTimeout(60_000);
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
            InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16);
            long[] replies = {0};
            Exception[] readError = {null};
            int total = count + 2;
            Thread reader = new Thread(
                    () -> {
                        try {
                            while (replies[0] < total) {
                                int c = in.read();
                                if (c < 0) {
                                    throw new IOException("redis closed the connection");
                                }
                                if (c == '-') {
                                    throw new IOException("redis error during load");
                                }
                                while (c != '\n') {
                                    c = in.read();
                                }
                                replies[0]++;
                            }
                        } catch (Exception e) {
                            readError[0] = e;
                        }
                    },
                    "redis-load-reader");
            reader.start();
            write(out, "FLUSHDB");
            write(out, "SET", RedisKeys.META_BUCKETS, Integer.toString(buckets));
            for (int i = 0; i < count; i++) {
                String digits = Long.toString(base + i);
                write(out, "HSET", SuppressionStore.bucketKeyFor(digits, buckets), digits, now);
            }
            out.flush();
            reader.join(120_000);
            if (readError[0] != null) {
                throw readError[0];
            }
            if (replies[0] < total) {
                throw new IllegalStateException("redis answered " + replies[0] + " of " + total + " commands");
            }
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Sends one command and returns the first line of its reply (e.g. "+OK"). */
    String command(String... args) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port()), 2000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            write(out, args);
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
                line.append((char) c);
            }
            return line.toString();
        }
    }

    /** DBSIZE and used memory, for the record. */
    String info() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port()), 2000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            write(out, "INFO", "memory");
            out.flush();
            byte[] buf = new byte[8192];
            int n = s.getInputStream().read(buf);
            String text = new String(buf, 0, Math.max(0, n), StandardCharsets.US_ASCII);
            for (String line : text.split("\r\n")) {
                if (line.startsWith("used_memory_human:")) {
                    return line.substring(line.indexOf(':') + 1);
                }
            }
            return "?";
        } catch (IOException e) {
            return "?";
        }
    }

    private static void write(OutputStream out, String... args) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        sb.append('*').append(args.length).append("\r\n");
        for (String a : args) {
            sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void close() {
        server.close();
        ChildProcesses.unregister(this);
    }

    /**
     * Round trips of PING, one at a time on one connection, in microseconds: {p50, p99}. The
     * share of the added latency that any check against Redis costs on this machine.
     */
    double[] pingRoundTripUs(int warmup, int count) throws IOException {
        Histogram h = new Histogram(3);
        byte[] ping = "PING\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress("127.0.0.1", port()), 2000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            byte[] reply = new byte[7]; // +PONG\r\n
            for (int i = 0; i < warmup + count; i++) {
                long t0 = System.nanoTime();
                out.write(ping);
                out.flush();
                int n = 0;
                while (n < reply.length) {
                    int r = in.read(reply, n, reply.length - n);
                    if (r < 0) {
                        throw new IOException("redis closed the connection");
                    }
                    n += r;
                }
                if (i >= warmup) {
                    h.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                }
            }
        }
        return new double[] {h.getValueAtPercentile(50), h.getValueAtPercentile(99)};
    }
}
