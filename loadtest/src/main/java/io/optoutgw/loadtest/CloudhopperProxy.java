package io.optoutgw.loadtest;

import com.cloudhopper.smpp.PduAsyncResponse;
import com.cloudhopper.smpp.SmppBindType;
import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.SmppServerConfiguration;
import com.cloudhopper.smpp.SmppServerHandler;
import com.cloudhopper.smpp.SmppServerSession;
import com.cloudhopper.smpp.SmppSession;
import com.cloudhopper.smpp.SmppSessionConfiguration;
import com.cloudhopper.smpp.impl.DefaultSmppClient;
import com.cloudhopper.smpp.impl.DefaultSmppServer;
import com.cloudhopper.smpp.impl.DefaultSmppSessionHandler;
import com.cloudhopper.smpp.pdu.BaseBind;
import com.cloudhopper.smpp.pdu.BaseBindResp;
import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.pdu.SubmitSm;
import com.cloudhopper.smpp.pdu.SubmitSmResp;
import com.cloudhopper.smpp.type.LoggingOptions;
import com.cloudhopper.smpp.type.SmppProcessingException;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.nio.NioEventLoopGroup;
import io.optoutgw.suppression.SuppressionStore;
import io.optoutgw.testsupport.FreePorts;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reference leg: the opt-out proxy a user would build in an afternoon from the same libraries.
 * cloudhopper's {@link DefaultSmppServer} takes the ESMEs' binds, {@link DefaultSmppClient}
 * sessions go to the SMSC, and each submit_sm is checked with one Lettuce HMGET on the same list
 * layout the gateway reads ({@code gw:s:{B}}: the global, account and short-code fields) before it
 * is relayed. Receipts and MO go back to the account's binds round robin (one account, so no
 * message-id map); an MO whose text is STOP adds the sender to the list. What it leaves out, and
 * the gateway does: number normalisation with libphonenumber, the journal, confirmations,
 * receipts routed by message id across binds and instances, rates, metrics.
 *
 * <p>Runs as a child process of the harness ({@link Child}) so that its CPU time is its own.
 */
public final class CloudhopperProxy implements AutoCloseable {

