package io.optoutgw.loadtest;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseBindResp;
import com.cloudhopper.smpp.pdu.BindTransceiver;
import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.pdu.EnquireLink;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.pdu.SubmitSm;
import com.cloudhopper.smpp.pdu.SubmitSmResp;
import com.cloudhopper.smpp.pdu.Unbind;
import com.cloudhopper.smpp.type.Address;
import com.cloudhopper.smpp.type.SmppInvalidArgumentException;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.optoutgw.codec.PduDecodeFailure;
import io.optoutgw.smpp.SmppPipeline;
import io.optoutgw.transport.Transports;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * ESME load generator on the project's own codec: N transceiver binds, a window of W submits per
 * bind, saturation (a new submit for every response) or a fixed rate (submits scheduled at their
 * intended send times; latency is measured from that time so queueing behind a full window is not
 * hidden). Every submit is a 160-character GSM-7 text asking for a receipt; deliver_sm (receipts
 * and MO) are answered and counted.
 */
public final class LoadGenerator implements AutoCloseable {

    /** First number of the suppression list; the list is LIST_BASE .. LIST_BASE + listSize - 1. */
    public static final long LIST_BASE = 12122000000L;
    /** Destinations not on the list: NON_LIST_BASE .. NON_LIST_BASE + 7,000,000. */
    static final long NON_LIST_BASE = 12123000000L;

    static final int NON_LIST_SIZE = 7_000_000;
    public static final String SHORT_CODE = "12345";
    static final byte[] TEXT = String.format(
                    "%-160.160s",
                    "Your one-time code is 482913. Do not share it with anyone."
                            + " Our staff will never ask for it. Reply HELP for help. Msg&data rates may apply. Thank you!")
            .getBytes(StandardCharsets.ISO_8859_1);

    /**
     * @param rate submits per second over all binds; 0 = saturation
     * @param listSize numbers on the suppression list (destinations drawn from it with {@code suppressedShare})
     */
    public record Options(
            String host,
            int port,
            String systemId,
            String password,
            int binds,
            int window,
            double rate,
            double suppressedShare,
            int listSize,
            boolean receipts,
            int ioThreads) {}

    private final Options options;
    private final EventLoopGroup group;
    private final List<GenSession> sessions = new ArrayList<>();
    final Recorder latency = new Recorder(3);
    final LongAdder sent = new LongAdder();
    final LongAdder responses = new LongAdder();
    final LongAdder ok = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder otherStatus = new LongAdder();
    /** submit_sm_resp statuses other than ESME_ROK and ESME_RINVDSTADR, by status, over the whole run. */
    final ConcurrentHashMap<Integer, LongAdder> otherByStatus = new ConcurrentHashMap<>();

    final LongAdder receipts = new LongAdder();
    final LongAdder mo = new LongAdder();
    final LongAdder lost = new LongAdder();
    private volatile boolean running;

    public LoadGenerator(Options options) {
        if (TEXT.length != 160) {
            throw new IllegalStateException("text must be 160 characters: " + TEXT.length);
        }
        this.options = options;
        this.group = Transports.group(options.ioThreads());
    }

