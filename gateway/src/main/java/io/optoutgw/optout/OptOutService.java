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
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.PhoneNumbers;
import io.optoutgw.suppression.RedisKeys;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.Senders;
import io.optoutgw.upstream.UpstreamBind;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a STOP is recognised. Every MO deliver_sm / data_sm (receipts never come here) is decoded,
 * reassembled when concatenated, and matched against the owning account's keywords. A keyword MO
 * is taken over from the normal relay path:
 * <ol>
 *   <li>the event is journaled, forced to disk and written to Redis; only then does the SMSC get
 *       ESME_ROK, else ESME_RX_T_APPN so that it retries (scenarios 1-3). Every keyword MO is
 *       recorded, a redelivery too (reliability.md scenario 7): recording is idempotent in effect,
 *       and a STOP that merely looks like an earlier one (after a START) must not be lost;</li>
 *   <li>the MO is forwarded to the owning ESME if the account wants it (best effort: the opt-out
 *       never depends on that ESME being bound, scenario 5);</li>
 *   <li>one reply goes back: the confirmation, the HELP text or the opt-in confirmation, at most
 *       once per person, short code and intent within {@code optout.dedupWindow}.</li>
 * </ol>
 * Runs on the upstream bind's event loop; Redis and journal completions hop back onto it.
 */
public final class OptOutService {

    private static final Logger log = LoggerFactory.getLogger(OptOutService.class);
    private static final String DEFAULT_REGION = "US";

    private final OptOutConfig config;
    private final String instanceId;
    private final ConsentLedger recorder;
    private final Reassembly reassembly;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final Replies replies;
    private final GatewayMetrics metrics;
    private final SetArgs dedupArgs;
    private final SetArgs reasonArgs;
    private final Map<String, TextDecoder> decoders = new ConcurrentHashMap<>();
    private final Set<String> latin1Logged = ConcurrentHashMap.newKeySet();
    private final KeywordEngines engines = new KeywordEngines();
    private volatile java.util.function.BiConsumer<String, Scope> onOptOut = (digits, scope) -> { };

