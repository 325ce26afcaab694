package io.optoutgw.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.optoutgw.config.HttpConfig;
import io.optoutgw.console.ConsoleAssets;
import io.optoutgw.transport.Transports;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP endpoints for operations: {@code /health} (alive), {@code /ready} (can enforce and relay),
 * {@code /metrics}, the admin API under {@code /api} ({@link AdminApi}) and the web console's
 * static files under {@code /ui/} ({@link ConsoleAssets}), which call that API. Requests are
 * aggregated (at most 64 KiB) except the CSV import, whose body is streamed.
 */
public final class HttpServer {

    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    private static final int MAX_REQUEST_BYTES = 64 * 1024;

    /** Readiness: {@code null} when ready, otherwise the reason it is not. */
    public interface Readiness {
        String notReadyReason();
    }

    private final HttpConfig config;
    private final Readiness readiness;
    private final Supplier<String> metrics;
    private final AdminApi api;
    private final ConsoleAssets console = new ConsoleAssets();
    private Channel serverChannel;
    /** Connections open now (capped at {@code http.maxConnections}). */
    private final AtomicInteger open = new AtomicInteger();

    public HttpServer(HttpConfig config, Readiness readiness, Supplier<String> metrics) {
        this(config, readiness, metrics, AdminApi.disabled());
    }

    public HttpServer(HttpConfig config, Readiness readiness, Supplier<String> metrics, AdminApi api) {
        this.config = config;
        this.readiness = readiness;
        this.metrics = metrics;
        this.api = api;
    }

