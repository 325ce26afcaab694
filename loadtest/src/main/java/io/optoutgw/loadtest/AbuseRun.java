package io.optoutgw.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.testsupport.FreePorts;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The abuse scenario: one honest ESME sends at a fixed rate while {@code connections} connections
 * flood the gateway with PDUs before any bind (enquire_link with random command_status, random
 * command ids), wrong-password binds arrive at the gateway's bind rate, and the HTTP port gets
 * half-sent requests and oversize bodies. Reported: the honest ESME's p99 and errors unloaded and
 * under attack (same run), and the gateway's heap after GC before and after the attack. Targets:
 * heap within +20 MiB, p99 within 2x the unloaded value, no honest error.
 */
final class AbuseRun {

    /** Bind attempts per second the gateway allows (smpp.bindRate) and the wrong-password binds sent. */
    static final int BIND_RATE = 100;

    /**
     * @param attackerNice the attacking process's nice value (0: same priority as everything
     *                     else). On one shared machine a positive value stands for an attacker
     *                     on another machine: the attacker's own CPU is then not taken from the
     *                     gateway and the honest ESME, while idle cores are still all its own.
     */
    record Options(
            int seconds,
            double rate,
            int connections,
            int unloadedSeconds,
            Path gatewayJar,
            String heap,
            Path work,
            int attackerNice) {}

    record Result(
            double unloadedP99Ms,
            long unloadedErrors,
            double attackP99Ms,
            long attackErrors,
            long honestSent,
            double heapBeforeMiB,
            double heapAfterMiB,
            long floodPdus,
            long floodReconnects,
            long badBinds,
            long halfOpenHttp,
            long oversizeBodies,
            Map<String, Long> oversizeAnswers,
            boolean heapTargetMet,
            boolean p99TargetMet,
            boolean errorsTargetMet) {}

    /** What the attacking process reported. */
    record Attack(
            long floodPdus,
            long floodReconnects,
            long badBinds,
            long halfOpen,
            long oversize,
            Map<String, Long> answers) {}

    private final Options o;
    private final PrintStream out;

