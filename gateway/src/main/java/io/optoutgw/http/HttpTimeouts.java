package io.optoutgw.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes HTTP connections that hold resources without making progress: a request (from the
 * connection's opening, or from its first line on a kept-alive connection) must arrive whole
 * within {@code requestTimeout}; the streamed CSV import instead may not pause longer than
 * {@code idleTimeout} between chunks; and a connection waiting for its next request is closed
 * after {@code idleTimeout}. While a request is being answered no timer runs. Sits right after
 * the HTTP codec; confined to the channel's event loop.
 */
final class HttpTimeouts extends ChannelDuplexHandler {

    private final long requestNanos;
    private final long idleNanos;
    private ScheduledFuture<?> timer;
    /** Between a request's last byte and the end of its response. */
    private boolean answering;

    private boolean streamingImport;
    /** The timer running is the wait for the next request on a kept-alive connection. */
    private boolean idleTimerRunning;

    HttpTimeouts(Duration requestTimeout, Duration idleTimeout) {
        this.requestNanos = requestTimeout.toNanos();
        this.idleNanos = idleTimeout.toNanos();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm(ctx, requestNanos);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            answering = false;
            streamingImport = AdminApi.isImport(request);
            if (streamingImport) {
                arm(ctx, idleNanos);
            } else if (timer == null || idleTimerRunning) {
                arm(ctx, requestNanos);
            }
            idleTimerRunning = false;
        }
        if (msg instanceof HttpContent) {
            if (msg instanceof LastHttpContent) {
                cancel();
                answering = true;
            } else if (streamingImport) {
                arm(ctx, idleNanos);
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent) {
            // the response is complete: wait for the next request, but not forever
            ctx.write(msg, promise);
            if (answering) {
                answering = false;
                arm(ctx, idleNanos);
                idleTimerRunning = true;
            }
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    private void arm(ChannelHandlerContext ctx, long nanos) {
        cancel();
        timer = ctx.executor()
                .schedule(
                        () -> {
                            timer = null;
                            ctx.close();
                        },
                        nanos,
                        TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
