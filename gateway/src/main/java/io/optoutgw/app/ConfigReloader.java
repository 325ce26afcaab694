package io.optoutgw.app;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.optoutgw.config.ConfigException;
import io.optoutgw.config.ConfigLoader;
import io.optoutgw.config.ConfigOverrides;
import io.optoutgw.config.GatewayConfig;
import io.optoutgw.esme.Account;
import io.optoutgw.esme.AccountRegistry;
import io.optoutgw.esme.EsmeSession;
import io.optoutgw.http.AdminApi;
import io.optoutgw.metrics.GatewayMeter;
import io.optoutgw.metrics.GatewayMetrics;
import io.optoutgw.optout.OptOutService;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.suppression.RedisKeys;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the configuration file while the gateway runs (SIGHUP, {@code POST /api/config/reload},
 * or another instance's reload announced on {@link RedisKeys#CONFIG_RELOAD_CHANNEL}); see
 * docs/configuration.md, "Reloading the configuration".
 *
 * <p>The file is read and checked whole first (the same checks as at start-up, and the accounts'
 * routes against the upstreams running now): a file with any problem changes nothing, and the
 * answer and the log name the key. Then the accounts (with their keywords, templates, routes,
 * categories and send-time rules) are put in force at once, read per PDU from then on: bound
 * sessions stay bound. Bound sessions of a removed account are unbound (gracefully: what is in
 * flight drains first). Every other section needs a restart: a change there is named in
 * {@code restartRequired} and logged, and not applied.
 */
final class ConfigReloader implements AdminApi.ConfigReload, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    private final AtomicReference<GatewayConfig> live;
    private final AccountRegistry accounts;
    private final GatewayMetrics metrics;
    private final List<Consumer<GatewayConfig>> onApplied = new ArrayList<>();
    private final Consumer<Account> onAccountAdded;
    private volatile Path file;
    private volatile ConfigOverrides overrides = ConfigOverrides.NONE;
    private volatile RedisConnector redis;
    private volatile double lastSuccessSeconds;
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "config-reload");
        t.setDaemon(true);
        return t;
    });
    private AutoCloseable subscription;

    /**
     * What a reload did (the JSON answer of {@code POST /api/config/reload}).
     *
     * @param applied         whether the file was put in force (false: it was refused, see {@code errors})
     * @param changed         what changed and is now in force ({@code accounts.ACME: added}, ... )
     * @param restartRequired keys that changed but take effect only after a restart (not applied)
     * @param errors          why the file was refused, each naming its key; empty when applied
     * @param trigger         sighup, api, or the instance whose reload this one followed
     * @param instance        this instance
     */
    record Result(
            boolean applied,
            List<String> changed,
            List<String> restartRequired,
            List<String> errors,
            String trigger,
            String instance)
            implements AdminApi.ConfigReload.Outcome {
        @Override
        @JsonIgnore
        public boolean ok() {
            return applied;
        }
    }

    ConfigReloader(
            GatewayConfig initial, AccountRegistry accounts, GatewayMetrics metrics, Consumer<Account> onAccountAdded) {
        this.live = new AtomicReference<>(initial);
        this.accounts = accounts;
        this.metrics = metrics;
        this.onAccountAdded = onAccountAdded;
        this.lastSuccessSeconds = Instant.now().getEpochSecond();
        metrics.counter(GatewayMeter.CONFIG_RELOADS, "success");
        metrics.counter(GatewayMeter.CONFIG_RELOADS, "failure");
    }

    /** Called with the configuration in force after each successful reload. */
    void onApplied(Consumer<GatewayConfig> listener) {
        onApplied.add(listener);
    }

    /** The configuration in force: the start-up one with the accounts of the last reload. */
    GatewayConfig live() {
        return live.get();
    }

    double lastSuccessSeconds() {
        return lastSuccessSeconds;
    }

    /**
     * Reloads from {@code file} (with the command line's {@code overrides} applied again), and
     * follows other instances' reloads announced through {@code redis}.
     */
    void enable(Path file, ConfigOverrides overrides, RedisConnector redis) {
        this.file = file;
        this.overrides = overrides == null ? ConfigOverrides.NONE : overrides;
        this.redis = redis;
        String self = live.get().instanceId();
        try {
            subscription = redis.subscribe(RedisKeys.CONFIG_RELOAD_CHANNEL, from -> {
                if (!self.equals(from)) {
                    inBackground("instance " + from, false);
                }
            });
        } catch (RuntimeException e) {
            log.warn(
                    "config reload: cannot follow other instances' reloads ({}); SIGHUP and the API still work",
                    e.toString());
        }
    }

    /** Reloads on the reload thread (a signal handler or a pub/sub listener must not block). */
    void inBackground(String trigger, boolean announce) {
        try {
            background.execute(() -> reload(trigger, announce));
        } catch (RejectedExecutionException e) {
            log.info("config reload ({}) ignored: shutting down", trigger);
        }
    }

    @Override
    public Result reload() {
        return reload("api", true);
    }

    /** Reads, checks and applies the file; {@code announce}: ask the other instances to reload too. */
    synchronized Result reload(String trigger, boolean announce) {
        String instance = live.get().instanceId();
        Path f = file;
        if (f == null) {
            return refused(trigger, instance, "config: this gateway was not started from a configuration file");
        }
        GatewayConfig old = live.get();
        GatewayConfig next;
        GatewayConfig merged;
        AccountRegistry.Prepared prepared;
        try {
            next = ConfigLoader.load(f, overrides);
            OptOutService.validateConfig(next.accounts());
            // only the accounts are applied: checked against the sections running now (routes name live upstreams)
            merged = new GatewayConfig(
                    old.instanceId(),
                    old.smpp(),
                    old.http(),
                    old.redis(),
                    old.relay(),
                    old.upstreams(),
                    next.accounts(),
                    old.simulator(),
                    old.suppression(),
                    old.optout(),
                    old.feed(),
                    old.webhooks(),
                    old.evidence(),
                    old.lists(),
                    old.privacy());
            prepared = AccountRegistry.prepare(next.accounts());
        } catch (ConfigException | IllegalArgumentException e) {
            return refused(trigger, instance, e.getMessage());
        }
        List<String> restart = restartRequired(old, next);
        AccountRegistry.Applied applied = accounts.apply(prepared);
        live.set(merged);
        List<String> changed = new ArrayList<>();
        applied.added().forEach(a -> changed.add("accounts." + a + ": added"));
        applied.changed().forEach(a -> changed.add("accounts." + a + ": changed"));
        for (Account gone : applied.removed()) {
            changed.add("accounts." + gone.systemId() + ": removed");
        }
        if (!applied.removedSessions().isEmpty()) {
            log.info(
                    "config reload: account(s) {} removed: unbinding their {} bound session(s)",
                    applied.removed().stream().map(Account::systemId).toList(),
                    applied.removedSessions().size());
        }
        applied.removedSessions().forEach(EsmeSession::unbindFromGateway);
        for (String a : applied.added()) {
            onAccountAdded.accept(accounts.account(a));
        }
        for (Consumer<GatewayConfig> l : onApplied) {
            l.accept(merged);
        }
        lastSuccessSeconds = Instant.now().getEpochSecond();
        metrics.counter(GatewayMeter.CONFIG_RELOADS, "success").increment();
        log.info(
                "config reload ({}): {} applied{}",
                trigger,
                f,
                changed.isEmpty() ? ", no account changed" : ": " + String.join(", ", changed));
        if (!restart.isEmpty()) {
            log.warn(
                    "config reload ({}): changed but not applied until a restart: {}",
                    trigger,
                    String.join(", ", restart));
        }
        if (announce && redis != null) {
            redis.async().publish(RedisKeys.CONFIG_RELOAD_CHANNEL, instance).exceptionally(e -> {
                log.warn("config reload: could not ask the other instances to reload: {}", e.toString());
                return null;
            });
        }
        return new Result(true, List.copyOf(changed), restart, List.of(), trigger, instance);
    }

    private Result refused(String trigger, String instance, String error) {
        metrics.counter(GatewayMeter.CONFIG_RELOADS, "failure").increment();
        log.warn("config reload ({}) refused, nothing changed: {}", trigger, error);
        return new Result(false, List.of(), List.of(), List.of(error), trigger, instance);
    }

    /**
     * The keys outside {@code accounts} whose value differs: {@code section.key} for a section's
     * own settings, the section's name for a list (upstreams, webhooks) or a plain value.
     */
    static List<String> restartRequired(GatewayConfig old, GatewayConfig next) {
        List<String> out = new ArrayList<>();
        for (RecordComponent c : GatewayConfig.class.getRecordComponents()) {
            if (c.getName().equals("accounts")) {
                continue;
            }
            Object a = value(c, old);
            Object b = value(c, next);
            if (Objects.equals(a, b)) {
                continue;
            }
            if (a != null && b != null && a.getClass().isRecord() && a.getClass() == b.getClass()) {
                for (RecordComponent sub : a.getClass().getRecordComponents()) {
                    if (!Objects.equals(value(sub, a), value(sub, b))) {
                        out.add(c.getName() + "." + sub.getName());
                    }
                }
            } else {
                out.add(c.getName());
            }
        }
        return List.copyOf(out);
    }

    private static Object value(RecordComponent c, Object record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        background.shutdownNow();
        try {
            background.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (subscription != null) {
            try {
                subscription.close();
            } catch (Exception e) {
                log.debug("config reload: unsubscribing: {}", e.toString());
            }
        }
    }
}
