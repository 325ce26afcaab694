package io.optoutgw.app;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.optoutgw.config.GatewayConfig;
import io.optoutgw.config.UpstreamConfig;
import io.optoutgw.http.HttpServer;
import io.optoutgw.relay.MessageIdStore;
import io.optoutgw.relay.Relay;
import io.optoutgw.session.Account;
import io.optoutgw.session.AccountRegistry;
import io.optoutgw.session.EsmeServer;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.store.LocalRedis;
import io.optoutgw.store.RedisConnector;
import io.optoutgw.transport.Transports;
import io.optoutgw.upstream.UpstreamPool;
import io.optoutgw.upstream.Upstreams;
import java.nio.file.Path;
import java.time.Duration;
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
    private LocalRedis localRedis;
    private RedisConnector redis;
    private SmscSimulator simulator;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Upstreams upstreams;
    private EsmeServer esmeServer;
    private HttpServer httpServer;
    private PrometheusMeterRegistry registry;
    private int smppPort;
    private int httpPort = -1;
    private volatile boolean closed;

    private Gateway(GatewayConfig config) {
        this.config = config;
    }

    /** Starts a gateway; on failure everything already started is stopped again. */
    public static Gateway start(GatewayConfig config) throws Exception {
        Gateway g = new Gateway(config);
        try {
            g.startAll();
            return g;
        } catch (Exception | Error e) {
            g.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        String redisUri = config.redis().uri();
        if (config.redis().embedded()) {
            localRedis = LocalRedis.start(Path.of(config.redis().embeddedDataDir()), config.redis().embeddedPort());
            redisUri = localRedis.uri();
        }
        redis = RedisConnector.connect(redisUri, config.redis().commandTimeout());

        if (config.simulator().enabled()) {
            simulator = new SmscSimulator(SimulatorOptions.from(config.simulator())).start();
        }

        boss = Transports.group(1);
        workers = Transports.group(Math.max(2, Runtime.getRuntime().availableProcessors()));
        AccountRegistry accounts = new AccountRegistry(config.accounts());
        MessageIdStore messageIds = new MessageIdStore(redis.async(), config.redis().messageIdTtl());
        Relay[] relay = new Relay[1];
        upstreams = new Upstreams(config.upstreams(), workers,
                (bind, request) -> relay[0].fromUpstream(bind, request), config.smpp().maxFrameBytes());
        relay[0] = new Relay(config.relay(), accounts, upstreams, messageIds);
        upstreams.start();

        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registerMeters(accounts);

        esmeServer = new EsmeServer(config.smpp(), accounts, relay[0], SYSTEM_ID, config.relay().requestTimeout());
        smppPort = esmeServer.start(boss, workers);
        if (config.http().enabled()) {
            httpServer = new HttpServer(config.http(), this::notReadyReason, registry::scrape);
            httpPort = httpServer.start(boss);
        }
        log.info("gateway {} started: SMPP port {}, HTTP port {}, {} upstream(s), {} account(s)",
                config.instanceId(), smppPort, httpPort, config.upstreams().size(), config.accounts().size());
    }

    private void registerMeters(AccountRegistry accounts) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        for (UpstreamPool pool : upstreams.pools()) {
            Gauge.builder("smppgw.upstream.binds.bound", pool, UpstreamPool::boundCount)
                    .description("Sessions to this SMSC that are bound now")
                    .tag("upstream", pool.name())
                    .register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("smppgw.upstream.responses.late", pool,
                            UpstreamPool::lateResponses)
                    .description("Responses from this SMSC dropped because their request had expired or was unknown")
                    .tag("upstream", pool.name())
                    .register(registry);
        }
        for (Account account : accounts.accounts()) {
            Gauge.builder("smppgw.esme.binds.bound", account, a -> a.sessions().size())
                    .description("ESME sessions of this account that are bound now")
                    .tag("account", account.systemId())
                    .register(registry);
        }
    }

    /** {@code null} when ready to serve ESMEs, otherwise why not. */
    public String notReadyReason() {
        if (closed) {
            return "shutting down";
        }
        if (!redis.connection().isOpen()) {
            return "redis not connected";
        }
        if (upstreams.boundCount() == 0) {
            return "no upstream bound";
        }
        return null;
    }

    public int smppPort() {
        return smppPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public Upstreams upstreams() {
        return upstreams;
    }

    /** The built-in simulator, or {@code null} when it is disabled. */
    public SmscSimulator simulator() {
        return simulator;
    }

    public GatewayConfig config() {
        return config;
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

    /** Graceful stop: no new ESMEs, bound ESMEs drained and unbound, upstreams unbound, then the rest. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("gateway {} stopping", config.instanceId());
        if (httpServer != null) {
            httpServer.stop();
        }
        if (esmeServer != null) {
            esmeServer.stop();
        }
        if (upstreams != null) {
            upstreams.stop(Duration.ofSeconds(3));
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (simulator != null) {
            simulator.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (localRedis != null) {
            localRedis.close();
        }
        if (registry != null) {
            registry.close();
        }
        log.info("gateway {} stopped", config.instanceId());
    }

    /** For the console banner of the demo configuration. */
    static String upstreamSummary(GatewayConfig config) {
        StringBuilder sb = new StringBuilder();
        for (UpstreamConfig u : config.upstreams()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(u.name()).append(" at ").append(u.host()).append(':').append(u.port());
        }
        return sb.toString();
    }
}