    AbuseRun(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    Result run() throws Exception {
        Files.createDirectories(o.work());
        try (BenchRedis redis = BenchRedis.start(o.work().resolve("redis"), FreePorts.find());
                SmscSimulator sim = new SmscSimulator(SimulatorOptions.builder()
                                .recordLimit(0)
                                .ioThreads(1)
                                .build())
                        .start();
                GatewayNode gw = new GatewayNode("gw-abuse", o.work().resolve("gw"), o.gatewayJar(), o.heap())) {
            gw.start(
                    redis.uri(),
                    sim.port(),
                    ", maxConnectionsPerIp: " + (o.connections() + 100) + ", bindRate: " + BIND_RATE);
            LoadGenerator.Options honest = new LoadGenerator.Options(
                    "127.0.0.1",
                    gw.smppPort,
                    GatewayNode.ACCOUNT,
                    GatewayNode.PASSWORD,
                    1,
                    32,
                    o.rate(),
                    0.0,
                    0,
                    false,
                    1);
            try (LoadGenerator gen = new LoadGenerator(honest)) {
                gen.bindAll(30_000);
                gen.start();
                Thread.sleep(3_000); // warm-up
                gen.intervalHistogram();
                LoadGenerator.Counters c0 = gen.counters();
                Thread.sleep(TimeUnit.SECONDS.toMillis(o.unloadedSeconds()));
                Histogram unloaded = gen.intervalHistogram();
                LoadGenerator.Counters c1 = gen.counters();
                LoadGenerator.Counters u = c1.minus(c0);
                long unloadedErrors = u.refused() + u.otherStatus() + u.lost(); // in-flight ones are not errors
                double heapBefore = heapAfterGcMiB(gw);
                out.printf(
                        Locale.ROOT,
                        "unloaded: p99 %.2f ms, %d errors; gateway heap after GC %.1f MiB%n",
                        ms(unloaded, 99),
                        unloadedErrors,
                        heapBefore);

                gen.intervalHistogram();
                LoadGenerator.Counters a0 = gen.counters();
                Attack attack1 = attack(gw);
                Histogram attack = gen.intervalHistogram();
                LoadGenerator.Counters a1 = gen.counters();
                gen.stopSending();
                Thread.sleep(2_000);
                long attackErrors = errors(gen.counters().minus(a0));
                double heapAfter = heapAfterGcMiB(gw);
                double p0 = ms(unloaded, 99);
                double p1 = ms(attack, 99);
                return new Result(
                        p0,
                        unloadedErrors,
                        p1,
                        attackErrors,
                        a1.sent() - a0.sent(),
                        heapBefore,
                        heapAfter,
                        attack1.floodPdus(),
                        attack1.floodReconnects(),
                        attack1.badBinds(),
                        attack1.halfOpen(),
                        attack1.oversize(),
                        attack1.answers(),
                        heapBefore >= 0 && heapAfter >= 0 && heapAfter - heapBefore <= 20,
                        p1 <= 2 * p0,
                        attackErrors == 0);
            }
        }
    }

    /** Runs {@link AbuseAttacker} as a child process (niced per the options) and reads its counts. */
    private Attack attack(GatewayNode gw) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (o.attackerNice() != 0) {
            cmd.addAll(List.of("nice", "-n", Integer.toString(o.attackerNice())));
        }
        cmd.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                AbuseAttacker.class.getName(),
                Integer.toString(gw.smppPort),
                Integer.toString(gw.httpPort),
                Integer.toString(o.connections()),
                Integer.toString(o.seconds()),
                Integer.toString(BIND_RATE),
                GatewayNode.ACCOUNT,
                GatewayNode.ADMIN_TOKEN));
        Path log = o.work().resolve("attacker.log");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        ChildProcesses.register(p);
        try {
            if (!p.waitFor(o.seconds() + 60L, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the attacking process did not stop; see " + log);
            }
        } finally {
            ChildProcesses.stop(p);
        }
        String line = Files.readAllLines(log).stream()
                .filter(l -> l.startsWith("attack "))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the attacking process reported nothing; see " + log));
        String[] f = line.split(" ");
        Map<String, Long> answers = new TreeMap<>();
        for (int i = 6; i < f.length; i++) {
            int eq = f[i].lastIndexOf('=');
            answers.put(f[i].substring(0, eq).replace('_', ' '), Long.parseLong(f[i].substring(eq + 1)));
        }
        return new Attack(
                Long.parseLong(f[1]),
                Long.parseLong(f[2]),
                Long.parseLong(f[3]),
                Long.parseLong(f[4]),
                Long.parseLong(f[5]),
                answers);
    }

    /** Responses other than ESME_ROK plus submits never answered. */
    private static long errors(LoadGenerator.Counters c) {
        return c.refused() + c.otherStatus() + c.lost() + Math.max(0, c.sent() - c.responses());
    }

    private static double ms(Histogram h, double pct) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(pct) / 1e6;
    }

    /** Heap after a full GC in the gateway (jcmd GC.run, then the live-data gauge), MiB; -1 if unread. */
    static double heapAfterGcMiB(GatewayNode gw) throws InterruptedException {
        String before = gw.metrics();
        for (int i = 0; before == null && i < 20; i++) {
            Thread.sleep(500); // the HTTP port may still be busy with what the attack left behind
            before = gw.metrics();
        }
        if (before == null) {
            return -1;
        }
        double fullGcs = GatewayProcess.majorGcCount(before);
        try {
            Process p = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                    .toString(),
                            Long.toString(gw.pid()),
                            "GC.run")
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            p.waitFor(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            return -1;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String now = gw.metrics();
            if (now != null && GatewayProcess.majorGcCount(now) > fullGcs) {
                double live = GatewayProcess.gauge(now, "jvm_gc_live_data_size_bytes");
                return live < 0 ? -1 : live / (1024.0 * 1024.0);
            }
            Thread.sleep(100);
        }
        return -1;
    }

    static String summary(Options o, Result r) {
        return String.format(
                Locale.ROOT,
                """
                abuse: %d s, %d connections flooding pre-bind PDUs, wrong-password binds at %d/s, half-sent HTTP requests and %s (attacking process at nice %d)
                  honest ESME at %.0f/s: p99 %.2f ms unloaded (%d errors) -> %.2f ms under attack (%d errors, %d sent)   [target p99 <= 2x: %s, no errors: %s]
                  gateway heap after GC: %.1f MiB before -> %.1f MiB after   [target <= +20 MiB: %s]
                  attack: %d pre-bind PDUs, %d flood reconnects, %d bad binds, %d half-sent HTTP requests, %d oversize bodies %s
                """,
                o.seconds(),
                o.connections(),
                BIND_RATE,
                "32 MiB bodies",
                o.attackerNice(),
                o.rate(),
                r.unloadedP99Ms(),
                r.unloadedErrors(),
                r.attackP99Ms(),
                r.attackErrors(),
                r.honestSent(),
                met(r.p99TargetMet()),
                met(r.errorsTargetMet()),
                r.heapBeforeMiB(),
                r.heapAfterMiB(),
                met(r.heapTargetMet()),
                r.floodPdus(),
                r.floodReconnects(),
                r.badBinds(),
                r.halfOpenHttp(),
                r.oversizeBodies(),
                r.oversizeAnswers());
    }

    private static String met(boolean ok) {
        return ok ? "met" : "MISSED";
    }

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
                        "connections",
                        o.connections(),
                        "unloadedSeconds",
                        o.unloadedSeconds(),
                        "heap",
                        o.heap(),
                        "attackerNice",
                        o.attackerNice(),
                        "cores",
                        Runtime.getRuntime().availableProcessors()));
        m.put("result", r);
        Files.writeString(
                dir.resolve("abuse-latest.json"),
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
        Files.writeString(dir.resolve("abuse-latest.txt"), summary(o, r));
    }
}