    /** Connects and binds every session; returns once all are bound (or throws). */
    public void bindAll(long timeoutMillis) throws Exception {
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(Transports.clientChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        List<CompletableFuture<Void>> bound = new ArrayList<>();
        // at most this many binds outstanding, as a fleet of ESMEs connecting over time would be,
        // instead of thousands of binds queued behind the gateway's password checks at once
        Semaphore outstanding = new Semaphore(16);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (int i = 0; i < options.binds(); i++) {
            if (!outstanding.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new TimeoutException(i + " of " + options.binds() + " sessions bound in time");
            }
            GenSession s = new GenSession(i);
            s.bound.whenComplete((ok, error) -> outstanding.release());
            sessions.add(s);
            Bootstrap bi = b.clone().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    SmppPipeline.of(ch).codec(64 * 1024).session(s);
                }
            });
            ChannelFuture f = bi.connect(options.host(), options.port());
            bound.add(s.bound);
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    s.bound.completeExceptionally(done.cause());
                }
            });
        }
        CompletableFuture.allOf(bound.toArray(CompletableFuture[]::new))
                .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** Starts sending (every bound session). */
    public void start() {
        running = true;
        for (GenSession s : sessions) {
            s.channel.eventLoop().execute(s::startSending);
        }
    }

    /** Stops sending new submits; outstanding ones are still answered. */
    public void stopSending() {
        running = false;
    }

    public int outstanding() {
        int n = 0;
        for (GenSession s : sessions) {
            n += s.inflight;
        }
        return n;
    }

    /** The latency histogram since the previous call (nanoseconds). */
    public Histogram intervalHistogram() {
        return latency.getIntervalHistogram();
    }

    public Counters counters() {
        return new Counters(
                sent.sum(),
                responses.sum(),
                ok.sum(),
                refused.sum(),
                otherStatus.sum(),
                receipts.sum(),
                mo.sum(),
                lost.sum());
    }

    /** Cumulative counts. */
    public record Counters(
            long sent, long responses, long ok, long refused, long otherStatus, long receipts, long mo, long lost) {
        public Counters minus(Counters o) {
            return new Counters(
                    sent - o.sent,
                    responses - o.responses,
                    ok - o.ok,
                    refused - o.refused,
                    otherStatus - o.otherStatus,
                    receipts - o.receipts,
                    mo - o.mo,
                    lost - o.lost);
        }
    }

    @Override
    public void close() {
        running = false;
        unbindAndClose(sessions.stream().map(s -> s.channel).toList(), group);
    }

    /**
     * Ends a run's ESME connections: an unbind on each active one, 100 ms for them to go out, then
     * every channel closed and the event loops shut down. {@code channels} may hold nulls (sessions
     * not connected).
     */
    static void unbindAndClose(List<Channel> channels, EventLoopGroup group) {
        for (Channel ch : channels) {
            if (ch != null && ch.isActive()) {
                Unbind u = new Unbind();
                u.setSequenceNumber(0x7fff0000);
                ch.writeAndFlush(u);
            }
        }
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Channel ch : channels) {
            if (ch != null) {
                ch.close();
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private static Address address(byte ton, byte npi, String a) {
        return new Address(ton, npi, a);
    }

    /** One bind; everything runs on its channel's event loop. */
    private final class GenSession extends ChannelInboundHandlerAdapter {
        private static final int SLOTS = 4096; // power of two, >> window
        private final CompletableFuture<Void> bound = new CompletableFuture<>();
        private final int[] slotSeq = new int[SLOTS];
        private final long[] slotTime = new long[SLOTS];
        private final SplittableRandom random;
        private final long intervalNanos;
        private Channel channel;
        private ChannelHandlerContext ctx;
        private boolean isBound;
        private int inflight;
        private int nextSeq = 1;
        private long nextIntended;
        private boolean timerArmed;
        private boolean flushNeeded;

        GenSession(int index) {
            this.random = new SplittableRandom(0x5eed + index);
            this.intervalNanos = options.rate() > 0 ? (long) (1e9 * options.binds() / options.rate()) : 0;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            this.channel = ctx.channel();
            sendBind();
            ctx.fireChannelActive();
        }

        private void sendBind() {
            BindTransceiver bind = new BindTransceiver();
            bind.setSystemId(options.systemId());
            bind.setPassword(options.password());
            bind.setSystemType("");
            bind.setInterfaceVersion(SmppConstants.VERSION_3_4);
            bind.setSequenceNumber(nextSeq++);
            ctx.writeAndFlush(bind);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            bound.completeExceptionally(new IllegalStateException("connection closed before bind"));
            lost.add(inflight);
            inflight = 0;
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof SubmitSmResp resp) {
                onSubmitResp(resp);
            } else if (msg instanceof DeliverSm dsm) {
                if ((dsm.getEsmClass() & 0x3c) == 0x04) {
                    receipts.increment();
                } else {
                    mo.increment();
                }
                PduResponse r = dsm.createResponse();
                ctx.write(r, ctx.voidPromise());
                flushNeeded = true;
            } else if (msg instanceof EnquireLink el) {
                ctx.write(el.createResponse(), ctx.voidPromise());
                flushNeeded = true;
            } else if (msg instanceof BaseBindResp resp) {
                if (resp.getCommandStatus() == 0) {
                    isBound = true;
                    bound.complete(null);
                } else if (resp.getCommandStatus() == SmppConstants.STATUS_THROTTLED) {
                    // the gateway's password checks are busy (many binds at once): as an ESME
                    // would, bind again on the same connection after a pause
                    ctx.executor().schedule(this::sendBind, 20 + random.nextInt(80), TimeUnit.MILLISECONDS);
                } else {
                    bound.completeExceptionally(new IllegalStateException(
                            "bind refused with status 0x" + Integer.toHexString(resp.getCommandStatus())));
                    ctx.close();
                }
            } else if (msg instanceof PduRequest<?> req) {
                ctx.write(req.createResponse(), ctx.voidPromise());
                flushNeeded = true;
            } else if (msg instanceof PduDecodeFailure) {
                otherStatus.increment();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (running && isBound) {
                pump();
            }
            if (flushNeeded) {
                flushNeeded = false;
                ctx.flush();
            }
            ctx.fireChannelReadComplete();
        }

        private void onSubmitResp(SubmitSmResp resp) {
            int seq = resp.getSequenceNumber();
            int slot = seq & (SLOTS - 1);
            if (slotSeq[slot] != seq) {
                return; // unknown or already counted as lost
            }
            slotSeq[slot] = 0;
            inflight--;
            long now = System.nanoTime();
            latency.recordValue(Math.max(0, now - slotTime[slot]));
            responses.increment();
            int status = resp.getCommandStatus();
            if (status == 0) {
                ok.increment();
            } else if (status == SmppConstants.STATUS_INVDSTADR) {
                refused.increment();
            } else {
                otherStatus.increment();
                otherByStatus.computeIfAbsent(status, k -> new LongAdder()).increment();
            }
        }

        void startSending() {
            if (!isBound) {
                return;
            }
            nextIntended = System.nanoTime() + random.nextLong(Math.max(1, intervalNanos));
            pump();
            if (flushNeeded) {
                flushNeeded = false;
                ctx.flush();
            }
        }

        /** Sends what the window and (in fixed-rate mode) the schedule allow. */
        private void pump() {
            if (!running || !channel.isActive()) {
                return;
            }
            int window = options.window();
            if (intervalNanos == 0) {
                long now = System.nanoTime();
                while (inflight < window) {
                    send(now);
                }
                return;
            }
            long now = System.nanoTime();
            while (nextIntended <= now && inflight < window) {
                send(nextIntended);
                nextIntended += intervalNanos;
            }
            if (!timerArmed && inflight < window) {
                timerArmed = true;
                channel.eventLoop().schedule(this::tick, Math.max(0, nextIntended - now), TimeUnit.NANOSECONDS);
            }
        }

        private void tick() {
            timerArmed = false;
            pump();
            if (flushNeeded) {
                flushNeeded = false;
                ctx.flush();
            }
        }

        private void send(long intendedNanos) {
            int seq = nextSeq;
            nextSeq = seq >= 0x7ffe0000 ? 1 : seq + 1;
            int slot = seq & (SLOTS - 1);
            if (slotSeq[slot] != 0) {
                // a request 4096 sequence numbers old is still unanswered: count it as lost
                lost.increment();
                inflight--;
            }
            slotSeq[slot] = seq;
            slotTime[slot] = intendedNanos;
            inflight++;
            SubmitSm sm = new SubmitSm();
            sm.setSequenceNumber(seq);
            sm.setSourceAddress(address((byte) 3, (byte) 0, SHORT_CODE));
            long dest = options.listSize() > 0 && random.nextDouble() < options.suppressedShare()
                    ? LIST_BASE + random.nextInt(options.listSize())
                    : NON_LIST_BASE + random.nextInt(NON_LIST_SIZE);
            sm.setDestAddress(address((byte) 1, (byte) 1, Long.toString(dest)));
            sm.setDataCoding((byte) 0);
            sm.setRegisteredDelivery(options.receipts() ? (byte) 1 : (byte) 0);
            try {
                sm.setShortMessage(TEXT);
            } catch (SmppInvalidArgumentException e) {
                throw new IllegalStateException(e);
            }
            ctx.write(sm, ctx.voidPromise());
            flushNeeded = true;
            sent.increment();
        }
    }
}
