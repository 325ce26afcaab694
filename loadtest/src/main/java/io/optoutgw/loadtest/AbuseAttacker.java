package io.optoutgw.loadtest;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.optoutgw.transport.Transports;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The attacking side of the abuse scenario, run as its own process (see {@link AbuseRun}): for
 * {@code seconds}, {@code connections} connections flood the SMPP port with PDUs before any bind
 * (enquire_link with random command_status, random command ids) and reconnect when closed,
 * wrong-password binds arrive at {@code bindRate} a second, and the HTTP port gets half-sent
 * requests and 32 MiB bodies. Sends only to 127.0.0.1 and stops by itself. Prints one line,
 * {@code attack <floodPdus> <floodReconnects> <badBinds> <halfOpen> <oversize> <answers...>}.
 */
final class AbuseAttacker {

    private final String account;
    private final String adminToken;
    private final int bindRate;
    private volatile boolean attacking = true;
    final LongAdder floodPdus = new LongAdder();
    final LongAdder floodReconnects = new LongAdder();
    final LongAdder badBinds = new LongAdder();
    final LongAdder halfOpen = new LongAdder();
    final LongAdder oversize = new LongAdder();
    final Map<String, Long> oversizeAnswers = new ConcurrentHashMap<>();

    AbuseAttacker(String account, String adminToken, int bindRate) {
        this.account = account;
        this.adminToken = adminToken;
        this.bindRate = bindRate;
    }

    /** Args: smppPort httpPort connections seconds bindRate account adminToken. */
    public static void main(String[] args) throws Exception {
        int smppPort = Integer.parseInt(args[0]);
        int httpPort = Integer.parseInt(args[1]);
        int connections = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        AbuseAttacker a = new AbuseAttacker(args[5], args[6], Integer.parseInt(args[4]));
        a.attack(smppPort, httpPort, connections, seconds);
        StringBuilder line = new StringBuilder("attack ")
                .append(a.floodPdus.sum())
                .append(' ')
                .append(a.floodReconnects.sum())
                .append(' ')
                .append(a.badBinds.sum())
                .append(' ')
                .append(a.halfOpen.sum())
                .append(' ')
                .append(a.oversize.sum());
        new TreeMap<>(a.oversizeAnswers)
                .forEach((k, v) ->
                        line.append(' ').append(k.replace(' ', '_')).append('=').append(v));
        System.out.println(line);
        System.out.flush();
        System.exit(0);
    }

    void attack(int smppPort, int httpPort, int connections, int seconds) throws InterruptedException {
        EventLoopGroup group = Transports.group(1);
        List<Thread> threads = new ArrayList<>();
        try {
            for (int i = 0; i < connections; i++) {
                flood(group, smppPort, i);
            }
            threads.add(thread("bad-binds", () -> badBinds(group, smppPort)));
            threads.add(thread("half-http", () -> halfSentHttp(httpPort)));
            threads.add(thread("oversize-http", () -> oversizeHttp(httpPort)));
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        } finally {
            attacking = false;
            for (Thread t : threads) {
                t.interrupt();
                t.join(10_000);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    private static Thread thread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** One connection that never binds and writes enquire_link with random status and random command ids. */
    private void flood(EventLoopGroup group, int port, int index) {
        if (!attacking) {
            return;
        }
        SplittableRandom random = new SplittableRandom(index);
        new Bootstrap()
                .group(group)
                .channel(Transports.clientChannel())
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
                .connect("127.0.0.1", port)
                .addListener(f -> {
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

    /** A new connection with a wrong-password bind_transceiver every 1/bindRate s. */
    private void badBinds(EventLoopGroup group, int port) {
        long interval = TimeUnit.SECONDS.toNanos(1) / bindRate;
        long next = System.nanoTime();
        byte[] sid = account.getBytes(StandardCharsets.US_ASCII);
        byte[] pw = "wrongpw".getBytes(StandardCharsets.US_ASCII);
        while (attacking && !Thread.currentThread().isInterrupted()) {
            new Bootstrap()
                    .group(group)
                    .channel(Transports.clientChannel())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            ByteBuf b = ctx.alloc().buffer();
                            int len = 16 + sid.length + 1 + pw.length + 1 + 1 + 1 + 1 + 1 + 1;
                            b.writeInt(len).writeInt(0x00000009).writeInt(0).writeInt(1);
                            b.writeBytes(sid)
                                    .writeByte(0)
                                    .writeBytes(pw)
                                    .writeByte(0)
                                    .writeByte(0) // system_type
                                    .writeByte(0x34)
                                    .writeByte(0)
                                    .writeByte(0)
                                    .writeByte(0);
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
                        if (s.getInputStream().available() > 0
                                || s.getInputStream().read() < 0) {
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
                        s.getOutputStream()
                                .write(("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
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
            open.forEach(AbuseAttacker::close);
        }
    }

    /** POSTs of 32 MiB bodies to the admin API, one after the other; counts the answers. */
    private void oversizeHttp(int port) {
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) 'x');
        long size = 32L * 1024 * 1024;
        while (attacking && !Thread.currentThread().isInterrupted()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /api/suppressions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                + "Authorization: Bearer " + adminToken + "\r\nContent-Length: " + size + "\r\n\r\n")
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
}
