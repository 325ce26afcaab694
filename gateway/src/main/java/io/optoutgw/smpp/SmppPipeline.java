package io.optoutgw.smpp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.optoutgw.codec.SmppDecoder;
import io.optoutgw.codec.SmppEncoder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The one way an SMPP connection's pipeline is built, on every side: the gateway's ESME
 * listeners, its binds to SMSCs, the SMSC simulator and the load generator. Steps are taken in
 * the pipeline's order, each optional but the codec and the session:
 * <pre>
 *   SmppPipeline.of(ch).tls(ssl).consolidateFlushes().readerIdle(idle).codec(maxFrameBytes)
 *           .metrics(pduMetrics).session(handler);
 * </pre>
 * Handlers get the names in {@link HandlerNames}.
 */
public final class SmppPipeline {

    private final ChannelPipeline pipeline;
    /** The last step taken, to keep the order above. */
    private int step;

    private SmppPipeline(ChannelPipeline pipeline) {
        this.pipeline = pipeline;
    }

    /** Starts the pipeline of {@code channel} (called from its initializer). */
    public static SmppPipeline of(Channel channel) {
        return new SmppPipeline(channel.pipeline());
    }

    /** TLS first, so that every handler after it reads and writes clear text; {@code null}: plain TCP. */
    public SmppPipeline tls(SslHandler ssl) {
        step(1);
        if (ssl != null) {
            pipeline.addLast(HandlerNames.TLS, ssl);
        }
        return this;
    }

    /**
     * Flushes of PDUs produced together (the responses to one read, the receipts of one timer tick)
     * leave in one syscall.
     */
    public SmppPipeline consolidateFlushes() {
        step(2);
        pipeline.addLast(HandlerNames.FLUSH, new FlushConsolidationHandler(256, true));
        return this;
    }

    /**
     * A peer that sends nothing for {@code idle} is announced to the session with an
     * {@code IdleStateEvent}, and the session probes it with enquire_link.
     */
    public SmppPipeline readerIdle(Duration idle) {
        step(3);
        pipeline.addLast(HandlerNames.IDLE, new IdleStateHandler(idle.toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        return this;
    }

    /**
     * The codec. Framing checks command_length against {@code maxFrameBytes} before anything is
     * allocated; a frame whose body does not decode reaches the session as a {@code PduDecodeFailure}.
     */
    public SmppPipeline codec(int maxFrameBytes) {
        step(4);
        pipeline.addLast(HandlerNames.DECODER, new SmppDecoder(maxFrameBytes))
                .addLast(HandlerNames.ENCODER, SmppEncoder.INSTANCE);
        return this;
    }

    /** Between codec and session, so that it counts PDUs both ways; {@code null}: no counting. */
    public SmppPipeline metrics(ChannelHandler pduMetrics) {
        step(5);
        if (pduMetrics != null) {
            pipeline.addLast(HandlerNames.METRICS, pduMetrics);
        }
        return this;
    }

    /** The session, last: it sees decoded PDUs and writes PDUs through the codec. */
    public void session(ChannelHandler session) {
        if (step < 4) {
            throw new IllegalStateException("the session goes after the codec");
        }
        step(6);
        pipeline.addLast(HandlerNames.SESSION, session);
    }

    private void step(int next) {
        if (next <= step) {
            throw new IllegalStateException("pipeline steps out of order: see SmppPipeline");
        }
        step = next;
    }
}
