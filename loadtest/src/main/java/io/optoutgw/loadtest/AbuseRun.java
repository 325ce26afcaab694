package io.optoutgw.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.optoutgw.simulator.SimulatorOptions;
import io.optoutgw.simulator.SmscSimulator;
import io.optoutgw.transport.Transports;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * The abuse scenario: one honest ESME sends at a fixed rate while {@code connections} connections
 * flood the gateway with PDUs before any bind (enquire_link with random command_status, random
 * command ids), wrong-password binds arrive at the gateway's bind rate, and the HTTP port gets
 * half-sent requests and oversize bodies. Reported: the honest ESME's p99 and errors unloaded and
 * under attack (same run), and the gateway's heap after GC before and after the attack. Targets:
 * heap within +20 MiB, p99 within 2x the unloaded value, no honest error.
 */
final class AbuseRun {

    /** Bind attempts per second the gateway allows (smpp.bindRate) and the wrong-password binds sent. */
    static final int BIND_RATE = 100;

    record Options(int seconds, double rate, int connections, int unloadedSeconds, Path gatewayJar, String heap,
                   Path work) {
    }

    record Result(double unloadedP99Ms, long unloadedErrors, double attackP99Ms, long attackErrors, long honestSent,
                  double heapBeforeMiB, double heapAfterMiB, long floodPdus, long floodReconnects, long badBinds,
                  long halfOpenHttp, long oversizeBodies, Map<String, Long> oversizeAnswers,
                  boolean heapTargetMet, boolean p99TargetMet, boolean errorsTargetMet) {
    }

    private final Options o;
    private final PrintStream out;
    private volatile boolean attacking;
    private final LongAdder floodPdus = new LongAdder();
    private final LongAdder floodReconnects = new LongAdder();
    private final LongAdder badBinds = new LongAdder();
    private final LongAdder halfOpen = new LongAdder();
    private final LongAdder oversize = new LongAdder();
    private final Map<String, Long> oversizeAnswers = new java.util.concurrent.ConcurrentHashMap<>();

    AbuseRun(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    Result run() throws Exception {
        Files.createDirectories(o.work());
        try (RedisProcess redis = RedisProcess.start(o.work().resolve("redis"), GatewayProcess.freePort());
             SmscSimulator sim = new SmscSimulator(SimulatorOptions.builder().recordLimit(0).ioThreads(1).build()).start();
             GatewayNode gw = new GatewayNode("gw-abuse", o.work().resolve("gw"), o.gatewayJar(), o.heap())) {
            gw.start(redis.uri(), sim.port(), ", maxConnectionsPerIp: " + (o.connections() + 100) + ", bindRate: " + BIND_RATE);
            LoadGenerator.Options honest = new LoadGenerator.Options("127.0.0.1", gw.smppPort, GatewayNode.ACCOUNT,
                    GatewayNode.PASSWORD, 1, 32, o.rate(), 0.0, 0, false, 1);
            try (LoadGenerator gen = new LoadGenerator(honest)) {
                gen.bindAll(30_000);
                gen.start();
                Thread.sleep(3_000); // warm-up
                gen.intervalHistogram();
                LoadGenerator.Counters c0 = gen.counters();
                Thread.sleep(TimeUnit.SECONDS.toMillis(o.unloadedSeconds()));
                Histogram unloaded = gen.intervalHistogram();
                LoadGenerator.Counters c1 = gen.counters();
                LoadGenerator.Counters u = c1.minus(c0);
                long unloadedErrors = u.refused() + u.otherStatus() + u.lost(); // in-flight ones are not errors
                double heapBefore = heapAfterGcMiB(gw);
                out.printf(Locale.ROOT, "unloaded: p99 %.2f ms, %d errors; gateway heap after GC %.1f MiB%n",
                        ms(unloaded, 99), unloadedErrors, heapBefore);

                gen.intervalHistogram();
                LoadGenerator.Counters a0 = gen.counters();
                attacking = true;
                EventLoopGroup group = Transports.group(1);
                List<Thread> threads = new ArrayList<>();
                try {
                    for (int i = 0; i < o.connections(); i++) {
                        flood(group, gw.smppPort, i);
                    }
                    threads.add(thread("bad-binds", () -> badBinds(group, gw.smppPort)));
                    threads.add(thread("half-http", () -> halfSentHttp(gw.httpPort)));
                    threads.add(thread("oversize-http", () -> oversizeHttp(gw.httpPort)));
                    Thread.sleep(TimeUnit.SECONDS.toMillis(o.seconds()));
                } finally {
                    attacking = false;
                    for (Thread t : threads) {
                        t.interrupt();
                        t.join(10_000);
                    }
                    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
                }
                Histogram attack = gen.intervalHistogram();
                LoadGenerator.Counters a1 = gen.counters();
                gen.stopSending();
                Thread.sleep(2_000);
                long attackErrors = errors(gen.counters().minus(a0));
                double heapAfter = heapAfterGcMiB(gw);
                double p0 = ms(unloaded, 99);
                double p1 = ms(attack, 99);
                return new Result(p0, unloadedErrors, p1, attackErrors, a1.sent() - a0.sent(), heapBefore, heapAfter,
                        floodPdus.sum(), floodReconnects.sum(), badBinds.sum(), halfOpen.sum(), oversize.sum(),
                        new java.util.TreeMap<>(oversizeAnswers),
                        heapBefore >= 0 && heapAfter >= 0 && heapAfter - heapBefore <= 20, p1 <= 2 * p0, attackErrors == 0);
            }
        }
    }

    /** Responses other than ESME_ROK plus submits never answered. */
    private static long errors(LoadGenerator.Counters c) {
        return c.refused() + c.otherStatus() + c.lost() + Math.max(0, c.sent() - c.responses());
    }

    private static double ms(Histogram h, double pct) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(pct) / 1e6;
    }

