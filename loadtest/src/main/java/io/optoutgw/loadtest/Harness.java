package io.optoutgw.loadtest;

import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.testsupport.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One command for the whole comparison: starts Redis (1,000,000 suppressed numbers), SMSC
 * simulators and the gateway (a child JVM), then runs the legs of each scenario alternately
 * (direct, proxied, cloudhopper), repeats them and writes a table, JSON and a PNG chart.
 */
@Command(
        name = "loadtest",
        mixinStandardHelpOptions = true,
        description = "Direct vs proxied vs cloudhopper SMPP load test (see docs/performance.md).")
public final class Harness implements Callable<Integer> {

    @Option(
            names = "--scenario",
            split = ",",
            defaultValue = "saturation",
            description =
                    "saturation, binds-sweep, fixed-rate, window1, carrier, redis-paths, binds1000, soak, chaos, abuse "
                            + "(comma-separated)")
    List<String> scenarios;

    @Option(names = "--binds", description = "ESME binds (default per scenario: 8; carrier 16; window1 1)")
    Integer binds;

    @Option(names = "--window", description = "window per bind (default per scenario: 64; carrier 10; window1 1)")
    Integer window;

    @Option(
            names = "--rate",
            split = ",",
            defaultValue = "5000,20000,half",
            description = "fixed-rate scenario rates (msg/s); 'half' = 50%% of the proxied saturation median")
    List<String> rates;

    @Option(names = "--warmup", defaultValue = "10", description = "warm-up seconds per leg")
    int warmup;

    @Option(names = "--duration", defaultValue = "20", description = "measured seconds per leg")
    int duration;

    @Option(names = "--repeat", defaultValue = "3", description = "runs of each leg (alternating A/B)")
    int repeat;

    @Option(
            names = "--others-warmup",
            description = "warm-up seconds for scenarios other than saturation (default --warmup)")
    Integer othersWarmup;

    @Option(
            names = "--others-duration",
            description = "measured seconds for scenarios other than saturation (default --duration)")
    Integer othersDuration;

    @Option(names = "--others-repeat", description = "runs for scenarios other than saturation (default --repeat)")
    Integer othersRepeat;

    @Option(
            names = "--soak-duration",
            defaultValue = "60",
            description = "seconds of the soak scenario (600 for the 10-minute soak)")
    int soakDuration;

    @Option(names = "--suppressed", defaultValue = "1000000", description = "numbers on the suppression list")
    int suppressed;

    @Option(names = "--suppressed-share", defaultValue = "0.01", description = "share of destinations on the list")
    double suppressedShare;

    @Option(names = "--mo-share", defaultValue = "0.02", description = "MO deliver_sm per submit")
    double moShare;

    @Option(names = "--stop-share", defaultValue = "0.1", description = "share of MO that are STOP")
    double stopShare;

    // picocli 4.7: without fallbackValue a negatable option that defaults to true is set to false
    // by --receipts and to true by --no-receipts
    @Option(
            names = "--receipts",
            defaultValue = "true",
            fallbackValue = "true",
            negatable = true,
            description = "ask for a receipt per submit (--no-receipts: none)")
    boolean receipts;

    @Option(names = "--no-cloudhopper", description = "skip the cloudhopper reference leg")
    boolean noCloudhopper;

    @Option(
            names = "--no-ch-proxy",
            description = "skip the reference leg through a proxy built from cloudhopper's server and client"
                    + " with the same Redis check (saturation and fixed-rate)")
    boolean noChProxy;

    @Option(
            names = "--peer",
            split = ",",
            description = "optional peer legs in the saturation scenario: jasmin (installed first with"
                    + " loadtest/peers/jasmin/jasmin.sh install [WHEEL_DIR])")
    List<String> peers = new ArrayList<>();

    @Option(
            names = "--jasmin-drain-seconds",
            defaultValue = "300",
            description = "longest wait, after a Jasmin leg's ESMEs stop sending, for its backlog to reach the SMSC")
    int jasminDrainSeconds;

    @Option(names = "--no-tcp-relay", description = "skip the saturation leg through a proxy that does no work")
    boolean noTcpRelay;

    @Option(names = "--gen-threads", defaultValue = "1", description = "generator event loop threads")
    int genThreads;

    @Option(names = "--sim-threads", defaultValue = "1", description = "simulator event loop threads")
    int simThreads;

    @Option(names = "--gateway-jar", defaultValue = "gateway/target/gateway.jar")
    Path gatewayJar;

    @Option(names = "--gateway-heap", defaultValue = "512m")
    String gatewayHeap;

    @Option(names = "--gateway-jvm-arg", description = "extra JVM argument for the gateway process (repeatable)")
    List<String> gatewayJvmArgs = new ArrayList<>();

    @Option(
            names = "--pin",
            description = "run the harness on CPU 0 and the gateway and Redis on the other CPUs "
                    + "(taskset), so that neither leg's harness competes with the gateway for a core")
    boolean pin;

    @Option(
            names = "--sessions",
            defaultValue = "10000",
            description =
                    "ESME sessions the binds1000 scenario binds at once (the target: 10,000 in the gateway's heap)")
    int sessions;

    @Option(
            names = "--sweep-binds",
            split = ",",
            defaultValue = "1,32",
            description = "bind counts of the binds-sweep scenario (saturation, window 64)")
    List<Integer> sweepBinds;

    @Option(
            names = "--redis-pause-ms",
            defaultValue = "200",
            description = "redis-paths 'slow' leg: CLIENT PAUSE of this many ms once a second")
    int redisPauseMs;

    @Option(names = "--jfr", description = "record a JFR profile of the gateway (written to the work dir)")
    boolean jfr;

    @Option(names = "--chaos-seconds", defaultValue = "150", description = "traffic time of the chaos scenario")
    int chaosSeconds;

    @Option(
            names = "--chaos-rate",
            defaultValue = "500",
            description = "submits/s of the chaos scenario (over all gateways)")
    double chaosRate;

    @Option(names = "--chaos-stops", defaultValue = "600", description = "numbers that send STOP in the chaos scenario")
    int chaosStops;

    @Option(names = "--abuse-seconds", defaultValue = "60", description = "time under attack in the abuse scenario")
    int abuseSeconds;

    @Option(
            names = "--abuse-rate",
            defaultValue = "200",
            description = "submits/s of the honest ESME in the abuse scenario")
    double abuseRate;

    @Option(
            names = "--abuse-attacker-nice",
            defaultValue = "19",
            description = "nice value of the attacking "
                    + "process in the abuse scenario (0: same priority as the gateway; 19, the default, stands for an attacker "
                    + "on another machine: its own CPU is not taken from the gateway and the honest ESME)")
    int abuseAttackerNice;

    @Option(
            names = "--abuse-connections",
            defaultValue = "200",
            description = "attacking connections in the abuse scenario")
    int abuseConnections;

