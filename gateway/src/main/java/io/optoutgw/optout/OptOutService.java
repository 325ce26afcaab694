package io.optoutgw.optout;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseSm;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.type.Address;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.optoutgw.codec.Pdus;
import io.optoutgw.config.AccountConfig;
import io.optoutgw.config.OptOutConfig;
import io.optoutgw.config.OptOutPolicy;
import io.optoutgw.metrics.GatewayMetrics;
import io.optoutgw.session.Account;
import io.optoutgw.session.EsmeSession;
import io.optoutgw.session.RequestWindow;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.PhoneNumbers;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.Senders;
import io.optoutgw.upstream.UpstreamBind;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a STOP is recognised. Every MO deliver_sm / data_sm (receipts never come here) is decoded,
 * reassembled when concatenated, and matched against the owning account's keywords. A keyword MO
 * is taken over from the normal relay path:
 * <ol>
 *   <li>a redelivery of the same MO within {@code optout.dedupWindow} is acknowledged and nothing
 *       more (reliability.md scenario 7);</li>
 *   <li>otherwise the event is journaled, forced to disk and written to Redis; only then does the
 *       SMSC get ESME_ROK, else ESME_RX_T_APPN so that it retries (scenarios 1-3);</li>
 *   <li>the MO is forwarded to the owning ESME if the account wants it (best effort: the opt-out
 *       never depends on that ESME being bound, scenario 5);</li>
 *   <li>one reply goes back: the confirmation, the HELP text or the opt-in confirmation.</li>
 * </ol>
 * Runs on the upstream bind's event loop; Redis and journal completions hop back onto it.
 */
public final class OptOutService {

    private static final Logger log = LoggerFactory.getLogger(OptOutService.class);
    private static final String DEFAULT_REGION = "US";

    private final OptOutConfig config;
    private final String instanceId;
    private final ConsentRecorder recorder;
    private final Reassembly reassembly;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final Replies replies;
    private final GatewayMetrics metrics;
    private final SetArgs dedupArgs;
    private final SetArgs reasonArgs;
    private final Map<String, TextDecoder> decoders = new ConcurrentHashMap<>();
    private final KeywordEngines engines = new KeywordEngines();

    public OptOutService(OptOutConfig config, String instanceId, ConsentRecorder recorder,
                         RedisClusterAsyncCommands<String, String> redis, Replies replies, GatewayMetrics metrics) {
        this.config = config;
        this.instanceId = instanceId;
        this.recorder = recorder;
        this.reassembly = new Reassembly(redis, config.reassemblyTimeout());
        this.redis = redis;
        this.replies = replies;
        this.metrics = metrics;
        this.dedupArgs = SetArgs.Builder.nx().px(config.dedupWindow().toMillis());
        this.reasonArgs = SetArgs.Builder.px(config.reasonWindow().toMillis());
    }

    /**
     * Checks what start-up must refuse before anything is started: every keyword list builds and
     * every reply template fits one SMS. Throws IllegalArgumentException naming the setting.
     */
    public static void validateConfig(List<AccountConfig> accounts) {
        KeywordEngines probe = new KeywordEngines();
        for (AccountConfig a : accounts) {
            try {
                probe.forSender(a, null);
                a.optOut().senderKeywords().keySet().forEach(sender -> probe.forSender(a, sender));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("accounts[" + a.systemId() + "].optOut keywords: " + e.getMessage(), e);
            }
        }
        Replies.validate(accounts);
    }


    /**
     * Handles an MO from {@code bind}. When it carries no keyword, {@code routeNormally} relays it
     * like any other MO; otherwise this service answers the SMSC itself.
     */
    public void onMo(UpstreamBind bind, BaseSm<?> sm, int smscSequence, Account owner, Runnable routeNormally) {
        long receivedNanos = System.nanoTime();
        MessageText decoded = decoder(bind).decode(sm);
        if (!(decoded instanceof MessageText.Text text)) {
            routeNormally.run();
            return;
        }
        Address source = sm.getSourceAddress();
        Address destination = sm.getDestAddress();
        if (text.concat() == null) {
            match(bind, sm, smscSequence, owner, text.text(), receivedNanos, routeNormally);
            return;
        }
        reassembly.add(addr(source), addr(destination), text.concat(), text.text())
                .whenCompleteAsync((whole, error) -> {
                    if (error != null) {
                        // the part could not be kept: the SMSC delivers it again later
                        log.warn("{} concatenated MO part not stored: {}", bind.label(), error.toString());
                        metrics.recordFailed(ownerName(owner), "reassembly");
                        retryLater(bind, sm, smscSequence);
                    } else if (whole == null) {
                        routeNormally.run();
                    } else {
                        match(bind, sm, smscSequence, owner, whole, receivedNanos, routeNormally);
                    }
                }, bind.eventLoop());
    }

