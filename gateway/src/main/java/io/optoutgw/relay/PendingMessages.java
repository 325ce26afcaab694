package io.optoutgw.relay;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.CancelSm;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.type.Address;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.optoutgw.metrics.GatewayMetrics;
import io.optoutgw.metrics.LogLimiter;
import io.optoutgw.smpp.RequestWindow;
import io.optoutgw.suppression.NumberKeys;
import io.optoutgw.suppression.PhoneNumbers;
import io.optoutgw.suppression.RedisKeys;
import io.optoutgw.suppression.Scope;
import io.optoutgw.upstream.UpstreamBind;
import io.optoutgw.upstream.Upstreams;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages the gateway relayed that may still be waiting at the SMSC when their recipient opts
 * out: those with a schedule_delivery_time in the future, and those whose validity_period runs
 * longer than {@link #TRACK_VALIDITY_OVER} (the SMSC keeps retrying them). A STOP is checked
 * against the list only when a message is submitted; such a message would otherwise reach the
 * person after they opted out. When an opt-out covers one of them, the gateway sends cancel_sm
 * for it to the upstream that accepted it.
 *
 * <p>Redis: {@code gw:pend:DIGITS}, a hash of {@code upstream + '\n' + message_id} to the
 * account, its canonical sender, the source and destination addresses and the time the message stops being pending
 * (its validity end, or its schedule plus {@link #DEFAULT_PENDING} when it has no validity). The
 * hash expires with its last entry. Messages of ordinary traffic (no schedule, short or no
 * validity) are not written here, so the common submit costs nothing more.
 */
public final class PendingMessages {

    private static final Logger log = LoggerFactory.getLogger(PendingMessages.class);

    /** Messages with a validity longer than this are remembered. */
    public static final Duration TRACK_VALIDITY_OVER = Duration.ofHours(1);
    /** How long a scheduled message without a validity_period counts as pending after its schedule. */
    public static final Duration DEFAULT_PENDING = Duration.ofDays(3);

    /** KEYS: hash. ARGV: field, value, ttl ms. Keeps the longest TTL of the hash's entries. */
    private static final String REMEMBER = """
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl < tonumber(ARGV[3]) then
              redis.call('PEXPIRE', KEYS[1], ARGV[3])
            end
            return 1
            """;

    private final Supplier<RedisClusterAsyncCommands<String, String>> redis;
    private final Upstreams upstreams;
    private final GatewayMetrics metrics;
    private final long cancelTimeoutNanos;
    private final LogLimiter writeFailureLog = new LogLimiter(Duration.ofSeconds(1));

    public PendingMessages(
            Supplier<RedisClusterAsyncCommands<String, String>> redis,
            Upstreams upstreams,
            GatewayMetrics metrics,
            Duration cancelTimeout) {
        this.redis = redis;
        this.upstreams = upstreams;
        this.metrics = metrics;
        this.cancelTimeoutNanos = cancelTimeout.toNanos();
    }

    /**
     * Until when a message with these time fields may still be delivered, when that is worth
     * remembering; {@code null} for ordinary messages.
     */
    public static Instant pendingUntil(SmppTime.Parsed schedule, SmppTime.Parsed validity, Instant now) {
        Instant scheduled = schedule instanceof SmppTime.At at && at.instant().isAfter(now) ? at.instant() : null;
        Instant validUntil = validity instanceof SmppTime.At at ? at.instant() : null;
        if (validUntil != null && validUntil.isAfter(now.plus(TRACK_VALIDITY_OVER))) {
            return scheduled != null && scheduled.isAfter(validUntil) ? scheduled.plus(DEFAULT_PENDING) : validUntil;
        }
        if (scheduled != null) {
            return validUntil != null && validUntil.isAfter(scheduled) ? validUntil : scheduled.plus(DEFAULT_PENDING);
        }
        return null;
    }

    private volatile NumberKeys keys = NumberKeys.CLEAR;

    /** Keys the pending hashes by {@code keys} (privacy.mode, docs/privacy.md). */
    public void numberKeys(NumberKeys keys) {
        this.keys = keys;
    }

    String key(String digits) {
        return RedisKeys.pending(keys.of(digits));
    }

    /** Remembers a relayed message to {@code digits}; best effort (a failure is counted and logged). */
    public void remember(
            String digits,
            String upstream,
            String messageId,
            String account,
            String sender,
            Address source,
            Address destination,
            Instant until) {
        long ttl = Math.max(1, until.toEpochMilli() - System.currentTimeMillis());
        String value =
                account + "\n" + sender + "\n" + addr(source) + "\n" + addr(destination) + "\n" + until.toEpochMilli();
        CompletionStage<Object> written = redis.get()
                .eval(
                        REMEMBER,
                        ScriptOutputType.INTEGER,
                        new String[] {key(digits)},
                        upstream + "\n" + messageId,
                        value,
                        Long.toString(ttl));
        written.whenComplete((ok, error) -> {
            if (error != null) {
                metrics.redisError("pending_write");
                long skipped = writeFailureLog.admit();
                if (skipped >= 0) {
                    log.warn(
                            "pending message to {} not remembered, so an opt-out cannot cancel it: {}{}",
                            PhoneNumbers.mask(digits),
                            error.toString(),
                            LogLimiter.leftOut(skipped));
                }
            }
        });
    }

    /**
     * Cancels the pending messages to {@code digits} that {@code scope} covers. Completes with the
     * number of cancel_sm the SMSCs accepted; never exceptionally.
     */
    public CompletableFuture<Integer> cancelFor(String digits, Scope scope) {
        return redis.get()
                .hgetall(key(digits))
                .toCompletableFuture()
                .thenCompose(all -> cancel(digits, scope, all))
                .exceptionally(error -> {
                    metrics.redisError("pending_read");
                    log.warn(
                            "pending messages to {} not read, none cancelled: {}",
                            PhoneNumbers.mask(digits),
                            error.toString());
                    return 0;
                });
    }

    private CompletableFuture<Integer> cancel(String digits, Scope scope, Map<String, String> all) {
        long now = System.currentTimeMillis();
        AtomicInteger accepted = new AtomicInteger();
        CompletableFuture<?>[] cancels = all.entrySet().stream()
                .map(e -> {
                    String[] f = e.getKey().split("\n", 2);
                    String[] v = e.getValue().split("\n", -1);
                    if (f.length != 2 || v.length != 5) {
                        return CompletableFuture.completedFuture(null);
                    }
                    Entry entry =
                            new Entry(f[0], f[1], v[0], v[1], parseAddr(v[2]), parseAddr(v[3]), Long.parseLong(v[4]));
                    if (entry.untilMillis < now || !covers(scope, entry)) {
                        return CompletableFuture.completedFuture(null);
                    }
                    return cancelOne(entry).thenAccept(ok -> {
                        if (ok) {
                            accepted.incrementAndGet();
                            redis.get().hdel(key(digits), e.getKey());
                        }
                    });
                })
                .toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(cancels).thenApply(x -> accepted.get());
    }

    private record Entry(
            String upstream,
            String messageId,
            String account,
            String sender,
            Address source,
            Address destination,
            long untilMillis) {}

    /** Whether an opt-out recorded in {@code scope} covers a message of this account and (canonical) sender. */
    static boolean covers(Scope scope, String account, String sender) {
        if (scope instanceof Scope.Account a) {
            return a.account().equals(account);
        }
        if (scope instanceof Scope.Sender s) {
            return (Scope.ANY_ACCOUNT.equals(s.account()) || s.account().equals(account))
                    && s.sender().equals(sender);
        }
        return true; // global
    }

    private static boolean covers(Scope scope, Entry entry) {
        return covers(scope, entry.account, entry.sender);
    }

    private CompletableFuture<Boolean> cancelOne(Entry entry) {
        var pool = upstreams.pool(entry.upstream);
        UpstreamBind bind = pool == null ? null : pool.pick();
        if (bind == null) {
            metrics.pendingCancel("no_upstream");
            log.warn(
                    "pending message {} via {} not cancelled: no session of that upstream can send now",
                    entry.messageId,
                    entry.upstream);
            return CompletableFuture.completedFuture(false);
        }
        CancelSm cancel = new CancelSm();
        cancel.setServiceType("");
        cancel.setMessageId(entry.messageId);
        cancel.setSourceAddress(entry.source);
        cancel.setDestAddress(entry.destination);
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        bind.send(cancel, cancelTimeoutNanos, new RequestWindow.Callback() {
            @Override
            public void onResponse(PduResponse response) {
                boolean ok = response.getCommandStatus() == SmppConstants.STATUS_OK;
                metrics.pendingCancel(ok ? "cancelled" : "refused");
                if (!ok) {
                    log.info(
                            "cancel_sm for pending message {} via {} refused by the SMSC: 0x{}",
                            entry.messageId,
                            entry.upstream,
                            Integer.toHexString(response.getCommandStatus()));
                }
                done.complete(ok);
            }

            @Override
            public void onFailure(RequestWindow.Failure failure) {
                metrics.pendingCancel("failed");
                log.info("cancel_sm for pending message {} via {}: {}", entry.messageId, entry.upstream, failure);
                done.complete(false);
            }
        });
        return done.orTimeout(cancelTimeoutNanos * 2, TimeUnit.NANOSECONDS).exceptionally(t -> false);
    }

    private static String addr(Address a) {
        if (a == null) {
            return "0:0:";
        }
        return a.getTon() + ":" + a.getNpi() + ":" + (a.getAddress() == null ? "" : a.getAddress());
    }

    private static Address parseAddr(String s) {
        String[] p = s.split(":", 3);
        return new Address(Byte.parseByte(p[0]), Byte.parseByte(p[1]), p.length > 2 ? p[2] : "");
    }
}
