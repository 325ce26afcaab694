package io.optoutgw.loadtest;

import com.cloudhopper.smpp.SmppConstants;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.optoutgw.simulator.ReceivedMessage;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;

/**
 * The chaos scenario: a Redis Cluster (three masters, one replica each), three gateways sharing it
 * and one SMSC simulator, ESMEs sending at a steady rate to a pool of numbers while STOPs for a
 * subset of the pool arrive as MO through the simulator. Mid-run one Redis master is killed with
 * SIGKILL (its replica takes over) and one gateway is killed with SIGKILL and started again on
 * its journal. Afterwards: {@code gateway audit verify} on every gateway, every STOP the simulator
 * got ESME_ROK for must be on the list, and no submit sent after the STOP to its destination was
 * acknowledged may have reached the simulator (its log of received submits is the witness).
 */
final class ChaosRun {

    /** A number of the pool: POOL_BASE + index. */
    static final long POOL_BASE = 12124000000L;

    private static final byte[] STOP = "STOP".getBytes(StandardCharsets.ISO_8859_1);

    /**
     * What to run.
     *
     * @param seconds        traffic time
     * @param rate           submits per second over all gateways
     * @param pool           numbers submits go to
     * @param stops          numbers of the pool that send STOP (spread over the run)
     * @param stopShare      share of submits addressed to the STOP subset
     * @param gateways       gateway processes
     * @param sessionsPerGateway ESME transceivers per gateway
     * @param gatewayJar     the gateway jar, or null to run GatewayCli from this class path
     * @param heap           gateway heap (-Xmx)
     * @param work           scratch directory
     */
    record Options(
            int seconds,
            double rate,
            int pool,
            int stops,
            double stopShare,
            int gateways,
            int sessionsPerGateway,
            Path gatewayJar,
            String heap,
            Path work) {}

    /** What happened, and the verdict. */
    record Result(
            int stopsSent,
            long stopAttempts,
            int stopsAcked,
            int stopsAckedOnList,
            int stopsLost,
            int stopsUnknown,
            int submitsSent,
            long submitsOk,
            long submitsRefused,
            long submitsOther,
            long submitsUnanswered,
            long notSent,
            long relayed,
            long relayedAfterAck,
            int violations,
            Map<String, Long> otherStatuses,
            List<Integer> auditExitCodes,
            List<String> auditOutputs,
            long masterFailoverMillis,
            long gatewayRestartMillis,
            double seconds,
            List<String> events) {

        boolean auditClean() {
            return auditExitCodes.stream().allMatch(c -> c == 0);
        }
    }

    private final Options o;
    private final PrintStream out;
    private final List<String> events = new ArrayList<>();
    private long t0;