    @Option(names = "--out", defaultValue = "loadtest/results", description = "results directory")
    Path out;

    @Option(names = "--work", defaultValue = "loadtest/target/run", description = "scratch directory (logs, journal)")
    Path work;

    @Option(names = "--max-minutes", defaultValue = "90", description = "hard stop for the whole run")
    int maxMinutes;

    private BenchRedis redis;
    private final List<LegResult> results = new ArrayList<>();
    private final Map<String, Object> extras = new LinkedHashMap<>();
    private final List<String> notes = Collections.synchronizedList(new ArrayList<>());

    public static void main(String[] args) {
        if (System.getProperty("GATEWAY_LOG_LEVEL") == null) {
            System.setProperty("GATEWAY_LOG_LEVEL", "WARN");
        }
        int code = new CommandLine(new Harness()).execute(args);
        ChildProcesses.stopAll();
        System.exit(code);
    }

    @Override
    public Integer call() throws Exception {
        Thread watchdog = new Thread(
                () -> {
                    try {
                        Thread.sleep(Duration.ofMinutes(maxMinutes).toMillis());
                        System.err.println("\nloadtest: --max-minutes " + maxMinutes + " reached, stopping");
                        ChildProcesses.stopAll();
                        Runtime.getRuntime().halt(4);
                    } catch (InterruptedException ignored) {
                        // finished in time
                    }
                },
                "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        boolean needsRedis = scenarios.stream().anyMatch(s -> !OWN_REDIS.contains(s.trim()));
        if (!Files.isRegularFile(gatewayJar)) {
            if (needsRedis) {
                System.err.println(
                        "no gateway jar at " + gatewayJar + "; build first: ./mvnw -q -B -DskipTests package");
                return 2;
            }
            System.out.println(
                    "no gateway jar at " + gatewayJar + ": the gateways run GatewayCli from this class path");
        }
        Files.createDirectories(out);
        Files.createDirectories(work);
        long started = System.currentTimeMillis();
        if (pin) {
            String how = ChildProcesses.pin();
            System.out.println("pinned: " + how);
            extras.put("pinned", how);
        }
        try {
            if (!needsRedis) {
                for (String s : scenarios) {
                    switch (s.trim()) {
                        case "chaos" -> runChaos();
                        case "abuse" -> runAbuse();
                        default -> throw new IllegalStateException(s);
                    }
                }
                return 0;
            }
            redis = BenchRedis.start(work.resolve("redis"), FreePorts.find());
            System.out.printf(
                    "redis-server pid %d on port %d; loading %,d suppressed numbers ...%n",
                    redis.pid(), redis.port(), suppressed);
            long ms = redis.loadList(LoadGenerator.LIST_BASE, suppressed, SuppressionStore.DEFAULT_BUCKETS);
            System.out.printf("loaded in %.1f s; redis memory %s%n", ms / 1000.0, redis.info());
            extras.put("listLoadSeconds", ms / 1000.0);
            double[] ping = redis.pingRoundTripUs(2_000, 20_000);
            System.out.printf("redis PING round trip on this machine: p50 %.0f us, p99 %.0f us%n", ping[0], ping[1]);
            extras.put("redisPingUs", Map.of("p50", ping[0], "p99", ping[1]));
            int mainWarmup = warmup;
            int mainDuration = duration;
            int mainRepeat = repeat;
            for (String s : scenarios) {
                boolean main = s.trim().equals("saturation");
                warmup = main || othersWarmup == null ? mainWarmup : othersWarmup;
                duration = main || othersDuration == null ? mainDuration : othersDuration;
                repeat = main || othersRepeat == null ? mainRepeat : othersRepeat;
                if (s.trim().equals("soak")) {
                    duration = soakDuration;
                }
                switch (s.trim()) {
                    case "saturation" ->
                        runAb(
                                "saturation",
                                def(binds, 8),
                                def(window, 64),
                                0,
                                0,
                                List.of(0.0),
                                !noCloudhopper,
                                !noTcpRelay);
                    case "binds-sweep" -> {
                        for (int b : sweepBinds) {
                            runAb("saturation-" + b + "b", b, def(window, 64), 0, 0, List.of(0.0), false, false);
                        }
                    }
                    case "redis-paths" -> runRedisPaths();
                    case "fixed-rate" ->
                        runAb("fixed-rate", def(binds, 8), def(window, 64), 0, 0, fixedRates(), false, false);
                    case "window1" -> runAb("window1", def(binds, 1), def(window, 1), 0, 0, List.of(0.0), false, false);
                    case "carrier" ->
                        runAb("carrier", def(binds, 16), def(window, 10), 5, 10, List.of(0.0), false, false);
                    case "binds1000" -> runBinds1000();
                    case "soak" -> runSoak();
                    case "chaos" -> runChaos();
                    case "abuse" -> runAbuse();
                    default -> throw new CommandLine.ParameterException(new CommandLine(this), "unknown scenario " + s);
                }
            }
            warmup = mainWarmup;
            duration = mainDuration;
            repeat = mainRepeat;
        } finally {
            if (redis != null) {
                redis.close();
            }
            ChildProcesses.stopAll();
        }
        Report report = new Report(results, extras, notes, settings(), (System.currentTimeMillis() - started) / 1000);
        report.printTable(System.out);
        report.writeJson(out.resolve("latest.json"));
        report.writePng(out.resolve("latest.png"));
        System.out.println("wrote " + out.resolve("latest.json") + " and " + out.resolve("latest.png"));
        watchdog.interrupt();
        return 0;
    }

    /** Scenarios that start Redis of their own (and write results files of their own). */
    private static final Set<String> OWN_REDIS = Set.of("chaos", "abuse");

    /** Redis Cluster with a failover, three gateways, one killed and restarted: see {@link ChaosRun}. */
    private void runChaos() throws Exception {
        ChaosRun.Options o = new ChaosRun.Options(
                chaosSeconds, chaosRate, 3000, chaosStops, 0.5, 3, 2, gatewayJar, "256m", work.resolve("chaos"));
        System.out.printf(
                "%n== chaos: %d s at %.0f submits/s, %d STOPs, 3 gateways, redis cluster 3+3 ==%n",
                o.seconds(), o.rate(), o.stops());
        ChaosRun.Result r = new ChaosRun(o, System.out).run();
        System.out.println(ChaosRun.summary(o, r));
        ChaosRun.write(out, o, r);
        System.out.println("wrote " + out.resolve("chaos-latest.json") + " and " + out.resolve("chaos-latest.txt"));
    }

    /** Flood of pre-bind PDUs, bad binds and broken HTTP beside one honest ESME: see {@link AbuseRun}. */
    private void runAbuse() throws Exception {
        AbuseRun.Options o = new AbuseRun.Options(
                abuseSeconds,
                abuseRate,
                abuseConnections,
                20,
                gatewayJar,
                gatewayHeap,
                work.resolve("abuse"),
                abuseAttackerNice);
        System.out.printf(
                "%n== abuse: %d s, %d attacking connections, honest ESME at %.0f/s ==%n",
                o.seconds(), o.connections(), o.rate());
        AbuseRun.Result r = new AbuseRun(o, System.out).run();
        System.out.println(AbuseRun.summary(o, r));
        AbuseRun.write(out, o, r);
        System.out.println("wrote " + out.resolve("abuse-latest.json") + " and " + out.resolve("abuse-latest.txt"));
    }

    private Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenarios", scenarios);
        m.put("warmupSeconds", warmup);
        m.put("durationSeconds", duration);
        m.put("repeat", repeat);
        m.put("othersWarmupSeconds", othersWarmup);
        m.put("othersDurationSeconds", othersDuration);
        m.put("othersRepeat", othersRepeat);
        m.put("soakSeconds", soakDuration);
        m.put("suppressed", suppressed);
        m.put("suppressedShare", suppressedShare);
        m.put("moShare", moShare);
        m.put("stopShare", stopShare);
        m.put("receipts", receipts);
        m.put("genThreads", genThreads);
        m.put("simThreads", simThreads);
        m.put("gatewayHeap", gatewayHeap);
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("java", System.getProperty("java.version"));
        return m;
    }

