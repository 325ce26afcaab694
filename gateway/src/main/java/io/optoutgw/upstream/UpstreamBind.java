package io.optoutgw.upstream;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseBind;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.pdu.Unbind;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.optoutgw.codec.PduDecodeFailure;
import io.optoutgw.codec.Pdus;
import io.optoutgw.config.UpstreamConfig;
import io.optoutgw.smpp.BindType;
import io.optoutgw.smpp.DecodeFailures;
import io.optoutgw.smpp.KeepAlive;
import io.optoutgw.smpp.RequestWindow;
import io.optoutgw.smpp.SmppPipeline;
import io.optoutgw.transport.ConnectionErrors;
import io.optoutgw.transport.TlsContexts;
import io.optoutgw.transport.TlsFailures;
import io.optoutgw.transport.Transports;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session from the gateway (as an ESME) to an SMSC: connect, bind, keep alive with
 * enquire_link, detect a half-open connection, and reconnect with backoff and jitter, for as long
 * as the gateway runs. ESME_RALYBND (the SMSC still holds an old bind) is retried like any other
 * failure. All state is confined to one event loop, fixed at construction; {@link #send} and
 * {@link #respond} may be called from any thread. A request from the SMSC is answered only on the
 * connection it arrived on: after a reconnect its sequence number means nothing (or another
 * message) on the new connection.
 */
public final class UpstreamBind {

    private static final Logger log = LoggerFactory.getLogger(UpstreamBind.class);
    private static final long SWEEP_MILLIS = 100;

    private final UpstreamConfig config;
    /** What this session may carry. */
    private final BindType role;

    private final int index;
    private final EventLoop loop;
    /** Set by {@link #start} before the first connection; read on the loop only. */
    private UpstreamTraffic traffic;

    private final int maxFrameBytes;
    private final Backoff backoff;
    private final String label;
    private final ChannelHandler pduMetrics;
    private final SslContext tls;
    private final LongAdder tlsHandshakeFailures = new LongAdder();
    private volatile String lastTlsFailure;

    private Channel channel;
    private volatile RequestWindow window;
    private volatile boolean bound;
    private boolean stopped;
    private ScheduledFuture<?> sweeper;
    private ScheduledFuture<?> keepAlive;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final LongAdder lateResponses = new LongAdder();
    private final LongAdder orphanedAnswers = new LongAdder();

    /** Where a request from the SMSC came from: its connection and its sequence number there. */
    private record Origin(Channel channel, int sequence) {}

    UpstreamBind(
            UpstreamConfig config,
            BindType role,
            int index,
            EventLoopGroup group,
            int maxFrameBytes,
            ChannelHandler pduMetrics,
            SslContext tls) {
        this.tls = tls;
        this.pduMetrics = pduMetrics;
        this.config = config;
        this.role = role;
        this.index = index;
        this.loop = group.next();
        this.maxFrameBytes = maxFrameBytes;
        this.backoff = new Backoff(config.reconnectInitialDelay(), config.reconnectMaxDelay());
        this.label =
                "[upstream=" + config.name() + "#" + index + " " + role.name().toLowerCase() + "]";
    }

    /** The event loop this session's state is confined to. */
    public EventLoop eventLoop() {
        return loop;
    }

    public UpstreamConfig config() {
        return config;
    }

    public String upstreamName() {
        return config.name();
    }

    public String label() {
        return label;
    }

    public BindType role() {
        return role;
    }

    /** Runs {@code task} on this session's event loop after {@code delayMillis}. */
    public void schedule(Runnable task, long delayMillis) {
        loop.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    }

    /** Responses dropped because no request was waiting for them (late after expiry, or unknown). */
    public long lateResponses() {
        return lateResponses.sum();
    }

    /**
     * Answers to SMSC requests that were dropped because the connection the request came on had
     * closed by then (the SMSC delivers such a request again).
     */
    public long orphanedAnswers() {
        return orphanedAnswers.sum();
    }

    /** Requests awaiting a response on this session now (a gauge; read without locking). */
    public int inFlight() {
        RequestWindow w = window;
        return w == null ? 0 : w.size();
    }

    /** TLS handshakes with the SMSC that failed (untrusted certificate, hostname mismatch, ...). */
    public long tlsHandshakeFailures() {
        return tlsHandshakeFailures.sum();
    }

    /** The reason of the most recent failed TLS handshake, or {@code null}. */
    public String lastTlsFailure() {
        return lastTlsFailure;
    }

    public boolean isBound() {
        return bound;
    }

    /** Whether the calling thread is this session's event loop (a send from it is written at once). */
    public boolean onThisLoop() {
        return loop.inEventLoop();
    }

    /** Bound, able to send submits, and with a channel that accepts writes. */
    public boolean canSubmit() {
        Channel c = channel;
        return bound && role.canTransmit() && c != null && c.isWritable();
    }

    void start(UpstreamTraffic traffic) {
        this.traffic = traffic;
        loop.execute(this::connect);
    }

    /**
     * Sends a request to the SMSC with this connection's own sequence number; the callback learns
     * the response or the failure (REFUSED when not bound or the window is full).
     */
    public void send(PduRequest<?> request, long timeoutNanos, RequestWindow.Callback callback) {
        if (!loop.inEventLoop()) {
            loop.execute(() -> send(request, timeoutNanos, callback));
            return;
        }
        if (!bound || !window.hasRoom() || !channel.isWritable()) {
            callback.onFailure(RequestWindow.Failure.REFUSED);
            return;
        }
        int seq = window.nextSequence();
        request.setSequenceNumber(seq);
        window.add(seq, timeoutNanos, callback);
        channel.writeAndFlush(request, channel.voidPromise());
    }

    /**
     * Answers {@code request}, which the SMSC sent on this session, with {@code response}: on the
     * connection the request arrived on and with the sequence number it had there. When that
     * connection has closed in the meantime the answer is dropped (the SMSC redelivers); it never
     * goes out on a later connection, where its sequence number would acknowledge another
     * message. Safe from any thread.
     */
    public void respond(PduRequest<?> request, PduResponse response) {
        if (!(request.getReferenceObject() instanceof Origin origin)) {
            orphanedAnswers.increment();
            log.debug("{} {} for a request not read from an SMSC connection: dropped", label, response.getName());
            return;
        }
        response.setSequenceNumber(origin.sequence());
        Channel c = origin.channel();
        if (c.isActive()) {
            c.writeAndFlush(response, c.voidPromise());
        } else {
            orphanedAnswers.increment();
            log.debug(
                    "{} {} seq {} dropped: the connection it belongs to has closed",
                    label,
                    response.getName(),
                    origin.sequence());
        }
    }

    /** Unbinds (bounded wait for unbind_resp) and stops reconnecting. */
    CompletableFuture<Void> stop() {
        loop.execute(() -> {
            stopped = true;
            if (channel == null || !channel.isActive()) {
                closed.complete(null);
                return;
            }
            if (!bound) {
                channel.close();
                return;
            }
            bound = false;
            Unbind unbind = new Unbind();
            int seq = window.nextSequence();
            unbind.setSequenceNumber(seq);
            window.add(seq, TimeUnit.SECONDS.toNanos(2), RequestWindow.Callback.closing(channel));
            channel.writeAndFlush(unbind, channel.voidPromise());
        });
        return closed;
    }

    private void connect() {
        if (stopped) {
            return;
        }
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(Transports.clientChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        config.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SmppPipeline.of(ch)
                                .tls(
                                        tls == null
                                                ? null
                                                : TlsContexts.clientHandler(
                                                        tls,
                                                        ch.alloc(),
                                                        config.host(),
                                                        config.port(),
                                                        config.tls().hostnameVerification(),
                                                        config.connectTimeout()))
                                .consolidateFlushes()
                                .codec(maxFrameBytes)
                                .metrics(pduMetrics)
                                .session(new Handler());
                    }
                });
        ChannelFuture f = bootstrap.connect(config.host(), config.port());
        f.addListener(done -> {
            if (!done.isSuccess()) {
                scheduleReconnect("connect failed: " + done.cause().getMessage());
            }
        });
    }

    private void scheduleReconnect(String why) {
        scheduleReconnect(why, false);
    }

    private void scheduleReconnect(String why, boolean warn) {
        bound = false;
        if (stopped) {
            closed.complete(null);
            return;
        }
        long delay = backoff.nextDelayMillis();
        if (warn) {
            log.warn("{} {}; reconnecting in {} ms", label, why, delay);
        } else {
            log.info("{} {}; reconnecting in {} ms", label, why, delay);
        }
        loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    private void sendBind() {
        BaseBind<?> bind = role.bindRequest();
        bind.setSystemId(config.systemId());
        bind.setPassword(config.password());
        bind.setSystemType(config.systemType());
        bind.setInterfaceVersion((byte) 0x34);
        int seq = window.nextSequence();
        bind.setSequenceNumber(seq);
        window.add(seq, config.bindTimeout().toNanos(), new RequestWindow.Callback() {
            @Override
            public void onResponse(PduResponse response) {
                int status = response.getCommandStatus();
                if (status == SmppConstants.STATUS_OK) {
                    bound = true;
                    backoff.reset();
                    log.info("{} bound to {}:{}", label, config.host(), config.port());
                    startKeepAlive();
                } else {
                    // ESME_RALYBND included: the SMSC still holds an old bind; back off and retry.
                    close("bind refused with " + Pdus.status(status));
                }
            }

            @Override
            public void onFailure(RequestWindow.Failure failure) {
                close("bind not answered (" + failure + ")");
            }
        });
        channel.writeAndFlush(bind, channel.voidPromise());
    }

    private void startKeepAlive() {
        long every = config.enquireLinkInterval().toMillis();
        keepAlive = loop.scheduleAtFixedRate(
                () -> {
                    if (!bound || !window.hasRoom()) {
                        return;
                    }
                    KeepAlive.probe(
                            channel,
                            window,
                            config.responseTimeout().toNanos(),
                            () -> close("enquire_link unanswered within " + config.responseTimeout()
                                    + ": connection is half-open, closing"));
                },
                every,
                every,
                TimeUnit.MILLISECONDS);
    }

    /**
     * The bind ends its connection on its own initiative: one line saying why, then the close;
     * the reconnect follows from channelInactive.
     */
    private void close(String why) {
        log.warn("{} {}", label, why);
        channel.close();
    }

    /** The pipeline's last handler: one per connection attempt. */
    private final class Handler extends ChannelInboundHandlerAdapter {

        /** Why this attempt's TLS handshake failed, or {@code null}. */
        private String tlsFailure;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            window = new RequestWindow(config.windowSize());
            sweeper = loop.scheduleAtFixedRate(
                    () -> window.expire(System.nanoTime()), SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
            if (tls == null) {
                sendBind();
            }
            // with TLS the bind waits for the handshake (userEventTriggered)
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                if (done.isSuccess()) {
                    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                    log.debug(
                            "{} TLS established with {}:{} ({})",
                            label,
                            config.host(),
                            config.port(),
                            ssl == null ? "?" : ssl.engine().getSession().getProtocol());
                    sendBind();
                } else if (tlsFailure == null) {
                    tlsFailure = TlsFailures.reason(done.cause());
                    lastTlsFailure = tlsFailure;
                    tlsHandshakeFailures.increment();
                    ctx.close();
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            boolean wasBound = bound;
            bound = false;
            if (sweeper != null) {
                sweeper.cancel(false);
            }
            if (keepAlive != null) {
                keepAlive.cancel(false);
            }
            int inFlight = window.size();
            window.failAll(RequestWindow.Failure.CLOSED);
            if (tlsFailure != null) {
                // logged once per attempt, with the reason
                scheduleReconnect(
                        "TLS handshake with " + config.host() + ":" + config.port() + " failed: " + tlsFailure, true);
                return;
            }
            scheduleReconnect(
                    wasBound
                            ? "connection lost (" + inFlight + " requests in flight failed)"
                            : "connection closed before bind");
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // The SMSC is not reading: stop reading its deliver_sm too, rather than buffering replies.
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof PduResponse response) {
                if (!window.complete(response)) {
                    lateResponses.increment();
                    log.debug(
                            "{} dropped late or unknown {} seq {}",
                            label,
                            response.getName(),
                            response.getSequenceNumber());
                }
            } else if (msg instanceof PduRequest<?> request) {
                onRequest(ctx, request);
            } else if (msg instanceof PduDecodeFailure failure) {
                log.info(
                        "{} undecodable PDU 0x{}: {}",
                        label,
                        Integer.toHexString(failure.commandId()),
                        failure.reason());
                DecodeFailures.answer(ctx, failure);
            }
        }

        private void onRequest(ChannelHandlerContext ctx, PduRequest<?> request) {
            switch (request.getCommandId()) {
                case SmppConstants.CMD_ID_ENQUIRE_LINK ->
                    ctx.writeAndFlush(Pdus.response(request, SmppConstants.STATUS_OK), ctx.voidPromise());
                case SmppConstants.CMD_ID_UNBIND -> {
                    log.info("{} SMSC unbound us", label);
                    bound = false;
                    ctx.writeAndFlush(Pdus.response(request, SmppConstants.STATUS_OK))
                            .addListener(f -> ctx.close());
                }
                case SmppConstants.CMD_ID_DELIVER_SM, SmppConstants.CMD_ID_DATA_SM -> {
                    if (bound && role.canReceive()) {
                        // the sequence number too: delivering the request to an ESME renumbers it
                        request.setReferenceObject(new Origin(ctx.channel(), request.getSequenceNumber()));
                        traffic.fromUpstream(UpstreamBind.this, request);
                    } else {
                        ctx.writeAndFlush(Pdus.response(request, SmppConstants.STATUS_INVBNDSTS), ctx.voidPromise());
                    }
                }
                default -> ctx.writeAndFlush(Pdus.response(request, SmppConstants.STATUS_INVCMDID), ctx.voidPromise());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // a failed TLS handshake is reported by userEventTriggered and channelInactive
            ConnectionErrors.log(log, label, cause);
            ctx.close();
        }
    }
}
