package io.optoutgw.loadtest;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseBindResp;
import com.cloudhopper.smpp.pdu.BindTransceiver;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.pdu.SubmitSm;
import com.cloudhopper.smpp.pdu.SubmitSmResp;
import com.cloudhopper.smpp.pdu.Unbind;
import com.cloudhopper.smpp.type.Address;
import com.cloudhopper.smpp.type.SmppInvalidArgumentException;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.optoutgw.smpp.SmppPipeline;
import io.optoutgw.transport.Transports;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * ESME transceivers spread over several gateways that keep a record of every submit_sm: its id
 * (the sequence number, also written into the text as {@code "chaos <id>"} so the SMSC simulator's
 * log names it), destination, send time ({@link System#nanoTime()}) and response status. Sessions
 * whose connection drops (a killed gateway) reconnect every 300 ms until {@link #close}.
 */
final class TrackedEsmes implements AutoCloseable {

    /** Status of a submit not answered (yet). */
    static final int UNANSWERED = -1;

    static final String TEXT_PREFIX = "chaos ";

    private final String systemId;
    private final String password;
    private final EventLoopGroup group = Transports.group(1);
    private final List<Session> sessions = new ArrayList<>();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicInteger nextId = new AtomicInteger(1);
    final int capacity;
    final AtomicLongArray sentNanos;
    final AtomicLongArray destination;
    final AtomicIntegerArray status;
    final LongAdder notSent = new LongAdder();
    final LongAdder binds = new LongAdder();
    final LongAdder deliverSm = new LongAdder();
    private volatile boolean running = true;

    TrackedEsmes(String systemId, String password, List<Integer> ports, int sessionsPerPort, int capacity) {
        this.systemId = systemId;
        this.password = password;
        this.capacity = capacity;
        this.sentNanos = new AtomicLongArray(capacity + 1);
        this.destination = new AtomicLongArray(capacity + 1);
        this.status = new AtomicIntegerArray(capacity + 1);
        for (int port : ports) {
            for (int i = 0; i < sessionsPerPort; i++) {
                Session s = new Session(port);
                sessions.add(s);
                s.connect();
            }
        }
    }

    /** Waits until every session is bound. */
    void awaitBound(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            if (sessions.stream().allMatch(s -> s.bound)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("not every ESME session bound within " + timeoutMillis + " ms");
    }

    /** Submits sent so far (ids 1..n). */
    int sent() {
        return nextId.get() - 1;
    }

    /**
     * Sends one submit_sm to {@code dest} on the next bound session; returns its id, or 0 when no
     * session is bound or the record is full.
     */
    int submit(long dest) {
        for (int tries = 0; tries < sessions.size(); tries++) {
            Session s = sessions.get(Math.floorMod(roundRobin.getAndIncrement(), sessions.size()));
            Channel ch = s.channel;
            if (s.bound && ch != null && ch.isActive()) {
                int id = nextId.getAndIncrement();
                if (id > capacity) {
                    notSent.increment();
                    return 0;
                }
                SubmitSm sm = new SubmitSm();
                sm.setSequenceNumber(id);
                sm.setSourceAddress(new Address((byte) 3, (byte) 0, LoadGenerator.SHORT_CODE));
                sm.setDestAddress(new Address((byte) 1, (byte) 1, Long.toString(dest)));
                sm.setDataCoding((byte) 0);
                try {
                    sm.setShortMessage((TEXT_PREFIX + id).getBytes(StandardCharsets.ISO_8859_1));
                } catch (SmppInvalidArgumentException e) {
                    throw new IllegalStateException(e);
                }
                destination.set(id, dest);
                status.set(id, UNANSWERED);
                sentNanos.set(id, System.nanoTime());
                ch.writeAndFlush(sm, ch.voidPromise());
                return id;
            }
        }
        notSent.increment();
        return 0;
    }

    /** The id in a text written by {@link #submit}, or -1. */
    static int idOf(byte[] shortMessage) {
        if (shortMessage == null) {
            return -1;
        }
        String t = new String(shortMessage, StandardCharsets.ISO_8859_1);
        if (!t.startsWith(TEXT_PREFIX)) {
            return -1;
        }
        try {
            return Integer.parseInt(t.substring(TEXT_PREFIX.length()).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        running = false;
        LoadGenerator.unbindAndClose(sessions.stream().map(s -> s.channel).toList(), group);
    }

    /** One transceiver to one gateway, reconnecting while the run lasts (one connection at a time). */
    @io.netty.channel.ChannelHandler.Sharable
    private final class Session extends ChannelInboundHandlerAdapter {
        private final int port;
        volatile Channel channel;
        volatile boolean bound;

        Session(int port) {
            this.port = port;
        }

        void connect() {
            if (!running) {
                return;
            }
            Bootstrap b = new Bootstrap()
                    .group(group)
                    .channel(Transports.clientChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2_000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            SmppPipeline.of(ch).codec(64 * 1024).session(Session.this);
                        }
                    });
            b.connect("127.0.0.1", port).addListener(f -> {
                if (!f.isSuccess()) {
                    retry();
                }
            });
        }

        private void retry() {
            if (running) {
                group.schedule(this::connect, 300, TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            BindTransceiver bind = new BindTransceiver();
            bind.setSystemId(systemId);
            bind.setPassword(password);
            bind.setSystemType("");
            bind.setInterfaceVersion(SmppConstants.VERSION_3_4);
            bind.setSequenceNumber(0x7ffe0000);
            ctx.writeAndFlush(bind);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            bound = false;
            channel = null;
            retry();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof SubmitSmResp resp) {
                int id = resp.getSequenceNumber();
                if (id > 0 && id <= capacity) {
                    status.compareAndSet(id, UNANSWERED, resp.getCommandStatus());
                }
            } else if (msg instanceof BaseBindResp resp) {
                if (resp.getCommandStatus() == 0) {
                    bound = true;
                    binds.increment();
                } else {
                    ctx.close();
                }
            } else if (msg instanceof Unbind u) {
                bound = false;
                ctx.writeAndFlush(u.createResponse()).addListener(f -> ctx.close());
            } else if (msg instanceof PduRequest<?> req) {
                if (req.getCommandId() == SmppConstants.CMD_ID_DELIVER_SM) {
                    deliverSm.increment();
                }
                ctx.writeAndFlush(req.createResponse(), ctx.voidPromise());
            }
        }
    }
}
