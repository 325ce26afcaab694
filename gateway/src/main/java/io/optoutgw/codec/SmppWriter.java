package io.optoutgw.codec;

import com.cloudhopper.smpp.pdu.Pdu;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.PromiseNotifier;

/**
 * Encodes outgoing PDUs into one buffer per flush and consolidates flushes: the responses and
 * requests a channel produces while its input is being read, or during one turn of its event loop,
 * leave in one buffer and one write to the socket.
 *
 * <p>Flushes are consolidated as Netty's {@code FlushConsolidationHandler(256, true)} does: while
 * a read is in progress they wait for its end; otherwise the first one schedules a flush at the
 * end of the loop turn; every 256th flush, and a buffer of 64 KiB, goes out at once. Unlike that
 * handler plus an encoder, the PDUs of one flush share one pooled buffer instead of one each.
 *
 * <p>One instance per channel, placed where bytes leave the pipeline (after TLS, if any, in
 * inbound order). Messages that are not PDUs pass through, after the PDUs written before them.
 */
public final class SmppWriter extends ChannelDuplexHandler {

    /** Flushes at the latest every this many flush calls. */
    static final int EXPLICIT_FLUSH_AFTER = 256;
    /** Writes the gathered PDUs out once they reach this size. */
    static final int MAX_PENDING_BYTES = 64 * 1024;
    private static final int INITIAL_BYTES = 512;

    private ChannelHandlerContext ctx;
    private ByteBuf pending;
    private ChannelPromise pendingPromise;
    private int flushPendingCount;
    private boolean readInProgress;
    private Future<?> nextScheduledFlush;
    private final Runnable flushTask = () -> {
        if (flushPendingCount > 0 && !readInProgress) {
            flushPendingCount = 0;
            nextScheduledFlush = null;
            writePending();
            ctx.flush();
        }
    };

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof Pdu pdu)) {
            writePending();
            ctx.write(msg, promise);
            return;
        }
        if (pending == null) {
            pending = ctx.alloc().ioBuffer(INITIAL_BYTES);
        }
        int start = pending.writerIndex();
        try {
            SmppEncoder.encodeTo(pdu, pending);
        } catch (RuntimeException e) {
            pending.writerIndex(start);
            promise.tryFailure(e);
            return;
        }
        if (!promise.isVoid()) {
            if (pendingPromise == null) {
                pendingPromise = ctx.newPromise();
            }
            pendingPromise.addListener(new PromiseNotifier<>(promise));
        }
        if (pending.readableBytes() >= MAX_PENDING_BYTES) {
            writePending();
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (readInProgress) {
            if (++flushPendingCount == EXPLICIT_FLUSH_AFTER) {
                flushNow();
            }
            return;
        }
        if (++flushPendingCount == EXPLICIT_FLUSH_AFTER) {
            flushNow();
        } else if (nextScheduledFlush == null) {
            // runs after this loop turn's I/O: whatever else is written meanwhile joins in
            nextScheduledFlush = ctx.channel().eventLoop().submit(flushTask);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readInProgress = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        resetReadAndFlushIfNeeded();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        resetReadAndFlushIfNeeded();
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        resetReadAndFlushIfNeeded();
        ctx.disconnect(promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        resetReadAndFlushIfNeeded();
        ctx.close(promise);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable()) {
            // the peer is slow: write what is gathered so that the channel's back-pressure sees it
            flushIfNeeded();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        flushIfNeeded();
        if (pending != null) {
            // written but never flushed, and the channel is going away
            pending.release();
            pending = null;
            if (pendingPromise != null) {
                pendingPromise.tryFailure(new IllegalStateException("channel closed before the PDUs were flushed"));
                pendingPromise = null;
            }
        }
    }

    private void resetReadAndFlushIfNeeded() {
        readInProgress = false;
        flushIfNeeded();
    }

    private void flushIfNeeded() {
        if (flushPendingCount > 0) {
            flushNow();
        }
    }

    private void flushNow() {
        if (nextScheduledFlush != null) {
            nextScheduledFlush.cancel(false);
            nextScheduledFlush = null;
        }
        flushPendingCount = 0;
        writePending();
        ctx.flush();
    }

    private void writePending() {
        if (pending == null) {
            return;
        }
        ByteBuf out = pending;
        ChannelPromise promise = pendingPromise;
        pending = null;
        pendingPromise = null;
        if (!out.isReadable()) {
            out.release();
            if (promise != null) {
                promise.trySuccess();
            }
            return;
        }
        ctx.write(out, promise != null ? promise : ctx.voidPromise());
    }
}