    public OptOutService(OptOutConfig config, String instanceId, ConsentLedger recorder,
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


    /** Called with the person and scope of every opt-out once it is durable (e.g. to cancel pending messages). */
    public void onOptOut(java.util.function.BiConsumer<String, Scope> listener) {
        this.onOptOut = listener;
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
        if (text.latin1Fallback()) {
            metrics.latin1Fallback(ownerName(owner));
            if (latin1Logged.add(bind.upstreamName())) {
                log.info("{} MO under data_coding {} has octets above 0x7F, which GSM 7-bit unpacked cannot carry: "
                        + "read as Latin-1 (set dataCodingZero: latin1 on upstream {} if it always sends Latin-1; "
                        + "counted in smppgw_mo_latin1_fallback_total, logged once)", bind.label(),
                        sm.getDataCoding() & 0xFF, bind.upstreamName());
            }
        }
        String source = addr(sm.getSourceAddress());
        String destination = addr(sm.getDestAddress());
        Concat concat = text.concat();
        if (concat == null) {
            match(bind, sm, smscSequence, owner, text.text(), receivedNanos, routeNormally, () -> { });
            return;
        }
        reassembly.add(source, destination, concat, text.text())
                .whenCompleteAsync((whole, error) -> {
                    if (error != null) {
                        // the part could not be kept: the SMSC delivers it again later
                        log.warn("{} concatenated MO part not stored: {}", bind.label(), error.toString());
                        metrics.recordFailed(ownerName(owner), "reassembly");
                        retryLater(bind, sm, smscSequence);
                    } else if (whole == null) {
                        routeNormally.run();
                    } else {
                        // the parts stay until the outcome no longer needs them (an opt-out is durable)
                        match(bind, sm, smscSequence, owner, whole, receivedNanos, routeNormally,
                                () -> reassembly.release(source, destination, concat));
                    }
                }, bind.eventLoop());
    }

    /**
     * Matches {@code text} and records what it asks for. {@code settled} runs once the MO's outcome
     * no longer depends on it being delivered again: it was no keyword, or its event is durable.
     */
    private void match(UpstreamBind bind, BaseSm<?> sm, int smscSequence, Account owner, String text,
                       long receivedNanos, Runnable routeNormally, Runnable settled) {
        AccountConfig account = owner == null ? null : owner.config();
        String sender = senderOf(sm, owner);
        Optional<KeywordMatch> match = engines.forSender(account, sender).match(text);
        String region = account == null ? DEFAULT_REGION : account.defaultRegion();
        byte ton = sm.getSourceAddress() == null ? 0 : sm.getSourceAddress().getTon();
        if (match.isEmpty()) {
            settled.run();
            routeNormally.run();
            PhoneNumbers.Normalized person = PhoneNumbers.normalize(ton, addr(sm.getSourceAddress()), region);
            if (person.ok()) {
                keepReason(bind, sm, owner, person.digits(), sender, text);
            }
            return;
        }
        KeywordMatch k = match.get();
        PhoneNumbers.MoSource person = PhoneNumbers.normalizeMoSource(ton, addr(sm.getSourceAddress()), region);
        if (person.reading() != PhoneNumbers.MoSourceReading.NORMAL) {
            String how = person.reading().name().toLowerCase();
            metrics.optOutSourceFallback(ownerName(owner), how);
            if (!person.ok()) {
                log.warn("{} {} from an address that is not a phone number (TON {}, {}): not recorded, relayed as is",
                        bind.label(), k.keyword(), ton, person.problem());
                settled.run();
                routeNormally.run();
                return;
            }
            log.warn("{} {} from {} (TON {}), which region {} cannot read ({}): recorded under {} reading {}",
                    bind.label(), k.keyword(), PhoneNumbers.mask(addr(sm.getSourceAddress())), ton, region,
                    person.problem(), how, PhoneNumbers.mask(person.digits()));
        }
        record(bind, sm, smscSequence, owner, text, k, person.digits(), receivedNanos, settled);
    }

    /**
     * Records every keyword MO, a redelivery included: recording is idempotent in effect (last
     * writer wins on the list), so a STOP after a START, or after an administrative removal, is
     * never mistaken for a redelivery. Only the confirmation is deduplicated, see {@link #confirm}.
     */
    private void record(UpstreamBind bind, BaseSm<?> sm, int smscSequence, Account owner, String text,
                        KeywordMatch k, String digits, long receivedNanos, Runnable settled) {
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
            settled.run();
            metrics.consentEvent(ownerName(owner), owner == null ? "other" : owner.senderTag(sender),
                    type.name().toLowerCase(), scope.kind(), keywordTag(text, k), k.language());
            log.info("{} {} ({}) from {} recorded, scope {}", bind.label(), type, k.keyword(),
                    PhoneNumbers.mask(digits), scope.kind());
            // issued before the SMSC is answered, so that the next MO it sends finds the keys updated
            confirm(bind, sm, owner, policy, k, digits, receivedNanos);
            bind.respond(sm, Pdus.response(sm, SmppConstants.STATUS_OK));
            if (owner != null && policy.forwardMo()) {
                forward(owner, sm);
            }
            if (type == ConsentEvent.Type.OPT_OUT) {
                onOptOut.accept(digits, scope);
                // free text the person sends next, within the window, is kept as the reason they left
                redis.set(reasonKey(digits, sender), event.id(), reasonArgs);
            }
        }, bind.eventLoop());
    }

    /**
     * Sends the reply to a recorded keyword MO, at most once per (person, short code, intent)
     * within {@code optout.dedupWindow}: a redelivered STOP, or "STOP", "stop" and "Stop!" in a
     * row, get one confirmation. Recording one intent clears the other's key, so STOP, START,
     * STOP gets three. HELP has its own key and clears none.
     */
    private void confirm(UpstreamBind bind, BaseSm<?> sm, Account owner, OptOutPolicy policy, KeywordMatch k,
                         String digits, long receivedNanos) {
        String sender = senderOf(sm, owner);
        Intent opposite = switch (k.intent()) {
            case OPT_OUT -> Intent.OPT_IN;
            case OPT_IN -> Intent.OPT_OUT;
            case HELP -> null;
        };
        if (opposite != null) {
            redis.del(confirmKey(digits, sender, opposite));
        }
        redis.set(confirmKey(digits, sender, k.intent()), instanceId, dedupArgs).whenComplete((set, e) -> {
            if (e == null && set == null) {
                metrics.duplicateMo(ownerName(owner));
                log.info("{} {} from {} already confirmed within optout.dedupWindow: recorded, not confirmed again",
                        bind.label(), k.keyword(), PhoneNumbers.mask(digits));
                return;
            }
            if (e != null) {
                // a second confirmation costs less than none
                log.info("{} confirmation key for {} not set ({}): confirming anyway", bind.label(),
                        PhoneNumbers.mask(digits), e.toString());
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
    }

    /** Same hash tag for every intent of a person, so that the keys of one person share a slot on Redis Cluster. */
    static String confirmKey(String digits, String sender, Intent intent) {
        return RedisKeys.confirmation(digits, sender, intent.name().toLowerCase());
    }

    private static String reasonKey(String digits, String sender) {
        return RedisKeys.reason(digits, sender);
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
        if (e instanceof io.optoutgw.suppression.journal.JournalAppendException) {
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
}