    public int start(EventLoopGroup group) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(Transports.serverChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (open.incrementAndGet() > config.maxConnections()) {
                            open.decrementAndGet();
                            // debug only: a flood of refused connections must not flood the log
                            log.debug(
                                    "HTTP connection refused: {} open already (http.maxConnections)",
                                    config.maxConnections());
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        ch.pipeline()
                                .addLast("codec", new HttpServerCodec())
                                .addLast("timeouts", new HttpTimeouts(config.requestTimeout(), config.idleTimeout()))
                                .addLast("import", new ImportRouter(api))
                                // the token is checked from the headers, before any body is read
                                .addLast("auth", new ApiGate(api))
                                .addLast("aggregator", new ClosingAggregator(MAX_REQUEST_BYTES))
                                .addLast("handler", new Handler());
                    }
                });
        serverChannel = b.bind(config.host(), config.port()).sync().channel();
        int port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        log.info(
                "HTTP on {}:{} (/health, /ready, /metrics, admin API {}, web console on /ui/)",
                config.host(),
                port,
                api.enabled() ? "on /api" : "disabled");
        return port;
    }

    public void stop() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        api.close();
    }

    /**
     * Answers an oversize request 413 and closes the connection. Netty's aggregator keeps a
     * keep-alive connection open and reads the whole oversize body only to discard it: a client
     * sending 32 MiB bodies one after another would have the gateway read every byte.
     */
    private static final class ClosingAggregator extends HttpObjectAggregator {

        ClosingAggregator(int maxContentLength) {
            super(maxContentLength);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            FullHttpResponse tooLarge =
                    new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
            tooLarge.headers()
                    .set(HttpHeaderNames.CONTENT_LENGTH, 0)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(tooLarge).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (!request.decoderResult().isSuccess()) {
                // A request that did not arrive whole or well-formed (cut off mid-headers by a
                // close, a header over the size limit) is not served: it would otherwise render
                // /metrics, say, for a peer that has gone or that sent garbage.
                if (ctx.channel().isActive()) {
                    FullHttpResponse bad = json(HttpResponseStatus.BAD_REQUEST, "{\"error\":\"malformed request\"}");
                    HttpUtil.setKeepAlive(bad, false);
                    ctx.writeAndFlush(bad).addListener(ChannelFutureListener.CLOSE);
                }
                return;
            }
            String path = new QueryStringDecoder(request.uri()).path();
            if (AdminApi.isApiPath(path)) {
                api.handle(ctx, request);
                return;
            }
            if ("/simulator/mo".equals(path) && demoMo != null) {
                if (!demoMoAllowed(ctx.channel().remoteAddress(), request)) {
                    Responses.send(
                            ctx.channel(),
                            false,
                            json(
                                    HttpResponseStatus.FORBIDDEN,
                                    "{\"error\":\""
                                            + "/simulator/mo is accepted from this host only, or with the admin token\"}"));
                    return;
                }
                injectDemoMo(ctx, request);
                return;
            }
            FullHttpResponse response = ConsoleAssets.isConsolePath(path)
                    ? console.serve(request.method(), path)
                    : switch (path) {
                        case "/health" -> json(HttpResponseStatus.OK, "{\"status\":\"UP\"}");
                        case "/ready" -> {
                            String reason = readiness.notReadyReason();
                            yield reason == null
                                    ? json(HttpResponseStatus.OK, "{\"ready\":true}")
                                    : json(
                                            HttpResponseStatus.SERVICE_UNAVAILABLE,
                                            "{\"ready\":false,\"reason\":\"" + reason.replace("\"", "'") + "\"}");
                        }
                        case "/metrics" ->
                            text(HttpResponseStatus.OK, metrics.get(), "text/plain; version=0.0.4; charset=utf-8");
                        default ->
                            json(
                                    HttpResponseStatus.NOT_FOUND,
                                    "{\"error\":\"no such endpoint: " + path.replace("\"", "'") + "\"}");
                    };
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            var f = ctx.writeAndFlush(response);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * Demo only (the built-in simulator is on): {@code POST /simulator/mo?from=&to=&text=} makes the
     * simulator deliver an MO as if a person had texted, and answers with the status the gateway
     * gave the SMSC, so a newcomer can watch a STOP being recorded.
     */
    private void injectDemoMo(ChannelHandlerContext ctx, FullHttpRequest request) {
        // The answer says whether the connection stays open: closing a keep-alive connection
        // without "Connection: close" makes a client that reuses it read nothing.
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!HttpMethod.POST.equals(request.method())) {
            Responses.send(
                    ctx.channel(), keepAlive, json(HttpResponseStatus.METHOD_NOT_ALLOWED, "{\"error\":\"use POST\"}"));
            return;
        }
        Map<String, List<String>> q = new QueryStringDecoder(request.uri()).parameters();
        String from = first(q, "from");
        String to = first(q, "to");
        String text = first(q, "text");
        if (from == null || to == null || text == null) {
            Responses.send(
                    ctx.channel(),
                    keepAlive,
                    json(HttpResponseStatus.BAD_REQUEST, "{\"error\":\"from, to and text are required\"}"));
            return;
        }
        demoMo.inject(from, to, text).whenComplete((status, error) -> {
            FullHttpResponse r = error == null
                    ? json(HttpResponseStatus.OK, "{\"deliver_sm_resp\":\"" + String.format("0x%08X", status) + "\"}")
                    : json(
                            HttpResponseStatus.SERVICE_UNAVAILABLE,
                            "{\"error\":\"" + String.valueOf(error.getMessage()).replace("\"", "'") + "\"}");
            Responses.send(ctx.channel(), keepAlive, r);
        });
    }

    /** The demo MO hook: from a loopback address, or with the admin token (http.adminToken). */
    boolean demoMoAllowed(SocketAddress remote, HttpRequest request) {
        boolean loopback = remote instanceof InetSocketAddress isa
                && isa.getAddress() != null
                && isa.getAddress().isLoopbackAddress();
        return loopback || (api.enabled() && api.isAdminToken(request));
    }

    private static String first(Map<String, List<String>> q, String name) {
        List<String> v = q.get(name);
        return v == null || v.isEmpty() || v.get(0).isBlank() ? null : v.get(0);
    }

    /** Injects a mobile-originated message through the built-in simulator; completes with the deliver_sm_resp status. */
    public interface DemoMo {
        CompletionStage<Integer> inject(String from, String to, String text);
    }

    private volatile DemoMo demoMo;

    /** Enables {@code POST /simulator/mo} (only when the built-in simulator runs). */
    public void enableDemoMo(DemoMo hook) {
        this.demoMo = hook;
    }

    private static FullHttpResponse json(HttpResponseStatus status, String body) {
        return text(status, body, "application/json");
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body, String type) {
        FullHttpResponse r = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        return r;
    }
}
