package io.optoutgw.optout;

import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.optoutgw.config.AccountConfig;
import io.optoutgw.config.OptOutConfig;
import io.optoutgw.config.OptOutPolicy;
import io.optoutgw.metrics.GatewayMetrics;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.NumberKeys;
import io.optoutgw.suppression.PhoneNumbers;
import io.optoutgw.suppression.RedisKeys;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.Senders;
import io.optoutgw.suppression.journal.JournalAppendException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a STOP is recognised. Every MO deliver_sm / data_sm that is not a receipt comes here,
 * decoded, as an {@link Mo}: it is reassembled when concatenated and matched against the owning
 * account's keywords. A keyword MO is recorded, and {@link #handle} says what became of it
 * ({@link MoOutcome}); the SMPP side acts on that:
 * <ol>
 *   <li>the event is journaled, forced to disk and written to Redis; only then is the outcome
 *       {@link MoOutcome.Recorded} (or {@link MoOutcome.Duplicate}) and the SMSC gets ESME_ROK,
 *       else {@link MoOutcome.NotDurable} and ESME_RX_T_APPN so that it retries (scenarios 1-3).
 *       Every keyword MO is recorded, a redelivery too (docs/reliability.md scenario 7): recording is
 *       idempotent in effect, and a STOP that merely looks like an earlier one (after a START)
 *       must not be lost;</li>
 *   <li>the MO is forwarded to the owning ESME if the account wants it (best effort: the opt-out
 *       never depends on that ESME being bound, scenario 5);</li>
 *   <li>one reply goes back: the confirmation, the HELP text or the opt-in confirmation, at most
 *       once per person, short code and intent within {@code optout.dedupWindow} (the SMPP side
 *       also withholds it from automated originators and beyond {@code optout.replyCap}).</li>
 * </ol>
 * Knows no SMPP session: the outcome completes on a Redis or journal thread.
 */
public final class OptOutService {

    private static final Logger log = LoggerFactory.getLogger(OptOutService.class);
    private static final String DEFAULT_REGION = "US";
    private static final MoOutcome NOT_KEYWORD = new MoOutcome.NotKeyword();
    private static final MoOutcome INCOMPLETE = new MoOutcome.Incomplete();

    private final String instanceId;
    private final ConsentLedger recorder;
    private final Reassembly reassembly;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final GatewayMetrics metrics;
    private final SetArgs dedupArgs;
    private final SetArgs reasonArgs;
    private final KeywordEngines engines = new KeywordEngines();
    private volatile BiConsumer<String, Scope> onOptOut = (digits, scope) -> {};

    public OptOutService(
            OptOutConfig config,
            String instanceId,
            ConsentLedger recorder,
            RedisClusterAsyncCommands<String, String> redis,
            GatewayMetrics metrics) {
        this.instanceId = instanceId;
        this.recorder = recorder;
        this.reassembly = new Reassembly(redis, config.reassemblyTimeout());
        this.redis = redis;
        this.metrics = metrics;
        this.dedupArgs = SetArgs.Builder.nx().px(config.dedupWindow().toMillis());
        this.reasonArgs = SetArgs.Builder.px(config.reasonWindow().toMillis());
    }

