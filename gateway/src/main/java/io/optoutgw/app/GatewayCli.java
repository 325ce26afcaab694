package io.optoutgw.app;

import io.optoutgw.config.ConfigException;
import io.optoutgw.config.ConfigLoader;
import io.optoutgw.config.ConfigOverrides;
import io.optoutgw.config.GatewayConfig;
import io.optoutgw.embedded.EmbeddedSmscProvider;
import io.optoutgw.embedded.EmbeddedSmscs;
import io.optoutgw.esme.PasswordHash;
import io.optoutgw.redis.RedisConnectException;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.report.OptOutReport;
import io.optoutgw.report.ReportChart;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code gateway} command line. */
@Command(
        name = "gateway",
        mixinStandardHelpOptions = true,
        version = "smpp-optout-gateway 0.1.0",
        description =
                "SMPP opt-out gateway: relays ESME traffic to SMSCs, records opt-outs, refuses suppressed numbers.",
        subcommands = {
            GatewayCli.Run.class,
            GatewayCli.HashPassword.class,
            GatewayCli.Simulator.class,
            GatewayCli.Report.class,
            SendCommand.class,
            SuppressionCommand.class,
            SuppressionCommand.Export.class,
            PrivacyCommand.class,
            AuditCommand.class,
            EvidenceCommand.class,
            EventsCommand.class,
            ListsCommand.class,
            TokensCommand.class,
            ConfigCommand.class,
            JournalCommand.class
        })
