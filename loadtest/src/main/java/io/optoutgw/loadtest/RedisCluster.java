package io.optoutgw.loadtest;

import io.optoutgw.testsupport.RedisServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster of redis-server child processes on 127.0.0.1: {@code masters} masters with one
 * replica each, created with {@code redis-cli --cluster create ... --cluster-replicas 1}, without
 * persistence. A master can be killed with SIGKILL by PID and the promotion of its replica awaited.
 */
final class RedisCluster implements AutoCloseable {

    /** How long a master may be unreachable before its replica takes over (cluster-node-timeout). */
    static final int NODE_TIMEOUT_MILLIS = 2000;

    /** One redis-server of the cluster. */
    static final class Node {
        final int port;
        final Path dir;
        final RedisServerProcess server;

        Node(Path dir, RedisServerProcess server) {
            this.port = server.port();
            this.dir = dir;
            this.server = server;
        }

        long pid() {
            return server.pid();
        }

        boolean alive() {
            return server.isAlive();
        }
    }

    private final List<Node> nodes = new ArrayList<>();

    private RedisCluster() {}

    static RedisCluster start(Path dir, int masters) throws Exception {
        RedisCluster c = new RedisCluster();
        try {
            for (int i = 0; i < masters * 2; i++) {
                c.nodes.add(startNode(dir.resolve("node-" + i)));
            }
            List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            for (Node n : c.nodes) {
                cmd.add("127.0.0.1:" + n.port);
            }
            cmd.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            String out = run(cmd, 60);
            if (!out.contains("All 16384 slots covered")) {
                throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
            }
            c.awaitHealthy(masters, 30_000);
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    /** A cluster-enabled redis-server of the gateway's test kit, in {@code dir} (kept), pinned with the other children. */
    private static Node startNode(Path dir) throws Exception {
        RedisServerProcess server = RedisServerProcess.startIn(
                dir,
                freeClusterPort(),
                ChildProcesses.command(List.of()),
                List.of(
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        Integer.toString(NODE_TIMEOUT_MILLIS)));
        ChildProcesses.register(server);
        return new Node(dir, server);
    }

    /** A free port whose cluster bus port (+10000) is free as well. */
    private static int freeClusterPort() throws IOException {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        for (int i = 0; i < 200; i++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 45_000);
            try (ServerSocket a = new ServerSocket(port, 1, lo);
                    ServerSocket b = new ServerSocket(port + 10_000, 1, lo)) {
                return port;
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no free port pair (p, p+10000) on 127.0.0.1");
    }

    /** {@code redis-cluster://127.0.0.1:p1,...} over every node (seeds). */
    String uri() {
        StringBuilder sb = new StringBuilder("redis-cluster://");
        for (int i = 0; i < nodes.size(); i++) {
            sb.append(i == 0 ? "" : ",").append("127.0.0.1:").append(nodes.get(i).port);
        }
        return sb.toString();
    }

    List<Node> nodes() {
        return List.copyOf(nodes);
    }

    /** Live masters that serve slots, by port, as a surviving node sees them. */
    List<Integer> masterPorts() {
        List<Integer> out = new ArrayList<>();
        for (Map.Entry<Integer, String[]> e : clusterNodes().entrySet()) {
            String[] f = e.getValue();
            if (f[2].contains("master") && !f[2].contains("fail") && f.length > 8) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    Node node(int port) {
        return nodes.stream().filter(n -> n.port == port).findFirst().orElseThrow();
    }

    /** {@code CLUSTER NODES} of the first live node: port -> fields. */
    private Map<Integer, String[]> clusterNodes() {
        for (Node n : nodes) {
            if (!n.alive()) {
                continue;
            }
            String out =
                    run(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(n.port), "cluster", "nodes"), 5);
            Map<Integer, String[]> m = new LinkedHashMap<>();
            for (String line : out.split("\n")) {
                String[] f = line.trim().split(" ");
                if (f.length < 8) {
                    continue;
                }
                String addr = f[1];
                int colon = addr.indexOf(':');
                int at = addr.indexOf('@');
                if (colon < 0) {
                    continue;
                }
                m.put(Integer.parseInt(addr.substring(colon + 1, at < 0 ? addr.length() : at)), f);
            }
            if (!m.isEmpty()) {
                return m;
            }
        }
        return Map.of();
    }

    /** SIGKILL of {@code node} by PID; waits until it is gone. */
    static void kill9(Node node) {
        node.server.kill();
    }

    /**
     * Waits until {@code masters} live masters serve all slots and every live node reports
     * cluster_state:ok; returns the milliseconds waited.
     */
    long awaitHealthy(int masters, long timeoutMillis) throws InterruptedException {
        return awaitFailover(-1, masters, timeoutMillis);
    }

    /**
     * Waits until the master on {@code deadPort} no longer serves slots (its replica took over),
     * {@code masters} live masters serve all slots and every live node reports cluster_state:ok;
     * returns the milliseconds waited.
     */
    long awaitFailover(int deadPort, int masters, long timeoutMillis) throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        String last = "";
        while (System.nanoTime() < deadline) {
            List<Integer> live = masterPorts();
            boolean ok = live.size() == masters && !live.contains(deadPort);
            for (Node n : nodes) {
                if (n.alive()) {
                    last = run(
                            List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(n.port), "cluster", "info"),
                            5);
                    ok &= last.contains("cluster_state:ok");
                }
            }
            if (ok) {
                return (System.nanoTime() - t0) / 1_000_000;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("cluster not healthy within " + timeoutMillis + " ms:\n" + last);
    }

    static String run(List<String> cmd, int timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            n.server.close();
            ChildProcesses.unregister(n.server);
        }
    }
}