    private void match(UpstreamBind bind, BaseSm<?> sm, int smscSequence, Account owner, String text,
                       long receivedNanos, Runnable routeNormally) {
        AccountConfig account = owner == null ? null : owner.config();
        String sender = senderOf(sm, owner);
        Optional<KeywordMatch> match = engines.forSender(account, sender).match(text);
        String region = account == null ? DEFAULT_REGION : account.defaultRegion();
        PhoneNumbers.Normalized person = PhoneNumbers.normalize(sm.getSourceAddress().getTon(),
                addr(sm.getSourceAddress()), region);
        if (match.isEmpty()) {
            routeNormally.run();
            if (person.ok()) {
                keepReason(bind, sm, owner, person.digits(), sender, text);
            }
            return;
        }
        if (!person.ok()) {
            log.info("{} keyword MO from an address that is not a phone number ({}): relayed as is", bind.label(),
                    person.problem());
            routeNormally.run();
            return;
        }
        KeywordMatch k = match.get();
        String dedupKey = "gw:mo:" + fingerprint(person.digits(), sender, text);
        redis.exists(dedupKey).whenCompleteAsync((exists, error) -> {
            if (error == null && exists != null && exists > 0) {
                metrics.duplicateMo(ownerName(owner));
                log.info("{} {} from {} is a redelivery: acknowledged again", bind.label(), k.keyword(),
                        PhoneNumbers.mask(person.digits()));
                bind.respond(sm, Pdus.response(sm, SmppConstants.STATUS_OK));
                return;
            }
            record(bind, sm, smscSequence, owner, text, k, person.digits(), dedupKey, receivedNanos);
        }, bind.eventLoop());
    }

    private void record(UpstreamBind bind, BaseSm<?> sm, int smscSequence, Account owner, String text,
                        KeywordMatch k, String digits, String dedupKey, long receivedNanos) {
        OptOutPolicy policy = owner == null ? OptOutPolicy.defaults() : owner.config().optOut();
        String sender = senderOf(sm, owner);
        Scope scope = scopeFor(owner, policy, sender, k);
        ConsentEvent.Type type = switch (k.intent()) {
            case OPT_OUT -> ConsentEvent.Type.OPT_OUT;
            case OPT_IN -> ConsentEvent.Type.OPT_IN;
            case HELP -> ConsentEvent.Type.HELP;
        };
        ConsentEvent event = new ConsentEvent(ConsentEvent.newId(), Instant.now(), type, digits, scope.code(),
                k.keyword(), k.language(), text, sm.getDataCoding() & 0xFF, bind.upstreamName(),
                bind.label() + " seq " + smscSequence, instanceId, null, null, ownerOrNull(owner), sender);
        recorder.record(event).whenCompleteAsync((ok, error) -> {
            if (error != null) {
                metrics.recordFailed(ownerName(owner), failureCause(error));
                log.warn("{} {} from {} could not be made durable ({}): SMSC told to retry", bind.label(),
                        k.keyword(), PhoneNumbers.mask(digits), error.toString());
                retryLater(bind, sm, smscSequence);
                return;
            }
            metrics.consentEvent(ownerName(owner), owner == null ? "other" : owner.senderTag(sender),
                    type.name().toLowerCase(), scope.kind(), keywordTag(text, k), k.language());
            log.info("{} {} ({}) from {} recorded, scope {}", bind.label(), type, k.keyword(),
                    PhoneNumbers.mask(digits), scope.kind());
            bind.respond(sm, Pdus.response(sm, SmppConstants.STATUS_OK));
            if (owner != null && policy.forwardMo()) {
                forward(owner, sm);
            }
            if (type == ConsentEvent.Type.OPT_OUT) {
                // free text the person sends next, within the window, is kept as the reason they left
                redis.set(reasonKey(digits, sender), event.id(), reasonArgs);
            }
            redis.set(dedupKey, instanceId, dedupArgs).whenComplete((set, e) -> {
                if (e != null || set == null) {
                    return; // a concurrent redelivery already confirmed, or the key could not be set
                }
                Replies.Kind kind = switch (k.intent()) {
                    case OPT_OUT -> Replies.Kind.OPT_OUT;
                    case OPT_IN -> Replies.Kind.OPT_IN;
                    case HELP -> Replies.Kind.HELP;
                };
                List<String> route = owner == null ? List.of() : owner.config().route();
                replies.send(ownerName(owner), route, kind, sm.getDestAddress(), sm.getSourceAddress(),
                        Replies.text(policy, sender, kind, k.language()), receivedNanos);
            });
        }, bind.eventLoop());
    }

