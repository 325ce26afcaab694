package io.optoutgw.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits between the HTTP codec and the aggregator: takes {@code POST /api/suppressions/import} and
 * {@code PUT /api/lists/{name}} (a list load) with their body chunks out of the pipeline and streams them to an {@link ImportUpload}; every other
 * request goes on to be aggregated as before.
 */
final class ImportRouter extends ChannelInboundHandlerAdapter {

    private final AdminApi api;
    private ImportUpload upload;

    ImportRouter(AdminApi api) {
        this.api = api;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (upload == null && msg instanceof HttpRequest request && AdminApi.isStreamed(request)) {
            upload = api.beginImport(ctx, request);
        }
        if (upload == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (msg instanceof HttpContent content) {
                upload.content(content);
                if (content instanceof LastHttpContent) {
                    upload = null;
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (upload != null) {
            upload.clientGone();
            upload = null;
        }
        ctx.fireChannelInactive();
    }
}
