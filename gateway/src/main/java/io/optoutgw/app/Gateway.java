package io.optoutgw.app;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.optoutgw.admin.ApiTokens;
import io.optoutgw.admin.AuditRetention;
import io.optoutgw.admin.Consents;
import io.optoutgw.admin.Deactivations;
import io.optoutgw.admin.EvidenceBundles;
import io.optoutgw.admin.InboundEvents;
import io.optoutgw.admin.ListAdmin;
import io.optoutgw.admin.ListVerifier;
import io.optoutgw.admin.NumberTraces;
import io.optoutgw.admin.PrivacyErase;
import io.optoutgw.admin.ScopeNames;
import io.optoutgw.admin.SuppressionAdmin;
import io.optoutgw.admin.VerifyReport;
import io.optoutgw.admin.VerifySchedule;
import io.optoutgw.config.ConfigException;
import io.optoutgw.config.ConfigOverrides;
import io.optoutgw.config.EvidenceConfig;
import io.optoutgw.config.GatewayConfig;
import io.optoutgw.config.ListConfig;
import io.optoutgw.config.OptOutInstructionConfig;
import io.optoutgw.config.UpstreamConfig;
import io.optoutgw.config.WebhookConfig;
import io.optoutgw.embedded.EmbeddedSmsc;
import io.optoutgw.embedded.EmbeddedSmscProvider;
import io.optoutgw.embedded.EmbeddedSmscs;
import io.optoutgw.esme.Account;
import io.optoutgw.esme.AccountRegistry;
import io.optoutgw.esme.BindGuard;
import io.optoutgw.esme.EsmeServer;
import io.optoutgw.feed.EventFeed;
import io.optoutgw.feed.WebhookDelivery;
import io.optoutgw.http.AdminApi;
import io.optoutgw.http.HttpServer;
import io.optoutgw.metrics.GatewayMeter;
import io.optoutgw.metrics.GatewayMeterBinder;
import io.optoutgw.metrics.GatewayMetrics;
import io.optoutgw.metrics.LogLimiter;
import io.optoutgw.metrics.PduMetricsHandler;
import io.optoutgw.optout.ConsentMeters;
import io.optoutgw.optout.OptOutService;
import io.optoutgw.redis.LocalRedis;
import io.optoutgw.redis.RedisConnector;
import io.optoutgw.redis.RedisSafety;
import io.optoutgw.relay.DeliverRouter;
import io.optoutgw.relay.MessageIdStore;
import io.optoutgw.relay.PendingMessages;
import io.optoutgw.relay.SubmitRelay;
import io.optoutgw.report.OptOutReport;
import io.optoutgw.report.RelayedStats;
import io.optoutgw.sendtime.FrequencyCap;
import io.optoutgw.sendtime.SendTimeGate;
import io.optoutgw.sendtime.SendTimeRules;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.EvidenceLedger;
import io.optoutgw.suppression.ExternalLists;
import io.optoutgw.suppression.NumberKeys;
import io.optoutgw.suppression.SuppressionGuard;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.suppression.evidence.CheckpointStore;
import io.optoutgw.suppression.evidence.Checkpointer;
import io.optoutgw.suppression.evidence.EvidenceKeys;
import io.optoutgw.suppression.journal.OptOutJournal;
import io.optoutgw.transport.TlsContexts;
import io.optoutgw.transport.Transports;
import io.optoutgw.upstream.UpstreamPool;
import io.optoutgw.upstream.Upstreams;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway: Redis connection (or a local redis-server it started), optional built-in
 * SMSC simulator, upstream binds, the relay, the ESME listener and the HTTP endpoints. Started
 * in dependency order; {@link #close()} stops in reverse, gracefully and with bounded waits.
 */
public final class Gateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Gateway.class);
    /** system_id the gateway announces in bind responses to ESMEs. */
    public static final String SYSTEM_ID = "optout-gw";

    private final GatewayConfig config;
    /** What has been started, the latest on top: {@link #close()} stops it in exactly the reverse order. */
    private final Deque<AutoCloseable> started = new ArrayDeque<>();

    private RedisConnector redis;
    private EmbeddedSmsc simulator;
    private EventLoopGroup workers;
    private Upstreams upstreams;
    private PrometheusMeterRegistry registry;
    private OptOutJournal journal;
    private EventFeed feed;
    private final List<WebhookDelivery> webhooks = new ArrayList<>();
    private ConsentLedger recorder;
    private Checkpointer checkpointer;
    private VerifySchedule verifySchedule;
    private RelayedStats relayedStats;
    private EvidenceLedger evidence;
    private ExternalLists externalLists;
    private ListAdmin listAdmin;
    /** Grace period before a version that is neither live nor previous is deleted. */
    private static final Duration LIST_VERSION_GRACE = Duration.ofMinutes(2);
    /** Command timeout of the connection a list version is written on. */
    private static final Duration LIST_WRITE_TIMEOUT = Duration.ofSeconds(30);

    private ConfigReloader reloader;
    private Map<String, PublicKey> trustedKeys = Map.of();
    private static final Duration STARTUP_REDIS_TIMEOUT = Duration.ofSeconds(10);
    private int smppPort;
    private int smppTlsPort = -1;
    private int httpPort = -1;
    private volatile boolean closed;
    private final Clock clock;

    private Gateway(GatewayConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** Starts a gateway; on failure everything already started is stopped again. */
    public static Gateway start(GatewayConfig config) throws Exception {
        return start(config, Clock.systemUTC());
    }

    /**
     * As {@link #start(GatewayConfig)}, with the send-time rules, their frequency cap and the reply
     * cap reading {@code clock} (tests move it through quiet hours and windows).
     */
    public static Gateway start(GatewayConfig config, Clock clock) throws Exception {
        Gateway g = new Gateway(config, clock);
        try {
            g.startAll();
            return g;
        } catch (Exception | Error e) {
            g.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        // refuse a bad keyword list or a reply that does not fit one SMS before starting anything
        OptOutService.validateConfig(config.accounts());
        // a demo configuration without simulator.jar is refused before anything starts
        EmbeddedSmscProvider simulatorProvider = config.simulator().enabled() ? EmbeddedSmscs.provider() : null;
        // TLS files are read and checked before anything starts
        SslContext esmeTls = config.smpp().tls() == null
                ? null
                : TlsContexts.esmeServer(config.smpp().tls());
        Map<String, SslContext> upstreamTls = new HashMap<>();
        for (UpstreamConfig u : config.upstreams()) {
            SslContext c = TlsContexts.upstreamClient(u.tls(), "upstreams[" + u.name() + "].tls.");
            if (c != null) {
                upstreamTls.put(u.name(), c);
            }
        }
        String redisUri = config.redis().uri();
        if (config.redis().embedded()) {
            LocalRedis localRedis = LocalRedis.start(
                    Path.of(config.redis().embeddedDataDir()), config.redis().embeddedPort());
            started.push(localRedis::close);
            redisUri = localRedis.uri();
        }
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        started.push(registry::close);
        redis = RedisConnector.connect(
                redisUri, config.redis().commandTimeout(), config.redis().commandLatencyMetrics() ? registry : null);
        started.push(redis::close);
        for (String problem : RedisSafety.check(redis.async(), redisUri)) {
            if (config.redis().requireSafe()) {
                throw new IllegalStateException("redis: " + problem + " (redis.requireSafe is set)");
            }
            log.warn("redis: {}", problem);
        }

        if (config.simulator().enabled()) {
            simulator = simulatorProvider.start(config.simulator());
            started.push(simulator::close);
        }

        EventLoopGroup boss = Transports.group(1);
        started.push(() -> boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
        workers = Transports.group(Math.max(2, Runtime.getRuntime().availableProcessors()));
        started.push(() -> workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
        // suppression checks and message-id writes go out and complete on the loop that issues them
        started.push(redis::closeLanes);
        redis.openLanes(workers);
        GatewayMetrics metrics = new GatewayMetrics(registry);
        AccountRegistry accounts = new AccountRegistry(config.accounts());
        reloader = new ConfigReloader(config, accounts, metrics, a -> bindAccountMeters(a, metrics));
        started.push(reloader::close);
        MessageIdStore messageIds =
                new MessageIdStore(redis::loopAsync, config.redis().messageIdTtl(), MessageIdStore.DEFAULT_BATCH_DELAY);
        messageIds.onWriteError(() -> metrics.redisError("messageid_write"));
        // receipts of the last relayed messages must still find their account after a restart
        started.push(() -> messageIds.flush(Duration.ofSeconds(2)));
        metrics.initGateway();

        SuppressionStore list = new SuppressionStore(
                redis.async(), redis::loopAsync, config.suppression().buckets());
        list.categoriesInUse(config.accounts().stream().anyMatch(a -> a.optOut().hasCategories()));
        reloader.onApplied(live -> list.categoriesInUse(
                live.accounts().stream().anyMatch(a -> a.optOut().hasCategories())));
        list.checkLayout().toCompletableFuture().get(STARTUP_REDIS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        // numbers keyed as privacy.mode says, with the mode and pepper the list was written with (docs/privacy.md)
        NumberKeys numberKeys = config.privacy().numberKeys();
        list.numberKeys(numberKeys);
        list.checkPrivacy(config.privacy().pepperFile() != null ? "privacy.pepperFile" : "privacy.pepperEnv")
                .toCompletableFuture()
                .get(STARTUP_REDIS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Timer journalFsync = metrics.timer(GatewayMeter.JOURNAL_FSYNC);
        journal = OptOutJournal.open(
                Path.of(config.optout().journalDir()),
                OptOutJournal.Options.defaults()
                        .withFsyncLatencyNanos(nanos -> journalFsync.record(nanos, TimeUnit.NANOSECONDS)));
        started.push(journal::close);
        EvidenceKeys.Signer signer = signer(config.evidence());
        journal.enableCompaction(
                new ConsentJournalCompaction(signer, config.evidence().retention(), Clock.systemUTC()),
                config.optout().journalCompactAfterBytes());
        recorder = new ConsentLedger(
                journal,
                list,
                redis.async(),
                config.instanceId(),
                config.optout().recordTimeout());
        recorder.onRecorded(new ConsentMeters(metrics).init());
        // Before any ESME may bind, Redis must hold every opt-out the journal has (docs/reliability.md 3, 18).
        recorder.replayAtStartup(STARTUP_REDIS_TIMEOUT);
        CheckpointStore checkpoints = new CheckpointStore(redis.async(), STARTUP_REDIS_TIMEOUT);
        checkpointer = new Checkpointer(
                recorder,
                signer,
                config.evidence().checkpointInterval(),
                config.evidence().checkpointEvery(),
                config.optout().recordTimeout().multipliedBy(2),
                Clock.systemUTC());
        checkpointer.init(checkpoints);
        Duration adminTimeout = Duration.ofSeconds(5);
        trustedKeys = trustedKeys(config.evidence(), signer);
        verifySchedule = new VerifySchedule(
                new ListVerifier(
                        list,
                        journal,
                        checkpoints,
                        trustedKeys,
                        adminTimeout,
                        config.optout().recordTimeout()),
                redis.async(),
                config.instanceId(),
                config.evidence().verifyInterval(),
                adminTimeout);
        verifySchedule.retention(
                new AuditRetention(list, config.evidence().retention(), Clock.systemUTC(), adminTimeout));
        feed = new EventFeed(
                journal, redis.async(), config.instanceId(), config.feed().streamMaxLength(), STARTUP_REDIS_TIMEOUT);
        feed.numberKeys(numberKeys);
        // the journal is the feed's outbox: nothing the feed has not published is compacted away
        recorder.compactionLimit(feed::published);
        startFeed();
        for (WebhookConfig w : config.webhooks()) {
            WebhookDelivery delivery =
                    new WebhookDelivery(w, redis.async(), config.instanceId(), STARTUP_REDIS_TIMEOUT).start();
            webhooks.add(delivery);
            started.push(delivery::close);
        }

        // external lists: every submit is checked against their live versions too, from the first one
        externalLists = new ExternalLists(redis.async(), STARTUP_REDIS_TIMEOUT);
        // a version is written on a connection of its own: bulk writes hold up no opt-out, MO or admin command
        String bulkUri = redisUri;
        externalLists.bulk(
                () -> {
                    RedisConnector c = RedisConnector.connect(bulkUri, LIST_WRITE_TIMEOUT);
                    return new ExternalLists.Bulk() {
                        @Override
                        public RedisClusterAsyncCommands<String, String> commands() {
                            return c.async();
                        }

                        @Override
                        public void close() {
                            c.close();
                        }
                    };
                },
                LIST_WRITE_TIMEOUT);
        externalLists.refresh();
        list.lists(externalLists);
        listAdmin = new ListAdmin(
                externalLists,
                new Deactivations(new SuppressionAdmin(
                        list,
                        recorder,
                        new ScopeNames(accountNames(config), categoriesByAccount(config)),
                        config.instanceId(),
                        Duration.ofSeconds(5),
                        metrics)),
                config.lists());
        listAdmin.refreshSnapshot();

        OptOutService optOut =
                new OptOutService(config.optout(), config.instanceId(), recorder, redis.async(), metrics);
        SuppressionGuard guard = new SuppressionGuard(
                list, config.suppression().checkTimeout(), config.redis().commandTimeout());
        relayedStats = new RelayedStats(redis.async());
        started.push(relayedStats::flush);
        upstreams = new Upstreams(
                config.upstreams(),
                workers,
                config.smpp().maxFrameBytes(),
                new PduMetricsHandler(metrics, "upstream"),
                upstreamTls);
        PendingMessages pending = new PendingMessages(
                redis::loopAsync, upstreams, metrics, config.relay().requestTimeout());
        optOut.onOptOut(pending::cancelFor);
        optOut.numberKeys(numberKeys);
        pending.numberKeys(numberKeys);
        FrequencyCap counters = new FrequencyCap(redis::loopAsync, clock);
        counters.numberKeys(numberKeys);
        SendTimeGate sendTime = new SendTimeGate(new SendTimeRules(), counters, clock);
        SubmitRelay submits =
                new SubmitRelay(config.relay(), upstreams, messageIds, guard, pending, metrics, relayedStats, sendTime);
        DeliverRouter delivers = new DeliverRouter(
                accounts,
                upstreams,
                messageIds,
                optOut,
                metrics,
                config.relay().requestTimeout(),
                counters,
                config.optout().replyCap());
        // refusals, fail-open passes and confirmations per number, beside the audit trail
        evidence = new EvidenceLedger(
                redis::loopAsync,
                list,
                config.evidence().refusalDetail(),
                config.evidence().maxDetailPerNumber());
        submits.recordEvidence(evidence, config.evidence());
        delivers.recordEvidence(evidence, config.evidence());
        upstreams.start(delivers);
        started.push(() -> upstreams.stop(Duration.ofSeconds(3)));
        registerMeters(accounts, metrics, signer != null);
        startReconciler();
        startLists();
        started.push(verifySchedule::close);
        verifySchedule.start();

        EsmeServer esmeServer = new EsmeServer(
                config.smpp(),
                accounts,
                submits,
                SYSTEM_ID,
                config.relay().requestTimeout(),
                new PduMetricsHandler(metrics, "esme"),
                esmeTls);
        GatewayMeterBinder closedByGuard = new GatewayMeterBinder();
        for (BindGuard.Closed why : BindGuard.Closed.values()) {
            closedByGuard.functionCounter(
                    GatewayMeter.ESME_CONNECTIONS_CLOSED, esmeServer.bindGuard(), g -> g.closed(why), why.tag());
        }
        closedByGuard.bindTo(registry);
        started.push(esmeServer::stop);
        smppPort = esmeServer.start(boss, workers);
        smppTlsPort = esmeServer.tlsPort();
        if (config.http().enabled()) {
            // the web console's live page and report charts (GET /api/status, /api/report)
            AdminApi api = adminApi(list, metrics)
                    .withConsole(
                            new LiveStatus(config.instanceId(), this::notReadyReason, upstreams, accounts, registry),
                            since -> OptOutReport.build(redis.async(), since));
            HttpServer httpServer = new HttpServer(config.http(), this::notReadyReason, registry::scrape, api);
            if (simulator != null) {
                httpServer.enableDemoMo(simulator::injectMo);
            }
            // HTTP's own single thread: slow or many HTTP clients cannot hold up SMPP accept or sessions
            EventLoopGroup httpGroup = Transports.group(1);
            started.push(
                    () -> httpGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
            started.push(httpServer::stop);
            httpPort = httpServer.start(httpGroup);
        }
        log.info(
                "gateway {} started: SMPP port {}, HTTP port {}, {} upstream(s), {} account(s)",
                config.instanceId(),
                smppPort,
                httpPort,
                config.upstreams().size(),
                config.accounts().size());
    }

    private static Set<String> accountIds(GatewayConfig config) {
        Set<String> ids = new HashSet<>();
        config.accounts().forEach(a -> ids.add(a.systemId()));
        return ids;
    }

    /**
     * Reloads the configuration from {@code file} (with {@code overrides} applied again) on SIGHUP
     * or {@code POST /api/config/reload}, and when another instance sharing Redis reloads
     * (docs/configuration.md, "Reloading the configuration").
     */
    public Gateway enableReload(Path file, ConfigOverrides overrides) {
        reloader.enable(file, overrides, redis);
        return this;
    }

    /** Reloads on the reload thread and tells the other instances (what SIGHUP does). */
    public void reloadInBackground(String trigger) {
        reloader.inBackground(trigger, true);
    }

    /** Each account's declared consent categories, for checking those an operator types. */
    private static Map<String, List<String>> categoriesByAccount(GatewayConfig config) {
        Map<String, List<String>> out = new HashMap<>();
        config.accounts().forEach(a -> out.put(a.systemId(), a.optOut().categories()));
        return out;
    }

    /** The admin API on the HTTP port (/api); every request is answered 401 "disabled" unless http.adminToken is set. */
    private AdminApi adminApi(SuppressionStore list, GatewayMetrics metrics) {
        if (!config.http().adminEnabled()) {
            return AdminApi.disabled();
        }
        Duration timeout = Duration.ofSeconds(5);
        var admin = new SuppressionAdmin(
                list,
                recorder,
                new ScopeNames(accountIds(config), categoriesByAccount(config)),
                config.instanceId(),
                timeout,
                metrics);
        var inbound = new InboundEvents(
                recorder,
                admin.scopes(),
                redis.async(),
                config.instanceId(),
                config.feed().idempotencyWindow(),
                timeout);
        var traces = new NumberTraces(list, config.evidence().enabled() ? evidence : null, timeout);
        reloader.onApplied(live -> {
            ScopeNames names = new ScopeNames(accountIds(live), categoriesByAccount(live));
            admin.scopes(names);
            inbound.scopes(names);
        });
        var bundles = new EvidenceBundles(
                        list,
                        traces,
                        new CheckpointStore(redis.async(), timeout),
                        trustedKeys,
                        () -> recorder.chainHead().chain(),
                        checkpointer::checkpointNow,
                        config.instanceId(),
                        timeout)
                .withJournalDetail(ids -> journalEvents(journal, ids));
        return new AdminApi(config.http().adminToken(), admin, verifySchedule, traces)
                .withEvents(feed, inbound, webhooks)
                .withEvidence(bundles, new Consents(recorder, admin.scopes(), config.instanceId(), timeout))
                .withLists(listAdmin)
                .withPrivacy(new PrivacyErase(list, journal, recorder, config.instanceId(), Duration.ofMinutes(1)))
                .withReload(reloader)
                .withTokens(new ApiTokens(redis.async(), () -> admin.scopes().accounts(), timeout));
    }

    private static Set<String> accountNames(GatewayConfig config) {
        Set<String> accounts = new HashSet<>();
        config.accounts().forEach(a -> accounts.add(a.systemId()));
        return accounts;
    }

    /**
     * External lists: every second the live versions are read again (a load or rollback by any
     * instance is checked here within a second), with the metrics of every list; every minute
     * versions no longer live nor previous are deleted after a grace period; configured URLs are
     * fetched when due (one thread, apart, so a long fetch delays neither).
     */
    private void startLists() {
        ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lists");
            t.setDaemon(true);
            return t;
        });
        Set<String> metered = new HashSet<>();
        LogLimiter failures = new LogLimiter(Duration.ofMinutes(1));
        Runnable refresh = () -> {
            try {
                externalLists.refresh();
                listAdmin.refreshSnapshot();
                for (String name : listAdmin.names()) {
                    if (metered.add(name)) {
                        listMeters(name).bindTo(registry);
                    }
                }
            } catch (Exception e) {
                long skipped = failures.admit();
                if (skipped >= 0) {
                    log.warn(
                            "lists: reading the live versions failed ({}); checking against the last read{}",
                            e.toString(),
                            LogLimiter.leftOut(skipped));
                }
            }
        };
        refresh.run();
        refresher.scheduleWithFixedDelay(refresh, 1, 1, TimeUnit.SECONDS);
        refresher.scheduleWithFixedDelay(
                () -> {
                    try {
                        long deleted = externalLists.collect(LIST_VERSION_GRACE);
                        if (deleted > 0) {
                            log.info("lists: {} keys of old list versions deleted", deleted);
                        }
                    } catch (Exception e) {
                        log.warn("lists: deleting old versions failed (will retry): {}", e.toString());
                    }
                },
                30,
                60,
                TimeUnit.SECONDS);
        started.push(refresher::shutdownNow);
        List<ListConfig> fetched =
                config.lists().stream().filter(l -> l.url() != null).toList();
        if (!fetched.isEmpty()) {
            ScheduledExecutorService fetcher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "list-fetch");
                t.setDaemon(true);
                return t;
            });
            for (ListConfig l : fetched) {
                fetcher.scheduleWithFixedDelay(() -> listAdmin.fetchIfDue(l.name()), 5, 60, TimeUnit.SECONDS);
            }
            started.push(fetcher::shutdownNow);
        }
    }

    private GatewayMeterBinder listMeters(String name) {
        return new GatewayMeterBinder()
                .gauge(GatewayMeter.LIST_NUMBERS, listAdmin, a -> a.count(name), name)
                .gauge(GatewayMeter.LIST_VERSION, externalLists, l -> l.liveVersion(name), name)
                .gauge(GatewayMeter.LIST_LOADED, listAdmin, a -> a.loadedAtSeconds(name), name)
                .gauge(GatewayMeter.LIST_AGE, listAdmin, a -> a.ageSeconds(name), name)
                .gauge(GatewayMeter.LIST_MAX_AGE, listAdmin, a -> a.maxAgeSeconds(name), name)
                .functionCounter(GatewayMeter.LIST_LOAD_FAILURES, listAdmin, a -> a.failures(name), name);
    }

    /** Publishes what this instance journals to the consent event feed, every {@code feed.publishInterval}. */
    private void startFeed() {
        ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "event-feed");
            t.setDaemon(true);
            return t;
        });
        long every = config.feed().publishInterval().toMillis();
        LogLimiter failures = new LogLimiter(Duration.ofMinutes(1));
        publisher.scheduleWithFixedDelay(
                () -> {
                    try {
                        feed.publish();
                    } catch (Exception e) {
                        long skipped = failures.admit();
                        if (skipped >= 0) {
                            log.warn(
                                    "event feed: publishing failed ({}), retrying{}",
                                    e.toString(),
                                    LogLimiter.leftOut(skipped));
                        }
                    }
                },
                0,
                every,
                TimeUnit.MILLISECONDS);
        started.push(() -> {
            publisher.shutdownNow();
            try {
                publisher.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** The journal records of the consent events {@code ids} (JSON by event id): one pass over the journal. */
    static Map<String, String> journalEvents(OptOutJournal journal, Set<String> ids) throws Exception {
        Map<String, String> out = new HashMap<>();
        List<byte[]> prefixes = new ArrayList<>();
        for (String id : ids) {
            prefixes.add(("{\"id\":\"" + id + "\",").getBytes(StandardCharsets.UTF_8));
        }
        journal.replay(0, (seq, payload) -> {
            for (byte[] p : prefixes) {
                if (payload.length > p.length && Arrays.equals(payload, 0, p.length, p, 0, p.length)) {
                    ConsentEvent e = ConsentEvent.fromJson(payload);
                    out.put(e.id(), new String(payload, StandardCharsets.UTF_8));
                    return;
                }
            }
        });
        return out;
    }

    /** The key that signs checkpoints, or null when {@code evidence.signingKey} is not set. */
    private static EvidenceKeys.Signer signer(EvidenceConfig evidence) {
        if (evidence.signingKey() == null) {
            log.info("evidence: no evidence.signingKey: checkpoints of the hash chain are written unsigned");
            return null;
        }
        try {
            EvidenceKeys.Signer s = EvidenceKeys.readSigner(Path.of(evidence.signingKey()));
            log.info("evidence: checkpoints are signed with key {}", s.keyId());
            return s;
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("evidence.signingKey", e.getMessage());
        }
    }

    /** The public keys verification trusts: the signing key's and those of {@code evidence.publicKeys}. */
    private static Map<String, PublicKey> trustedKeys(EvidenceConfig evidence, EvidenceKeys.Signer signer) {
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        if (signer != null) {
            keys.put(signer.keyId(), signer.publicKey());
        }
        for (int i = 0; i < evidence.publicKeys().size(); i++) {
            String file = evidence.publicKeys().get(i);
            try {
                Map<String, PublicKey> found = EvidenceKeys.publicKeys(Files.readString(Path.of(file)));
                if (found.isEmpty()) {
                    throw new IllegalArgumentException(file + " holds no PUBLIC KEY block");
                }
                keys.putAll(found);
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException("evidence.publicKeys[" + i + "]", e.getMessage());
            }
        }
        return keys;
    }

    private void startReconciler() {
        ScheduledExecutorService reconciler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "journal-reconciler");
            t.setDaemon(true);
            return t;
        });
        long every = config.optout().reconcileInterval().toMillis();
        reconciler.scheduleWithFixedDelay(
                () -> {
                    try {
                        int n = recorder.reconcile(STARTUP_REDIS_TIMEOUT);
                        if (n > 0) {
                            log.warn("reconciliation restored {} journal entries Redis had lost", n);
                        }
                    } catch (Exception e) {
                        log.warn("reconciliation failed (will retry): {}", e.toString());
                    }
                },
                every,
                every,
                TimeUnit.MILLISECONDS);
        reconciler.scheduleWithFixedDelay(relayedStats::flush, 5, 5, TimeUnit.SECONDS);
        long checkpointEvery =
                Math.min(config.evidence().checkpointInterval().toMillis(), TimeUnit.SECONDS.toMillis(10));
        reconciler.scheduleWithFixedDelay(checkpointer::tick, checkpointEvery, checkpointEvery, TimeUnit.MILLISECONDS);
        started.push(reconciler::shutdownNow);
        // the events since the last checkpoint are the chain's least protected: one more on the way out
        started.push(checkpointer::checkpointNow);
    }

    /** Writes a checkpoint of the journal's hash chain now, if it has grown since the last one. */
    public void checkpointNow() {
        checkpointer.checkpointNow();
    }

    /** Runs one reconciliation pass now (what the periodic task does). */
    public int reconcileNow() throws Exception {
        return recorder.reconcile(STARTUP_REDIS_TIMEOUT);
    }

    private void registerMeters(AccountRegistry accounts, GatewayMetrics metrics, boolean signed) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        GatewayMeterBinder meters = new GatewayMeterBinder()
                .gauge(GatewayMeter.JOURNAL_UNAPPLIED, recorder, ConsentLedger::unappliedCount)
                .gauge(GatewayMeter.JOURNAL_OPEN, journal, j -> j.isWritable() ? 1 : 0)
                .gauge(GatewayMeter.JOURNAL_BYTES, journal, OptOutJournal::sizeBytes)
                .functionCounter(GatewayMeter.JOURNAL_WRITE_FAILURES, journal, OptOutJournal::writeFailures)
                .functionCounter(GatewayMeter.JOURNAL_REPLAYED, recorder, ConsentLedger::replayedEntries)
                .functionCounter(GatewayMeter.JOURNAL_REPLAY_RETRIES, recorder, ConsentLedger::replayRetries)
                .functionCounter(GatewayMeter.JOURNAL_DISCREPANCIES, recorder, ConsentLedger::discrepancies)
                .functionCounter(GatewayMeter.CONSENT_LOCAL_ORDERS, recorder, ConsentLedger::localOrders)
                .gauge(GatewayMeter.CLOCK_SKEW, recorder, ConsentLedger::clockSkewSeconds)
                .gauge(
                        GatewayMeter.AUDIT_CHAIN_SEQ,
                        recorder,
                        r -> r.chainHead().seq())
                .functionCounter(
                        GatewayMeter.AUDIT_CHECKPOINTS, checkpointer, Checkpointer::written, Boolean.toString(signed))
                .functionCounter(GatewayMeter.AUDIT_CHECKPOINT_FAILURES, checkpointer, Checkpointer::failures)
                .gauge(GatewayMeter.AUDIT_VERIFY_LAST, verifySchedule, VerifySchedule::lastTimestampSeconds)
                .gauge(GatewayMeter.AUDIT_VERIFY_DURATION, verifySchedule, VerifySchedule::lastDurationSeconds)
                .functionCounter(GatewayMeter.AUDIT_VERIFY_FAILURES, verifySchedule, VerifySchedule::failures)
                .gauge(GatewayMeter.AUDIT_VERIFY_INTERVAL, verifySchedule, VerifySchedule::intervalSeconds)
                .gauge(GatewayMeter.FEED_BACKLOG, feed, EventFeed::backlog)
                .functionCounter(GatewayMeter.FEED_PUBLISHED, feed, EventFeed::publishedEntries)
                .gauge(GatewayMeter.REDIS_UP, redis, r -> r.isOpen() ? 1 : 0)
                .gauge(GatewayMeter.EVENT_LOOP_PENDING, workers, Gateway::pendingTasks, "workers");
        for (String kind : VerifyReport.KINDS) {
            meters.gauge(
                    GatewayMeter.AUDIT_VERIFY_FINDINGS,
                    verifySchedule,
                    v -> v.findings(kind),
                    kind.toLowerCase(Locale.ROOT));
        }
        for (WebhookDelivery w : webhooks) {
            meters.functionCounter(GatewayMeter.WEBHOOK_DELIVERED, w, WebhookDelivery::delivered, w.name())
                    .functionCounter(GatewayMeter.WEBHOOK_FAILED, w, WebhookDelivery::failedAttempts, w.name())
                    .functionCounter(GatewayMeter.WEBHOOK_DEAD_LETTERS, w, WebhookDelivery::deadLettered, w.name())
                    .gauge(GatewayMeter.WEBHOOK_LAG, w, WebhookDelivery::lagSeconds, w.name());
        }
        for (UpstreamPool pool : upstreams.pools()) {
            String name = pool.name();
            meters.gauge(GatewayMeter.UPSTREAM_BINDS, pool, UpstreamPool::boundCount, name)
                    .gauge(GatewayMeter.UPSTREAM_SESSIONS, pool, UpstreamPool::boundCount, name, "bound")
                    .gauge(
                            GatewayMeter.UPSTREAM_SESSIONS,
                            pool,
                            p -> p.binds().size() - p.boundCount(),
                            name,
                            "unbound")
                    .gauge(GatewayMeter.UPSTREAM_IN_FLIGHT, pool, UpstreamPool::inFlight, name)
                    .gauge(GatewayMeter.UPSTREAM_WINDOW, pool, UpstreamPool::windowCapacity, name)
                    .functionCounter(GatewayMeter.LATE_RESPONSES, pool, UpstreamPool::lateResponses, name);
        }
        meters.gauge(GatewayMeter.CONFIG_RELOAD_LAST, reloader, ConfigReloader::lastSuccessSeconds);
        meters.bindTo(registry);
        for (Account account : accounts.accounts()) {
            bindAccountMeters(account, metrics);
        }
    }

    /** An account's counters and gauges (at start, and for an account a reload added). */
    private void bindAccountMeters(Account account, GatewayMetrics metrics) {
        GatewayMeterBinder meters = new GatewayMeterBinder();
        metrics.initAccount(account.systemId());
        for (ListConfig l : config.lists()) {
            // the configured lists' refusal counters exist from start-up, at zero
            if (l.accounts().isEmpty() || l.accounts().contains(account.systemId())) {
                metrics.counter(GatewayMeter.LIST_REFUSALS, account.systemId(), l.name());
            }
        }
        OptOutInstructionConfig instruction = account.config().optOut().optOutInstruction();
        if (instruction != null) {
            List<String> checked = !instruction.categories().isEmpty()
                    ? instruction.categories()
                    : account.config().optOut().categories();
            metrics.initOptOutInstruction(
                    account.systemId(), checked.isEmpty() ? List.of(GatewayMetrics.NO_CATEGORY) : checked);
        }
        meters.gauge(GatewayMeter.ESME_BINDS, account, a -> a.sessions().size(), account.systemId())
                .gauge(GatewayMeter.ESME_IN_FLIGHT, account, Account::inFlight, account.systemId())
                .gauge(GatewayMeter.ESME_DELIVERIES_WAITING, account, Account::deliveriesWaiting, account.systemId());
        meters.bindTo(registry);
    }

    private static double pendingTasks(EventLoopGroup group) {
        int pending = 0;
        for (EventExecutor e : group) {
            if (e instanceof SingleThreadEventExecutor st) {
                pending += st.pendingTasks();
            }
        }
        return pending;
    }

    /** {@code null} when ready to serve ESMEs, otherwise why not. */
    public String notReadyReason() {
        if (closed) {
            return "shutting down";
        }
        if (!redis.isOpen()) {
            return "redis not connected";
        }
        if (recorder == null || !recorder.replayDone()) {
            return "journal not replayed yet";
        }
        String journalProblem = journal.notWritableReason();
        if (journalProblem != null) {
            // every opt-out would get ESME_RX_T_APPN: let the ESMEs use another instance meanwhile
            return journalProblem;
        }
        if (upstreams.boundCount() == 0) {
            return "no upstream bound";
        }
        return null;
    }

    public int smppPort() {
        return smppPort;
    }

    /** The SMPP-over-TLS listener's port, or -1 when {@code smpp.tls} is not configured. */
    public int smppTlsPort() {
        return smppTlsPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public Upstreams upstreams() {
        return upstreams;
    }

    /** The built-in simulator, or {@code null} when it is disabled. */
    public EmbeddedSmsc simulator() {
        return simulator;
    }

    /** The configuration in force: the one it started with, with the accounts of the last reload. */
    public GatewayConfig config() {
        return reloader == null ? config : reloader.live();
    }

    /** Waits until at least one session of every upstream is bound. */
    public boolean awaitUpstreamsBound(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (UpstreamPool p : upstreams.pools()) {
                all &= p.boundCount() > 0;
            }
            if (all) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /**
     * Graceful stop, in the exact reverse of start-up: HTTP, no new ESMEs and bound ESMEs drained
     * and unbound, the reconciler, upstreams unbound, the last counts and message ids written, the
     * journal closed, then the event loops, the simulator and Redis.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("gateway {} stopping", config.instanceId());
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                log.warn("while stopping: {}", e.toString());
            }
        }
        log.info("gateway {} stopped", config.instanceId());
    }

    /** For the console banner of the demo configuration. */
    static String upstreamSummary(GatewayConfig config) {
        StringBuilder sb = new StringBuilder();
        for (UpstreamConfig u : config.upstreams()) {
            sb.append(sb.isEmpty() ? "" : ", ")
                    .append(u.name())
                    .append(" at ")
                    .append(u.host())
                    .append(':')
                    .append(u.port());
        }
        return sb.toString();
    }
}