    private static int def(Integer v, int d) {
        return v != null ? v : d;
    }

    private List<Double> fixedRates() {
        List<Double> out = new ArrayList<>();
        for (String r : rates) {
            if (r.equals("half")) {
                double max = Report.median(results.stream()
                        .filter(x ->
                                x.scenario().equals("saturation") && x.leg().equals("proxied"))
                        .mapToDouble(LegResult::throughput)
                        .toArray());
                if (Double.isNaN(max)) {
                    max = Report.previousProxiedSaturation(this.out.resolve("latest.json"));
                }
                if (Double.isNaN(max)) {
                    notes.add("fixed-rate 'half' skipped: no proxied saturation figure (run saturation first)");
                    continue;
                }
                out.add(Math.floor(max / 2 / 100) * 100);
            } else {
                out.add(Double.parseDouble(r));
            }
        }
        return out;
    }

    private SmscSimulator simulator(long delayMinMs, long delayMaxMs) {
        return new SmscSimulator(SimulatorOptions.builder()
                        .responseDelay(Duration.ofMillis(delayMinMs), Duration.ofMillis(delayMaxMs))
                        .recordLimit(0)
                        .ioThreads(simThreads)
                        .build())
                .start();
    }

    /**
     * Window of each of the gateway's SMSC sessions, in every scenario: twice the ESME window (at
     * least 128). The gateway's own STOP confirmations and HELP replies share those windows; with
     * windows equal to the ESMEs' about 0.1% of submits came back ESME_RTHROTTLED at saturation.
     */
    static int upstreamWindow(int esmeWindow) {
        return 2 * Math.max(esmeWindow, 64);
    }

    /**
     * The account's bind limit in the gateway for legs of {@code binds} sessions: twice as many (at
     * least 16). Each leg binds anew right after the previous one closed its sessions, and under
     * load the gateway may still hold some of those for a moment; with a limit of exactly
     * {@code binds} the next leg's binds were refused (ESME_RBINDFAIL) once, at 32 binds.
     */
    static int maxBinds(int binds) {
        return Math.max(16, 2 * binds);
    }

    private List<String> gatewayJvmArgs(String tag) {
        List<String> a = new ArrayList<>(gatewayJvmArgs);
        if (jfr) {
            a.add("-XX:StartFlightRecording=settings=profile,filename="
                    + work.resolve("gateway-" + tag + ".jfr").toAbsolutePath() + ",dumponexit=true");
        }
        return a;
    }

    /**
     * Direct vs proxied legs, alternating, {@code repeat} times, at each rate; with {@code withRelay}
     * also the generator -> {@link TcpRelay} -> simulator leg ({@code tcp-relay}), and with
     * {@code withCloudhopper} cloudhopper's client -> server.
     */
    private void runAb(
            String scenario,
            int nBinds,
            int w,
            long delayMin,
            long delayMax,
            List<Double> legRates,
            boolean withCloudhopper,
            boolean withRelay)
            throws Exception {
        boolean withChProxy = !noChProxy && (scenario.equals("saturation") || scenario.equals("fixed-rate"));
        System.out.printf(
                "%n== %s: %d binds x window %d, simulator delay %d-%d ms, rates %s ==%n",
                scenario, nBinds, w, delayMin, delayMax, legRates);
        try (SmscSimulator direct = simulator(delayMin, delayMax);
                SmscSimulator behind = simulator(delayMin, delayMax);
                GatewayProcess gw = GatewayProcess.start(
                        gatewayJar,
                        work.resolve("gw-" + scenario),
                        new GatewayProcess.Settings(
                                nBinds,
                                upstreamWindow(w),
                                w,
                                maxBinds(nBinds),
                                SuppressionStore.DEFAULT_BUCKETS,
                                gatewayHeap,
                                gatewayJvmArgs(scenario)),
                        redis.uri(),
                        behind.port())) {
            System.out.printf("gateway pid %d on port %d; upstream binds %d%n", gw.pid(), gw.smppPort, nBinds);
            for (double rate : legRates) {
                for (int run = 1; run <= repeat; run++) {
                    LoadGenerator.Options d = genOptions("127.0.0.1", direct.port(), "direct", "x", nBinds, w, rate);
                    LoadGenerator.Options p = genOptions(
                            "127.0.0.1", gw.smppPort, GatewayProcess.ACCOUNT, GatewayProcess.PASSWORD, nBinds, w, rate);
                    // alternate the order so neither leg always runs first
                    if (run % 2 == 1) {
                        results.add(runLeg(scenario, "direct", run, rate, d, direct, gw));
                        results.add(runLeg(scenario, "proxied", run, rate, p, behind, gw));
                    } else {
                        results.add(runLeg(scenario, "proxied", run, rate, p, behind, gw));
                        results.add(runLeg(scenario, "direct", run, rate, d, direct, gw));
                    }
                    if (withRelay) {
                        results.add(runRelay(scenario, run, rate, direct, nBinds, w));
                    }
                    if (withChProxy) {
                        results.add(runChProxy(scenario, run, rate, direct, nBinds, w));
                    }
                    if (withCloudhopper) {
                        results.add(runCloudhopper(scenario, run, nBinds, w));
                    }
                    if (peers.contains("jasmin") && scenario.equals("saturation")) {
                        LegResult j = runJasmin(scenario, run, rate, direct, nBinds, w);
                        if (j != null) {
                            results.add(j);
                        }
                    }
                }
            }
            noteGatewayLog(scenario, gw);
        }
    }

