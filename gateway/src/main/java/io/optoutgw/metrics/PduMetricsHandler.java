package io.optoutgw.metrics;

import com.cloudhopper.smpp.pdu.Pdu;
import io.micrometer.core.instrument.Counter;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Counts every PDU read and written on one side (esme or upstream) by command and status. Sits
 * between the codec and the session handler. Status values outside SMPP's 0x00-0xFF get the
 * bounded labels {@code vendor} (0x400-0x4FF) or {@code other}, so a peer cannot inflate the
 * number of series; the counter cache is keyed on that label too, so it stays as small as the
 * number of series whatever statuses a peer sends.
 */
@Sharable
public final class PduMetricsHandler extends ChannelDuplexHandler {

    private final GatewayMetrics metrics;
    private final String side;
    private final Map<Long, Counter> in = new ConcurrentHashMap<>();
    private final Map<Long, Counter> out = new ConcurrentHashMap<>();
    /** Status 0 counters by {@link #okSlot}, so that the common case boxes no key. */
    private final AtomicReferenceArray<Counter> inOk = new AtomicReferenceArray<>(512);

    private final AtomicReferenceArray<Counter> outOk = new AtomicReferenceArray<>(512);

    public PduMetricsHandler(GatewayMetrics metrics, String side) {
        this.metrics = metrics;
        this.side = side;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Pdu pdu) {
            count(in, inOk, "in", pdu);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof Pdu pdu) {
            count(out, outOk, "out", pdu);
        }
        ctx.write(msg, promise);
    }

    private void count(Map<Long, Counter> cache, AtomicReferenceArray<Counter> ok, String direction, Pdu pdu) {
        int slot = pdu.getCommandStatus() == 0 ? okSlot(pdu.getCommandId()) : -1;
        Counter c = slot >= 0 ? ok.get(slot) : null;
        if (c == null) {
            // keyed on the bounded label, never on the raw status: the peer chooses the status,
            // even before it binds (enquire_link)
            long key = ((long) pdu.getCommandId() << 32) | statusIndex(pdu.getCommandStatus());
            c = cache.computeIfAbsent(
                    key,
                    k -> metrics.counter(
                            GatewayMeter.PDUS, side, direction, pdu.getName(), statusLabel(pdu.getCommandStatus())));
            if (slot >= 0) {
                ok.set(slot, c);
            }
        }
        c.increment();
    }

    /** Counters held in the cache (both directions); for tests. */
    int cachedCounters() {
        return in.size() + out.size();
    }

    /** 0-255 for requests 0x000000nn, 256-511 for responses 0x800000nn, -1 for any other command id. */
    static int okSlot(int commandId) {
        return (commandId & 0x7FFFFF00) != 0 ? -1 : (commandId < 0 ? 256 : 0) | (commandId & 0xFF);
    }

    /** 0-255 for the status itself, 256 for {@code vendor}, 257 for {@code other}: one per label. */
    static int statusIndex(int status) {
        if (status >= 0 && status <= 0xFF) {
            return status;
        }
        return status >= 0x400 && status <= 0x4FF ? 256 : 257;
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