public final class GatewayCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new GatewayCli());
        CommandLine.IParameterExceptionHandler usage = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((e, args) -> AdminCommand.isAdmin(e.getCommandLine())
                ? AdminCommand.usageError(e)
                : usage.handleParseException(e, args));
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(),
                "choose a command: run, hash-password, simulator, suppression, export, privacy, audit, lists, tokens,"
                        + " config, evidence, journal");
    }

    /** {@code gateway run}: starts the gateway and runs until SIGTERM / Ctrl-C. */
    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = "Run the gateway. Flags and GATEWAY_* environment variables override the file.")
    static final class Run implements Callable<Integer> {

        @Option(
                names = "--config",
                defaultValue = "${env:GATEWAY_CONFIG:-config/gateway.yaml}",
                description = "Configuration file (default: ${DEFAULT-VALUE}; env GATEWAY_CONFIG)")
        Path config;

        @Option(
                names = "--smpp-port",
                defaultValue = "${env:GATEWAY_SMPP_PORT}",
                description = "Port ESMEs bind to (env GATEWAY_SMPP_PORT)")
        Integer smppPort;

        @Option(
                names = "--http-port",
                defaultValue = "${env:GATEWAY_HTTP_PORT}",
                description = "Port of /metrics, /health, /ready (env GATEWAY_HTTP_PORT)")
        Integer httpPort;

        @Option(
                names = "--upstream",
                defaultValue = "${env:GATEWAY_UPSTREAM}",
                paramLabel = "HOST:PORT",
                description =
                        "SMSC to relay to; replaces the first upstream and the built-in simulator (env GATEWAY_UPSTREAM)")
        String upstream;

        @Option(
                names = "--upstream-system-id",
                defaultValue = "${env:GATEWAY_UPSTREAM_SYSTEM_ID}",
                description = "system_id for binding to the SMSC (env GATEWAY_UPSTREAM_SYSTEM_ID)")
        String upstreamSystemId;

        @Option(
                names = "--upstream-password",
                defaultValue = "${env:GATEWAY_UPSTREAM_PASSWORD}",
                description = "password for binding to the SMSC (env GATEWAY_UPSTREAM_PASSWORD)")
        String upstreamPassword;

        @Option(
                names = "--account",
                paramLabel = "SYSTEM_ID:PASSWORD[:SHORTCODE,...]",
                description =
                        "ESME account; repeatable; replaces the file's accounts (env GATEWAY_ACCOUNTS, space-separated)")
        List<String> accounts;

        @Option(
                names = "--redis",
                defaultValue = "${env:GATEWAY_REDIS}",
                paramLabel = "URI",
                description = "redis://, rediss:// or redis-sentinel:// URI, or 'embedded' (env GATEWAY_REDIS)")
        String redis;

        @Option(
                names = "--instance-id",
                defaultValue = "${env:GATEWAY_INSTANCE_ID}",
                paramLabel = "ID",
                description = "instanceId of this gateway, e.g. the pod name (env GATEWAY_INSTANCE_ID)")
        String instanceId;

        @Override
        public Integer call() throws Exception {
            List<String> accountSpecs = accounts;
            String envAccounts = System.getenv("GATEWAY_ACCOUNTS");
            if ((accountSpecs == null || accountSpecs.isEmpty()) && envAccounts != null && !envAccounts.isBlank()) {
                accountSpecs = List.of(envAccounts.trim().split("\\s+"));
            }
            GatewayConfig cfg;
            ConfigOverrides overrides;
            try {
                overrides = new ConfigOverrides(
                        smppPort,
                        httpPort,
                        upstream,
                        upstreamSystemId,
                        upstreamPassword,
                        accountSpecs,
                        redis,
                        instanceId);
                cfg = ConfigLoader.load(config, overrides);
            } catch (ConfigException e) {
                System.err.println("config error: " + e.getMessage());
                return 2;
            }
            AtomicReference<Gateway> started = new AtomicReference<>();
            ReloadSignal.install(started);
            Gateway gateway;
            try {
                gateway = Gateway.start(cfg);
            } catch (ConfigException | RedisConnectException | IllegalArgumentException | IllegalStateException e) {
                System.err.println("cannot start: " + e.getMessage());
                return 3;
            }
            // SIGHUP and POST /api/config/reload re-read the file, with the same flags applied again
            gateway.enableReload(config, overrides);
            started.set(gateway);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                gateway.close();
                                stopped.countDown();
                            },
                            "shutdown"));
            Banner.print(cfg, gateway);
            stopped.await();
            return 0;
        }
    }

    /** {@code gateway hash-password}: prints the hashed form of a password for the config file. */
    @Command(
            name = "hash-password",
            mixinStandardHelpOptions = true,
            description = "Read a password from standard input, print its pbkdf2-sha256 hash for accounts[].password.")
    static final class HashPassword implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String password = in.readLine();
            if (password == null || password.isEmpty()) {
                System.err.println("no password on standard input");
                return 2;
            }
            System.out.println(PasswordHash.hash(password));
            return 0;
        }
    }

    /** {@code gateway report}: why people leave, from the audit trail in Redis. */
    @Command(
            name = "report",
            mixinStandardHelpOptions = true,
            description =
                    "Opt-outs per day by keyword, senders by opt-out rate, and reasons, as a table and a PNG chart.")
    static final class Report implements Callable<Integer> {

        @Option(names = "--since", defaultValue = "30d", description = "Period up to now (default ${DEFAULT-VALUE})")
        String since;

        @Option(
                names = "--redis",
                defaultValue = "${env:GATEWAY_REDIS}",
                paramLabel = "URI",
                description = "Redis holding the audit trail (default: the one in --config)")
        String redis;

        @Option(
                names = "--config",
                defaultValue = "${env:GATEWAY_CONFIG:-config/gateway.yaml}",
                description = "Configuration file, read for its Redis when --redis is not given")
        Path config;

        @Option(
                names = "--png",
                defaultValue = "optout-report.png",
                description = "Chart file (default ${DEFAULT-VALUE})")
        Path png;

        @Override
        public Integer call() throws Exception {
            Duration period;
            try {
                period = ConfigLoader.parseDuration(since);
            } catch (RuntimeException e) {
                System.err.println("--since: expected a duration like 30d or 12h, got '" + since + "'");
                return 2;
            }
            String uri = redis;
            if (uri == null || uri.isBlank()) {
                try {
                    GatewayConfig cfg = ConfigLoader.load(config, ConfigOverrides.NONE);
                    uri = cfg.redis().embedded()
                            ? "redis://127.0.0.1:" + cfg.redis().embeddedPort()
                            : cfg.redis().uri();
                } catch (ConfigException e) {
                    System.err.println("config error: " + e.getMessage());
                    return 2;
                }
            }
            try (RedisConnector r = RedisConnector.connect(uri, Duration.ofSeconds(5))) {
                OptOutReport.Result result = OptOutReport.build(r.async(), period);
                System.out.print(OptOutReport.table(result));
                ReportChart.write(result, png);
                System.out.println("\nchart: " + png.toAbsolutePath());
                return 0;
            } catch (RedisConnectException e) {
                System.err.println(e.getMessage());
                return 3;
            }
        }
    }

    /** {@code gateway simulator}: a standalone SMSC simulator, for demos and load tests. */
    @Command(
            name = "simulator",
            mixinStandardHelpOptions = true,
            description = "Run the SMSC simulator alone: [--host H] [--port P] [--delay-ms D] [--receipt-delay-ms D]"
                    + " [--tls-cert PEM --tls-key PEM]")
    static final class Simulator implements Callable<Integer> {
        // @Unmatched, not @Parameters: picocli rejects "--host" as an unknown option otherwise.
        @CommandLine.Unmatched
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            EmbeddedSmscProvider simulator = EmbeddedSmscs.find().orElse(null);
            if (simulator == null) {
                System.err.println("gateway simulator: simulator.jar is not on the class path (gateway.jar loads it"
                        + " from its own directory); run java -jar gateway/target/simulator.jar instead");
                return 2;
            }
            simulator.runStandalone(args.toArray(String[]::new));
            return 0;
        }
    }
}
