package io.optoutgw.esme;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseBind;
import com.cloudhopper.smpp.pdu.BaseBindResp;
import com.cloudhopper.smpp.pdu.Pdu;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.pdu.Unbind;
import com.cloudhopper.smpp.pdu.UnbindResp;
import com.cloudhopper.smpp.tlv.Tlv;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;
import io.optoutgw.codec.PduDecodeFailure;
import io.optoutgw.codec.Pdus;
import io.optoutgw.config.SmppServerConfig;
import io.optoutgw.metrics.LogLimiter;
import io.optoutgw.smpp.BindType;
import io.optoutgw.smpp.DecodeFailures;
import io.optoutgw.smpp.KeepAlive;
import io.optoutgw.smpp.LoopSweep;
import io.optoutgw.smpp.RequestWindow;
import io.optoutgw.transport.ConnectionErrors;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ESME connection, with the gateway acting as the SMSC: bind state, authentication,
 * enquire_link, window and rate limits, unbind with draining, and the deliver_sm the gateway
 * sends to the ESME. All state is confined to the channel's event loop; the methods other
 * threads call ({@link #respond}, {@link #deliver}) hop onto it.
 */
public final class EsmeSession extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(EsmeSession.class);
    private static final int CMD_ID_ALERT_NOTIFICATION = 0x00000102;
    /** Window for the gateway's own requests before the bind says how large the account's is. */
    private static final int UNBOUND_WINDOW = 4;
    /** How long a peer gets to read our final response (failed bind, unbind_resp) before we close. */
    private static final long CLOSE_GRACE_MILLIS = 500;
    /** Pause between the last drained response and a gateway-initiated unbind. */
    private static final long UNBIND_AFTER_DRAIN_MILLIS = 200;
    /** interface_version 3.4 (SMPP 3.4 section 5.2.4), announced in bind responses. */
    private static final byte INTERFACE_VERSION_34 = 0x34;
    /** At most one line a second, over all sessions, for undecodable PDUs and pre-bind closes. */
    private static final LogLimiter UNDECODABLE_LOG = new LogLimiter(Duration.ofSeconds(1));

    private static final LogLimiter PRE_BIND_LOG = new LogLimiter(Duration.ofSeconds(1));
    private static final LogLimiter THROTTLED_BIND_LOG = new LogLimiter(Duration.ofSeconds(1));

    private final SmppServerConfig config;
    private final AccountRegistry accounts;
    private final EsmeTraffic traffic;
    private final String gatewaySystemId;
    private final long relayTimeoutNanos;
    private final int connectionId;
    private final BindGuard bindGuard;
    private final Executor passwordChecks;

    private Channel channel;
    private String label;
    private volatile SessionState state = SessionState.OPEN;
    private volatile BindType bindType;
    private Account account;
    private volatile RequestWindow outbound;
    /**
     * deliver_sm waiting for a slot in the window, oldest first, at most one window's worth
     * (loop-confined). A burst of receipts or MO then waits a moment instead of being bounced
     * back to the SMSC with ESME_RX_T_APPN, which SMSCs retry only minutes later.
     */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();

    private volatile int waitingCount;
    private volatile int inFlight;
    /** Requests relayed for this ESME and not answered yet, by its sequence number (loop-confined). */
    private final IntObjectHashMap<PduRequest<?>> awaiting = new IntObjectHashMap<>();

    private int unbindSequence;
    /** The ESME's unbind awaits its unbind_resp (whatever its sequence number, 0 included). */
    private boolean unbindPending;

    private boolean gatewayUnbind;
    private boolean bindFailed;
    /** Requests received while not bound (loop-confined); see {@link #withinPreBindBudget}. */
    private int preBindPdus;

    private boolean preBindClosed;
    /** A bind's password is being checked on {@link #passwordChecks}. */
    private boolean bindChecking;

    private ScheduledFuture<?> bindTimeout;
    /** This session's place in its loop's timeout sweep (every {@link LoopSweep#PERIOD_MILLIS} ms). */
    private LoopSweep.Membership sweep;

    private ScheduledFuture<?> drainTimeout;

    public EsmeSession(
            SmppServerConfig config,
            AccountRegistry accounts,
            EsmeTraffic traffic,
            String gatewaySystemId,
            long relayTimeoutNanos,
            int connectionId) {
        this(config, accounts, traffic, gatewaySystemId, relayTimeoutNanos, connectionId, null, null);
    }

    /**
     * @param bindGuard      connection, rate and lockout limits; {@code null} for none
     * @param passwordChecks where bind passwords are checked (see {@link PasswordChecks});
     *                       {@code null} checks them on the calling thread (tests)
     */
    public EsmeSession(
            SmppServerConfig config,
            AccountRegistry accounts,
            EsmeTraffic traffic,
            String gatewaySystemId,
            long relayTimeoutNanos,
            int connectionId,
            BindGuard bindGuard,
            Executor passwordChecks) {
        this.bindGuard = bindGuard;
        this.passwordChecks = passwordChecks == null ? Runnable::run : passwordChecks;
        this.config = config;
        this.accounts = accounts;
        this.traffic = traffic;
        this.gatewaySystemId = gatewaySystemId;
        this.relayTimeoutNanos = relayTimeoutNanos;
        this.connectionId = connectionId;
    }

    // ---- what other components may ask ----

    /** Log prefix, e.g. {@code [esme=acme#3 10.0.0.5:51234]}. */
    public String label() {
        return label;
    }

    public Account account() {
        return account;
    }

    /** The event loop this session's state is confined to. */
    public EventLoop executor() {
        return channel.eventLoop();
    }

    /** Requests from this ESME awaiting an answer. */
    public int inFlight() {
        return inFlight;
    }

    /** deliver_sm waiting for a free slot in this session's window. */
    public int deliveriesWaiting() {
        return waitingCount;
    }

    public SessionState state() {
        return state;
    }

    public BindType bindType() {
        return bindType;
    }

    /**
     * Free slots of the window for requests to this ESME, less the deliveries already waiting for
     * one; read from any thread, so approximate.
     */
    public int deliverRoom() {
        RequestWindow w = outbound;
        return w == null ? 0 : w.capacity() - w.size() - waitingCount;
    }

    /** Whether the calling thread is this session's event loop. */
    public boolean onThisLoop() {
        return channel.eventLoop().inEventLoop();
    }

    /** Whether this session is bound to receive deliver_sm and its channel can take more. */
    public boolean canReceive() {
        BindType t = bindType;
        return state == SessionState.BOUND && t != null && t.canReceive() && channel.isWritable();
    }

    /**
     * Sends the response to a request this ESME made, restoring its sequence number. Safe from
     * any thread.
     */
    public void respond(PduResponse response, int originalSequence) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> respond(response, originalSequence));
            return;
        }
        if (awaiting.remove(originalSequence) == null) {
            return; // already failed at an unbind's drain timeout: this late answer is dropped
        }
        inFlight = awaiting.size();
        if (state == SessionState.CLOSED) {
            return;
        }
        response.setSequenceNumber(originalSequence);
        channel.writeAndFlush(response, channel.voidPromise());
        if (state == SessionState.UNBINDING && inFlight == 0) {
            finishUnbind();
        }
    }

    /**
     * Sends a request (deliver_sm, data_sm) to this ESME; {@code callback} learns its response or
     * why there is none. Safe from any thread.
     */
    public void deliver(PduRequest<?> request, RequestWindow.Callback callback) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> deliver(request, callback));
            return;
        }
        if (!canReceive()) {
            callback.onFailure(RequestWindow.Failure.REFUSED);
            return;
        }
        if (waiting.isEmpty() && outbound.hasRoom()) {
            send(request, callback, relayTimeoutNanos);
            return;
        }
        if (waiting.size() >= outbound.capacity()) {
            callback.onFailure(RequestWindow.Failure.REFUSED);
            return;
        }
        // the window is full: wait for a slot, within the same relay timeout as a sent request
        waiting.add(new Waiting(request, callback, System.nanoTime() + relayTimeoutNanos));
        waitingCount = waiting.size();
    }

    private record Waiting(PduRequest<?> request, RequestWindow.Callback callback, long deadlineNanos) {}

    private void send(PduRequest<?> request, RequestWindow.Callback callback, long timeoutNanos) {
        int seq = outbound.nextSequence();
        request.setSequenceNumber(seq);
        outbound.add(seq, timeoutNanos, callback);
        channel.writeAndFlush(request, channel.voidPromise());
    }

    /**
     * Sends waiting deliveries while the window has room, in order; those past their deadline
     * expire, and all of them are refused once the session no longer receives (unbinding).
     */
    private void sendWaiting() {
        if (waiting.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        while (!waiting.isEmpty()) {
            Waiting w = waiting.peek();
            long left = w.deadlineNanos() - now;
            if (left <= 0 || state != SessionState.BOUND) {
                waiting.poll();
                w.callback().onFailure(left <= 0 ? RequestWindow.Failure.EXPIRED : RequestWindow.Failure.REFUSED);
                continue;
            }
            if (!outbound.hasRoom() || !channel.isWritable()) {
                break;
            }
            waiting.poll();
            send(w.request(), w.callback(), left);
        }
        waitingCount = waiting.size();
    }

    private void failWaiting(RequestWindow.Failure failure) {
        Waiting w;
        while ((w = waiting.poll()) != null) {
            w.callback().onFailure(failure);
        }
        waitingCount = 0;
    }

    /**
     * Starts a graceful unbind initiated by the gateway (shutdown): new requests are refused,
     * those in flight drain (bounded by {@code smpp.unbindDrainTimeout}), then the gateway sends
     * unbind and closes when the ESME answers. Safe from any thread.
     */
    public void unbindFromGateway() {
        channel.eventLoop().execute(() -> {
            if (state == SessionState.OPEN) {
                channel.close();
                return;
            }
            if (state != SessionState.BOUND) {
                return;
            }
            state = SessionState.UNBINDING;
            gatewayUnbind = true;
            if (inFlight == 0) {
                finishUnbind();
            } else {
                scheduleDrainTimeout();
            }
        });
    }

    private void sendUnbind() {
        if (state == SessionState.CLOSED) {
            return;
        }
        Unbind unbind = new Unbind();
        int seq = outbound.nextSequence();
        unbind.setSequenceNumber(seq);
        RequestWindow.Callback close = RequestWindow.Callback.closing(channel);
        if (!outbound.hasRoom()) {
            channel.close();
            return;
        }
        outbound.add(seq, config.unbindDrainTimeout().toNanos(), close);
        channel.writeAndFlush(unbind, channel.voidPromise());
    }

    // ---- channel events ----

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        label = "[esme=#" + connectionId + " " + peer() + "]";
        outbound = new RequestWindow(UNBOUND_WINDOW);
        bindTimeout = ctx.executor()
                .schedule(
                        () -> {
                            if (state == SessionState.OPEN) {
                                close("not bound within " + config.bindTimeout() + ", closing");
                            }
                        },
                        config.bindTimeout().toMillis(),
                        TimeUnit.MILLISECONDS);
        sweep = LoopSweep.join(ctx.executor(), now -> {
            outbound.expire(now);
            sendWaiting();
        });
        log.debug("{} connected", label);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        SessionState previous = state;
        state = SessionState.CLOSED;
        cancel(bindTimeout);
        if (sweep != null) {
            sweep.leave();
        }
        cancel(drainTimeout);
        if (account != null) {
            account.unregister(this);
        }
        outbound.failAll(RequestWindow.Failure.CLOSED);
        failWaiting(RequestWindow.Failure.CLOSED);
        if (previous != SessionState.OPEN) {
            log.info("{} disconnected ({} requests were in flight)", label, inFlight);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // The ESME is not reading its responses: stop reading its requests instead of buffering.
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        if (ctx.channel().isWritable()) {
            sendWaiting();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && state == SessionState.BOUND) {
            KeepAlive.probe(channel, outbound, relayTimeoutNanos, () -> close("enquire_link unanswered, closing"));
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == SessionState.OPEN
                && (msg instanceof PduRequest<?> || msg instanceof PduDecodeFailure)
                && !withinPreBindBudget(ctx)) {
            return;
        }
        if (msg instanceof PduRequest<?> request) {
            onRequest(ctx, request);
        } else if (msg instanceof PduResponse response) {
            if (!outbound.complete(response)) {
                log.debug(
                        "{} dropped {} with unknown sequence {}",
                        label,
                        response.getName(),
                        response.getSequenceNumber());
            }
            sendWaiting();
        } else if (msg instanceof PduDecodeFailure failure) {
            onUndecodable(ctx, failure);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * Counts a request that arrived before the bind succeeded; past {@code smpp.preBindPduLimit}
     * the connection is closed and what it sends next is dropped unread. A peer that never binds
     * can make the gateway decode and answer only that many PDUs per connection, and the connect
     * rate per address bounds the connections.
     */
    private boolean withinPreBindBudget(ChannelHandlerContext ctx) {
        if (preBindClosed) {
            return false;
        }
        if (++preBindPdus <= config.preBindPduLimit()) {
            return true;
        }
        preBindClosed = true;
        if (bindGuard != null) {
            bindGuard.count(BindGuard.Closed.PRE_BIND_PDUS);
        }
        long skipped = PRE_BIND_LOG.admit();
        if (skipped >= 0) {
            log.info(
                    "{} closing: more than {} PDUs before a bind{}",
                    label,
                    config.preBindPduLimit(),
                    LogLimiter.leftOut(skipped));
        }
        ctx.close();
        return false;
    }

    private void onUndecodable(ChannelHandlerContext ctx, PduDecodeFailure failure) {
        long skipped = UNDECODABLE_LOG.admit();
        if (skipped >= 0) {
            log.info(
                    "{} undecodable PDU 0x{}: {}{}",
                    label,
                    Integer.toHexString(failure.commandId()),
                    failure.reason(),
                    LogLimiter.leftOut(skipped));
        }
        DecodeFailures.answer(ctx, failure);
    }

    private void onRequest(ChannelHandlerContext ctx, PduRequest<?> request) {
        switch (request.getCommandId()) {
            case SmppConstants.CMD_ID_ENQUIRE_LINK -> reply(ctx, request, SmppConstants.STATUS_OK);
            case SmppConstants.CMD_ID_BIND_TRANSMITTER,
                    SmppConstants.CMD_ID_BIND_RECEIVER,
                    SmppConstants.CMD_ID_BIND_TRANSCEIVER -> onBind(ctx, (BaseBind<?>) request);
            case SmppConstants.CMD_ID_UNBIND -> onUnbind(ctx, request);
            case SmppConstants.CMD_ID_SUBMIT_SM,
                    SmppConstants.CMD_ID_DATA_SM,
                    SmppConstants.CMD_ID_QUERY_SM,
                    SmppConstants.CMD_ID_REPLACE_SM,
                    SmppConstants.CMD_ID_CANCEL_SM,
                    SmppConstants.CMD_ID_SUBMIT_MULTI -> onSubmitLike(ctx, request);
            case CMD_ID_ALERT_NOTIFICATION -> {
                // SMPP 3.4 section 4.12: alert_notification has no response; an ESME should not send it.
            }
            default ->
                reply(
                        ctx,
                        request,
                        state == SessionState.OPEN ? SmppConstants.STATUS_INVBNDSTS : SmppConstants.STATUS_INVCMDID);
        }
    }

    private void onSubmitLike(ChannelHandlerContext ctx, PduRequest<?> request) {
        if (state != SessionState.BOUND || !bindType.canTransmit()) {
            reply(ctx, request, SmppConstants.STATUS_INVBNDSTS);
            return;
        }
        if (inFlight >= account.config().windowSize() || !account.rateLimiter().tryAcquire()) {
            reply(ctx, request, SmppConstants.STATUS_THROTTLED);
            return;
        }
        if (awaiting.containsKey(request.getSequenceNumber())) {
            // SMPP 3.4 section 3.2: a sequence number identifies one outstanding request
            reply(ctx, request, SmppConstants.STATUS_SYSERR);
            return;
        }
        awaiting.put(request.getSequenceNumber(), request);
        inFlight = awaiting.size();
        traffic.fromEsme(this, request);
    }

    private void onBind(ChannelHandlerContext ctx, BaseBind<?> bind) {
        if (state != SessionState.OPEN || bindFailed || bindChecking) {
            reply(ctx, bind, bindFailed ? SmppConstants.STATUS_BINDFAIL : SmppConstants.STATUS_ALYBND);
            return;
        }
        BindType type = BindType.of(bind.getCommandId());
        InetAddress ip = remoteAddress();
        String systemId = bind.getSystemId();
        // A locked-out address or system_id is refused before it can spend a gateway-wide bind
        // token or a password check.
        if (bindGuard != null && bindGuard.lockedOut(ip, systemId)) {
            refuseBind(ctx, bind, new AccountRegistry.BindResult(AccountRegistry.BindOutcome.LOCKED_OUT, null));
            return;
        }
        if (bindGuard != null && !bindGuard.tryBind()) {
            // a reconnect storm: answer at once, without spending a password check on it
            throttleBind(ctx, bind, "gateway bind rate exceeded");
            return;
        }
        bindChecking = true;
        String password = bind.getPassword();
        try {
            // PBKDF2 runs off the event loop; the rest of the bind comes back to it
            passwordChecks.execute(() -> {
                AccountRegistry.BindResult result;
                try {
                    result = accounts.authenticate(systemId, password, ip, type);
                } catch (RuntimeException e) {
                    log.warn("{} password check failed: {}", label, e.toString());
                    result = new AccountRegistry.BindResult(AccountRegistry.BindOutcome.BAD_CREDENTIALS, null, false);
                }
                AccountRegistry.BindResult checked = result;
                if (ctx.executor().inEventLoop()) {
                    bindChecked(ctx, bind, type, checked);
                } else {
                    try {
                        ctx.executor().execute(() -> bindChecked(ctx, bind, type, checked));
                    } catch (RejectedExecutionException gone) {
                        // the event loop is shutting down: so is the connection
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            bindChecking = false;
            throttleBind(ctx, bind, "the password checks are all busy");
        }
    }

    /** Answers ESME_RTHROTTLED; logged at most once a second with a count (a reconnect storm throttles thousands). */
    private void throttleBind(ChannelHandlerContext ctx, BaseBind<?> bind, String why) {
        long skipped = THROTTLED_BIND_LOG.admit();
        if (skipped >= 0) {
            log.info("{} {} throttled: {}{}", label, bind.getName(), why, LogLimiter.leftOut(skipped));
        }
        BaseBindResp resp = (BaseBindResp) Pdus.response(bind, SmppConstants.STATUS_THROTTLED);
        resp.setSystemId(gatewaySystemId);
        ctx.writeAndFlush(resp, ctx.voidPromise());
    }

    /** Back on the event loop with the outcome of the password check. */
    private void bindChecked(
            ChannelHandlerContext ctx, BaseBind<?> bind, BindType type, AccountRegistry.BindResult checked) {
        bindChecking = false;
        AccountRegistry.BindResult result = checked;
        AccountRegistry.BindOutcome outcome = result.outcome();
        if (state != SessionState.OPEN) {
            // closed (bind timeout, peer gone) while the password was being checked: a wrong
            // password still counts towards the lockout, and is logged like any refusal
            if (outcome != AccountRegistry.BindOutcome.OK) {
                if (bindGuard != null && outcome == AccountRegistry.BindOutcome.BAD_CREDENTIALS) {
                    bindGuard.bindFailed(remoteAddress(), bind.getSystemId(), result.countsAgainstAccount());
                }
                log.info(
                        "{} {} refused for system_id '{}': {} (the connection had already closed)",
                        label,
                        bind.getName(),
                        LogSafe.text(bind.getSystemId(), LogSafe.SYSTEM_ID_CHARS),
                        outcome);
            }
            return;
        }
        if (bindGuard != null) {
            if (outcome == AccountRegistry.BindOutcome.BAD_CREDENTIALS) {
                bindGuard.bindFailed(remoteAddress(), bind.getSystemId(), result.countsAgainstAccount());
            } else if (outcome == AccountRegistry.BindOutcome.OK) {
                bindGuard.bindSucceeded(remoteAddress(), bind.getSystemId());
            }
        }
        if (outcome == AccountRegistry.BindOutcome.OK) {
            // the account is checked again here, on registering: a reload may have removed it while
            // the password was being checked
            Account.Registered registered = result.account().register(this);
            if (registered == Account.Registered.FULL) {
                result = new AccountRegistry.BindResult(AccountRegistry.BindOutcome.TOO_MANY_BINDS, null);
            } else if (registered == Account.Registered.REMOVED) {
                result = new AccountRegistry.BindResult(AccountRegistry.BindOutcome.ACCOUNT_REMOVED, null);
            }
        }
        if (result.outcome() != AccountRegistry.BindOutcome.OK) {
            refuseBind(ctx, bind, result);
            return;
        }
        account = result.account();
        bindType = type;
        outbound = new RequestWindow(account.config().windowSize());
        label = "[esme=" + account.systemId() + "#" + connectionId + " " + peer() + "]";
        state = SessionState.BOUND;
        cancel(bindTimeout);
        BaseBindResp resp = (BaseBindResp) Pdus.response(bind, SmppConstants.STATUS_OK);
        resp.setSystemId(gatewaySystemId);
        if (bind.getInterfaceVersion() >= INTERFACE_VERSION_34) {
            resp.addOptionalParameter(
                    new Tlv(SmppConstants.TAG_SC_INTERFACE_VERSION, new byte[] {INTERFACE_VERSION_34}));
        }
        ctx.writeAndFlush(resp, ctx.voidPromise());
        log.info("{} bound as {}", label, type.name().toLowerCase());
    }

    private void refuseBind(ChannelHandlerContext ctx, BaseBind<?> bind, AccountRegistry.BindResult result) {
        // One answer for every reason (docs/reliability.md: do not tell an attacker which part was wrong).
        // The system_id is the peer's: printed escaped and cut short, so it cannot forge log lines.
        log.info(
                "{} {} refused for system_id '{}': {}",
                label,
                bind.getName(),
                LogSafe.text(bind.getSystemId(), LogSafe.SYSTEM_ID_CHARS),
                result.outcome());
        bindFailed = true;
        BaseBindResp resp = (BaseBindResp) Pdus.response(bind, SmppConstants.STATUS_BINDFAIL);
        resp.setSystemId(gatewaySystemId);
        ctx.writeAndFlush(resp, ctx.voidPromise());
        // Close shortly after, not at once: clients must get to read the answer before the
        // connection goes, and a password guesser gets one try per connection and delay.
        ctx.executor().schedule(() -> ctx.close(), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void onUnbind(ChannelHandlerContext ctx, PduRequest<?> unbind) {
        if (state == SessionState.OPEN) {
            reply(ctx, unbind, SmppConstants.STATUS_INVBNDSTS);
            return;
        }
        state = SessionState.UNBINDING;
        gatewayUnbind = false; // the ESME's own unbind is answered instead of sending ours
        unbindSequence = unbind.getSequenceNumber();
        unbindPending = true;
        if (inFlight == 0) {
            finishUnbind();
            return;
        }
        log.info("{} unbind with {} requests in flight: draining", label, inFlight);
        scheduleDrainTimeout();
    }

    private void scheduleDrainTimeout() {
        drainTimeout = channel.eventLoop()
                .schedule(
                        () -> {
                            log.info(
                                    "{} {} requests still in flight after {}: failing them, then unbinding",
                                    label,
                                    inFlight,
                                    config.unbindDrainTimeout());
                            failAwaiting();
                            finishUnbind();
                        },
                        config.unbindDrainTimeout().toMillis(),
                        TimeUnit.MILLISECONDS);
    }

    /** Answers every request still awaiting its relayed response with an error, so no ESME waits forever. */
    private void failAwaiting() {
        for (PduRequest<?> request : awaiting.values()) {
            channel.write(Pdus.response(request, SmppConstants.STATUS_SYSERR), channel.voidPromise());
        }
        awaiting.clear();
        inFlight = 0;
        channel.flush();
    }

    private void finishUnbind() {
        cancel(drainTimeout);
        if (gatewayUnbind) {
            gatewayUnbind = false;
            // Let the ESME take in the responses just written before the unbind arrives: clients
            // that process PDUs on several threads (jSMPP) can otherwise close the session first
            // and lose them.
            channel.eventLoop().schedule(this::sendUnbind, UNBIND_AFTER_DRAIN_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        if (!unbindPending) {
            return;
        }
        Pdu resp = new UnbindResp();
        resp.setSequenceNumber(unbindSequence);
        unbindPending = false;
        channel.writeAndFlush(resp, channel.voidPromise());
        // The ESME closes after reading unbind_resp (SMPP 3.4 section 2.3); close ourselves only if
        // it does not, so that the response is never cut off by our own close.
        channel.eventLoop().schedule(() -> channel.close(), CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private InetAddress remoteAddress() {
        return channel.remoteAddress() instanceof InetSocketAddress isa ? isa.getAddress() : null;
    }

    private String peer() {
        return channel.remoteAddress() instanceof InetSocketAddress isa
                ? isa.getAddress().getHostAddress() + ":" + isa.getPort()
                : String.valueOf(channel.remoteAddress());
    }

    private static void reply(ChannelHandlerContext ctx, PduRequest<?> request, int status) {
        ctx.writeAndFlush(Pdus.response(request, status), ctx.voidPromise());
    }

    private static void cancel(ScheduledFuture<?> future) {
        if (future != null) {
            future.cancel(false);
        }
    }

    /** The session ends the connection on its own initiative: one line saying why, then the close. */
    private void close(String why) {
        log.info("{} {}", label, why);
        channel.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // a failed TLS handshake is logged once by the listener; this line is DEBUG then
        ConnectionErrors.log(log, label, cause);
        ctx.close();
    }
}