    ChaosRun(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    private synchronized void event(String what) {
        String line = String.format(Locale.ROOT, "t=%5.1f s  %s", (System.nanoTime() - t0) / 1e9, what);
        events.add(line);
        out.println(line);
    }

    Result run() throws Exception {
        int capacity = (int) Math.ceil(o.rate() * o.seconds() * 1.2) + 1000;
        SplittableRandom random = new SplittableRandom(7);
        // the STOP subset: distinct pool indexes
        int[] stopIdx = random.ints(0, o.pool()).distinct().limit(o.stops()).toArray();
        Set<Integer> stopSet = new HashSet<>();
        for (int i : stopIdx) {
            stopSet.add(i);
        }
        int[] others =
                IntStream.range(0, o.pool()).filter(i -> !stopSet.contains(i)).toArray();
        AtomicLongArray ackNanos = new AtomicLongArray(o.pool());
        AtomicIntegerArray attempts = new AtomicIntegerArray(o.pool());
        LongAdder stopAttempts = new LongAdder();
        t0 = System.nanoTime();
        List<GatewayNode> gws = new ArrayList<>();
        SimulatorOptions so = SimulatorOptions.builder()
                .recordLimit(capacity + 10 * o.stops() + 10_000)
                .ioThreads(1)
                .responseTimeout(Duration.ofSeconds(5))
                .build();
        try (SmscSimulator sim = new SmscSimulator(so).start();
                RedisCluster cluster = RedisCluster.start(o.work().resolve("cluster"), 3)) {
            event("redis cluster up: " + cluster.uri() + " (3 masters, 3 replicas)");
            for (int i = 1; i <= o.gateways(); i++) {
                gws.add(new GatewayNode("gw-chaos-" + i, o.work().resolve("gw-" + i), o.gatewayJar(), o.heap()));
            }
            // one after the other: JVMs starting at once on a small machine take longer in all
            for (GatewayNode g : gws) {
                g.start(cluster.uri(), sim.port(), "");
                event(g.instanceId + " ready: pid " + g.pid() + ", smpp " + g.smppPort + ", http " + g.httpPort);
            }
            try (TrackedEsmes esmes = new TrackedEsmes(
                    GatewayNode.ACCOUNT,
                    GatewayNode.PASSWORD,
                    gws.stream().map(g -> g.smppPort).toList(),
                    o.sessionsPerGateway(),
                    capacity)) {
                esmes.awaitBound(30_000);
                event("ESMEs bound: " + o.gateways() * o.sessionsPerGateway() + " transceivers");
                ScheduledExecutorService stops = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "stop-injector");
                    t.setDaemon(true);
                    return t;
                });
                boolean[] running = {true};
                long start = System.nanoTime();
                long runNanos = TimeUnit.SECONDS.toNanos(o.seconds());
                // STOPs from 5% to 80% of the run, evenly
                for (int k = 0; k < stopIdx.length; k++) {
                    int idx = stopIdx[k];
                    long at = (long) (runNanos * (0.05 + 0.75 * k / Math.max(1, stopIdx.length)));
                    stops.schedule(
                            () -> sendStop(sim, stops, idx, ackNanos, attempts, stopAttempts, running),
                            at,
                            TimeUnit.NANOSECONDS);
                }
                Thread pacer = new Thread(() -> pace(esmes, start, runNanos, stopIdx, others), "chaos-pacer");
                pacer.setDaemon(true);
                pacer.start();

                long masterFailover = -1;
                long gatewayRestart = -1;
                sleepUntil(start + (long) (runNanos * 0.30));
                int victimPort = cluster.masterPorts().get(0);
                RedisCluster.Node victim = cluster.node(victimPort);
                event("kill -9 redis master 127.0.0.1:" + victimPort + " (pid " + victim.pid() + ")");
                long k0 = System.nanoTime();
                RedisCluster.kill9(victim);
                cluster.awaitFailover(victimPort, 3, 60_000);
                masterFailover = (System.nanoTime() - k0) / 1_000_000;
                event("failover done: masters now " + cluster.masterPorts() + ", cluster_state ok after "
                        + masterFailover + " ms");

                sleepUntil(start + (long) (runNanos * 0.55));
                GatewayNode killed = gws.get(Math.min(1, gws.size() - 1));
                event("kill -9 " + killed.instanceId + " (pid " + killed.pid() + ")");
                killed.kill9();
                long r0 = System.nanoTime();
                killed.start(cluster.uri(), sim.port(), "");
                gatewayRestart = (System.nanoTime() - r0) / 1_000_000;
                event(killed.instanceId + " restarted on its journal: pid " + killed.pid() + ", ready after "
                        + gatewayRestart + " ms");

                pacer.join(runNanos / 1_000_000 + 60_000);
                event("traffic over: " + esmes.sent() + " submits sent");
                running[0] = false;
                stops.shutdown();
                stops.awaitTermination(15, TimeUnit.SECONDS);
                // answers still in flight, then a reconciliation pass of every gateway (5 s interval)
                Thread.sleep(2_000 + 6_000);
                double secs = (System.nanoTime() - start) / 1e9;

                Result r = verdict(
                        sim,
                        gws,
                        esmes,
                        stopIdx,
                        ackNanos,
                        attempts,
                        stopAttempts.sum(),
                        masterFailover,
                        gatewayRestart,
                        secs);
                return r;
            }
        } finally {
            for (GatewayNode g : gws) {
                g.close();
            }
        }
    }

    /** Something done to one gateway that may throw. */
    interface GatewayTask<T> {
        T apply(GatewayNode g) throws Exception;
    }

    /** Runs {@code task} on every gateway at once (JVM start-ups, CLI runs); results in order. */
    static <T> List<T> parallel(List<GatewayNode> gws, GatewayTask<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(gws.size());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (GatewayNode g : gws) {
                futures.add(pool.submit(() -> task.apply(g)));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception c ? c : e;
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private void sendStop(
            SmscSimulator sim,
            ScheduledExecutorService stops,
            int idx,
            AtomicLongArray ackNanos,
            AtomicIntegerArray attempts,
            LongAdder stopAttempts,
            boolean[] running) {
        if (!running[0] || ackNanos.get(idx) != 0) {
            return;
        }
        attempts.incrementAndGet(idx);
        stopAttempts.increment();
        String from = Long.toString(POOL_BASE + idx);
        sim.injectMo(from, LoadGenerator.SHORT_CODE, STOP, (byte) 0).whenComplete((status, error) -> {
            if (error == null && status == SmppConstants.STATUS_OK) {
                ackNanos.compareAndSet(idx, 0, System.nanoTime());
            } else if (running[0] && attempts.get(idx) < 20) {
                // an SMSC redelivers what was not acknowledged
                try {
                    stops.schedule(
                            () -> sendStop(sim, stops, idx, ackNanos, attempts, stopAttempts, running),
                            1,
                            TimeUnit.SECONDS);
                } catch (RejectedExecutionException ignored) {
                    // run over
                }
            }
        });
    }

    /** Submits at {@code rate}, {@code stopShare} of them to the STOP subset, until the run is over. */
    private void pace(TrackedEsmes esmes, long start, long runNanos, int[] stopIdx, int[] others) {
        SplittableRandom random = new SplittableRandom(11);
        long done = 0;
        while (true) {
            long now = System.nanoTime();
            if (now - start >= runNanos) {
                return;
            }
            long due = (long) (o.rate() * (now - start) / 1e9) - done;
            for (long i = 0; i < due; i++) {
                boolean toStop = stopIdx.length > 0 && (others.length == 0 || random.nextDouble() < o.stopShare());
                int idx = toStop ? stopIdx[random.nextInt(stopIdx.length)] : others[random.nextInt(others.length)];
                esmes.submit(POOL_BASE + idx);
                done++;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long left = nanos - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private Result verdict(
            SmscSimulator sim,
            List<GatewayNode> gws,
            TrackedEsmes esmes,
            int[] stopIdx,
            AtomicLongArray ackNanos,
            AtomicIntegerArray attempts,
            long stopAttempts,
            long masterFailover,
            long gatewayRestart,
            double secs)
            throws Exception {
        // STOPs: every acknowledged one must be on the list
        int acked = 0;
        int onList = 0;
        int lost = 0;
        int unknown = 0;
        int sent = 0;
        GatewayNode reader = gws.get(0);
        for (int idx : stopIdx) {
            if (attempts.get(idx) == 0) {
                continue;
            }
            sent++;
            if (ackNanos.get(idx) == 0) {
                continue;
            }
            acked++;
            Boolean s = reader.suppressed(Long.toString(POOL_BASE + idx));
            if (s == null) {
                s = gws.get(gws.size() - 1).suppressed(Long.toString(POOL_BASE + idx));
            }
            if (s == null) {
                unknown++;
            } else if (s) {
                onList++;
            } else {
                lost++;
                event("LOST: STOP from +" + (POOL_BASE + idx) + " was acknowledged but is not on the list");
            }
        }
        // submits: the ESMEs' view
        long ok = 0;
        long refused = 0;
        long other = 0;
        long unanswered = 0;
        Map<String, Long> otherStatuses = new TreeMap<>();
        int n = Math.min(esmes.sent(), esmes.capacity);
        for (int id = 1; id <= n; id++) {
            int st = esmes.status.get(id);
            if (esmes.sentNanos.get(id) == 0) {
                continue;
            }
            if (st == TrackedEsmes.UNANSWERED) {
                unanswered++;
            } else if (st == 0) {
                ok++;
            } else if (st == SmppConstants.STATUS_INVDSTADR) {
                refused++;
            } else {
                other++;
                otherStatuses.merge(String.format(Locale.ROOT, "0x%08X", st), 1L, Long::sum);
            }
        }
        // the simulator's log: every ESME submit that reached it
        Set<Integer> relayedIds = new HashSet<>();
        long afterAck = 0;
        int violations = 0;
        for (ReceivedMessage m : sim.receivedMessages()) {
            int id = TrackedEsmes.idOf(m.pdu().getShortMessage());
            if (id <= 0 || id > esmes.capacity || !relayedIds.add(id)) {
                continue;
            }
            long dest = esmes.destination.get(id);
            int idx = (int) (dest - POOL_BASE);
            if (idx < 0 || idx >= ackNanos.length()) {
                continue;
            }
            long ack = ackNanos.get(idx);
            if (ack != 0 && ack < esmes.sentNanos.get(id)) {
                violations++;
                afterAck++;
                if (violations <= 20) {
                    event(String.format(
                            Locale.ROOT,
                            "VIOLATION: submit %d to +%d sent %.3f s after its STOP was "
                                    + "acknowledged reached the SMSC at %s",
                            id,
                            dest,
                            (esmes.sentNanos.get(id) - ack) / 1e9,
                            m.receivedAt()));
                }
            }
        }
        // the audit trail, the list and each gateway's journal
        List<GatewayNode.CliResult> verified = parallel(gws, GatewayNode::auditVerify);
        List<Integer> codes = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        for (int i = 0; i < gws.size(); i++) {
            GatewayNode.CliResult v = verified.get(i);
            codes.add(v.exitCode());
            outputs.add(gws.get(i).instanceId + ": " + v.output());
            event("gateway audit verify on " + gws.get(i).instanceId + ": exit " + v.exitCode() + ": "
                    + v.output().lines().findFirst().orElse(""));
        }
        return new Result(
                sent,
                stopAttempts,
                acked,
                onList,
                lost,
                unknown,
                esmes.sent(),
                ok,
                refused,
                other,
                unanswered,
                esmes.notSent.sum(),
                relayedIds.size(),
                afterAck,
                violations,
                otherStatuses,
                codes,
                outputs,
                masterFailover,
                gatewayRestart,
                secs,
                List.copyOf(events));
    }

    /** The counts as a few lines of text. */
    static String summary(Options o, Result r) {
        return String.format(
                Locale.ROOT,
                """
                chaos: %d gateways, redis cluster 3 masters + 3 replicas, %d s at %.0f submits/s to %d numbers, %d of them send STOP
                  faults: redis master kill -9 (failover %d ms), gateway kill -9 and restart on its journal (ready after %d ms)
                  STOPs: %d sent (%d attempts), %d acknowledged ESME_ROK, %d of those on the list, %d lost, %d unreadable
                  submits: %d sent, %d relayed (in the simulator's log), %d ESME_ROK, %d refused (0x0B), %d other %s, %d unanswered, %d not sent (no bound session)
                  violations (relayed though sent after the STOP was acknowledged): %d
                  gateway audit verify: exit codes %s
                """,
                o.gateways(),
                o.seconds(),
                o.rate(),
                o.pool(),
                o.stops(),
                r.masterFailoverMillis(),
                r.gatewayRestartMillis(),
                r.stopsSent(),
                r.stopAttempts(),
                r.stopsAcked(),
                r.stopsAckedOnList(),
                r.stopsLost(),
                r.stopsUnknown(),
                r.submitsSent(),
                r.relayed(),
                r.submitsOk(),
                r.submitsRefused(),
                r.submitsOther(),
                r.otherStatuses(),
                r.submitsUnanswered(),
                r.notSent(),
                r.violations(),
                r.auditExitCodes());
    }

    /** Writes {@code chaos-latest.json} and {@code chaos-latest.txt} into {@code dir}. */
    static void write(Path dir, Options o, Result r) throws Exception {
        Files.createDirectories(dir);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("when", Instant.now().toString());
        m.put(
                "options",
                Map.of(
                        "seconds",
                        o.seconds(),
                        "rate",
                        o.rate(),
                        "pool",
                        o.pool(),
                        "stops",
                        o.stops(),
                        "stopShare",
                        o.stopShare(),
                        "gateways",
                        o.gateways(),
                        "sessionsPerGateway",
                        o.sessionsPerGateway(),
                        "cores",
                        Runtime.getRuntime().availableProcessors()));
        m.put("result", r);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.writeString(dir.resolve("chaos-latest.json"), json.writeValueAsString(m));
        Files.writeString(
                dir.resolve("chaos-latest.txt"),
                summary(o, r) + "\nevents:\n  " + String.join("\n  ", r.events()) + "\n\naudit verify:\n  "
                        + String.join("\n  ", r.auditOutputs()) + "\n");
    }
}