    private static String reasonKey(String digits, String sender) {
        return "gw:reason:" + digits + ":" + sender;
    }

    /**
     * A non-keyword MO from someone who opted out from this sender within
     * {@code optout.reasonWindow}: recorded as a REASON event (best effort: the MO itself is
     * relayed as usual whatever happens here), once per opt-out.
     */
    private void keepReason(UpstreamBind bind, BaseSm<?> sm, Account owner, String digits, String sender,
                            String text) {
        redis.getdel(reasonKey(digits, sender)).whenComplete((optOutId, error) -> {
            if (error != null || optOutId == null) {
                return;
            }
            OptOutPolicy policy = owner == null ? OptOutPolicy.defaults() : owner.config().optOut();
            Scope scope = scopeFor(owner, policy, sender, new KeywordMatch(Intent.OPT_OUT, "", null, false));
            ConsentEvent reason = new ConsentEvent(ConsentEvent.newId(), Instant.now(), ConsentEvent.Type.REASON,
                    digits, scope.code(), null, null, text, sm.getDataCoding() & 0xFF, bind.upstreamName(),
                    "reason for " + optOutId, instanceId, null, null, ownerOrNull(owner), sender);
            recorder.record(reason).whenComplete((ok, e) -> {
                if (e == null) {
                    metrics.consentEvent(ownerName(owner), owner == null ? "other" : owner.senderTag(sender),
                            "reason", scope.kind(), "", "");
                } else {
                    log.info("{} reason after opt-out not recorded: {}", bind.label(), e.toString());
                }
            });
        });
    }

    /** The account's scope; STOPALL / STOP ALL take the widest it allows; no owner: that sender, any account. */
    static Scope scopeFor(Account owner, OptOutPolicy policy, String sender, KeywordMatch k) {
        if (owner == null) {
            return new Scope.Sender(Scope.ANY_ACCOUNT, sender);
        }
        OptOutPolicy.ScopeKind kind = k.all() ? policy.maxScope() : policy.scope();
        return switch (kind) {
            case GLOBAL -> Scope.Global.INSTANCE;
            case ACCOUNT -> new Scope.Account(owner.systemId());
            case SENDER -> new Scope.Sender(owner.systemId(), sender);
        };
    }

    private void forward(Account owner, BaseSm<?> sm) {
        EsmeSession session = owner.receiver();
        if (session == null) {
            log.info("keyword MO for account {} not forwarded: no receiver bound", owner.systemId());
            return;
        }
        session.deliver(sm, new RequestWindow.Callback() {
            @Override
            public void onResponse(PduResponse response) {
            }

            @Override
            public void onFailure(RequestWindow.Failure failure) {
                log.info("{} keyword MO not forwarded: {}", session.label(), failure);
            }
        });
    }

    private TextDecoder decoder(UpstreamBind bind) {
        return decoders.computeIfAbsent(bind.upstreamName(), n -> new TextDecoder(bind.config().dataCodingZero()));
    }


    /** A bounded label for why recording failed: journal, timeout or redis. */
    static String failureCause(Throwable error) {
        Throwable e = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (e instanceof io.optoutgw.store.JournalAppendException) {
            return "journal";
        }
        if (e instanceof java.util.concurrent.TimeoutException) {
            return "timeout";
        }
        return "redis";
    }

    /** The keyword for metrics, or "phrase" for a revocation phrase (its wording is not a bounded label). */
    static String keywordTag(String text, KeywordMatch k) {
        return k.keyword().equals(TextNormalizer.normalize(text)) ? k.keyword() : "phrase";
    }

    private static void retryLater(UpstreamBind bind, BaseSm<?> sm, int smscSequence) {
        bind.respond(sm, Pdus.response(sm, SmppConstants.STATUS_X_T_APPN));
    }

    /**
     * The number the MO was sent to, in the canonical sender form (read in its owner's region):
     * the form submits from that number are authorised and checked in.
     */
    private static String senderOf(BaseSm<?> sm, Account owner) {
        Address d = sm.getDestAddress();
        return Senders.canonical(d == null ? 0 : d.getTon(), d == null ? null : d.getAddress(),
                owner == null ? DEFAULT_REGION : owner.config().defaultRegion());
    }

    private static String addr(Address a) {
        return a == null || a.getAddress() == null ? "" : a.getAddress();
    }

    private static String ownerOrNull(Account owner) {
        return owner == null ? null : owner.systemId();
    }

    private static String ownerName(Account owner) {
        return owner == null ? "" : owner.systemId();
    }

    private static String fingerprint(String person, String sender, String text) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] d = sha.digest((person + "\n" + sender + "\n" + text).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