    private final String systemId;
    private final String password;
    private final int buckets;
    private final DefaultSmppServer server;
    private final DefaultSmppClient client;
    private final NioEventLoopGroup clientGroup;
    private final ScheduledExecutorService monitor = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "chp-monitor");
        t.setDaemon(true);
        return t;
    });
    private final RedisClient redisClient;
    private final StatefulRedisConnection<String, String> redisConnection;
    private final RedisAsyncCommands<String, String> redis;
    private final List<SmppSession> upstream = new ArrayList<>();
    private final List<SmppServerSession> esmes = new CopyOnWriteArrayList<>();
    private final AtomicInteger nextUpstream = new AtomicInteger();
    private final AtomicInteger nextEsme = new AtomicInteger();
    /**
     * cloudhopper's send calls wait until their write is done, so they run here, off both sides'
     * I/O threads and off Lettuce's: a pool of twice the cores.
     */
    private final ExecutorService workers;

    CloudhopperProxy(
            int listenPort,
            int smscPort,
            String redisUri,
            String systemId,
            String password,
            int upstreamBinds,
            int upstreamWindow,
            int esmeWindow,
            int ioThreads)
            throws Exception {
        this.systemId = systemId;
        this.password = password;
        workers = Executors.newFixedThreadPool(2 * Runtime.getRuntime().availableProcessors(), r -> {
            Thread t = new Thread(r, "chp-worker");
            t.setDaemon(true);
            return t;
        });
        redisClient = RedisClient.create(redisUri);
        redisConnection = redisClient.connect();
        redis = redisConnection.async();
        String b = redisConnection.sync().get("gw:meta:buckets");
        buckets = b == null ? SuppressionStore.DEFAULT_BUCKETS : Integer.parseInt(b);

        clientGroup = new NioEventLoopGroup(ioThreads);
        client = new DefaultSmppClient(clientGroup, monitor);
        for (int i = 0; i < upstreamBinds; i++) {
            SmppSessionConfiguration cfg = new SmppSessionConfiguration();
            cfg.setWindowSize(upstreamWindow);
            cfg.setName("chp-up-" + i);
            cfg.setType(SmppBindType.TRANSCEIVER);
            cfg.setHost("127.0.0.1");
            cfg.setPort(smscPort);
            cfg.setConnectTimeout(10_000);
            cfg.setSystemId("chproxy");
            cfg.setPassword("chproxy");
            cfg.setRequestExpiryTimeout(30_000);
            cfg.setWindowMonitorInterval(15_000);
            cfg.setCountersEnabled(false);
            cfg.setLoggingOptions(quiet());
            upstream.add(client.bind(cfg, new UpstreamHandler()));
        }

        SmppServerConfiguration sc = new SmppServerConfiguration();
        sc.setPort(listenPort);
        sc.setMaxConnectionSize(1000);
        sc.setNonBlockingSocketsEnabled(true);
        sc.setDefaultRequestExpiryTimeout(30_000);
        sc.setDefaultWindowMonitorInterval(15_000);
        sc.setDefaultWindowSize(esmeWindow);
        sc.setDefaultWindowWaitTimeout(60_000);
        sc.setDefaultSessionCountersEnabled(false);
        sc.setJmxEnabled(false);
        server = new DefaultSmppServer(
                sc, new ServerHandler(), monitor, new NioEventLoopGroup(1), new NioEventLoopGroup(ioThreads));
        startOnLoopback(server, listenPort);
    }

    /** DefaultSmppServer.start() binds the wildcard address; this binds its bootstrap to loopback. */
    static void startOnLoopback(DefaultSmppServer server, int port) throws Exception {
        Field bootstrap = DefaultSmppServer.class.getDeclaredField("serverBootstrap");
        Field channel = DefaultSmppServer.class.getDeclaredField("serverChannel");
        bootstrap.setAccessible(true);
        channel.setAccessible(true);
        ServerBootstrap b = (ServerBootstrap) bootstrap.get(server);
        ChannelFuture f = b.bind("127.0.0.1", port).sync();
        channel.set(server, f.channel());
    }

    /** No PDU or byte logging (the legs measure throughput). */
    static LoggingOptions quiet() {
        LoggingOptions lo = new LoggingOptions();
        lo.setLogPdu(false);
        lo.setLogBytes(false);
        return lo;
    }

    private static String digits(String address) {
        return address.startsWith("+") ? address.substring(1) : address;
    }

    private String bucketKey(String digits) {
        return SuppressionStore.bucketKeyFor(digits, buckets);
    }

    /** The ESME's submit_sm: one HMGET, then relayed or refused; answered when the SMSC answers. */
    private void submit(SmppServerSession esme, SubmitSm sm) {
        SubmitSmResp answer = (SubmitSmResp) sm.createResponse();
        String to = digits(sm.getDestAddress().getAddress());
        String from = sm.getSourceAddress().getAddress();
        redis.hmget(bucketKey(to), to, to + "|a:" + systemId, to + "|s:" + from).whenComplete((values, error) -> {
            if (error != null) {
                answer.setCommandStatus(SmppConstants.STATUS_SYSERR);
                respond(esme, answer);
                return;
            }
            for (KeyValue<String, String> v : values) {
                if (v.hasValue()) {
                    answer.setCommandStatus(SmppConstants.STATUS_INVDSTADR);
                    respond(esme, answer);
                    return;
                }
            }
            relay(esme, sm, answer);
        });
    }

    private void relay(SmppServerSession esme, SubmitSm sm, SubmitSmResp answer) {
        SmppSession up = upstream.get(Math.floorMod(nextUpstream.getAndIncrement(), upstream.size()));
        sm.removeSequenceNumber();
        sm.setReferenceObject(new Pending(esme, answer));
        try {
            up.sendRequestPdu(sm, 30_000, false);
        } catch (Exception e) {
            answer.setCommandStatus(SmppConstants.STATUS_SYSERR);
            respond(esme, answer);
        }
    }

    private static void respond(SmppServerSession esme, PduResponse answer) {
        try {
            esme.sendResponsePdu(answer);
        } catch (Exception ignored) {
            // the ESME went away
        }
    }

    /** A receipt or MO from the SMSC: to one of the account's binds; STOP adds the sender to the list. */
    private void deliver(DeliverSm dsm) {
        byte[] text = dsm.getShortMessage();
        if ((dsm.getEsmClass() & 0x04) == 0
                && text != null
                && new String(text, StandardCharsets.ISO_8859_1).trim().equalsIgnoreCase("STOP")) {
            String from = digits(dsm.getSourceAddress().getAddress());
            redis.hset(bucketKey(from), from, Long.toString(System.currentTimeMillis() / 1000));
        }
        if (esmes.isEmpty()) {
            return;
        }
        SmppServerSession esme = esmes.get(Math.floorMod(nextEsme.getAndIncrement(), esmes.size()));
        dsm.removeSequenceNumber();
        try {
            esme.sendRequestPdu(dsm, 30_000, false);
        } catch (Exception ignored) {
            // dropped: an afternoon proxy does not queue
        }
    }

    private record Pending(SmppServerSession esme, SubmitSmResp answer) {}

    @Override
    public void close() {
        for (SmppServerSession s : esmes) {
            s.destroy();
        }
        for (SmppSession s : upstream) {
            try {
                s.unbind(1000);
                s.destroy();
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
        client.destroy();
        server.destroy();
        clientGroup.shutdownGracefully();
        monitor.shutdownNow();
        workers.shutdownNow();
        redisConnection.close();
        redisClient.shutdown();
    }

    private final class UpstreamHandler extends DefaultSmppSessionHandler {
        @Override
        public void fireExpectedPduResponseReceived(PduAsyncResponse r) {
            if (r.getRequest().getReferenceObject() instanceof Pending p
                    && r.getResponse() instanceof SubmitSmResp resp) {
                p.answer.setCommandStatus(resp.getCommandStatus());
                p.answer.setMessageId(resp.getMessageId());
                workers.execute(() -> respond(p.esme, p.answer));
            }
        }

        @Override
        public PduResponse firePduRequestReceived(PduRequest request) {
            PduResponse answer = request.createResponse();
            if (request instanceof DeliverSm dsm) {
                workers.execute(() -> deliver(dsm));
            }
            return answer;
        }
    }

    private final class ServerHandler implements SmppServerHandler {
        @Override
        public void sessionBindRequested(Long id, SmppSessionConfiguration cfg, BaseBind bind)
                throws SmppProcessingException {
            if (!systemId.equals(bind.getSystemId()) || !password.equals(bind.getPassword())) {
                throw new SmppProcessingException(SmppConstants.STATUS_BINDFAIL);
            }
            cfg.setLoggingOptions(quiet());
            cfg.setCountersEnabled(false);
        }

        @Override
        public void sessionCreated(Long id, SmppServerSession session, BaseBindResp resp) {
            session.serverReady(new DefaultSmppSessionHandler() {
                @Override
                public PduResponse firePduRequestReceived(PduRequest request) {
                    if (request instanceof SubmitSm sm) {
                        submit(session, sm);
                        return null;
                    }
                    return request.createResponse();
                }

                @Override
                public void fireExpectedPduResponseReceived(PduAsyncResponse r) {
                    // deliver_sm_resp from the ESME: nothing to do
                }
            });
            esmes.add(session);
        }

        @Override
        public void sessionDestroyed(Long id, SmppServerSession session) {
            esmes.remove(session);
            session.destroy();
        }
    }

    /**
     * {@code CloudhopperProxy LISTEN_PORT SMSC_PORT REDIS_URI SYSTEM_ID PASSWORD UPSTREAM_BINDS
     * UPSTREAM_WINDOW ESME_WINDOW IO_THREADS}
     */
    public static void main(String[] a) throws Exception {
        CloudhopperProxy p = new CloudhopperProxy(
                Integer.parseInt(a[0]),
                Integer.parseInt(a[1]),
                a[2],
                a[3],
                a[4],
                Integer.parseInt(a[5]),
                Integer.parseInt(a[6]),
                Integer.parseInt(a[7]),
                Integer.parseInt(a[8]));
        Runtime.getRuntime().addShutdownHook(new Thread(p::close));
        System.out.println("ready on " + a[0]);
        Thread.currentThread().join();
    }

    /** The proxy as a child process of the harness, stopped by its PID. */
    static final class Child implements AutoCloseable {
        final int port;
        private final Process process;

        private Child(int port, Process process) {
            this.port = port;
            this.process = process;
        }

        static Child start(
                Path log,
                int smscPort,
                String redisUri,
                String systemId,
                String password,
                int upstreamBinds,
                int upstreamWindow,
                int esmeWindow,
                String heap)
                throws Exception {
            int port = FreePorts.find();
            String javaBin =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(
                    javaBin,
                    "-Xmx" + heap,
                    "-Dio.netty.leakDetection.level=disabled",
                    "-cp",
                    System.getProperty("java.class.path"),
                    CloudhopperProxy.class.getName(),
                    Integer.toString(port),
                    Integer.toString(smscPort),
                    redisUri,
                    systemId,
                    password,
                    Integer.toString(upstreamBinds),
                    Integer.toString(upstreamWindow),
                    Integer.toString(esmeWindow),
                    Integer.toString(Runtime.getRuntime().availableProcessors())));
            Process p = new ProcessBuilder(ChildProcesses.command(cmd))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            ChildProcesses.register(p);
            Child c = new Child(port, p);
            if (!ChildProcesses.awaitPort(p, port)) {
                c.close();
                throw new IllegalStateException("cloudhopper proxy did not start on port " + port + "; see " + log);
            }
            return c;
        }

        long pid() {
            return process.pid();
        }

        @Override
        public void close() {
            ChildProcesses.stop(process);
        }
    }
}
