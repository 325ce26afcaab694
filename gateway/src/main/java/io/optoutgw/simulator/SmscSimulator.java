package io.optoutgw.simulator;

import com.cloudhopper.smpp.pdu.BaseSm;
import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.type.Address;
import com.cloudhopper.smpp.type.SmppInvalidArgumentException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.optoutgw.codec.SubmitMulti;
import io.optoutgw.smpp.BindType;
import io.optoutgw.smpp.SmppPipeline;
import io.optoutgw.transport.TlsContexts;
import io.optoutgw.transport.TlsFailures;
import io.optoutgw.transport.Transports;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An SMSC simulator on plain Netty: accepts binds, answers submit_sm/data_sm with unique message
 * ids (optionally delayed), sends delivery receipts and injected mobile-originated deliver_sm, and
 * records what it received for assertions. Blocking helpers ({@link #awaitSubmits}, {@link #close})
 * must not be called from one of its event loops.
 */
public final class SmscSimulator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SmscSimulator.class);
    private static final int MAX_FRAME_BYTES = 64 * 1024;

    private final SimulatorOptions options;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final ChannelGroup channels = new DefaultChannelGroup("smsc-sim", GlobalEventExecutor.INSTANCE);
    private final List<SimSession> boundSessions = new CopyOnWriteArrayList<>();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicLong messageIds = new AtomicLong();
    private final AtomicLong bindCount = new AtomicLong();
    private final AtomicLong failedBindCount = new AtomicLong();
    private final AtomicLong receiptsSent = new AtomicLong();
    private final AtomicLong receiptsUndeliverable = new AtomicLong();
    private final ArrayDeque<ReceivedMessage> received = new ArrayDeque<>();
    private final ArrayDeque<SubmitMulti> multis = new ArrayDeque<>();
    private final ArrayDeque<DeliverOutcome> outcomes = new ArrayDeque<>();
    private long submitCount; // guarded by received
    private volatile boolean silent;
    /** [remaining count, status] of binds to refuse regardless of credentials. */
    private final int[] forcedBinds = new int[2];

    private volatile Channel serverChannel;

    /** A simulator with its own event loop group of {@code options.ioThreads()} threads. */
    public SmscSimulator(SimulatorOptions options) {
        this(options, null);
    }

    /**
     * A simulator running on {@code group} (an NIO-capable group, left running by {@link #close});
     * {@code null} creates and owns one.
     */
    public SmscSimulator(SimulatorOptions options, EventLoopGroup group) {
        this.options = options;
        this.ownsGroup = group == null;
        // its own loops use the native transport where it loads: on NIO, a timer due in under half a
        // millisecond makes the selector poll in a busy loop, and the response delays are timers
        this.group = group != null ? group : Transports.group(options.ioThreads());
    }

    public SimulatorOptions options() {
        return options;
    }

    /** Binds the listening socket; returns this for chaining. */
    public synchronized SmscSimulator start() {
        if (serverChannel != null) {
            throw new IllegalStateException("already started");
        }
        SslContext tls = options.tls() ? TlsContexts.server(options.certificateFile(), options.privateKeyFile()) : null;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(ownsGroup ? Transports.serverChannel() : NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        SslHandler ssl = null;
                        if (tls != null) {
                            ssl = TlsContexts.serverHandler(tls, ch.alloc(), Duration.ofSeconds(10));
                            ssl.handshakeFuture().addListener(f -> {
                                if (!f.isSuccess()) {
                                    log.info(
                                            "TLS handshake from {} failed: {}",
                                            ch.remoteAddress(),
                                            TlsFailures.reason(f.cause()));
                                }
                            });
                        }
                        // the responses and receipts written in one timer tick leave in one flush
                        SmppPipeline.of(ch)
                                .tls(ssl)
                                .consolidateFlushes()
                                .codec(MAX_FRAME_BYTES)
                                .session(new SimSession(SmscSimulator.this));
                    }
                });
        try {
            serverChannel = bootstrap
                    .bind(options.host(), options.port())
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            if (ownsGroup) {
                group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            }
            throw e;
        }
        log.info("SMSC simulator listening on {}:{}{}", options.host(), port(), tls != null ? " (TLS)" : "");
        return this;
    }

    /** The port actually listened on. */
    public int port() {
        Channel ch = serverChannel;
        if (ch == null) {
            throw new IllegalStateException("not started");
        }
        return ((InetSocketAddress) ch.localAddress()).getPort();
    }

    public String host() {
        return options.host();
    }

    /** Stops listening, closes every connection and, if it created it, shuts down the event loop group. */
    @Override
    public synchronized void close() {
        Channel ch = serverChannel;
        if (ch != null) {
            ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (ownsGroup && !group.isShuttingDown()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (ch != null) {
            log.info("SMSC simulator on port {} stopped", ((InetSocketAddress) ch.localAddress()).getPort());
        }
    }

    // ---- behaviour switches ------------------------------------------------------------------

    /** When silent, submit_sm, data_sm, query_sm, cancel_sm, replace_sm and enquire_link go unanswered. */
    public void setSilent(boolean silent) {
        this.silent = silent;
        log.info("SMSC simulator {}", silent ? "silent" : "answering");
    }

    /**
     * Answers the next {@code count} bind requests with {@code status} (e.g. ESME_RALYBND 0x05,
     * as an SMSC does while it still holds an old bind), whatever their credentials.
     */
    public void refuseNextBinds(int count, int status) {
        synchronized (forcedBinds) {
            forcedBinds[0] = count;
            forcedBinds[1] = status;
        }
    }

    /** The forced bind status to use now, or 0. */
    int takeForcedBindStatus() {
        synchronized (forcedBinds) {
            if (forcedBinds[0] <= 0) {
                return 0;
            }
            forcedBinds[0]--;
            return forcedBinds[1];
        }
    }

    public boolean isSilent() {
        return silent;
    }

    /** Closes every ESME connection without an unbind. */
    public void dropConnections() {
        log.info("dropping {} connections", channels.size());
        channels.close();
    }

    /** Sessions currently bound (any bind type). */
    public int boundSessionCount() {
        return boundSessions.size();
    }

    // ---- mobile-originated messages ----------------------------------------------------------

    /**
     * Sends a mobile-originated deliver_sm (esm_class 0) to a bound receiver or transceiver, chosen
     * round-robin. Completes with the deliver_sm_resp command_status, or exceptionally when no such
     * session is bound, the connection closes or no response arrives within the response timeout.
     */
    public CompletableFuture<Integer> injectMo(
            String sourceAddr, String destAddr, byte[] shortMessage, byte dataCoding) {
        DeliverSm mo = new DeliverSm();
        mo.setSourceAddress(address(sourceAddr));
        mo.setDestAddress(address(destAddr));
        mo.setDataCoding(dataCoding);
        try {
            mo.setShortMessage(shortMessage);
        } catch (SmppInvalidArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return injectMo(mo);
    }

    /** Sends a prebuilt deliver_sm; the simulator assigns its sequence number. */
    public CompletableFuture<Integer> injectMo(DeliverSm deliverSm) {
        SimSession target = pick(null, null, false);
        if (target == null) {
            return CompletableFuture.failedFuture(
                    new IllegalStateException("no receiver or transceiver session is bound"));
        }
        return track(target, deliverSm, false);
    }

    // ---- records -----------------------------------------------------------------------------

    /** submit_sm plus data_sm received since start (or the last {@link #clearRecords}). */
    public long submitCount() {
        synchronized (received) {
            return submitCount;
        }
    }

    /** The most recent received submit_sm/data_sm, oldest first, at most {@code recordLimit}. */
    public List<ReceivedMessage> receivedMessages() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /**
     * Waits until at least {@code n} submit_sm/data_sm have been received and returns
     * {@link #receivedMessages()}.
     */
    public List<ReceivedMessage> awaitSubmits(int n, Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            while (submitCount < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("received " + submitCount + " of " + n + " submits within " + timeout);
                }
                TimeUnit.NANOSECONDS.timedWait(received, left);
            }
            return List.copyOf(received);
        }
    }

    /** Responses to deliver_sm the simulator sent (receipts and MO), oldest first. */
    public List<DeliverOutcome> deliverOutcomes() {
        synchronized (outcomes) {
            return List.copyOf(outcomes);
        }
    }

    /** Successful binds since start. */
    public long bindCount() {
        return bindCount.get();
    }

    /** Binds rejected for bad credentials. */
    public long failedBindCount() {
        return failedBindCount.get();
    }

    /** Delivery receipts written to a session. */
    public long receiptsSent() {
        return receiptsSent.get();
    }

    /** Delivery receipts dropped because no receiver or transceiver was bound. */
    public long receiptsUndeliverable() {
        return receiptsUndeliverable.get();
    }

    /** Forgets received messages, outcomes and the submit count. */
    public void clearRecords() {
        synchronized (received) {
            received.clear();
            submitCount = 0;
        }
        synchronized (outcomes) {
            outcomes.clear();
        }
    }

    // ---- called by sessions ------------------------------------------------------------------

    boolean acceptsCredentials(String systemId, String password) {
        if (options.credentials().isEmpty()) {
            return true;
        }
        String expected = systemId == null ? null : options.credentials().get(systemId);
        return expected != null
                && password != null
                && MessageDigest.isEqual(
                        expected.getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8));
    }

    void sessionBound(SimSession session) {
        bindCount.incrementAndGet();
        boundSessions.add(session);
    }

    void sessionUnbound(SimSession session) {
        boundSessions.remove(session);
    }

    void sessionClosed(SimSession session) {
        boundSessions.remove(session);
    }

    void bindFailed() {
        failedBindCount.incrementAndGet();
    }

    /** Records a submit_multi and returns its message id. */
    String recordSubmitMulti(String systemId, SubmitMulti multi) {
        String messageId = options.messageIdPrefix() + Long.toHexString(messageIds.incrementAndGet());
        synchronized (multis) {
            if (multis.size() == Math.max(1, options.recordLimit())) {
                multis.removeFirst();
            }
            multis.addLast(multi);
        }
        return messageId;
    }

    private final ArrayDeque<PduRequest<?>> byMessageId = new ArrayDeque<>();

    /** Keeps a query_sm, cancel_sm or replace_sm (bounded like the other records). */
    void recordByMessageId(PduRequest<?> request) {
        synchronized (byMessageId) {
            if (options.recordLimit() > 0) {
                if (byMessageId.size() == options.recordLimit()) {
                    byMessageId.removeFirst();
                }
                byMessageId.addLast(request);
            }
        }
    }

    /** query_sm, cancel_sm and replace_sm received (most recent last, bounded like the other records). */
    public List<PduRequest<?>> receivedByMessageId() {
        synchronized (byMessageId) {
            return List.copyOf(byMessageId);
        }
    }

    /** submit_multi requests received (most recent last, bounded like the other records). */
    public List<SubmitMulti> receivedSubmitMultis() {
        synchronized (multis) {
            return List.copyOf(multis);
        }
    }

    String recordSubmit(String systemId, BaseSm<?> sm, Instant at) {
        String messageId = options.messageIdPrefix() + Long.toHexString(messageIds.incrementAndGet());
        synchronized (received) {
            submitCount++;
            if (options.recordLimit() > 0) {
                if (received.size() == options.recordLimit()) {
                    received.removeFirst();
                }
                received.addLast(new ReceivedMessage(systemId, sm, messageId, at));
            }
            received.notifyAll();
        }
        return messageId;
    }

    private final Map<EventLoop, DelayLine> delayLines = new ConcurrentHashMap<>();

    /** The delayed actions of {@code loop}. */
    DelayLine delayLine(EventLoop loop) {
        DelayLine line = delayLines.get(loop);
        return line != null ? line : delayLines.computeIfAbsent(loop, DelayLine::new);
    }

    long nextResponseDelayNanos() {
        long min = options.responseDelayMin().toNanos();
        long max = options.responseDelayMax().toNanos();
        return max <= min ? min : ThreadLocalRandom.current().nextLong(min, max + 1);
    }

    /** Called on the origin's event loop once the submit response has been written. */
    void scheduleReceipt(SimSession origin, BaseSm<?> sm, String messageId, Instant submitted) {
        long delay = options.receiptDelay().toNanos();
        Runnable send = () -> sendReceipt(origin, sm, messageId, submitted);
        if (delay <= 0) {
            send.run();
        } else {
            delayLine(origin.channel().eventLoop()).after(delay, send);
        }
    }

    private void sendReceipt(SimSession origin, BaseSm<?> sm, String messageId, Instant submitted) {
        SimSession target = pick(origin, origin.systemId(), options.receiptsOnAnySession());
        if (target == null) {
            receiptsUndeliverable.incrementAndGet();
            log.debug("no receiver bound for receipt of {}", messageId);
            return;
        }
        receiptsSent.incrementAndGet();
        track(target, DeliveryReceipts.delivered(sm, messageId, submitted, Instant.now()), true);
    }

    // ---- internals ---------------------------------------------------------------------------

    private CompletableFuture<Integer> track(SimSession target, DeliverSm deliverSm, boolean receipt) {
        String systemId = target.systemId();
        CompletableFuture<Integer> result = target.send(deliverSm);
        result.whenComplete((status, error) -> {
            if (status != null) {
                recordOutcome(new DeliverOutcome(systemId, receipt, status));
            } else {
                log.debug("deliver_sm to {} failed: {}", systemId, error.toString());
            }
        });
        return result;
    }

    private void recordOutcome(DeliverOutcome outcome) {
        if (options.recordLimit() == 0) {
            return;
        }
        synchronized (outcomes) {
            if (outcomes.size() == options.recordLimit()) {
                outcomes.removeFirst();
            }
            outcomes.addLast(outcome);
        }
    }

    /**
     * Chooses a bound receiver or transceiver. For a receipt ({@code origin} set): the origin itself
     * if it is a transceiver, else one with the same system_id, else any; with {@code avoidOrigin}
     * any session other than the origin is preferred. Without an origin: plain round-robin.
     */
    private SimSession pick(SimSession origin, String systemId, boolean avoidOrigin) {
        List<SimSession> candidates = new ArrayList<>();
        for (SimSession s : boundSessions) {
            BindType type = s.bindType();
            if (type != null && type.canReceive()) {
                candidates.add(s);
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        if (origin != null) {
            boolean originCandidate = candidates.contains(origin);
            if (avoidOrigin) {
                if (candidates.size() > 1 || !originCandidate) {
                    candidates.remove(origin);
                }
            } else if (originCandidate) {
                return origin;
            } else {
                List<SimSession> sameAccount = candidates.stream()
                        .filter(s -> systemId != null && systemId.equals(s.systemId()))
                        .toList();
                if (!sameAccount.isEmpty()) {
                    candidates = new ArrayList<>(sameAccount);
                }
            }
        }
        return candidates.get(Math.floorMod(roundRobin.getAndIncrement(), candidates.size()));
    }

    private static Address address(String digitsOrName) {
        String a = digitsOrName == null ? "" : digitsOrName;
        boolean digits = !a.isEmpty() && a.chars().allMatch(Character::isDigit);
        if (digits) {
            return new Address((byte) (a.length() >= 9 ? 1 : 0), (byte) 1, a);
        }
        return new Address((byte) 5, (byte) 0, a);
    }
}
