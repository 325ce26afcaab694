package io.optoutgw.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of masters only, each a {@link RedisServerProcess} on a free 127.0.0.1 port in
 * its own temp dir, created with {@code redis-cli --cluster create}; closing kills them by PID.
 */
public final class RedisClusterProcesses implements AutoCloseable {

    private static final long READY_MILLIS = 20_000;

    private final List<RedisServerProcess> nodes = new ArrayList<>();

    private RedisClusterProcesses() {}

    /** Starts {@code masters} cluster-enabled servers, assigns all slots and waits for cluster_state:ok. */
    public static RedisClusterProcesses start(int masters) {
        RedisClusterProcesses cluster = new RedisClusterProcesses();
        try {
            for (int i = 0; i < masters; i++) {
                cluster.nodes.add(RedisServerProcess.startWith(List.of(
                        "--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "5000")));
            }
            cluster.create();
            cluster.awaitOk();
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** {@code redis-cluster://127.0.0.1:p1,127.0.0.1:p2,...}. */
    public String uri() {
        StringBuilder sb = new StringBuilder("redis-cluster://");
        for (int i = 0; i < nodes.size(); i++) {
            sb.append(i == 0 ? "" : ",")
                    .append("127.0.0.1:")
                    .append(nodes.get(i).port());
        }
        return sb.toString();
    }

    public List<RedisServerProcess> nodes() {
        return List.copyOf(nodes);
    }

    private void create() {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (RedisServerProcess node : nodes) {
            cmd.add("127.0.0.1:" + node.port());
        }
        cmd.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        String out = run(cmd, 30);
        if (!out.contains("All 16384 slots covered")) {
            throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
        }
    }

    private void awaitOk() {
        long deadline = System.currentTimeMillis() + READY_MILLIS;
        String last = "";
        while (System.currentTimeMillis() < deadline) {
            boolean allOk = true;
            for (RedisServerProcess node : nodes) {
                last = run(
                        List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(node.port()), "cluster", "info"),
                        5);
                allOk &= last.contains("cluster_state:ok");
            }
            if (allOk) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("cluster not ok after " + READY_MILLIS + " ms:\n" + last);
    }

    private static String run(List<String> cmd, int timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
            }
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills every node by PID and deletes its temp dir. */
    @Override
    public void close() {
        RuntimeException first = null;
        for (RedisServerProcess node : nodes) {
            try {
                node.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
