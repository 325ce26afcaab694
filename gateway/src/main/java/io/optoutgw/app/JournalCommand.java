package io.optoutgw.app;

import io.optoutgw.config.ConfigException;
import io.optoutgw.config.ConfigLoader;
import io.optoutgw.config.ConfigOverrides;
import io.optoutgw.config.GatewayConfig;
import io.optoutgw.redis.RedisConnectException;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.RedisKeys;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.evidence.Checkpoint;
import io.optoutgw.suppression.journal.JournalRepair;
import io.optoutgw.suppression.journal.OptOutJournal;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gateway journal ...}: offline work on an opt-out journal directory (no gateway may hold it). */
@Command(
        name = "journal",
        mixinStandardHelpOptions = true,
        description = "Repair a damaged journal, or replay a journal (e.g. of a retired instance) into Redis.",
        subcommands = {JournalCommand.Repair.class, JournalCommand.Replay.class})
final class JournalCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a command: repair, replay");
    }

    /** {@code gateway journal repair --dir DIR}. */
    @Command(
            name = "repair",
            mixinStandardHelpOptions = true,
            description = "Drop damaged records and torn tails so that the journal opens again; prints what was "
                    + "dropped. Stop the gateway that owns the directory first.")
    static final class Repair implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--dir", required = true, description = "The journal directory (optout.journalDir)")
        Path dir;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                JournalRepair.Result r = JournalRepair.repair(dir);
                if (r.actions().isEmpty()) {
                    out.printf("journal %s is intact (%,d records)%n", dir, r.recordsKept());
                } else {
                    r.actions().forEach(a -> out.println("repaired " + a));
                    out.printf(
                            "journal %s repaired: %d file(s) changed, %,d records kept%n",
                            dir, r.actions().size(), r.recordsKept());
                }
                return 0;
            } catch (IOException e) {
                err.println("error: " + e.getMessage());
                return CliFailure.UNAVAILABLE;
            }
        }
    }

    /** {@code gateway journal replay --dir DIR --config FILE}. */
    @Command(
            name = "replay",
            mixinStandardHelpOptions = true,
            description = "Replay every event of a journal directory into the Redis of --config (idempotent), e.g. "
                    + "the journal of a retired instance after Redis lost data.")
    static final class Replay implements Callable<Integer> {
        private static final int BATCH = 512;
        private static final Duration TIMEOUT = Duration.ofSeconds(30);

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--dir", required = true, description = "The journal directory to replay")
        Path dir;

        @Option(
                names = "--config",
                defaultValue = "${env:GATEWAY_CONFIG:-config/gateway.yaml}",
                description =
                        "Configuration file, read for its Redis and suppression.buckets (default: ${DEFAULT-VALUE})")
        Path config;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!Files.isDirectory(dir)) {
                err.println("error: journal directory " + dir + " does not exist");
                return CliFailure.REFUSED;
            }
            GatewayConfig cfg;
            try {
                cfg = ConfigLoader.load(config, ConfigOverrides.NONE);
            } catch (ConfigException e) {
                err.println("config error: " + e.getMessage());
                return CliFailure.REFUSED;
            }
            String uri = cfg.redis().embedded()
                    ? "redis://127.0.0.1:" + cfg.redis().embeddedPort()
                    : cfg.redis().uri();
            try (RedisConnector redis = RedisConnector.connect(uri, cfg.redis().commandTimeout());
                    OptOutJournal journal = OptOutJournal.open(dir, OptOutJournal.Options.defaults())) {
                SuppressionStore store =
                        new SuppressionStore(redis.async(), cfg.suppression().buckets());
                store.checkLayout().toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                long[] counts = new long[2];
                List<CompletableFuture<?>> batch = new ArrayList<>(BATCH);
                journal.replay(0, (seq, payload) -> {
                    if (Checkpoint.isCheckpoint(payload)) {
                        // the chain's checkpoints go with its events (docs/evidence.md)
                        Checkpoint c = Checkpoint.fromRecord(payload);
                        batch.add(redis.async()
                                .zadd(RedisKeys.checkpoints(c.chain()), (double) c.seq(), c.toJson())
                                .toCompletableFuture());
                        batch.add(
                                redis.async().sadd(RedisKeys.CHAINS, c.chain()).toCompletableFuture());
                        if (batch.size() == BATCH) {
                            await(batch);
                        }
                        return;
                    }
                    batch.add(store.apply(ConsentEvent.fromJson(payload))
                            .toCompletableFuture()
                            .thenAccept(a -> {
                                if (a.auditAdded()) {
                                    synchronized (counts) {
                                        counts[1]++;
                                    }
                                }
                            }));
                    counts[0]++;
                    if (batch.size() == BATCH) {
                        await(batch);
                    }
                });
                await(batch);
                out.printf(
                        "replayed %,d events from %s into %s; %,d were missing from Redis%n",
                        counts[0], dir, RedisConnector.mask(uri), counts[1]);
                return 0;
            } catch (RedisConnectException e) {
                err.println(e.getMessage());
                return CliFailure.UNAVAILABLE;
            } catch (IOException e) {
                err.println("error: " + e.getMessage());
                return CliFailure.UNAVAILABLE;
            }
        }

        private static void await(List<CompletableFuture<?>> batch) throws Exception {
            CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new))
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            batch.clear();
        }
    }
}