    /** One leg through a proxy that does no work, with as many threads as the gateway's event loops. */
    private LegResult runRelay(String scenario, int run, double rate, SmscSimulator sim, int nBinds, int w)
            throws Exception {
        try (TcpRelay.Child relay = TcpRelay.Child.start(
                sim.port(), Math.max(2, Runtime.getRuntime().availableProcessors()))) {
            double c0 = ChildProcesses.cpuSeconds(relay.pid());
            LegResult r = runLeg(
                    scenario,
                    "tcp-relay",
                    run,
                    rate,
                    genOptions("127.0.0.1", relay.port, "direct", "x", nBinds, w, rate),
                    sim,
                    null);
            double cpu = ChildProcesses.cpuSeconds(relay.pid()) - c0;
            notes.add(String.format(
                    Locale.ROOT,
                    "%s tcp-relay #%d: relay CPU at most %.1f us per submit (its CPU"
                            + " over warm-up, measurement and drain over the measured submits)",
                    scenario,
                    run,
                    cpu * 1e6 / Math.max(1, r.throughput() * r.seconds())));
            return r;
        }
    }

    /**
     * One leg through {@link CloudhopperProxy}, the proxy built from cloudhopper's server and client
     * with the same Redis check, in a child JVM with the gateway's heap, against the direct legs'
     * simulator (the gateway stays bound to its own, and would take a share of the injected MO);
     * its CPU per submit is measured like the gateway's.
     */
    private LegResult runChProxy(String scenario, int run, double rate, SmscSimulator sim, int nBinds, int w)
            throws Exception {
        try (CloudhopperProxy.Child proxy = CloudhopperProxy.Child.start(
                work.resolve("ch-proxy-" + scenario + ".log"),
                sim.port(),
                redis.uri(),
                GatewayProcess.ACCOUNT,
                GatewayProcess.PASSWORD,
                nBinds,
                upstreamWindow(w),
                w,
                gatewayHeap)) {
            return runLeg(
                    scenario,
                    "ch-proxy",
                    run,
                    rate,
                    genOptions(
                            "127.0.0.1", proxy.port, GatewayProcess.ACCOUNT, GatewayProcess.PASSWORD, nBinds, w, rate),
                    sim,
                    null,
                    redis,
                    null,
                    () -> ChildProcesses.cpuSeconds(proxy.pid()));
        }
    }

