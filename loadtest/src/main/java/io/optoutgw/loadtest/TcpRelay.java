package io.optoutgw.loadtest;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.optoutgw.testsupport.FreePorts;
import io.optoutgw.transport.Transports;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A proxy that does no work: bytes in from one side go out on the other, on the native transport
 * with as many event-loop threads as the gateway has. Run as a child process in the saturation
 * scenario, it shows what a second hop alone costs on the machine, so the gateway's ratio can be
 * read against the best any proxy could do there.
 *
 * <p>{@code java -cp loadtest.jar io.optoutgw.loadtest.TcpRelay LISTEN_PORT TARGET_PORT THREADS},
 * 127.0.0.1 only.
 */
public final class TcpRelay {

    private TcpRelay() {}

    public static void main(String[] args) throws Exception {
        int listen = Integer.parseInt(args[0]);
        int target = Integer.parseInt(args[1]);
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        EventLoopGroup boss = Transports.group(1);
        EventLoopGroup workers = Transports.group(threads);
        new ServerBootstrap()
                .group(boss, workers)
                .channel(Transports.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel inbound) {
                        inbound.pipeline().addLast(new Front(target));
                    }
                })
                .bind("127.0.0.1", listen)
                .sync()
                .channel()
                .closeFuture()
                .sync();
    }

    /** The client side: connects to the target on the same event loop, then forwards both ways. */
    private static final class Front extends Forward {
        private final int target;

        Front(int target) {
            super(null);
            this.target = target;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel inbound = ctx.channel();
            new Bootstrap()
                    .group(inbound.eventLoop())
                    .channel(Transports.clientChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new Forward(inbound))
                    .connect("127.0.0.1", target)
                    .addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess()) {
                            other = f.channel();
                            inbound.config().setAutoRead(true);
                        } else {
                            inbound.close();
                        }
                    });
        }
    }

    /** Writes what one side reads to the other, flushing once per read burst. */
    private static class Forward extends ChannelInboundHandlerAdapter {
        /** The other side; the front end's is set once its connection to the target is up. */
        Channel other;

        Forward(Channel other) {
            this.other = other;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            other.write(msg, other.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            other.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeOnFlush(other);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeOnFlush(ctx.channel());
        }
    }

    private static void closeOnFlush(Channel ch) {
        if (ch != null && ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The relay as a child process of the harness, stopped by its PID. */
    static final class Child implements AutoCloseable {
        final int port;
        private final Process process;

        private Child(int port, Process process) {
            this.port = port;
            this.process = process;
        }

        static Child start(int targetPort, int threads) throws Exception {
            int port = FreePorts.find();
            String javaBin =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String cp = System.getProperty("java.class.path");
            List<String> cmd = new ArrayList<>(List.of(
                    javaBin,
                    "-Xmx256m",
                    "-Dio.netty.leakDetection.level=disabled",
                    "-cp",
                    cp,
                    TcpRelay.class.getName(),
                    Integer.toString(port),
                    Integer.toString(targetPort),
                    Integer.toString(threads)));
            Process p = new ProcessBuilder(ChildProcesses.command(cmd))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            ChildProcesses.register(p);
            Child c = new Child(port, p);
            if (!ChildProcesses.awaitPort(p, port)) {
                c.close();
                throw new IllegalStateException("TCP relay did not start on port " + port);
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
