package io.optoutgw.metrics;

import com.cloudhopper.smpp.pdu.Pdu;
import io.micrometer.core.instrument.Counter;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts every PDU read and written on one side (esme or upstream) by command and status. Sits
 * between the codec and the session handler. Status values outside SMPP's 0x00-0xFF get the
 * bounded labels {@code vendor} (0x400-0x4FF) or {@code other}, so a peer cannot inflate the
 * number of series.
 */
@Sharable
public final class PduMetricsHandler extends ChannelDuplexHandler {

    private final GatewayMetrics metrics;
    private final String side;
    private final Map<Long, Counter> in = new ConcurrentHashMap<>();
    private final Map<Long, Counter> out = new ConcurrentHashMap<>();

    public PduMetricsHandler(GatewayMetrics metrics, String side) {
        this.metrics = metrics;
        this.side = side;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Pdu pdu) {
            count(in, "in", pdu);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof Pdu pdu) {
            count(out, "out", pdu);
        }
        ctx.write(msg, promise);
    }

    private void count(Map<Long, Counter> cache, String direction, Pdu pdu) {
        long key = ((long) pdu.getCommandId() << 32) | (pdu.getCommandStatus() & 0xFFFFFFFFL);
        Counter c = cache.get(key);
        if (c == null) {
            c = cache.computeIfAbsent(key, k -> metrics.counter(GatewayMeter.PDUS, side, direction,
                    pdu.getName(), statusLabel(pdu.getCommandStatus())));
        }
        c.increment();
    }

    static String statusLabel(int status) {
        if (status >= 0 && status <= 0xFF) {
            return String.format("0x%02X", status);
        }
        if (status >= 0x400 && status <= 0x4FF) {
            return "vendor";
        }
        return "other";
    }
}