    /**
     * One leg through Jasmin ({@code loadtest/peers/jasmin/jasmin.sh}): its SMPP server, RabbitMQ
     * and one SMPP client connector to the direct legs' simulator, started for the leg and stopped
     * after it. Jasmin answers the ESME once it has handed a message to its AMQP connection, so the
     * leg's rate is what it accepted, and its CPU column (jasmind + RabbitMQ) is per accepted
     * message. At saturation its forwarding waits behind what it accepts: its connector takes one
     * message at a time from RabbitMQ (prefetch 1) and acknowledges it on the same AMQP connection
     * as the publishes, behind the megabytes of them jasmind's reactor has still to write (at most
     * 128 KiB per socket per reactor turn). So after the measurement the ESMEs stay bound (they take
     * the receipts) while Jasmin forwards its backlog, until every accepted submit has reached the
     * simulator or {@code --jasmin-drain-seconds} pass; the end-to-end rate is the accepted
     * submits that reached the simulator over the time from the leg's start to the last arrival,
     * and per core over the CPU seconds of jasmind and RabbitMQ in that time (if the backlog did
     * not drain: the CPU to accept one in the window plus the CPU to forward one from the
     * backlog); in the notes and {@code latest.json} extras.
     */
    private LegResult runJasmin(String scenario, int run, double rate, SmscSimulator sim, int nBinds, int w)
            throws Exception {
        Path script = Path.of("loadtest/peers/jasmin/jasmin.sh");
        Path dir = work.resolve("jasmin").toAbsolutePath();
        Process start = new ProcessBuilder(
                        "bash",
                        script.toString(),
                        "start",
                        dir.toString(),
                        Integer.toString(sim.port()),
                        "bench",
                        "benchpw")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Map<String, String> started = new LinkedHashMap<>();
        for (String line : new String(start.getInputStream().readAllBytes()).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                started.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        if (start.waitFor() != 0 || !started.containsKey("smpp_port")) {
            notes.add("jasmin leg skipped: " + script + " start failed (install it first: " + script
                    + " install [WHEEL_DIR])");
            new ProcessBuilder("bash", script.toString(), "stop", dir.toString())
                    .start()
                    .waitFor();
            return null;
        }
        long jasmind = Long.parseLong(started.get("jasmind_pid"));
        long rabbit = Long.parseLong(started.get("rabbitmq_pid"));
        DoubleSupplier cpu = () -> ChildProcesses.cpuSeconds(jasmind) + ChildProcesses.cpuSeconds(rabbit);
        try {
            long s0 = sim.submitCount();
            double j0 = ChildProcesses.cpuSeconds(jasmind);
            double q0 = ChildProcesses.cpuSeconds(rabbit);
            long t0 = System.nanoTime();
            String label = String.format(Locale.ROOT, "%s jasmin #%d", scenario, run);
            JasminDrain d = new JasminDrain();
            LegResult r = runLeg(
                    scenario,
                    "jasmin",
                    run,
                    rate,
                    genOptions(
                            "127.0.0.1",
                            Integer.parseInt(started.get("smpp_port")),
                            "bench",
                            "benchpw",
                            nBinds,
                            w,
                            rate),
                    sim,
                    null,
                    redis,
                    null,
                    cpu,
                    gen -> d.run(label + " backlog", gen, sim, s0, jasmind, rabbit, jasminDrainSeconds));
            double jc = d.jasmindCpu - j0;
            double qc = d.rabbitCpu - q0;
            double secs = (d.lastArrivalNanos - t0) / 1e9;
            double acceptedPerCore = r.gatewayCpuUsPerMsg() > 0 ? 1e6 / r.gatewayCpuUsPerMsg() : Double.NaN;
            double e2e = d.delivered / secs;
            boolean drained = d.delivered >= d.accepted;
            // all accepted submits forwarded: every CPU second of the leg went into them; otherwise
            // the cost per message is what accepting one cost in the measured window plus what
            // forwarding one from the backlog cost
            long fromBacklog = d.delivered - d.deliveredWhileSending;
            double forwardUs = fromBacklog > 0 ? d.drainCpuSeconds * 1e6 / fromBacklog : Double.NaN;
            double e2ePerCore =
                    drained ? d.delivered / Math.max(1e-9, jc + qc) : 1e6 / (r.gatewayCpuUsPerMsg() + forwardUs);
            String howPerCore = drained
                    ? String.format(Locale.ROOT, "all its CPU in that time: jasmind %.1f + RabbitMQ %.1f s", jc, qc)
                    : String.format(
                            Locale.ROOT,
                            "estimated: %.0f us of CPU to accept one + %.0f us to forward one from the backlog",
                            r.gatewayCpuUsPerMsg(),
                            forwardUs);
            notes.add(String.format(
                    Locale.ROOT,
                    "%s: accepted %.0f/s (answered once handed to its AMQP connection), %.0f/s per core of"
                            + " jasmind + RabbitMQ in the measured window; %,d of them reached the SMSC while the"
                            + " ESMEs sent; then, the ESMEs bound and idle, it forwarded its backlog at %.0f/s"
                            + " (jasmind %.2f cores, RabbitMQ %.2f); %,d of the %,d accepted reached the SMSC%s,"
                            + " the last %.0f s after the leg started: %.0f/s end to end, %.0f/s per core (%s);"
                            + " %,d receipts reached the ESMEs",
                    label,
                    r.throughput(),
                    acceptedPerCore,
                    d.deliveredWhileSending,
                    d.drainRate,
                    d.drainJasmindCores,
                    d.drainRabbitCores,
                    d.delivered,
                    d.accepted,
                    drained
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    " (stopped waiting after %.0f s: %s)",
                                    d.drainSeconds,
                                    d.stalled
                                            ? "nothing arrived for " + JasminDrain.STALL_SECONDS + " s"
                                            : "--jasmin-drain-seconds"),
                    secs,
                    e2e,
                    e2ePerCore,
                    howPerCore,
                    d.receipts));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> runs =
                    (List<Map<String, Object>>) extras.computeIfAbsent("jasmin", k -> new ArrayList<>());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scenario", scenario);
            m.put("run", run);
            m.put("acceptedPerSec", r.throughput());
            m.put("acceptedPerCore", acceptedPerCore);
            m.put("accepted", d.accepted);
            m.put("reachedSmscWhileSending", d.deliveredWhileSending);
            m.put("reachedSmsc", d.delivered);
            m.put("endToEndSeconds", secs);
            m.put("endToEndPerSec", e2e);
            m.put("endToEndPerCore", e2ePerCore);
            m.put("backlogDrained", drained);
            m.put("backlogForwardedPerSec", d.drainRate);
            m.put("receipts", d.receipts);
            runs.add(m);
            return r;
        } finally {
            new ProcessBuilder("bash", script.toString(), "stop", dir.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
                    .waitFor();
        }
    }

    /**
     * Waits, with a Jasmin leg's ESMEs still bound, for the submits Jasmin accepted to reach the
     * simulator: until all have, nothing has arrived for {@link #STALL_SECONDS}, or the cap passes.
     */
    static final class JasminDrain {
        static final int STALL_SECONDS = 30;

        long accepted;
        long deliveredWhileSending;
        long delivered;
        long receipts;
        long lastArrivalNanos;
        double drainSeconds;
        double drainRate;
        double drainJasmindCores;
        double drainRabbitCores;
        double drainCpuSeconds;
        double jasmindCpu;
        double rabbitCpu;
        boolean stalled;

        void run(String label, LoadGenerator gen, SmscSimulator sim, long s0, long jasmind, long rabbit, int capSeconds)
                throws InterruptedException {
            accepted = gen.counters().ok();
            long start = System.nanoTime();
            deliveredWhileSending = sim.submitCount() - s0;
            double j1 = ChildProcesses.cpuSeconds(jasmind);
            double q1 = ChildProcesses.cpuSeconds(rabbit);
            long last = deliveredWhileSending;
            lastArrivalNanos = start;
            long end = start + capSeconds * 1_000_000_000L;
            long lastShown = start;
            long shownCount = last;
            while (last < accepted) {
                long now = System.nanoTime();
                if (now >= end) {
                    break;
                }
                if (now - lastArrivalNanos >= STALL_SECONDS * 1_000_000_000L) {
                    stalled = true;
                    break;
                }
                Thread.sleep(200);
                long c = sim.submitCount() - s0;
                long t = System.nanoTime();
                if (c > last) {
                    last = c;
                    lastArrivalNanos = t;
                }
                if (t - lastShown >= 1_000_000_000L) {
                    System.err.printf(
                            Locale.ROOT,
                            "\r%-40s %5.0f s %,12d of %,d at the SMSC %,9.0f/s ",
                            label,
                            (t - start) / 1e9,
                            c,
                            accepted,
                            (c - shownCount) / ((t - lastShown) / 1e9));
                    lastShown = t;
                    shownCount = c;
                }
            }
            System.err.print("\r" + " ".repeat(110) + "\r");
            delivered = last;
            jasmindCpu = ChildProcesses.cpuSeconds(jasmind);
            rabbitCpu = ChildProcesses.cpuSeconds(rabbit);
            drainSeconds = (System.nanoTime() - start) / 1e9;
            double forwardSeconds = Math.max(1e-9, (lastArrivalNanos - start) / 1e9);
            drainRate = (delivered - deliveredWhileSending) / forwardSeconds;
            drainCpuSeconds = jasmindCpu - j1 + rabbitCpu - q1;
            drainJasmindCores = (jasmindCpu - j1) / drainSeconds;
            drainRabbitCores = (rabbitCpu - q1) / drainSeconds;
            // receipts for the last arrivals are still on their way; they are not waited for
            receipts = gen.counters().receipts();
        }
    }

    /** Counts the gateway's own complaints (fail-closed refusals, relay timeouts) for the notes. */
    private void noteGatewayLog(String scenario, GatewayProcess gw) {
        try {
            List<String> lines = Files.readAllLines(gw.log());
            long unavailable = lines.stream()
                    .filter(l -> l.contains("suppression list unavailable"))
                    .count();
            long warn = lines.stream()
                    .filter(l -> l.contains(" WARN ") || l.contains(" ERROR "))
                    .count();
            if (warn > 0) {
                notes.add(String.format(
                        Locale.ROOT,
                        "%s: gateway logged %d WARN/ERROR lines, %d of them "
                                + "'submit_sm refused: suppression list unavailable' (check slower than checkTimeout, "
                                + "failed closed with 0x58)",
                        scenario,
                        warn,
                        unavailable));
            }
        } catch (IOException ignored) {
            // no log
        }
    }

    private LoadGenerator.Options genOptions(
            String host, int port, String systemId, String password, int nBinds, int w, double rate) {
        return genOptions(host, port, systemId, password, nBinds, w, rate, suppressedShare, suppressed);
    }

    private LoadGenerator.Options genOptions(
            String host,
            int port,
            String systemId,
            String password,
            int nBinds,
            int w,
            double rate,
            double share,
            int listSize) {
        return new LoadGenerator.Options(
                host, port, systemId, password, nBinds, w, rate, share, listSize, receipts, genThreads);
    }

    /**
     * The Redis paths of the check, proxied only, at a fixed rate, against a redis-server of the
     * scenario's own (so that it can be paused and killed): every destination off the list
     * (miss), every destination on it (hit), Redis paused for {@code --redis-pause-ms} once a
     * second (slow), Redis killed when the measurement starts (down: every submit must be
     * refused, fail closed), and Redis started again on the same port (restarted), with the time
     * the gateway took to report ready again.
     */
    private void runRedisPaths() throws Exception {
        int nBinds = def(binds, 8);
        int w = def(window, 64);
        double rate = ratesOr(5000);
        int listSize = Math.min(suppressed, 100_000);
        int port = FreePorts.find();
        Path dir = work.resolve("redis-paths");
        System.out.printf(
                "%n== redis-paths: %d binds x window %d at %.0f/s, own redis-server on port %d with %,d numbers ==%n",
                nBinds, w, rate, port, listSize);
        BenchRedis[] own = {BenchRedis.start(dir.resolve("redis"), port)};
        try (SmscSimulator behind = simulator(0, 0);
                GatewayProcess gw = GatewayProcess.start(
                        gatewayJar,
                        dir.resolve("gw"),
                        new GatewayProcess.Settings(
                                nBinds,
                                upstreamWindow(w),
                                w,
                                maxBinds(nBinds),
                                SuppressionStore.DEFAULT_BUCKETS,
                                gatewayHeap,
                                gatewayJvmArgs("redis-paths")),
                        own[0].uri(),
                        behind.port())) {
            own[0].loadList(LoadGenerator.LIST_BASE, listSize, SuppressionStore.DEFAULT_BUCKETS);
            String user = GatewayProcess.ACCOUNT;
            String pw = GatewayProcess.PASSWORD;
            results.add(runLeg(
                    "redis-miss",
                    "proxied",
                    1,
                    rate,
                    genOptions("127.0.0.1", gw.smppPort, user, pw, nBinds, w, rate, 0.0, listSize),
                    behind,
                    gw,
                    own[0],
                    null));
            results.add(runLeg(
                    "redis-hit",
                    "proxied",
                    1,
                    rate,
                    genOptions("127.0.0.1", gw.smppPort, user, pw, nBinds, w, rate, 1.0, listSize),
                    behind,
                    gw,
                    own[0],
                    null));
            LoadGenerator.Options mix =
                    genOptions("127.0.0.1", gw.smppPort, user, pw, nBinds, w, rate, suppressedShare, listSize);
            results.add(runLeg("redis-slow", "proxied", 1, rate, mix, behind, gw, own[0], pauser(own[0])));
            LegResult down = runLeg("redis-down", "proxied", 1, rate, mix, behind, gw, own[0], new Disturbance() {
                @Override
                public void start() {
                    own[0].close(); // SIGKILL by PID, waits for the exit; from here on every submit must be refused
                }
            });
            results.add(down);
            notes.add(String.format(
                    Locale.ROOT,
                    "redis-down: %.0f submits accepted after redis-server had exited "
                            + "(submits checked before it exited and still in flight: at most %d), %.0f refused fail-closed",
                    down.accepted() * down.seconds(),
                    nBinds * w,
                    down.otherStatus() * down.seconds()));
            long t0 = System.nanoTime();
            own[0] = BenchRedis.start(dir.resolve("redis-restarted"), port);
            own[0].loadList(LoadGenerator.LIST_BASE, listSize, SuppressionStore.DEFAULT_BUCKETS);
            gw.awaitReady(60_000);
            double readySecs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("redis restarted and list reloaded: gateway ready again after %.2f s%n", readySecs);
            extras.put("redisRestartReadySeconds", readySecs);
            results.add(runLeg("redis-restarted", "proxied", 1, rate, mix, behind, gw, own[0], null));
            noteGatewayLog("redis-paths", gw);
        } finally {
            own[0].close();
        }
    }

    /** CLIENT PAUSE {@code --redis-pause-ms} ALL, once a second, from its own thread. */
    private Disturbance pauser(BenchRedis r) {
        return new Disturbance() {
            private Thread thread;

            @Override
            public void start() {
                thread = new Thread(
                        () -> {
                            try {
                                while (!Thread.currentThread().isInterrupted()) {
                                    String reply = r.command("CLIENT", "PAUSE", Integer.toString(redisPauseMs), "ALL");
                                    if (!reply.startsWith("+OK")) {
                                        notes.add("redis-slow: CLIENT PAUSE answered " + reply);
                                        return;
                                    }
                                    Thread.sleep(1000);
                                }
                            } catch (InterruptedException ignored) {
                                // leg over
                            } catch (IOException e) {
                                notes.add("redis-slow: CLIENT PAUSE failed: " + e);
                            }
                        },
                        "redis-pauser");
                thread.setDaemon(true);
                thread.start();
            }

            @Override
            public void stop() throws InterruptedException {
                thread.interrupt();
                thread.join(5000);
            }
        };
    }

    private LegResult runLeg(
            String scenario,
            String leg,
            int run,
            double rate,
            LoadGenerator.Options o,
            SmscSimulator sim,
            GatewayProcess gw)
            throws Exception {
        return runLeg(scenario, leg, run, rate, o, sim, gw, redis, null);
    }

    /** Something done to the proxied path while a leg is measured (Redis paused, Redis killed). */
    interface Disturbance {
        /** At the start of the measured period. */
        void start() throws Exception;

        /** At its end. */
        default void stop() throws Exception {}
    }

    private LegResult runLeg(
            String scenario,
            String leg,
            int run,
            double rate,
            LoadGenerator.Options o,
            SmscSimulator sim,
            GatewayProcess gw,
            BenchRedis redis,
            Disturbance disturbance)
            throws Exception {
        return runLeg(
                scenario,
                leg,
                run,
                rate,
                o,
                sim,
                gw,
                redis,
                disturbance,
                gw != null && leg.equals("proxied") ? gw::cpuSeconds : null);
    }

    /** Run after a leg's measurement while its ESME sessions are still bound (they still take receipts). */
    interface AfterLeg {
        void run(LoadGenerator gen) throws Exception;
    }

    private LegResult runLeg(
            String scenario,
            String leg,
            int run,
            double rate,
            LoadGenerator.Options o,
            SmscSimulator sim,
            GatewayProcess gw,
            BenchRedis redis,
            Disturbance disturbance,
            DoubleSupplier proxyCpu)
            throws Exception {
        return runLeg(scenario, leg, run, rate, o, sim, gw, redis, disturbance, proxyCpu, null);
    }

    /**
     * One leg; {@code proxyCpu} reads the CPU seconds of the process under test (the gateway, or a
     * reference proxy), null for legs without one; {@code afterLeg}, if not null, runs once the
     * leg's result is printed, before its sessions close.
     */
    private LegResult runLeg(
            String scenario,
            String leg,
            int run,
            double rate,
            LoadGenerator.Options o,
            SmscSimulator sim,
            GatewayProcess gw,
            BenchRedis redis,
            Disturbance disturbance,
            DoubleSupplier proxyCpu,
            AfterLeg afterLeg)
            throws Exception {
        String label = String.format(
                Locale.ROOT,
                "%s %s #%d%s",
                scenario,
                leg,
                run,
                rate > 0 ? String.format(Locale.ROOT, " @%.0f/s", rate) : "");
        try (LoadGenerator gen = new LoadGenerator(o)) {
            gen.bindAll(60_000);
            // Jasmin has no MO route in its leg: the injected MO would only measure its refusals
            double moPerSubmit = leg.equals("jasmin") ? 0 : moShare;
            try (MoInjector mo = new MoInjector(sim, () -> gen.sent.sum(), moPerSubmit, stopShare)) {
                gen.start();
                mo.start();
                Progress.run(label + " warm-up", warmup, () -> gen.counters().responses());
                if (disturbance != null) {
                    // before the counters are read: a killed Redis has exited when the measurement starts
                    disturbance.start();
                }
                RelayHistogram span0 = gw != null && leg.equals("proxied") ? gw.relayHistogram() : null;
                gen.intervalHistogram();
                LoadGenerator.Counters c0 = gen.counters();
                double g0 = proxyCpu == null ? 0 : proxyCpu.getAsDouble();
                double h0 = ChildProcesses.ownCpuSeconds();
                double r0 = ChildProcesses.cpuSeconds(redis.pid());
                long t0 = System.nanoTime();
                try {
                    Progress.run(label, duration, () -> gen.counters().responses());
                } finally {
                    if (disturbance != null) {
                        disturbance.stop();
                    }
                }
                Histogram h = gen.intervalHistogram();
                LoadGenerator.Counters c = gen.counters().minus(c0);
                double secs = (System.nanoTime() - t0) / 1e9;
                double g = proxyCpu == null ? 0 : proxyCpu.getAsDouble() - g0;
                double hc = ChildProcesses.ownCpuSeconds() - h0;
                double r1 = ChildProcesses.cpuSeconds(redis.pid());
                double rc = r1 < 0 ? Double.NaN : r1 - r0;
                RelayHistogram span1 = span0 == null ? null : gw.relayHistogram();
                RelayHistogram span = span1 == null ? null : span1.minus(span0);
                gen.stopSending();
                waitOutstanding(gen);
                LegResult r = new LegResult(
                        scenario,
                        leg,
                        run,
                        rate,
                        secs,
                        c.responses() / secs,
                        c.ok() / secs,
                        c.refused() / secs,
                        c.otherStatus() / secs,
                        c.receipts() / secs,
                        c.mo() / secs,
                        us(h, 50),
                        us(h, 99),
                        us(h, 99.9),
                        h.getMaxValue() / 1000.0,
                        g,
                        c.responses() > 0 ? g * 1e6 / c.responses() : 0,
                        hc,
                        rc,
                        c.lost(),
                        -1,
                        span == null ? Double.NaN : span.quantileUs(0.50),
                        span == null ? Double.NaN : span.quantileUs(0.99));
                System.out.println(Report.line(r));
                if (!gen.otherByStatus.isEmpty()) {
                    StringBuilder sb = new StringBuilder();
                    gen.otherByStatus.forEach(
                            (st, n) -> sb.append(String.format(Locale.ROOT, " 0x%08X x %d", st, n.sum())));
                    notes.add(label + ": other submit_sm_resp statuses (warm-up included):" + sb);
                }
                if (mo.failed.sum() > 0) {
                    notes.add(label + ": " + mo.failed.sum() + " of " + mo.injected.sum()
                            + " injected MO not acknowledged");
                }
                if (afterLeg != null) {
                    afterLeg.run(gen);
                }
                return r;
            }
        }
    }

    private static double us(Histogram h, double pct) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(pct) / 1000.0;
    }