    /**
     * Checks what start-up must refuse before anything is started: every keyword list builds and
     * every reply template fits one SMS, every opt-out instruction text names a keyword. Throws IllegalArgumentException naming the setting.
     */
    public static void validateConfig(List<AccountConfig> accounts) {
        KeywordEngines probe = new KeywordEngines();
        for (AccountConfig a : accounts) {
            try {
                probe.forSender(a, null);
                a.optOut().senderKeywords().keySet().forEach(sender -> probe.forSender(a, sender));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "accounts[" + a.systemId() + "].optOut keywords: " + e.getMessage(), e);
            }
        }
        Replies.validate(accounts);
        OptOutInstructions.validate(accounts);
    }

    /** Called with the person and scope of every opt-out once it is durable (e.g. to cancel pending messages). */
    public void onOptOut(BiConsumer<String, Scope> listener) {
        this.onOptOut = listener;
    }

    /** Reassembles {@code mo} when it is a part, matches it and records what it asks for. */
    public CompletionStage<MoOutcome> handle(Mo mo) {
        Concat concat = mo.concat();
        if (concat == null) {
            return match(mo, mo.text(), () -> {});
        }
        String destination = mo.destination() == null ? "" : mo.destination();
        return reassembly
                .add(mo.source(), destination, concat, mo.text())
                .handle((whole, error) -> {
                    if (error != null) {
                        // the part could not be kept: the SMSC delivers it again later
                        log.warn("{} concatenated MO part not stored: {}", mo.label(), error.toString());
                        metrics.recordFailed(ownerName(mo), "reassembly");
                        return done(new MoOutcome.NotDurable(error));
                    }
                    if (whole == null) {
                        return done(INCOMPLETE);
                    }
                    // the parts stay until the outcome no longer needs them (an opt-out is durable)
                    return match(mo, whole, () -> reassembly.release(mo.source(), destination, concat));
                })
                .thenCompose(outcome -> outcome);
    }

    /**
     * Matches {@code text} and records what it asks for. {@code settled} runs once the MO's outcome
     * no longer depends on it being delivered again: it was no keyword, or its event is durable.
     */
    private CompletionStage<MoOutcome> match(Mo mo, String text, Runnable settled) {
        AccountConfig account = mo.owner();
        String sender = senderOf(mo);
        KeywordEngine engine = engines.forSender(account, sender);
        NamedCategory named = account == null ? null : namedCategory(engine, account.optOut(), text);
        Optional<KeywordMatch> match = named != null ? Optional.of(named.match()) : engine.match(text);
        String region = account == null ? DEFAULT_REGION : account.defaultRegion();
        byte ton = mo.sourceTon();
        if (match.isEmpty()) {
            PhoneNumbers.Normalized person = PhoneNumbers.normalize(ton, mo.source(), region);
            String answer = account != null && account.optOut().clarify() && person.ok() ? clarifyAnswer(text) : null;
            if (answer != null) {
                return answerClarification(mo, text, answer, person.digits(), sender, settled);
            }
            settled.run();
            if (person.ok()) {
                keepReason(mo, person.digits(), sender, text);
            }
            return done(NOT_KEYWORD);
        }
        KeywordMatch k = match.get();
        PhoneNumbers.MoSource person = PhoneNumbers.normalizeMoSource(ton, mo.source(), region);
        if (person.reading() != PhoneNumbers.MoSourceReading.NORMAL) {
            String how = person.reading().name().toLowerCase();
            metrics.optOutSourceFallback(ownerName(mo), how);
            if (!person.ok()) {
                log.warn(
                        "{} {} from an address that is not a phone number (TON {}, {}): not recorded, relayed as is",
                        mo.label(),
                        k.keyword(),
                        ton,
                        person.problem());
                settled.run();
                return done(new MoOutcome.NotAPhoneNumber(k));
            }
            log.warn(
                    "{} {} from {} (TON {}), which region {} cannot read ({}): recorded under {} reading {}",
                    mo.label(),
                    k.keyword(),
                    PhoneNumbers.mask(mo.source()),
                    ton,
                    region,
                    person.problem(),
                    how,
                    PhoneNumbers.mask(person.digits()));
        }
        return record(mo, text, k, named == null ? null : named.category(), person.digits(), settled);
    }

    /** "STOP marketing": an opt-out or opt-in keyword followed by one of the account's categories. */
    record NamedCategory(KeywordMatch match, String category) {}

    /**
     * {@code text} as an opt-out or opt-in keyword (not one asking for everything) followed by the
     * name of one of the account's categories, compared in normal form ("STOP Marketing",
     * "start account-notices"); {@code null} when it is not.
     */
    static NamedCategory namedCategory(KeywordEngine engine, OptOutPolicy policy, String text) {
        if (!policy.hasCategories() || text == null || text.length() > 200) {
            return null;
        }
        String normalized = TextNormalizer.normalize(text);
        for (String category : policy.categories()) {
            String suffix = " " + TextNormalizer.normalize(category);
            if (normalized.length() > suffix.length() && normalized.endsWith(suffix)) {
                Optional<KeywordMatch> m = engine.match(normalized.substring(0, normalized.length() - suffix.length()));
                if (m.isPresent() && m.get().intent() != Intent.HELP && !m.get().all()) {
                    return new NamedCategory(m.get(), category);
                }
            }
        }
        return null;
    }

    /**
     * The category an opt-out or opt-in covers, {@code null} for every category
     * (docs/consent-rules.md, "Categories and revoke-all"): none when the account declares no
     * categories; every one for STOPALL and, while {@code optOut.revokeAll} is on, for any opt-out
     * and a plain opt-in; under {@code optOut.clarify} every one for a plain opt-in (a plain STOP
     * covers every category until the person narrows it); else the category the person named ("STOP marketing"), else the one of
     * the short code they texted ({@code optOut.senderCategories}), else every one (the safe side:
     * a person who texts STOP to a number expects to hear nothing more from it).
     */
    static String categoryFor(OptOutPolicy policy, String sender, KeywordMatch k, String named, Instant at) {
        if (!policy.hasCategories() || k.intent() == Intent.HELP || k.all()) {
            return null;
        }
        if (policy.revokeAllAt(at)) {
            return k.intent() == Intent.OPT_IN ? named : null;
        }
        if (policy.clarify() && k.intent() == Intent.OPT_IN) {
            // a plain STOP covers every category until clarified, so a plain START undoes it all
            return named;
        }
        return named != null ? named : policy.senderCategory(sender);
    }

    /**
     * The category a STOP is about that the person is to be asked, under {@code optOut.clarify}:
     * their STOP named no category, asked for no more than a plain STOP, and revoke-all is off; it
     * is the category of the short code texted, else the account's default. {@code null}: no
     * clarification (the STOP is recorded as {@link #categoryFor} says).
     */
    static String clarificationCategory(OptOutPolicy policy, String sender, KeywordMatch k, String named, Instant at) {
        if (!policy.clarify() || k.intent() != Intent.OPT_OUT || k.all() || named != null || policy.revokeAllAt(at)) {
            return null;
        }
        String category = policy.senderCategory(sender);
        return category != null ? category : policy.defaultCategory();
    }

    /** "1" (only the category asked about) or "2" (every category) as the whole text; else null. */
    static String clarifyAnswer(String text) {
        if (text == null || text.length() > 20) {
            return null;
        }
        String n = TextNormalizer.normalize(text);
        return n.equals("1") || n.equals("2") ? n : null;
    }

    /**
     * A "1" or "2" from a person: the answer to the clarification they were sent, when one awaits
     * its reply from this sender; otherwise free text like any other. "1" records an OPT_OUT of the
     * category asked about and then a NARROWED event, of the same order, that lifts the opt-out of
     * every category (in that order, so that a failure between the two leaves everything
     * suppressed); "2" records an
     * OPT_OUT of every category again. Acknowledged only once durable; the awaiting key goes last,
     * so a redelivery after a failure finds it.
     */
    private CompletionStage<MoOutcome> answerClarification(
            Mo mo, String text, String answer, String digits, String sender, Runnable settled) {
        String key = RedisKeys.clarification(keys.of(digits), sender);
        return redis.get(key)
                .handle((awaiting, error) -> {
                    if (error != null) {
                        // whether this answers a clarification cannot be told: the SMSC delivers it again
                        metrics.recordFailed(ownerName(mo), failureCause(error));
                        log.warn(
                                "{} reply \"{}\" from {}: clarification state not readable ({}): SMSC told to retry",
                                mo.label(),
                                answer,
                                PhoneNumbers.mask(digits),
                                error.toString());
                        return done(new MoOutcome.NotDurable(error));
                    }
                    if (awaiting == null) {
                        settled.run();
                        keepReason(mo, digits, sender, text);
                        return done(NOT_KEYWORD);
                    }
                    return recordAnswer(mo, text, answer, digits, sender, key, awaiting, settled);
                })
                .thenCompose(outcome -> outcome);
    }

    private CompletionStage<MoOutcome> recordAnswer(
            Mo mo,
            String text,
            String answer,
            String digits,
            String sender,
            String key,
            String awaiting,
            Runnable settled) {
        AccountConfig owner = mo.owner();
        OptOutPolicy policy = owner.optOut();
        int space = awaiting.indexOf(' ');
        String category = policy.category(space < 0 ? awaiting : awaiting.substring(0, space));
        String stopId = space < 0 ? "" : awaiting.substring(space + 1);
        Scope scope = scopeFor(owner, policy, sender, new KeywordMatch(Intent.OPT_OUT, "", null, false));
        boolean narrow = answer.equals("1") && category != null;
        String reason = "clarification of " + stopId + ": reply " + answer + ", "
                + (narrow ? category + " only" : "every category");
        ConsentEvent optOut = moEvent(mo, ConsentEvent.Type.OPT_OUT, digits, scope, null, null, text, reason)
                .withCategory(narrow ? category : null);
        CompletionStage<ConsentEvent> recorded = recorder.recordOrdered(optOut);
        if (narrow) {
            // the same order as the category's opt-out: of the two entries, the later decides and a
            // tie keeps the opt-out, so the category stays stopped and every other one is lifted
            ConsentEvent narrowed = moEvent(mo, ConsentEvent.Type.NARROWED, digits, scope, null, null, text, reason);
            recorded = recorded.thenCompose(out -> recorder.recordOrdered(narrowed.withOrder(out.listOrder())));
        }
        return recorded.handle((event, error) -> {
            if (error != null) {
                metrics.recordFailed(ownerName(mo), failureCause(error));
                log.warn(
                        "{} clarification reply from {} could not be made durable ({}): SMSC told to retry",
                        mo.label(),
                        PhoneNumbers.mask(digits),
                        error.toString());
                return (MoOutcome) new MoOutcome.NotDurable(error);
            }
            settled.run();
            redis.del(key);
            String tag = owner.senderTag(sender);
            metrics.consentEvent(ownerName(mo), tag, "opt_out", scope.kind(), "clarification", "");
            if (narrow) {
                metrics.consentEvent(ownerName(mo), tag, "narrowed", scope.kind(), "clarification", "");
            }
            metrics.clarification(ownerName(mo), narrow ? "narrowed" : "all");
            metrics.categoryConsentEvent(ownerName(mo), narrow ? category : OptOutPolicy.ALL, "opt_out");
            if (narrow) {
                metrics.categoryConsentEvent(ownerName(mo), OptOutPolicy.ALL, "narrowed");
            }
            log.info(
                    "{} clarification reply from {} recorded: opt-out of {}",
                    mo.label(),
                    PhoneNumbers.mask(digits),
                    narrow ? "category " + category + " only" : "every category");
            return new MoOutcome.Clarified(event);
        });
    }

    /** An event about a clarification reply from {@code digits}, with the MO's account, sender and SMSC reference. */
    private ConsentEvent moEvent(
            Mo mo,
            ConsentEvent.Type type,
            String digits,
            Scope scope,
            String keyword,
            String language,
            String text,
            String reason) {
        AccountConfig owner = mo.owner();
        return new ConsentEvent(
                        ConsentEvent.newId(),
                        Instant.now(),
                        type,
                        digits,
                        scope.code(),
                        keyword,
                        language,
                        text,
                        mo.dataCoding(),
                        mo.upstream(),
                        mo.smscReference(),
                        instanceId,
                        null,
                        reason,
                        owner == null ? null : owner.systemId(),
                        senderOf(mo))
                .withSource(ConsentEvent.Source.MO_CLARIFICATION)
                .withMoEvidence(mo.rawHex(), null);
    }

    /**
     * Records every keyword MO, a redelivery included: recording is idempotent in effect (last
     * writer wins on the list), so a STOP after a START, or after an administrative removal, is
     * never mistaken for a redelivery. Only the confirmation is deduplicated, see {@link #confirm}.
     */
    private CompletionStage<MoOutcome> record(
            Mo mo, String text, KeywordMatch k, String named, String digits, Runnable settled) {
        AccountConfig owner = mo.owner();
        OptOutPolicy policy = owner == null ? OptOutPolicy.defaults() : owner.optOut();
        String sender = senderOf(mo);
        Scope scope = scopeFor(owner, policy, sender, k);
        ConsentEvent.Type type = switch (k.intent()) {
            case OPT_OUT -> ConsentEvent.Type.OPT_OUT;
            case OPT_IN -> ConsentEvent.Type.OPT_IN;
            case HELP -> ConsentEvent.Type.HELP;
        };
        Instant now = Instant.now();
        String clarifyAbout = clarificationCategory(policy, sender, k, named, now);
        // until the person answers the clarification, the STOP covers every category
        String category = clarifyAbout != null ? null : categoryFor(policy, sender, k, named, now);
        ConsentEvent event = new ConsentEvent(
                        ConsentEvent.newId(),
                        now,
                        type,
                        digits,
                        scope.code(),
                        k.keyword(),
                        k.language(),
                        text,
                        mo.dataCoding(),
                        mo.upstream(),
                        mo.smscReference(),
                        instanceId,
                        null,
                        null,
                        owner == null ? null : owner.systemId(),
                        sender)
                .withCategory(category)
                .withSource(moSource(text, k, named))
                .withMoEvidence(mo.rawHex(), engines.forSender(owner, sender).version())
                // a START is the person's opt-in to the account: it counts for optOut.requireOptIn
                .withConsent(
                        type == ConsentEvent.Type.OPT_IN && owner != null
                                ? new ConsentEvent.Consent(null, null, null, "sms", null)
                                : null);
        return recorder.record(event)
                .handle((ok, error) -> {
                    if (error != null) {
                        metrics.recordFailed(ownerName(mo), failureCause(error));
                        log.warn(
                                "{} {} from {} could not be made durable ({}): SMSC told to retry",
                                mo.label(),
                                k.keyword(),
                                PhoneNumbers.mask(digits),
                                error.toString());
                        return done(new MoOutcome.NotDurable(error));
                    }
                    settled.run();
                    metrics.consentEvent(
                            ownerName(mo),
                            owner == null ? "other" : owner.senderTag(sender),
                            type.name().toLowerCase(),
                            scope.kind(),
                            keywordTag(text, k),
                            k.language());
                    if (policy.hasCategories() && type != ConsentEvent.Type.HELP) {
                        metrics.categoryConsentEvent(
                                ownerName(mo),
                                category == null ? OptOutPolicy.ALL : category,
                                type.name().toLowerCase());
                    }
                    log.info(
                            "{} {} ({}) from {} recorded, scope {}{}",
                            mo.label(),
                            type,
                            k.keyword(),
                            PhoneNumbers.mask(digits),
                            scope.kind(),
                            policy.hasCategories() && type != ConsentEvent.Type.HELP
                                    ? ", category " + (category == null ? OptOutPolicy.ALL : category)
                                    : "");
                    // issued before the SMSC is answered, so that the next MO it sends finds the keys updated
                    CompletionStage<MoOutcome> outcome = awaitClarification(mo, policy, k, digits, clarifyAbout, event)
                            .thenCompose(asking -> confirm(mo, policy, k, digits, event, asking));
                    if (type == ConsentEvent.Type.OPT_OUT) {
                        onOptOut.accept(digits, scope);
                        // free text the person sends next, within the window, is kept as the reason they left
                        redis.set(reasonKey(digits, sender), event.id(), reasonArgs);
                    }
                    return outcome;
                })
                .thenCompose(outcome -> outcome);
    }

    /**
     * Under {@code optOut.clarify}: a STOP about {@code category} leaves the key a reply "1" or "2"
     * is matched with (set again by a repeated STOP, which restarts the window); any other keyword
     * from the person to this sender but HELP clears it, as the person has said what they mean.
     * Completes with the category the clarification asks about, or {@code null} when none is to
     * be sent (not this case, or the key could not be set: the plain confirmation goes out, and the
     * STOP covers every category).
     */
    private CompletionStage<String> awaitClarification(
            Mo mo, OptOutPolicy policy, KeywordMatch k, String digits, String category, ConsentEvent event) {
        if (!policy.clarify() || k.intent() == Intent.HELP) {
            return CompletableFuture.completedFuture(null);
        }
        String key = RedisKeys.clarification(keys.of(digits), senderOf(mo));
        if (category == null) {
            redis.del(key);
            return CompletableFuture.completedFuture(null);
        }
        SetArgs window = SetArgs.Builder.px(policy.clarifyWindow().toMillis());
        return redis.set(key, category + " " + event.id(), window).handle((ok, e) -> {
            if (e != null) {
                log.info(
                        "{} clarification for {} not awaited ({}): plain confirmation, every category stays stopped",
                        mo.label(),
                        PhoneNumbers.mask(digits),
                        e.toString());
                return null;
            }
            return category;
        });
    }

    /**
     * Decides the reply to a recorded keyword MO: at most one per (person, short code, intent)
     * within {@code optout.dedupWindow}, so a redelivered STOP, or "STOP", "stop" and "Stop!" in a
     * row, get one confirmation. Recording one intent clears the other's key, so STOP, START,
     * STOP gets three. HELP has its own key and clears none.
     */
    private CompletionStage<MoOutcome> confirm(
            Mo mo, OptOutPolicy policy, KeywordMatch k, String digits, ConsentEvent event, String clarifyAbout) {
        String sender = senderOf(mo);
        Intent opposite = switch (k.intent()) {
            case OPT_OUT -> Intent.OPT_IN;
            case OPT_IN -> Intent.OPT_OUT;
            case HELP -> null;
        };
        if (opposite != null) {
            redis.del(confirmKey(digits, sender, opposite));
        }
        return redis.set(confirmKey(digits, sender, k.intent()), instanceId, dedupArgs)
                .handle((set, e) -> {
                    if (e == null && set == null) {
                        metrics.duplicateMo(ownerName(mo));
                        log.info(
                                "{} {} from {} already confirmed within optout.dedupWindow: recorded, not confirmed again",
                                mo.label(),
                                k.keyword(),
                                PhoneNumbers.mask(digits));
                        return new MoOutcome.Duplicate(event);
                    }
                    if (e != null) {
                        // a second confirmation costs less than none
                        log.info(
                                "{} confirmation key for {} not set ({}): confirming anyway",
                                mo.label(),
                                PhoneNumbers.mask(digits),
                                e.toString());
                    }
                    if (clarifyAbout != null) {
                        metrics.clarification(ownerName(mo), "asked");
                        return new MoOutcome.Recorded(
                                event,
                                Replies.Kind.CLARIFY,
                                Replies.clarification(policy, sender, clarifyAbout, k.language()));
                    }
                    Replies.Kind kind = switch (k.intent()) {
                        case OPT_OUT -> Replies.Kind.OPT_OUT;
                        case OPT_IN -> Replies.Kind.OPT_IN;
                        case HELP -> Replies.Kind.HELP;
                    };
                    return new MoOutcome.Recorded(event, kind, Replies.text(policy, sender, kind, k.language()));
                });
    }

    /** Same hash tag for every intent of a person, so that the keys of one person share a slot on Redis Cluster. */
    String confirmKey(String digits, String sender, Intent intent) {
        return RedisKeys.confirmation(keys.of(digits), sender, intent.name().toLowerCase());
    }

    private String reasonKey(String digits, String sender) {
        return RedisKeys.reason(keys.of(digits), sender);
    }

    private volatile NumberKeys keys = NumberKeys.CLEAR;

    /**
     * Keys the short-lived per-person keys (reply deduplication, clarification, reason, concatenated parts)
     * by {@code keys} (privacy.mode, docs/privacy.md).
     */
    public void numberKeys(NumberKeys keys) {
        this.keys = keys;
        reassembly.numberKeys(keys);
    }

    /**
     * A non-keyword MO from someone who opted out from this sender within
     * {@code optout.reasonWindow}: recorded as a REASON event (best effort: the MO itself is
     * relayed as usual whatever happens here), once per opt-out.
     */
    private void keepReason(Mo mo, String digits, String sender, String text) {
        AccountConfig owner = mo.owner();
        redis.getdel(reasonKey(digits, sender)).whenComplete((optOutId, error) -> {
            if (error != null || optOutId == null) {
                return;
            }
            OptOutPolicy policy = owner == null ? OptOutPolicy.defaults() : owner.optOut();
            Scope scope = scopeFor(owner, policy, sender, new KeywordMatch(Intent.OPT_OUT, "", null, false));
            ConsentEvent reason = new ConsentEvent(
                    ConsentEvent.newId(),
                    Instant.now(),
                    ConsentEvent.Type.REASON,
                    digits,
                    scope.code(),
                    null,
                    null,
                    text,
                    mo.dataCoding(),
                    mo.upstream(),
                    "reason for " + optOutId,
                    instanceId,
                    null,
                    null,
                    owner == null ? null : owner.systemId(),
                    sender);
            recorder.record(reason.withSource(ConsentEvent.Source.MO_PHRASE)).whenComplete((ok, e) -> {
                if (e == null) {
                    metrics.consentEvent(
                            ownerName(mo),
                            owner == null ? "other" : owner.senderTag(sender),
                            "reason",
                            scope.kind(),
                            "",
                            "");
                } else {
                    log.info("{} reason after opt-out not recorded: {}", mo.label(), e.toString());
                }
            });
        });
    }

    /** The account's scope; STOPALL / STOP ALL take the widest it allows; no owner: that sender, any account. */
    static Scope scopeFor(AccountConfig owner, OptOutPolicy policy, String sender, KeywordMatch k) {
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

    /** A bounded label for why recording failed: journal, timeout or redis. */
    static String failureCause(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof JournalAppendException) {
            return "journal";
        }
        if (e instanceof TimeoutException) {
            return "timeout";
        }
        return "redis";
    }

    /**
     * The source of a keyword MO's event: {@code mo_keyword} for a configured keyword as such (also
     * followed by a category the account declares, "STOP marketing"), {@code mo_phrase} for what
     * phrase mode recognised (a revocation phrase, a slip), as {@link #keywordTag} tells them apart.
     */
    static ConsentEvent.Source moSource(String text, KeywordMatch k, String namedCategory) {
        return namedCategory != null || k.keyword().equals(TextNormalizer.normalize(text))
                ? ConsentEvent.Source.MO_KEYWORD
                : ConsentEvent.Source.MO_PHRASE;
    }

    /** The keyword for metrics, or "phrase" for a revocation phrase (its wording is not a bounded label). */
    static String keywordTag(String text, KeywordMatch k) {
        return k.keyword().equals(TextNormalizer.normalize(text)) ? k.keyword() : "phrase";
    }

    /**
     * The number the MO was sent to, in the canonical sender form (read in its owner's region):
     * the form submits from that number are authorised and checked in.
     */
    private static String senderOf(Mo mo) {
        return Senders.canonical(
                mo.destinationTon(),
                mo.destination(),
                mo.owner() == null ? DEFAULT_REGION : mo.owner().defaultRegion());
    }

    private static CompletionStage<MoOutcome> done(MoOutcome outcome) {
        return CompletableFuture.completedFuture(outcome);
    }

    private static String ownerName(Mo mo) {
        return mo.owner() == null ? "" : mo.owner().systemId();
    }
}