    private static Thread thread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Heap after a full GC in the gateway (jcmd GC.run, then the live-data gauge), MiB; -1 if unread. */
    static double heapAfterGcMiB(GatewayNode gw) throws InterruptedException {
        String before = gw.metrics();
        for (int i = 0; before == null && i < 20; i++) {
            Thread.sleep(500); // the HTTP port may still be busy with what the attack left behind
            before = gw.metrics();
        }
        if (before == null) {
            return -1;
        }
        double fullGcs = GatewayProcess.majorGcCount(before);
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(gw.pid()), "GC.run").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            return -1;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String now = gw.metrics();
            if (now != null && GatewayProcess.majorGcCount(now) > fullGcs) {
                double live = GatewayProcess.gauge(now, "jvm_gc_live_data_size_bytes");
                return live < 0 ? -1 : live / (1024.0 * 1024.0);
            }
            Thread.sleep(100);
        }
        return -1;
    }

    /** One connection that never binds and writes enquire_link with random status and random command ids. */
    private void flood(EventLoopGroup group, int port, int index) {
        if (!attacking) {
            return;
        }
        SplittableRandom random = new SplittableRandom(index);
        new Bootstrap().group(group).channel(Transports.clientChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        burst(ctx.channel(), random);
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        floodReconnects.increment();
                        if (!attacking) {
                            return;
                        }
                        ctx.channel().eventLoop().schedule(() -> flood(group, port, index), 100, TimeUnit.MILLISECONDS);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }
                })
                .connect("127.0.0.1", port).addListener(f -> {
                    if (!f.isSuccess() && attacking) {
                        group.schedule(() -> flood(group, port, index), 200, TimeUnit.MILLISECONDS);
                    }
                });
    }

    /** Up to 20 PDUs every 10 ms while the socket takes them. */
    private void burst(Channel ch, SplittableRandom random) {
        if (!attacking || !ch.isActive()) {
            ch.close();
            return;
        }
        for (int i = 0; i < 20 && ch.isWritable(); i++) {
            ByteBuf b = ch.alloc().buffer(16);
            int id = random.nextInt(4) == 0 ? random.nextInt() : 0x00000015; // enquire_link, or any id
            b.writeInt(16).writeInt(id).writeInt(random.nextInt()).writeInt(random.nextInt(1, 0x7fffffff));
            ch.write(b, ch.voidPromise());
            floodPdus.increment();
        }
        ch.flush();
        ch.eventLoop().schedule(() -> burst(ch, random), 10, TimeUnit.MILLISECONDS);
    }

    /** A new connection with a wrong-password bind_transceiver every 1/BIND_RATE s. */
    private void badBinds(EventLoopGroup group, int port) {
        long interval = TimeUnit.SECONDS.toNanos(1) / BIND_RATE;
        long next = System.nanoTime();
        byte[] sid = GatewayNode.ACCOUNT.getBytes(StandardCharsets.US_ASCII);
        byte[] pw = "wrongpw".getBytes(StandardCharsets.US_ASCII);
        while (attacking && !Thread.currentThread().isInterrupted()) {
            new Bootstrap().group(group).channel(Transports.clientChannel())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            ByteBuf b = ctx.alloc().buffer();
                            int len = 16 + sid.length + 1 + pw.length + 1 + 1 + 1 + 1 + 1 + 1;
                            b.writeInt(len).writeInt(0x00000009).writeInt(0).writeInt(1);
                            b.writeBytes(sid).writeByte(0).writeBytes(pw).writeByte(0).writeByte(0) // system_type
                                    .writeByte(0x34).writeByte(0).writeByte(0).writeByte(0);
                            ctx.writeAndFlush(b);
                            badBinds.increment();
                            ctx.channel().eventLoop().schedule(() -> ctx.close(), 2, TimeUnit.SECONDS);
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ReferenceCountUtil.release(msg);
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            ctx.close();
                        }
                    })
                    .connect("127.0.0.1", port);
            next += interval;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(sleep);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Keeps 50 HTTP requests open without their final empty line, opening a new one as one closes. */
    private void halfSentHttp(int port) {
        List<Socket> open = new ArrayList<>();
        try {
            while (attacking && !Thread.currentThread().isInterrupted()) {
                open.removeIf(Socket::isClosed);
                for (Socket s : new ArrayList<>(open)) {
                    try {
                        if (s.getInputStream().available() > 0 || s.getInputStream().read() < 0) {
                            s.close();
                        }
                    } catch (IOException closed) {
                        close(s);
                    }
                }
                open.removeIf(Socket::isClosed);
                while (open.size() < 50) {
                    Socket s = new Socket();
                    try {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
                        s.setSoTimeout(1);
                        s.getOutputStream().write(("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                                .getBytes(StandardCharsets.US_ASCII));
                        s.getOutputStream().flush();
                        open.add(s);
                        halfOpen.increment();
                    } catch (IOException e) {
                        close(s);
                        break;
                    }
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            // over
        } finally {
            open.forEach(AbuseRun::close);
        }
    }

    /** POSTs of 32 MiB bodies to the admin API, one after the other; counts the answers. */
    private void oversizeHttp(int port) {
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'x');
        long size = 32L * 1024 * 1024;
        while (attacking && !Thread.currentThread().isInterrupted()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /api/suppressions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Authorization: Bearer " + GatewayNode.ADMIN_TOKEN + "\r\nContent-Length: " + size + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                oversize.increment();
                String answer = "none";
                try {
                    for (long sent = 0; sent < size && attacking; sent += chunk.length) {
                        out.write(chunk);
                    }
                    out.flush();
                } catch (IOException e) {
                    answer = "closed while sending";
                }
                try {
                    InputStream in = s.getInputStream();
                    byte[] head = new byte[12];
                    int n = in.readNBytes(head, 0, head.length);
                    if (n >= 12) {
                        answer = "HTTP " + new String(head, 9, 3, StandardCharsets.US_ASCII);
                    }
                } catch (IOException e) {
                    answer = answer.equals("none") ? "no answer" : answer;
                }
                oversizeAnswers.merge(answer, 1L, Long::sum);
            } catch (IOException e) {
                oversizeAnswers.merge("connect failed", 1L, Long::sum);
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    static String summary(Options o, Result r) {
        return String.format(Locale.ROOT, """
                abuse: %d s, %d connections flooding pre-bind PDUs, wrong-password binds at %d/s, half-sent HTTP requests and %s
                  honest ESME at %.0f/s: p99 %.2f ms unloaded (%d errors) -> %.2f ms under attack (%d errors, %d sent)   [target p99 <= 2x: %s, no errors: %s]
                  gateway heap after GC: %.1f MiB before -> %.1f MiB after   [target <= +20 MiB: %s]
                  attack: %d pre-bind PDUs, %d flood reconnects, %d bad binds, %d half-sent HTTP requests, %d oversize bodies %s
                """, o.seconds(), o.connections(), BIND_RATE, "32 MiB bodies", o.rate(), r.unloadedP99Ms(), r.unloadedErrors(),
                r.attackP99Ms(), r.attackErrors(), r.honestSent(), met(r.p99TargetMet()), met(r.errorsTargetMet()),
                r.heapBeforeMiB(), r.heapAfterMiB(), met(r.heapTargetMet()), r.floodPdus(), r.floodReconnects(),
                r.badBinds(), r.halfOpenHttp(), r.oversizeBodies(), r.oversizeAnswers());
    }

    private static String met(boolean ok) {
        return ok ? "met" : "MISSED";
    }

    static void write(Path dir, Options o, Result r) throws Exception {
        Files.createDirectories(dir);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("when", Instant.now().toString());
        m.put("options", Map.of("seconds", o.seconds(), "rate", o.rate(), "connections", o.connections(),
                "unloadedSeconds", o.unloadedSeconds(), "heap", o.heap(), "cores", Runtime.getRuntime().availableProcessors()));
        m.put("result", r);
        Files.writeString(dir.resolve("abuse-latest.json"),
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
        Files.writeString(dir.resolve("abuse-latest.txt"), summary(o, r));
    }
}
