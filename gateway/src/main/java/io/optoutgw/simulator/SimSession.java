package io.optoutgw.simulator;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseBind;
import com.cloudhopper.smpp.pdu.BaseBindResp;
import com.cloudhopper.smpp.pdu.BaseSm;
import com.cloudhopper.smpp.pdu.BaseSmResp;
import com.cloudhopper.smpp.pdu.DeliverSm;
import com.cloudhopper.smpp.pdu.GenericNack;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.pdu.QuerySm;
import com.cloudhopper.smpp.pdu.QuerySmResp;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.optoutgw.codec.PduDecodeFailure;
import io.optoutgw.codec.Pdus;
import io.optoutgw.codec.SmppFramingException;
import io.optoutgw.codec.SubmitMulti;
import io.optoutgw.codec.SubmitMultiResp;
import io.optoutgw.smpp.BindType;
import io.optoutgw.smpp.DecodeFailures;
import io.optoutgw.transport.ConnectionErrors;
import java.nio.channels.ClosedChannelException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ESME connection to the simulator. Everything except {@link #send} runs on the channel's
 * event loop; the map of outstanding deliver_sm is confined to it.
 */
final class SimSession extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(SimSession.class);
    static final String SMSC_SYSTEM_ID = "smsc-sim";

    private final SmscSimulator sim;
    private final Map<Integer, Pending> pending = new HashMap<>();
    private Channel channel;
    private volatile BindType bindType;
    private volatile String systemId;
    private int nextSequence = 1;
    private boolean flushNeeded;

    private record Pending(CompletableFuture<Integer> future, ScheduledFuture<?> timer) {}

    SimSession(SmscSimulator sim) {
        this.sim = sim;
    }

    BindType bindType() {
        return bindType;
    }

    String systemId() {
        return systemId;
    }

    Channel channel() {
        return channel;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (bindType != null) {
            log.info("session {} ({}) closed", systemId, bindType);
        }
        sim.sessionClosed(this);
        List<Pending> left = new ArrayList<>(pending.values());
        pending.clear();
        for (Pending p : left) {
            p.timer().cancel(false);
            p.future().completeExceptionally(new ClosedChannelException());
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof PduDecodeFailure failure) {
            onDecodeFailure(ctx, failure);
        } else if (msg instanceof PduResponse response) {
            onResponse(response);
        } else if (msg instanceof PduRequest<?> request) {
            onRequest(ctx, request);
        } else {
            log.debug("ignoring {}", msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (flushNeeded) {
            flushNeeded = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String label = "connection " + ctx.channel().remoteAddress();
        if (cause instanceof SmppFramingException) {
            // the simulator serves tests that send broken frames on purpose
            log.debug("{} closed: {}", label, cause.getMessage());
        } else {
            ConnectionErrors.log(log, label, cause);
        }
        ctx.close();
    }

    // ---- requests from the ESME -------------------------------------------------------------

    private void onRequest(ChannelHandlerContext ctx, PduRequest<?> request) {
        int commandId = request.getCommandId();
        if (request instanceof BaseBind<?> bind) {
            onBind(ctx, bind);
            return;
        }
        if (commandId == SmppConstants.CMD_ID_UNBIND) {
            log.info("session {} unbinding", systemId);
            sim.sessionUnbound(this);
            bindType = null;
            ctx.writeAndFlush(request.createResponse()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        boolean isSubmit = commandId == SmppConstants.CMD_ID_SUBMIT_SM || commandId == SmppConstants.CMD_ID_DATA_SM;
        if (sim.isSilent()) {
            if (isSubmit && bindType != null && bindType.canTransmit()) {
                sim.recordSubmit(systemId, (BaseSm<?>) request, Instant.now());
            }
            log.debug("silent: not answering {} seq {}", request.getName(), request.getSequenceNumber());
            return;
        }
        if (commandId == SmppConstants.CMD_ID_ENQUIRE_LINK) {
            reply(ctx, request.createResponse());
            return;
        }
        if (bindType == null) {
            reply(ctx, withStatus(request.createResponse(), SmppConstants.STATUS_INVBNDSTS));
            return;
        }
        switch (commandId) {
            case SmppConstants.CMD_ID_SUBMIT_SM, SmppConstants.CMD_ID_DATA_SM -> onSubmit(ctx, (BaseSm<?>) request);
            case SmppConstants.CMD_ID_QUERY_SM -> {
                sim.recordByMessageId(request);
                QuerySm query = (QuerySm) request;
                QuerySmResp resp = query.createResponse();
                resp.setMessageId(query.getMessageId());
                resp.setFinalDate("");
                resp.setMessageState(DeliveryReceipts.STATE_DELIVERED);
                reply(ctx, resp);
            }
            case SmppConstants.CMD_ID_CANCEL_SM, SmppConstants.CMD_ID_REPLACE_SM -> {
                sim.recordByMessageId(request);
                reply(ctx, request.createResponse());
            }
            case SmppConstants.CMD_ID_SUBMIT_MULTI -> {
                SubmitMulti multi = (SubmitMulti) request;
                SubmitMultiResp resp = multi.createResponse();
                resp.setMessageId(sim.recordSubmitMulti(systemId, multi));
                reply(ctx, resp);
            }
            default -> reply(ctx, Pdus.genericNack(request.getSequenceNumber(), SmppConstants.STATUS_INVCMDID));
        }
    }

    private void onBind(ChannelHandlerContext ctx, BaseBind<?> bind) {
        BaseBindResp resp = (BaseBindResp) bind.createResponse();
        resp.setSystemId(SMSC_SYSTEM_ID);
        if (bindType != null) {
            reply(ctx, withStatus(resp, SmppConstants.STATUS_ALYBND));
            return;
        }
        int forced = sim.takeForcedBindStatus();
        if (forced != 0) {
            log.info(
                    "bind from {} answered with forced status 0x{}",
                    ctx.channel().remoteAddress(),
                    Integer.toHexString(forced));
            sim.bindFailed();
            reply(ctx, withStatus(resp, forced));
            return;
        }
        if (!sim.acceptsCredentials(bind.getSystemId(), bind.getPassword())) {
            log.info(
                    "bind rejected for system_id {} from {}",
                    bind.getSystemId(),
                    ctx.channel().remoteAddress());
            sim.bindFailed();
            reply(ctx, withStatus(resp, SmppConstants.STATUS_BINDFAIL));
            return;
        }
        systemId = bind.getSystemId();
        bindType = BindType.of(bind.getCommandId());
        log.info(
                "session {} bound as {} from {}",
                systemId,
                bindType,
                ctx.channel().remoteAddress());
        sim.sessionBound(this);
        reply(ctx, resp);
    }

    private void onSubmit(ChannelHandlerContext ctx, BaseSm<?> sm) {
        if (!bindType.canTransmit()) {
            reply(ctx, withStatus(sm.createResponse(), SmppConstants.STATUS_INVBNDSTS));
            return;
        }
        Instant received = Instant.now();
        String messageId = sim.recordSubmit(systemId, sm, received);
        BaseSmResp resp = (BaseSmResp) sm.createResponse();
        resp.setMessageId(messageId);
        boolean wantsReceipt = (sm.getRegisteredDelivery() & 0x01) != 0;
        long delayNanos = sim.nextResponseDelayNanos();
        if (delayNanos <= 0) {
            reply(ctx, resp);
            if (wantsReceipt) {
                sim.scheduleReceipt(this, sm, messageId, received);
            }
        } else {
            sim.delayLine(ctx.channel().eventLoop()).after(delayNanos, () -> {
                if (!ctx.channel().isActive()) {
                    return;
                }
                ctx.writeAndFlush(resp);
                if (wantsReceipt) {
                    sim.scheduleReceipt(this, sm, messageId, received);
                }
            });
        }
    }

    private void onDecodeFailure(ChannelHandlerContext ctx, PduDecodeFailure failure) {
        GenericNack nack = DecodeFailures.nack(failure);
        if (nack == null) {
            log.debug(
                    "undecodable response 0x{} seq {}: {}",
                    Integer.toHexString(failure.commandId()),
                    failure.sequenceNumber(),
                    failure.reason());
            return;
        }
        reply(ctx, nack);
    }

    // ---- deliver_sm sent by the simulator ----------------------------------------------------

    /** Sends {@code deliverSm} with a fresh sequence number; completes with the response status. */
    CompletableFuture<Integer> send(DeliverSm deliverSm) {
        CompletableFuture<Integer> future = new CompletableFuture<>();
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            doSend(deliverSm, future);
        } else {
            try {
                loop.execute(() -> doSend(deliverSm, future));
            } catch (RejectedExecutionException e) {
                future.completeExceptionally(e);
            }
        }
        return future;
    }

    private void doSend(DeliverSm deliverSm, CompletableFuture<Integer> future) {
        if (!channel.isActive() || bindType == null) {
            future.completeExceptionally(new IllegalStateException("session " + systemId + " is not bound"));
            return;
        }
        int sequence = nextSequence();
        deliverSm.setSequenceNumber(sequence);
        long timeoutMillis = sim.options().responseTimeout().toMillis();
        ScheduledFuture<?> timer = channel.eventLoop()
                .schedule(
                        () -> {
                            Pending p = pending.remove(sequence);
                            if (p != null) {
                                p.future()
                                        .completeExceptionally(new TimeoutException("no deliver_sm_resp for seq "
                                                + sequence + " within " + timeoutMillis + " ms"));
                            }
                        },
                        timeoutMillis,
                        TimeUnit.MILLISECONDS);
        pending.put(sequence, new Pending(future, timer));
        channel.writeAndFlush(deliverSm).addListener(written -> {
            if (!written.isSuccess()) {
                Pending p = pending.remove(sequence);
                if (p != null) {
                    p.timer().cancel(false);
                    p.future().completeExceptionally(written.cause());
                }
            }
        });
    }

    private void onResponse(PduResponse response) {
        int commandId = response.getCommandId();
        if (commandId != SmppConstants.CMD_ID_DELIVER_SM_RESP && !(response instanceof GenericNack)) {
            log.debug("ignoring {} seq {}", response.getName(), response.getSequenceNumber());
            return;
        }
        Pending p = pending.remove(response.getSequenceNumber());
        if (p == null) {
            log.debug("unexpected {} seq {}", response.getName(), response.getSequenceNumber());
            return;
        }
        p.timer().cancel(false);
        p.future().complete(response.getCommandStatus());
    }

    // ---- helpers -----------------------------------------------------------------------------

    private int nextSequence() {
        int s = nextSequence;
        nextSequence = s == Integer.MAX_VALUE ? 1 : s + 1;
        return s;
    }

    /** Writes on the read path; flushed once per read burst in channelReadComplete. */
    private void reply(ChannelHandlerContext ctx, PduResponse response) {
        ctx.write(response, ctx.voidPromise());
        flushNeeded = true;
    }

    private static PduResponse withStatus(PduResponse response, int status) {
        response.setCommandStatus(status);
        return response;
    }
}