    private static void waitOutstanding(LoadGenerator gen) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            int[] n = {0};
            n[0] = gen.outstanding(); // racy read; good enough to wait for a drain
            if (n[0] <= 0) {
                break;
            }
            Thread.sleep(20);
        }
        Thread.sleep(300); // let receipts drain
    }

    private LegResult runCloudhopper(String scenario, int run, int nBinds, int w) {
        String label = scenario + " cloudhopper #" + run;
        try (CloudhopperLeg ch = new CloudhopperLeg(nBinds, w, 1)) {
            ch.start();
            Progress.run(label + " warm-up", warmup, ch.responses::sum);
            ch.intervalHistogram();
            long c0 = ch.responses.sum();
            double h0 = ChildProcesses.ownCpuSeconds();
            long t0 = System.nanoTime();
            Progress.run(label, duration, ch.responses::sum);
            Histogram h = ch.intervalHistogram();
            double secs = (System.nanoTime() - t0) / 1e9;
            long n = ch.responses.sum() - c0;
            double hc = ChildProcesses.ownCpuSeconds() - h0;
            ch.stopSending();
            LegResult r = new LegResult(
                    scenario,
                    "cloudhopper",
                    run,
                    0,
                    secs,
                    n / secs,
                    n / secs,
                    0,
                    ch.errors.sum() / secs,
                    0,
                    0,
                    us(h, 50),
                    us(h, 99),
                    us(h, 99.9),
                    h.getMaxValue() / 1000.0,
                    0,
                    0,
                    hc,
                    0,
                    0,
                    -1);
            System.out.println(Report.line(r));
            return r;
        } catch (Throwable e) {
            String msg = "cloudhopper leg failed on Netty 4.2: " + e;
            System.out.println(msg);
            notes.add(msg);
            e.printStackTrace(System.out);
            return new LegResult(
                    scenario,
                    "cloudhopper",
                    run,
                    0,
                    0,
                    Double.NaN,
                    Double.NaN,
                    0,
                    0,
                    0,
                    0,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    0,
                    0,
                    0,
                    0,
                    0,
                    -1);
        }
    }

    /** {@code --sessions} (10,000) ESME sessions bound to the gateway at once (512 MB heap), light traffic over all of them. */
    private void runBinds1000() throws Exception {
        int n = binds != null ? binds : sessions;
        System.out.printf("%n== binds1000: %d ESME sessions, gateway heap %s ==%n", n, gatewayHeap);
        try (SmscSimulator behind = simulator(0, 0);
                GatewayProcess gw = GatewayProcess.start(
                        gatewayJar,
                        work.resolve("gw-binds1000"),
                        new GatewayProcess.Settings(
                                8,
                                upstreamWindow(def(window, 10)),
                                def(window, 10),
                                Math.min(n + 10, 10_000),
                                SuppressionStore.DEFAULT_BUCKETS,
                                gatewayHeap,
                                gatewayJvmArgs("binds1000")),
                        redis.uri(),
                        behind.port())) {
            double before = gw.heapUsedAfterGcMiB();
            double rate = ratesOr(2000);
            LoadGenerator.Options o = genOptions(
                    "127.0.0.1",
                    gw.smppPort,
                    GatewayProcess.ACCOUNT,
                    GatewayProcess.PASSWORD,
                    n,
                    def(window, 10),
                    rate);
            long t0 = System.nanoTime();
            try (LoadGenerator gen = new LoadGenerator(o)) {
                gen.bindAll(Math.max(120_000, n * 60L));
                double bindSecs = (System.nanoTime() - t0) / 1e9;
                double bound = gw.heapUsedAfterGcMiB();
                System.out.printf(
                        "%d sessions bound in %.1f s; gateway heap after GC: %.1f MiB idle -> %.1f MiB bound%n",
                        n, bindSecs, before, bound);
                extras.put(
                        "binds1000",
                        Map.of(
                                "sessions",
                                n,
                                "bindSeconds",
                                bindSecs,
                                "heapIdleMiB",
                                before,
                                "heapBoundMiB",
                                bound,
                                "heapMax",
                                gatewayHeap));
                gen.start();
                Progress.run(
                        "binds1000 @" + (long) rate + "/s warm-up",
                        Math.min(warmup, 5),
                        () -> gen.counters().responses());
                gen.intervalHistogram();
                LoadGenerator.Counters c0 = gen.counters();
                double g0 = gw.cpuSeconds();
                long m0 = System.nanoTime();
                Progress.run(
                        "binds1000 @" + (long) rate + "/s",
                        duration,
                        () -> gen.counters().responses());
                Histogram h = gen.intervalHistogram();
                LoadGenerator.Counters c = gen.counters().minus(c0);
                double secs = (System.nanoTime() - m0) / 1e9;
                double g = gw.cpuSeconds() - g0;
                gen.stopSending();
                waitOutstanding(gen);
                double after = gw.heapUsedAfterGcMiB();
                LegResult r = new LegResult(
                        "binds1000",
                        "proxied",
                        1,
                        rate,
                        secs,
                        c.responses() / secs,
                        c.ok() / secs,
                        c.refused() / secs,
                        c.otherStatus() / secs,
                        c.receipts() / secs,
                        c.mo() / secs,
                        us(h, 50),
                        us(h, 99),
                        us(h, 99.9),
                        h.getMaxValue() / 1000.0,
                        g,
                        c.responses() > 0 ? g * 1e6 / c.responses() : 0,
                        0,
                        0,
                        c.lost(),
                        after);
                results.add(r);
                System.out.println(Report.line(r) + String.format(Locale.ROOT, "  heap after traffic %.1f MiB", after));
            }
        }
    }

    private double ratesOr(double d) {
        for (String r : rates) {
            if (!r.equals("half")) {
                return Double.parseDouble(r);
            }
        }
        return d;
    }

    /** Proxied only, at a fixed rate for --duration seconds, heap after GC sampled along the way. */
    private void runSoak() throws Exception {
        int nBinds = def(binds, 8);
        int w = def(window, 64);
        List<Double> fr = fixedRates();
        double rate = fr.isEmpty() ? 5000 : fr.get(fr.size() - 1);
        System.out.printf("%n== soak: %d binds x %d at %.0f/s for %d s ==%n", nBinds, w, rate, duration);
        try (SmscSimulator behind = simulator(0, 0);
                GatewayProcess gw = GatewayProcess.start(
                        gatewayJar,
                        work.resolve("gw-soak"),
                        new GatewayProcess.Settings(
                                nBinds,
                                upstreamWindow(w),
                                w,
                                maxBinds(nBinds),
                                SuppressionStore.DEFAULT_BUCKETS,
                                gatewayHeap,
                                gatewayJvmArgs("soak")),
                        redis.uri(),
                        behind.port());
                LoadGenerator gen = new LoadGenerator(genOptions(
                        "127.0.0.1", gw.smppPort, GatewayProcess.ACCOUNT, GatewayProcess.PASSWORD, nBinds, w, rate))) {
            gen.bindAll(60_000);
            try (MoInjector mo = new MoInjector(behind, () -> gen.sent.sum(), moShare, stopShare)) {
                gen.start();
                mo.start();
                Progress.run("soak warm-up", warmup, () -> gen.counters().responses());
                List<double[]> samples = new ArrayList<>();
                long t0 = System.nanoTime();
                samples.add(new double[] {0, gw.heapUsedAfterGcMiB()});
                gen.intervalHistogram();
                LoadGenerator.Counters c0 = gen.counters();
                int step = Math.max(10, duration / 10);
                for (int done = 0; done < duration; done += step) {
                    int s = Math.min(step, duration - done);
                    Progress.run(
                            "soak " + (done + s) + "/" + duration + " s",
                            s,
                            () -> gen.counters().responses());
                    samples.add(new double[] {(System.nanoTime() - t0) / 1e9, gw.heapUsedAfterGcMiB()});
                }
                Histogram h = gen.intervalHistogram();
                LoadGenerator.Counters c = gen.counters().minus(c0);
                double secs = (System.nanoTime() - t0) / 1e9;
                gen.stopSending();
                waitOutstanding(gen);
                double last = samples.get(samples.size() - 1)[1];
                results.add(new LegResult(
                        "soak",
                        "proxied",
                        1,
                        rate,
                        secs,
                        c.responses() / secs,
                        c.ok() / secs,
                        c.refused() / secs,
                        c.otherStatus() / secs,
                        c.receipts() / secs,
                        c.mo() / secs,
                        us(h, 50),
                        us(h, 99),
                        us(h, 99.9),
                        h.getMaxValue() / 1000.0,
                        0,
                        0,
                        0,
                        0,
                        c.lost(),
                        last));
                extras.put(
                        "soakHeapAfterGcMiB",
                        samples.stream().map(a -> List.of(a[0], a[1])).toList());
                System.out.println("soak heap after GC (s, MiB): "
                        + samples.stream()
                                .map(a -> String.format(Locale.ROOT, "(%.0f, %.1f)", a[0], a[1]))
                                .toList());
            }
        }
    }

    /** A one-line progress bar on stderr while a phase runs. */
    static final class Progress {
        static void run(String label, int seconds, Supplier<Long> count) throws InterruptedException {
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            long c0 = count.get();
            long lastC = c0;
            long lastT = start;
            while (true) {
                long now = System.nanoTime();
                if (now >= end) {
                    break;
                }
                Thread.sleep(Math.min(500, (end - now) / 1_000_000 + 1));
                long t = System.nanoTime();
                long c = count.get();
                double rate = (c - lastC) / ((t - lastT) / 1e9);
                lastC = c;
                lastT = t;
                int filled = (int) Math.min(30, 30 * (t - start) / (double) (end - start));
                char[] bar = new char[30];
                Arrays.fill(bar, 0, filled, '#');
                Arrays.fill(bar, filled, 30, '.');
                System.err.printf(
                        Locale.ROOT,
                        "\r%-40s [%s] %3.0f/%d s %,12d msgs %,9.0f/s ",
                        label,
                        new String(bar),
                        Math.min(seconds, (t - start) / 1e9),
                        seconds,
                        c - c0,
                        rate);
            }
            System.err.print("\r" + " ".repeat(110) + "\r");
        }
    }
}
