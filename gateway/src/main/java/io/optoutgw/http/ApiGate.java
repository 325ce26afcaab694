package io.optoutgw.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * Checks the token of an {@code /api} request (the admin token or an account's) from its headers,
 * before the aggregator reads its body: without a valid token the answer is 401 (503 when accounts'
 * tokens cannot be read) and the connection is closed, the body never read. Sits between the import router and the aggregator.
 */
final class ApiGate extends ChannelInboundHandlerAdapter {

    private final AdminApi api;
    private boolean refusing;

    ApiGate(AdminApi api) {
        this.api = api;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            refusing = false;
            AdminApi.Auth denied = request.decoderResult().isSuccess()
                            && AdminApi.isApiPath(new QueryStringDecoder(request.uri()).path())
                    ? api.authenticate(request)
                    : null;
            if (denied != null && denied.caller() == null) {
                refusing = true;
                ctx.channel().config().setAutoRead(false);
                FullHttpResponse r = Responses.error(denied.status(), denied.error());
                HttpUtil.setKeepAlive(r, false);
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            }
        }
        if (refusing && (msg instanceof HttpRequest || msg instanceof HttpContent)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
