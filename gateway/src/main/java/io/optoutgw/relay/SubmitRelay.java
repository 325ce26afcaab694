package io.optoutgw.relay;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseSm;
import com.cloudhopper.smpp.pdu.BaseSmResp;
import com.cloudhopper.smpp.pdu.CancelSm;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.pdu.QuerySm;
import com.cloudhopper.smpp.tlv.Tlv;
import com.cloudhopper.smpp.type.Address;
import com.cloudhopper.smpp.type.SmppInvalidArgumentException;
import io.netty.channel.EventLoop;
import io.optoutgw.codec.Pdus;
import io.optoutgw.codec.ReplaceSm;
import io.optoutgw.codec.SubmitMulti;
import io.optoutgw.codec.SubmitMultiResp;
import io.optoutgw.config.EvidenceConfig;
import io.optoutgw.config.OptOutInstructionConfig;
import io.optoutgw.config.OptOutPolicy;
import io.optoutgw.config.RelayConfig;
import io.optoutgw.config.SendTimeConfig;
import io.optoutgw.esme.Account;
import io.optoutgw.esme.EsmeSession;
import io.optoutgw.esme.EsmeTraffic;
import io.optoutgw.metrics.GatewayMetrics;
import io.optoutgw.metrics.LogLimiter;
import io.optoutgw.optout.OptOutInstructions;
import io.optoutgw.optout.SmContent;
import io.optoutgw.report.RelayedStats;
import io.optoutgw.sendtime.SendTimeGate;
import io.optoutgw.smpp.RequestWindow;
import io.optoutgw.suppression.EvidenceLedger;
import io.optoutgw.suppression.PhoneNumbers;
import io.optoutgw.suppression.SuppressionGuard;
import io.optoutgw.upstream.UpstreamBind;
import io.optoutgw.upstream.Upstreams;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ESME -> SMSC (submit_sm, data_sm, submit_multi, query_sm, replace_sm, cancel_sm): every
 * destination of a submit is checked against the suppression list and answered from one
 * {@link SubmitDecision}; what may go is sent on a session of the account's route, with that
 * session's own sequence number, and the response goes back with the ESME's original sequence
 * number. submit_sm_resp message ids are recorded for receipt routing. Before the list, a message
 * to India is refused when the account requires its DLT registration TLVs and it lacks them
 * ({@link DltRegistration}). The decision is taken in
 * {@code suppression} ({@link SuppressionGuard}); the refusal is answered here. A message the
 * list allows then goes through the account's opt-out instruction check ({@link
 * OptOutInstructions}: appended to, refused or counted) and its send-time rules ({@link
 * SendTimeGate}) when they hold for its category: per destination for a submit_multi. Every
 * refused destination, and every relay that matters for proof, is recorded in the evidence ledger
 * after the ESME is answered ({@link Evidence}).
 */
public final class SubmitRelay implements EsmeTraffic {

    private static final Logger log = LoggerFactory.getLogger(SubmitRelay.class);
    /** Per-message lines: at most one of each kind a second (the events are counted in metrics). */
    private static final Duration LOG_INTERVAL = Duration.ofSeconds(1);

    private final LogLimiter wrongSenderLog = new LogLimiter(LOG_INTERVAL);
    private final LogLimiter multiRefusedLog = new LogLimiter(LOG_INTERVAL);
    private final LogLimiter upstreamFailureLog = new LogLimiter(LOG_INTERVAL);
    private final LogLimiter instructionMissingLog = new LogLimiter(LOG_INTERVAL);
    private final OptOutInstructions instructions = new OptOutInstructions();

    /** language_indicator (SMPP 3.4 section 5.3.2.19). */
    private static final short TAG_LANGUAGE_INDICATOR = 0x020D;

    private static final Runnable NOTHING = () -> {};
    private final Map<GatewayMetrics.RefusalReason, LogLimiter> refusalLogs =
            new EnumMap<>(GatewayMetrics.RefusalReason.class);

    private final RelayConfig config;
    private final Upstreams upstreams;
    private final MessageIdStore messageIds;
    private final long timeoutNanos;
    private final SuppressionGuard guard;
    private final RelayedStats relayedStats;
    private final SendTimeGate sendTime;
    private final GatewayMetrics metrics;
    private final Refusals refusals;
    private final PendingMessages pending;
    /** Where refused destinations and relays that matter for proof are recorded (set before ESMEs bind). */
    private Evidence evidence = Evidence.OFF;

    public SubmitRelay(
            RelayConfig config,
            Upstreams upstreams,
            MessageIdStore messageIds,
            SuppressionGuard guard,
            PendingMessages pending,
            GatewayMetrics metrics,
            RelayedStats relayedStats,
            SendTimeGate sendTime) {
        this.sendTime = sendTime;
        this.relayedStats = relayedStats;
        this.guard = guard;
        this.pending = pending;
        this.metrics = metrics;
        this.refusals = new Refusals();
        this.config = config;
        this.upstreams = upstreams;
        this.messageIds = messageIds;
        this.timeoutNanos = config.requestTimeout().toNanos();
        for (GatewayMetrics.RefusalReason reason : GatewayMetrics.RefusalReason.values()) {
            refusalLogs.put(reason, new LogLimiter(LOG_INTERVAL));
        }
    }

    /**
     * Records every refused destination, every fail-open pass and every relay to a number the check
     * saw an entry for in {@code ledger} ({@link Evidence}); call before ESMEs bind.
     */
    public void recordEvidence(EvidenceLedger ledger, EvidenceConfig config) {
        this.evidence = new Evidence(ledger, config, metrics);
    }

    @Override
    public void fromEsme(EsmeSession session, PduRequest<?> request) {
        long startNanos = System.nanoTime();
        int esmeSequence = request.getSequenceNumber();
        Account account = session.account();
        int command = request.getCommandId();
        String source = senderOf(account, request); // canonical: as authorised, recorded and checked
        if (source != null && !account.isOwnSender(source)) {
            // an account submits only with its own sender IDs and numbers (docs/reliability.md, "Security")
            long skipped = wrongSenderLog.admit();
            if (skipped >= 0) {
                log.info(
                        "{} {} refused: source address is not one of the account's senders{}",
                        session.label(),
                        request.getName(),
                        LogLimiter.leftOut(skipped));
            }
            session.respond(Pdus.response(request, SmppConstants.STATUS_INVSRCADR), esmeSequence);
            return;
        }
        if (command == SmppConstants.CMD_ID_QUERY_SM
                || command == SmppConstants.CMD_ID_CANCEL_SM
                || command == SmppConstants.CMD_ID_REPLACE_SM) {
            String messageId = messageIdOf(request);
            if (messageId != null && !messageId.isEmpty()) {
                relayToOwner(session, request, esmeSequence, messageId, startNanos);
                return;
            }
            // a cancel_sm without message_id cancels by source (checked above) and destination
        }
        String scheduleProblem = scheduleProblem(account.config().optOut(), request);
        if (scheduleProblem != null) {
            metrics.submitRefused(account.systemId(), GatewayMetrics.RefusalReason.SCHEDULE);
            long skipped =
                    refusalLogs.get(GatewayMetrics.RefusalReason.SCHEDULE).admit();
            if (skipped >= 0) {
                log.info(
                        "{} {} refused: {}{}",
                        session.label(),
                        request.getName(),
                        scheduleProblem,
                        LogLimiter.leftOut(skipped));
            }
            session.respond(Pdus.response(request, SmppConstants.STATUS_INVSCHED), esmeSequence);
            if (evidence.enabled()) {
                String sender = source == null ? "" : source;
                evidence.refusedAll(
                        account,
                        request,
                        sender,
                        SubmitCategory.of(account.config().optOut(), request, sender),
                        GatewayMetrics.RefusalReason.SCHEDULE,
                        SmppConstants.STATUS_INVSCHED,
                        esmeSequence);
            }
            return;
        }
        if (command == SmppConstants.CMD_ID_SUBMIT_SM || command == SmppConstants.CMD_ID_DATA_SM) {
            BaseSm<?> sm = (BaseSm<?>) request;
            OptOutPolicy policy = account.config().optOut();
            if (DltRegistration.refuses(
                    policy, sm, sm.getDestAddress(), account.config().defaultRegion())) {
                refuseUnregistered(session, sm.getName(), sm.getDestAddress());
                session.respond(Pdus.response(sm, policy.indiaDltStatus()), esmeSequence);
                return;
            }
            String sender = source == null ? "" : source;
            metrics.submitChecked(account.systemId());
            String category = SubmitCategory.of(account.config().optOut(), sm, sender);
            guard.check(
                            account.systemId(),
                            account.config().defaultRegion(),
                            sm.getDestAddress(),
                            sender,
                            category,
                            policy.requiresOptIn(category))
                    .whenComplete((decision, never) -> onLoop(
                            session.executor(),
                            () -> enforce(session, sm, esmeSequence, decision, startNanos, sender, category)));
            return;
        }
        if (command == SmppConstants.CMD_ID_SUBMIT_MULTI) {
            checkMulti(session, (SubmitMulti) request, esmeSequence);
            return;
        }
        relay(session, request, esmeSequence, startNanos);
    }

    /**
     * Counts and logs (at most a line a second) a message to an Indian number refused for lacking
     * its DLT registration TLVs ({@code optOut.indiaDlt: require}).
     */
    private void refuseUnregistered(EsmeSession session, String what, Address destination) {
        metrics.submitRefused(session.account().systemId(), GatewayMetrics.RefusalReason.MISSING_DLT);
        long skipped = refusalLogs.get(GatewayMetrics.RefusalReason.MISSING_DLT).admit();
        if (skipped >= 0) {
            log.info(
                    "{} {} to {} refused: a message to India without both DLT TLVs (0x1400 entity id,"
                            + " 0x1401 template id){}",
                    session.label(),
                    what,
                    PhoneNumbers.mask(destination == null ? "" : destination.getAddress()),
                    LogLimiter.leftOut(skipped));
        }
    }

    /**
     * The request's source address in the account's canonical sender form (as authorised, recorded
     * and checked), or null for requests that carry none. query_sm, cancel_sm and replace_sm always
     * carry one: an absent address is checked as the empty one.
     */
    private static String senderOf(Account account, PduRequest<?> request) {
        Address a;
        if (request instanceof BaseSm<?> sm) {
            a = sm.getSourceAddress();
        } else if (request instanceof SubmitMulti m) {
            a = m.getSourceAddress();
        } else if (request instanceof QuerySm q) {
            a = q.getSourceAddress();
        } else if (request instanceof CancelSm c) {
            a = c.getSourceAddress();
        } else if (request instanceof ReplaceSm r) {
            a = r.getSourceAddress();
        } else {
            return null;
        }
        if (a == null) {
            return request instanceof BaseSm<?> || request instanceof SubmitMulti
                    ? null
                    : account.config().sender((byte) 0, "");
        }
        return account.config().sender(a.getTon(), a.getAddress());
    }

    private static String messageIdOf(PduRequest<?> request) {
        if (request instanceof QuerySm q) {
            return q.getMessageId();
        }
        if (request instanceof CancelSm c) {
            return c.getMessageId();
        }
        if (request instanceof ReplaceSm r) {
            return r.getMessageId();
        }
        return null;
    }

    /**
     * Why the account's schedule policy refuses {@code request}, or {@code null} when it may go.
     * Only submit_sm and submit_multi carry a schedule_delivery_time.
     */
    static String scheduleProblem(OptOutPolicy policy, PduRequest<?> request) {
        String schedule = request instanceof BaseSm<?> sm
                ? sm.getScheduleDeliveryTime()
                : request instanceof SubmitMulti m ? m.getScheduleDeliveryTime() : null;
        if (schedule == null || schedule.isEmpty() || policy.scheduled() == OptOutPolicy.Scheduled.ALLOW) {
            return null;
        }
        if (policy.scheduled() == OptOutPolicy.Scheduled.REFUSE) {
            return "scheduled delivery is not allowed for this account";
        }
        SmppTime.Parsed at = SmppTime.parse(schedule, Instant.now());
        if (at instanceof SmppTime.Invalid invalid) {
            return "schedule_delivery_time is not an SMPP time: " + invalid.problem();
        }
        if (at instanceof SmppTime.At when
                && when.instant().isAfter(Instant.now().plus(policy.maxScheduleAhead()))) {
            return "schedule_delivery_time is more than " + policy.maxScheduleAhead() + " ahead";
        }
        return null;
    }

    /** When a relayed message may still wait at the SMSC after its submit: worth remembering; else null. */
    private Instant pendingUntil(Account account, String schedule, String validity) {
        if (!account.config().optOut().cancelPendingOnOptOut() || (isEmpty(schedule) && isEmpty(validity))) {
            return null;
        }
        Instant now = Instant.now();
        return PendingMessages.pendingUntil(SmppTime.parse(schedule, now), SmppTime.parse(validity, now), now);
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }

    /**
     * query_sm, cancel_sm and replace_sm name a message by its SMSC message_id: they go to the
     * upstream that accepted that message for this account, and are refused with ESME_RINVMSGID
     * when no upstream of the account's route accepted it for this account (another account's
     * message, or an unknown id).
     */
    private void relayToOwner(
            EsmeSession session, PduRequest<?> request, int esmeSequence, String messageId, long startNanos) {
        Account account = session.account();
        List<String> names = upstreams.routeNames(account.config().route());
        List<CompletableFuture<String>> owners = new ArrayList<>(names.size());
        for (String name : names) {
            owners.add(messageIds.lookup(name, messageId).toCompletableFuture());
        }
        CompletableFuture.allOf(owners.toArray(CompletableFuture[]::new))
                .whenComplete((ignored, error) -> onLoop(session.executor(), () -> {
                    if (error != null) {
                        metrics.redisError("receipt_lookup");
                        session.respond(
                                Pdus.response(request, account.config().optOut().failClosedStatus()), esmeSequence);
                        return;
                    }
                    for (int i = 0; i < names.size(); i++) {
                        if (account.systemId().equals(owners.get(i).join())) {
                            UpstreamBind bind = upstreams.pool(names.get(i)).pick();
                            if (bind == null) {
                                session.respond(Pdus.response(request, config.noRouteStatus()), esmeSequence);
                            } else {
                                send(bind, session, request, esmeSequence, startNanos, null, null);
                            }
                            return;
                        }
                    }
                    metrics.submitRefused(account.systemId(), GatewayMetrics.RefusalReason.NOT_OWNER);
                    long skipped = refusalLogs
                            .get(GatewayMetrics.RefusalReason.NOT_OWNER)
                            .admit();
                    if (skipped >= 0) {
                        log.info(
                                "{} {} refused: message id is not one this account submitted{}",
                                session.label(),
                                request.getName(),
                                LogLimiter.leftOut(skipped));
                    }
                    session.respond(Pdus.response(request, SmppConstants.STATUS_INVMSGID), esmeSequence);
                }));
    }

    /**
     * submit_multi: every destination is checked; the allowed ones are relayed in one submit_multi
     * and the refused ones are listed in unsuccess_sme with their error. If none is allowed the
     * SMSC is not contacted. A list that cannot be read refuses the whole request (fail closed)
     * unless the account is fail-open.
     */
    private void checkMulti(EsmeSession session, SubmitMulti multi, int esmeSequence) {
        Account account = session.account();
        Address source = multi.getSourceAddress();
        String sender = source == null ? "" : account.config().sender(source.getTon(), source.getAddress());
        List<SubmitMulti.Destination> destinations = multi.getDestinations();
        List<CompletableFuture<SuppressionGuard.Decision>> checks = new ArrayList<>(destinations.size());
        OptOutPolicy policy = account.config().optOut();
        String category = SubmitCategory.of(policy, multi, sender);
        // the DLT TLVs are the message's: when they are missing, every Indian destination is refused
        boolean unregistered = DltRegistration.required(policy) && !DltRegistration.registered(multi);
        boolean[] dltRefused = new boolean[destinations.size()];
        for (int i = 0; i < destinations.size(); i++) {
            SubmitMulti.Destination d = destinations.get(i);
            if (unregistered
                    && !d.isDistributionList()
                    && DltRegistration.indian(d.address(), account.config().defaultRegion())) {
                dltRefused[i] = true;
                checks.add(CompletableFuture.completedFuture(null));
                continue;
            }
            metrics.submitChecked(account.systemId());
            checks.add(
                    d.isDistributionList()
                            ? CompletableFuture.completedFuture(new SuppressionGuard.InvalidNumber("distribution list"))
                            : guard.check(
                                            account.systemId(),
                                            account.config().defaultRegion(),
                                            d.address(),
                                            sender,
                                            category,
                                            account.config().optOut().requiresOptIn(category))
                                    .toCompletableFuture());
        }
        CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
                .whenComplete((ignored, never) -> onLoop(
                        session.executor(),
                        () -> decideMulti(session, multi, esmeSequence, checks, dltRefused, sender, category)));
    }

    private void decideMulti(
            EsmeSession session,
            SubmitMulti multi,
            int esmeSequence,
            List<CompletableFuture<SuppressionGuard.Decision>> checks,
            boolean[] dltRefused,
            String sender,
            String category) {
        Account account = session.account();
        List<SubmitMulti.Destination> destinations = multi.getDestinations();
        OptOutPolicy policy = account.config().optOut();
        List<SubmitMulti.Destination> allowed = new ArrayList<>();
        List<String> allowedDigits = new ArrayList<>();
        List<SubmitMultiResp.Unsuccess> refused = new ArrayList<>();
        List<Runnable> relaysToRecord = new ArrayList<>(0);
        for (int i = 0; i < destinations.size(); i++) {
            SubmitMulti.Destination d = destinations.get(i);
            if (dltRefused[i]) {
                refuseUnregistered(session, multi.getName(), d.address());
                refused.add(new SubmitMultiResp.Unsuccess(d.address(), policy.indiaDltStatus()));
                continue;
            }
            SubmitDecision decision = SubmitDecision.of(checks.get(i).join(), policy);
            count(session, multi.getName(), decision);
            if (decision instanceof SubmitDecision.Relay relay) {
                allowed.add(d);
                allowedDigits.add(relay.digits());
                if (evidence.matters(relay.digits(), relay.known())) {
                    relaysToRecord.add(() -> evidence.relayed(
                            account,
                            multi,
                            relay.digits(),
                            relay.known(),
                            d.address(),
                            sender,
                            category,
                            esmeSequence,
                            null));
                }
            } else if (decision instanceof SubmitDecision.FailClosed failClosed) {
                session.respond(Pdus.response(multi, failClosed.status()), esmeSequence);
                evidence.refusedAll(
                        account, multi, sender, category, failClosed.reason(), failClosed.status(), esmeSequence);
                return;
            } else {
                Address address =
                        d.isDistributionList() ? new Address((byte) 0, (byte) 0, d.distributionList()) : d.address();
                SubmitDecision.Refusal refusal = (SubmitDecision.Refusal) decision;
                refused.add(new SubmitMultiResp.Unsuccess(address, refusal.status()));
                if (!d.isDistributionList()) {
                    evidence.refused(
                            account,
                            multi,
                            null,
                            d.address(),
                            sender,
                            category,
                            refusal.reason(),
                            refusal instanceof SubmitDecision.OptedOut o ? o.suppressed() : null,
                            refusal.status(),
                            esmeSequence,
                            null);
                }
            }
        }
        if (!refused.isEmpty()) {
            long skipped = multiRefusedLog.admit();
            if (skipped >= 0) {
                log.info(
                        "{} submit_multi: {} of {} destinations refused{}",
                        session.label(),
                        refused.size(),
                        destinations.size(),
                        LogLimiter.leftOut(skipped));
            }
        }
        if (allowed.isEmpty()) {
            SubmitMultiResp resp = multi.createResponse();
            resp.setUnsuccessful(refused);
            session.respond(resp, esmeSequence);
            return;
        }
        UpstreamBind bind = upstreams.pick(account.config().route());
        if (bind == null) {
            session.respond(Pdus.response(multi, config.noRouteStatus()), esmeSequence);
            return;
        }
        // one message to every allowed destination: checked once for an opt-out instruction
        SubmitMulti out = multi.withDestinations(allowed);
        Runnable instructionChecked = checkInstruction(session, out, multi, esmeSequence, bind, sender, category);
        if (instructionChecked == null) {
            return;
        }
        // run when the message goes to the SMSC: the relays that matter for proof are recorded then
        Runnable instructionCounted = () -> {
            instructionChecked.run();
            relaysToRecord.forEach(Runnable::run);
        };
        SendTimeConfig rules = policy.sendTime();
        if (rules == null || !rules.appliesTo(category)) {
            relayMultiChecked(session, bind, out, esmeSequence, refused, allowedDigits, instructionCounted);
            return;
        }
        sendTimeMulti(session, bind, out, esmeSequence, refused, allowedDigits, instructionCounted, rules);
    }

    /** Relays a submit_multi whose destinations passed every check, remembering it as possibly pending. */
    private void relayMultiChecked(
            EsmeSession session,
            UpstreamBind bind,
            SubmitMulti out,
            int esmeSequence,
            List<SubmitMultiResp.Unsuccess> refused,
            List<String> digits,
            Runnable instructionCounted) {
        instructionCounted.run();
        Instant until = pendingUntil(session.account(), out.getScheduleDeliveryTime(), out.getValidityPeriod());
        relayMulti(session, bind, out, esmeSequence, refused, until == null ? null : digits, until);
    }

    /**
     * The send-time rules for each destination of a submit_multi the list and the instruction check
     * let through. Quiet hours are judged for every destination first (no Redis); then the message
     * can be rescheduled only as a whole: under {@code action: schedule} it is when every
     * destination is quiet until the same instant (one zone), otherwise the quiet destinations are
     * refused with {@code refuseStatus}, like under {@code action: refuse}, and the others go now.
     * Only the destinations that will be sent then take a slot of the cap; those over it are
     * refused. Every refusal is listed in unsuccess_sme.
     */
    private void sendTimeMulti(
            EsmeSession session,
            UpstreamBind bind,
            SubmitMulti out,
            int esmeSequence,
            List<SubmitMultiResp.Unsuccess> refused,
            List<String> digits,
            Runnable instructionCounted,
            SendTimeConfig rules) {
        Account account = session.account();
        Instant requested = scheduledAt(out.getScheduleDeliveryTime());
        boolean honours = bind.config().honoursSchedule();
        int n = digits.size();
        SendTimeGate.Outcome[] hours = new SendTimeGate.Outcome[n];
        Instant common = null;
        boolean oneSchedule = true;
        for (int i = 0; i < n; i++) {
            // a destination that passed fail-open has no number to judge: it goes as submitted
            hours[i] = digits.get(i) == null
                    ? new SendTimeGate.Relay()
                    : sendTime.hours(digits.get(i), rules, requested, honours);
            if (hours[i] instanceof SendTimeGate.Schedule schedule) {
                oneSchedule &= common == null || common.equals(schedule.at());
                common = schedule.at();
            } else {
                oneSchedule = false;
            }
        }
        String scheduleDeliveryTime = null;
        for (int i = 0; i < n; i++) {
            if (hours[i] instanceof SendTimeGate.Schedule schedule) {
                if (oneSchedule) {
                    scheduleDeliveryTime = schedule.scheduleDeliveryTime();
                } else {
                    hours[i] = new SendTimeGate.Refuse(
                            rules.refuseStatus(), SendTimeGate.Reason.QUIET_HOURS, schedule.at());
                }
            }
        }
        List<CompletableFuture<SendTimeGate.Outcome>> outcomes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            outcomes.add(
                    hours[i] instanceof SendTimeGate.Refuse || digits.get(i) == null
                            ? CompletableFuture.completedFuture(hours[i])
                            : sendTime.cap(account.systemId(), digits.get(i), rules, hours[i])
                                    .toCompletableFuture());
        }
        String schedule = scheduleDeliveryTime;
        CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
                .whenComplete((ignored, error) -> onLoop(
                        session.executor(),
                        () -> afterSendTimeMulti(
                                session,
                                bind,
                                out,
                                esmeSequence,
                                refused,
                                digits,
                                instructionCounted,
                                outcomes,
                                schedule)));
    }

    /** Acts on the send-time outcome of each destination of a submit_multi. */
    private void afterSendTimeMulti(
            EsmeSession session,
            UpstreamBind bind,
            SubmitMulti out,
            int esmeSequence,
            List<SubmitMultiResp.Unsuccess> refused,
            List<String> digits,
            Runnable instructionCounted,
            List<CompletableFuture<SendTimeGate.Outcome>> outcomes,
            String scheduleDeliveryTime) {
        Account account = session.account();
        OptOutPolicy policy = account.config().optOut();
        List<SubmitMulti.Destination> destinations = out.getDestinations();
        List<SubmitMulti.Destination> send = new ArrayList<>();
        List<String> sendDigits = new ArrayList<>();
        List<SubmitMultiResp.Unsuccess> allRefused = new ArrayList<>(refused);
        for (int i = 0; i < destinations.size(); i++) {
            SubmitMulti.Destination d = destinations.get(i);
            CompletableFuture<SendTimeGate.Outcome> f = outcomes.get(i);
            if (f.isCompletedExceptionally()) {
                // this destination's cap could not be read: fail open or closed per the account
                metrics.redisError("frequency_cap");
                if (policy.failOpen()) {
                    metrics.failOpenPass(account.systemId());
                    send.add(d);
                    sendDigits.add(digits.get(i));
                } else {
                    metrics.submitRefused(account.systemId(), GatewayMetrics.RefusalReason.FAIL_CLOSED);
                    allRefused.add(new SubmitMultiResp.Unsuccess(d.address(), policy.failClosedStatus()));
                }
                continue;
            }
            if (f.join() instanceof SendTimeGate.Refuse refuse) {
                GatewayMetrics.RefusalReason reason = refuseForSendTime(session, out.getName(), digits.get(i), refuse);
                allRefused.add(new SubmitMultiResp.Unsuccess(d.address(), refuse.status()));
                refusedAtSendTime(account, out, digits.get(i), d.address(), reason, refuse.status(), esmeSequence);
                continue;
            }
            send.add(d);
            sendDigits.add(digits.get(i));
        }
        if (send.isEmpty()) {
            SubmitMultiResp resp = out.createResponse();
            resp.setUnsuccessful(allRefused);
            session.respond(resp, esmeSequence);
            return;
        }
        SubmitMulti relayed = send.size() == destinations.size() ? out : out.withDestinations(send);
        if (scheduleDeliveryTime != null) {
            relayed.setScheduleDeliveryTime(scheduleDeliveryTime);
        }
        relayMultiChecked(session, bind, relayed, esmeSequence, allRefused, sendDigits, instructionCounted);
    }

    /**
     * Runs {@code action} on the session's event loop: at once when already on it (the usual case,
     * since a check completes on the loop that issued it), else as a task there.
     */
    private static void onLoop(EventLoop loop, Runnable action) {
        if (loop.inEventLoop()) {
            action.run();
        } else {
            loop.execute(action);
        }
    }

    private void relayMulti(
            EsmeSession session,
            UpstreamBind bind,
            SubmitMulti multi,
            int esmeSequence,
            List<SubmitMultiResp.Unsuccess> refusedHere,
            List<String> pendingDigits,
            Instant pendingUntil) {
        Account account = session.account();
        bind.send(multi, timeoutNanos, new RequestWindow.Callback() {
            @Override
            public void onResponse(PduResponse response) {
                if (!(response instanceof SubmitMultiResp smscResp)) {
                    session.respond(Pdus.adapt(multi, response), esmeSequence);
                    return;
                }
                if (smscResp.getCommandStatus() == SmppConstants.STATUS_OK
                        && !smscResp.getMessageId().isEmpty()) {
                    messageIds.remember(bind.upstreamName(), smscResp.getMessageId(), account.systemId());
                    if (pendingDigits != null) {
                        List<SubmitMulti.Destination> sent = multi.getDestinations();
                        for (int i = 0; i < sent.size(); i++) {
                            if (pendingDigits.get(i) != null) {
                                pending.remember(
                                        pendingDigits.get(i),
                                        bind.upstreamName(),
                                        smscResp.getMessageId(),
                                        account.systemId(),
                                        senderOf(account, multi),
                                        multi.getSourceAddress(),
                                        sent.get(i).address(),
                                        pendingUntil);
                            }
                        }
                    }
                }
                List<SubmitMultiResp.Unsuccess> all = new ArrayList<>(smscResp.getUnsuccessful());
                all.addAll(refusedHere);
                smscResp.setUnsuccessful(all);
                session.respond(smscResp, esmeSequence);
            }

            @Override
            public void onFailure(RequestWindow.Failure failure) {
                int status = failure == RequestWindow.Failure.REFUSED ? config.noRouteStatus() : config.expiredStatus();
                session.respond(Pdus.response(multi, status), esmeSequence);
            }
        });
    }

    /**
     * Relays, or refuses per the account's policy (docs/domain.md, "How the field refuses"). Order:
     * the opt-out list, then the opt-out instruction check (a refusal there is permanent and must
     * not take a slot of the frequency cap), then the send-time rules. The instruction outcome is
     * counted once the message is relayed, or when the check itself refuses it.
     */
    private void enforce(
            EsmeSession session,
            BaseSm<?> sm,
            int esmeSequence,
            SuppressionGuard.Decision checked,
            long startNanos,
            String sender,
            String category) {
        Account account = session.account();
        OptOutPolicy policy = account.config().optOut();
        SubmitDecision decision = SubmitDecision.of(checked, policy);
        count(session, sm.getName(), decision);
        if (decision instanceof SubmitDecision.Relay relay) {
            UpstreamBind bind = upstreams.pick(account.config().route());
            if (bind == null) {
                log.debug("{} no upstream can take {} now", session.label(), sm.getName());
                session.respond(Pdus.response(sm, config.noRouteStatus()), esmeSequence);
                return;
            }
            Runnable counted = checkInstruction(session, sm, esmeSequence, bind, sender, category);
            if (counted == null) {
                return; // refused: no instruction
            }
            // a relay that matters for proof (fail-open, or a number the check saw an entry for) is
            // recorded when it is handed to the SMSC, with the instruction outcome
            Runnable instructionCounted = !evidence.matters(relay.digits(), relay.known())
                    ? counted
                    : () -> {
                        counted.run();
                        evidence.relayed(
                                account,
                                sm,
                                relay.digits(),
                                relay.known(),
                                sm.getDestAddress(),
                                sender,
                                category,
                                esmeSequence,
                                null);
                    };
            if (relay.digits() == null) {
                // passed fail-open: the number is unknown, so nothing is remembered as pending
                instructionCounted.run();
                send(bind, session, sm, esmeSequence, startNanos, null, null);
                return;
            }
            SendTimeConfig rules = policy.sendTime();
            if (rules == null || !rules.appliesTo(category)) {
                relayChecked(session, sm, esmeSequence, startNanos, bind, relay.digits(), instructionCounted);
                return;
            }
            // send-time rules (quiet hours in the recipient's zones, the 24 h cap) after the list allowed it
            sendTime.check(
                            account.systemId(),
                            relay.digits(),
                            rules,
                            scheduledAt(sm.getScheduleDeliveryTime()),
                            bind.config().honoursSchedule())
                    .whenComplete((outcome, error) -> onLoop(
                            session.executor(),
                            () -> afterSendTime(
                                    session,
                                    sm,
                                    esmeSequence,
                                    startNanos,
                                    bind,
                                    relay.digits(),
                                    instructionCounted,
                                    outcome,
                                    error)));
        } else if (decision instanceof SubmitDecision.OptedOut optedOut) {
            String receiptId = refusals.refuse(session, sm, esmeSequence, policy);
            evidence.refused(
                    account,
                    sm,
                    optedOut.suppressed().digits(),
                    sm.getDestAddress(),
                    sender,
                    category,
                    optedOut.reason(),
                    optedOut.suppressed(),
                    receiptId == null ? policy.refusalStatus() : SmppConstants.STATUS_OK,
                    esmeSequence,
                    receiptId);
        } else {
            SubmitDecision.Refusal refusal = (SubmitDecision.Refusal) decision;
            session.respond(Pdus.response(sm, refusal.status()), esmeSequence);
            evidence.refused(
                    account,
                    sm,
                    null,
                    sm.getDestAddress(),
                    sender,
                    category,
                    refusal.reason(),
                    null,
                    refusal.status(),
                    esmeSequence,
                    null);
        }
    }

    /**
     * The opt-out instruction check of a submit the list allowed ({@link OptOutInstructions}):
     * appends the account's text to {@code sm} when that is the outcome, answers the ESME when
     * the outcome is a refusal (then returns null), and otherwise returns what counts the outcome
     * once the message is relayed.
     */
    private Runnable checkInstruction(
            EsmeSession session, BaseSm<?> sm, int esmeSequence, UpstreamBind bind, String sender, String category) {
        return checkInstruction(session, sm, sm, esmeSequence, bind, sender, category);
    }

    /**
     * {@link #checkInstruction(EsmeSession, BaseSm, int, UpstreamBind, String, String)} for a
     * submit_sm, data_sm ({@code pdu} a {@link BaseSm}) or submit_multi ({@code pdu} the
     * {@link SubmitMulti} to relay); {@code request} is the ESME's request, answered on a refusal.
     */
    private Runnable checkInstruction(
            EsmeSession session,
            PduRequest<?> pdu,
            PduRequest<?> request,
            int esmeSequence,
            UpstreamBind bind,
            String sender,
            String category) {
        Account account = session.account();
        OptOutInstructionConfig instruction = account.config().optOut().optOutInstruction();
        if (instruction == null) {
            return NOTHING;
        }
        SmContent content = pdu instanceof BaseSm<?> sm
                ? SmContent.from(sm)
                : SmContent.of(
                        pdu,
                        ((SubmitMulti) pdu).getDataCoding(),
                        ((SubmitMulti) pdu).getEsmClass(),
                        ((SubmitMulti) pdu).getShortMessage());
        OptOutInstructions.Outcome outcome = instructions.check(
                account.config(), sender, category, content, bind.config().dataCodingZero(), languageIndicator(pdu));
        if (outcome == null) {
            return NOTHING;
        }
        String result = outcome.result().label();
        if (outcome.result() == OptOutInstructions.Result.REFUSED) {
            metrics.optOutInstruction(account.systemId(), category, result);
            metrics.submitRefused(account.systemId(), GatewayMetrics.RefusalReason.NO_INSTRUCTION);
            long skipped =
                    refusalLogs.get(GatewayMetrics.RefusalReason.NO_INSTRUCTION).admit();
            if (skipped >= 0) {
                log.info(
                        "{} {} refused: no opt-out instruction{}{}",
                        session.label(),
                        request.getName(),
                        outcome.detail() == null ? "" : " (" + outcome.detail() + ")",
                        LogLimiter.leftOut(skipped));
            }
            session.respond(Pdus.response(request, instruction.refuseStatus()), esmeSequence);
            evidence.refusedAll(
                    account,
                    pdu,
                    sender,
                    category,
                    GatewayMetrics.RefusalReason.NO_INSTRUCTION,
                    instruction.refuseStatus(),
                    esmeSequence);
            return null;
        }
        if (outcome.result() == OptOutInstructions.Result.APPENDED) {
            if (outcome.shortMessage() == null) {
                pdu.setOptionalParameter(new Tlv(SmppConstants.TAG_MESSAGE_PAYLOAD, outcome.messagePayload()));
            } else if (pdu instanceof SubmitMulti m) {
                m.setShortMessage(outcome.shortMessage());
            } else {
                try {
                    ((BaseSm<?>) pdu).setShortMessage(outcome.shortMessage());
                } catch (SmppInvalidArgumentException e) {
                    // cannot happen: the new short_message is at most 254 octets
                    throw new IllegalStateException(e);
                }
            }
        } else if (outcome.result() == OptOutInstructions.Result.MISSING && outcome.detail() != null) {
            long skipped = instructionMissingLog.admit();
            if (skipped >= 0) {
                log.info(
                        "{} {} relayed without an opt-out instruction ({}){}",
                        session.label(),
                        request.getName(),
                        outcome.detail(),
                        LogLimiter.leftOut(skipped));
            }
        }
        return () -> metrics.optOutInstruction(account.systemId(), category, result);
    }

    /** The submit's language_indicator (SMPP 3.4 section 5.3.2.19), or -1 when it has none. */
    private static int languageIndicator(PduRequest<?> request) {
        Tlv tlv = request.getOptionalParameter(TAG_LANGUAGE_INDICATOR);
        return tlv == null || tlv.getValue() == null || tlv.getValue().length != 1 ? -1 : tlv.getValue()[0] & 0xFF;
    }

    /** Relays a submit the list allowed, remembering it as possibly pending at the SMSC. */
    private void relayChecked(
            EsmeSession session,
            BaseSm<?> sm,
            int esmeSequence,
            long startNanos,
            UpstreamBind bind,
            String digits,
            Runnable instructionCounted) {
        instructionCounted.run();
        Instant until = pendingUntil(session.account(), sm.getScheduleDeliveryTime(), sm.getValidityPeriod());
        send(bind, session, sm, esmeSequence, startNanos, until == null ? null : digits, until);
    }

    /** Acts on the send-time rules' outcome for a submit the list allowed. */
    private void afterSendTime(
            EsmeSession session,
            BaseSm<?> sm,
            int esmeSequence,
            long startNanos,
            UpstreamBind bind,
            String digits,
            Runnable instructionCounted,
            SendTimeGate.Outcome outcome,
            Throwable error) {
        Account account = session.account();
        OptOutPolicy policy = account.config().optOut();
        if (error != null) {
            // the cap could not be read: as for the list, fail open or closed per the account
            metrics.redisError("frequency_cap");
            if (policy.failOpen()) {
                metrics.failOpenPass(account.systemId());
                relayChecked(session, sm, esmeSequence, startNanos, bind, digits, instructionCounted);
            } else {
                metrics.submitRefused(account.systemId(), GatewayMetrics.RefusalReason.FAIL_CLOSED);
                session.respond(Pdus.response(sm, policy.failClosedStatus()), esmeSequence);
                refusedAtSendTime(
                        account,
                        sm,
                        digits,
                        sm.getDestAddress(),
                        GatewayMetrics.RefusalReason.FAIL_CLOSED,
                        policy.failClosedStatus(),
                        esmeSequence);
            }
            return;
        }
        if (outcome instanceof SendTimeGate.Refuse refuse) {
            GatewayMetrics.RefusalReason reason = refuseForSendTime(session, sm.getName(), digits, refuse);
            session.respond(Pdus.response(sm, refuse.status()), esmeSequence);
            refusedAtSendTime(account, sm, digits, sm.getDestAddress(), reason, refuse.status(), esmeSequence);
            return;
        }
        if (outcome instanceof SendTimeGate.Schedule schedule) {
            sm.setScheduleDeliveryTime(schedule.scheduleDeliveryTime());
        }
        relayChecked(session, sm, esmeSequence, startNanos, bind, digits, instructionCounted);
    }

    /**
     * Counts and logs (at most a line a second per reason) a message to {@code digits} the send-time
     * rules refused; returns the reason.
     */
    private GatewayMetrics.RefusalReason refuseForSendTime(
            EsmeSession session, String what, String digits, SendTimeGate.Refuse refuse) {
        GatewayMetrics.RefusalReason reason = refuse.reason() == SendTimeGate.Reason.QUIET_HOURS
                ? GatewayMetrics.RefusalReason.QUIET_HOURS
                : GatewayMetrics.RefusalReason.FREQUENCY_CAP;
        metrics.submitRefused(session.account().systemId(), reason);
        long skipped = refusalLogs.get(reason).admit();
        if (skipped >= 0) {
            log.info(
                    "{} {} to {} refused: {} (allowed again at {}){}",
                    session.label(),
                    what,
                    PhoneNumbers.mask(digits),
                    reason == GatewayMetrics.RefusalReason.QUIET_HOURS
                            ? "quiet hours in the recipient's time"
                            : "at most optOut.sendTime.maxPer24h a day",
                    refuse.retryAt(),
                    LogLimiter.leftOut(skipped));
        }
        return reason;
    }

    /** Records a submit the send-time rules refused (its sender and category read again: a refusal path). */
    private void refusedAtSendTime(
            Account account,
            PduRequest<?> sm,
            String digits,
            Address destination,
            GatewayMetrics.RefusalReason reason,
            int status,
            int seq) {
        if (evidence.enabled()) {
            String sender = senderOf(account, sm);
            sender = sender == null ? "" : sender;
            String category = SubmitCategory.of(account.config().optOut(), sm, sender);
            evidence.refused(account, sm, digits, destination, sender, category, reason, null, status, seq, null);
        }
    }

    /** The submit's own schedule_delivery_time as an instant, or null when unset or unreadable. */
    private static Instant scheduledAt(String scheduleDeliveryTime) {
        return SmppTime.parse(scheduleDeliveryTime, Instant.now()) instanceof SmppTime.At at ? at.instant() : null;
    }

    /**
     * Counts {@code decision} for one destination of a {@code what} (the PDU name) and logs a
     * refusal, at most one line of each reason a second.
     */
    private void count(EsmeSession session, String what, SubmitDecision decision) {
        String account = session.account().systemId();
        if (decision instanceof SubmitDecision.Relay relay) {
            if (relay.digits() == null) {
                metrics.redisError("check");
                metrics.failOpenPass(account);
            }
            return;
        }
        SubmitDecision.Refusal refusal = (SubmitDecision.Refusal) decision;
        if (refusal instanceof SubmitDecision.FailClosed) {
            metrics.redisError("check");
        }
        metrics.submitRefused(account, refusal.reason());
        if (refusal instanceof SubmitDecision.OptedOut listed
                && listed.suppressed().list() != null) {
            metrics.listRefused(account, listed.suppressed().list());
        }
        long skipped = refusalLogs.get(refusal.reason()).admit();
        if (skipped < 0) {
            return;
        }
        if (refusal instanceof SubmitDecision.OptedOut optedOut
                && optedOut.suppressed().list() != null) {
            SuppressionGuard.Suppressed s = optedOut.suppressed();
            log.info(
                    "{} {} to {} refused: on list {}{}",
                    session.label(),
                    what,
                    PhoneNumbers.mask(s.digits()),
                    s.list(),
                    LogLimiter.leftOut(skipped));
        } else if (refusal instanceof SubmitDecision.OptedOut optedOut) {
            SuppressionGuard.Suppressed s = optedOut.suppressed();
            log.info(
                    "{} {} to {} refused: opted out ({}{}){}",
                    session.label(),
                    what,
                    PhoneNumbers.mask(s.digits()),
                    s.scope().kind(),
                    s.category() == null ? "" : ", category " + s.category(),
                    LogLimiter.leftOut(skipped));
        } else if (refusal instanceof SubmitDecision.NoOptIn none) {
            log.info(
                    "{} {} to {} refused: no recorded opt-in (optOut.requireOptIn){}",
                    session.label(),
                    what,
                    PhoneNumbers.mask(none.digits()),
                    LogLimiter.leftOut(skipped));
        } else if (refusal instanceof SubmitDecision.Uncheckable uncheckable) {
            log.info(
                    "{} {} refused: destination cannot be checked ({}){}",
                    session.label(),
                    what,
                    uncheckable.problem(),
                    LogLimiter.leftOut(skipped));
        } else if (refusal instanceof SubmitDecision.FailClosed failClosed) {
            log.warn(
                    "{} {} refused: suppression list unavailable ({}){}",
                    session.label(),
                    what,
                    failClosed.cause().toString(),
                    LogLimiter.leftOut(skipped));
        }
    }

    private void relay(EsmeSession session, PduRequest<?> request, int esmeSequence, long startNanos) {
        UpstreamBind bind = upstreams.pick(session.account().config().route());
        if (bind == null) {
            log.debug("{} no upstream can take {} now", session.label(), request.getName());
            session.respond(Pdus.response(request, config.noRouteStatus()), esmeSequence);
            return;
        }
        send(bind, session, request, esmeSequence, startNanos, null, null);
    }

    /**
     * Sends {@code request} on {@code bind}; {@code pendingDigits} and {@code pendingUntil}, when
     * set, remember the accepted message as possibly pending at the SMSC until then.
     */
    private void send(
            UpstreamBind bind,
            EsmeSession session,
            PduRequest<?> request,
            int esmeSequence,
            long startNanos,
            String pendingDigits,
            Instant pendingUntil) {
        Account account = session.account();
        bind.send(request, timeoutNanos, new RequestWindow.Callback() {
            @Override
            public void onResponse(PduResponse response) {
                PduResponse adapted = Pdus.adapt(request, response);
                boolean message = request.getCommandId() == SmppConstants.CMD_ID_SUBMIT_SM
                        || request.getCommandId() == SmppConstants.CMD_ID_DATA_SM;
                if (message && adapted.getCommandStatus() == SmppConstants.STATUS_OK) {
                    BaseSm<?> sm = (BaseSm<?>) request;
                    String senderTag = account.senderTag(
                            sm.getSourceAddress() == null
                                    ? null
                                    : sm.getSourceAddress().getAddress());
                    metrics.messageRelayed(account.systemId(), senderTag);
                    relayedStats.relayed(account.systemId(), senderTag);
                    if (adapted instanceof BaseSmResp smResp
                            && smResp.getMessageId() != null
                            && !smResp.getMessageId().isEmpty()) {
                        messageIds.remember(bind.upstreamName(), smResp.getMessageId(), account.systemId());
                        if (pendingDigits != null) {
                            pending.remember(
                                    pendingDigits,
                                    bind.upstreamName(),
                                    smResp.getMessageId(),
                                    account.systemId(),
                                    senderOf(account, sm),
                                    sm.getSourceAddress(),
                                    sm.getDestAddress(),
                                    pendingUntil);
                        }
                    }
                }
                metrics.relayLatency(account.systemId(), request.getName(), System.nanoTime() - startNanos);
                session.respond(adapted, esmeSequence);
            }

            @Override
            public void onFailure(RequestWindow.Failure failure) {
                int status = failure == RequestWindow.Failure.REFUSED ? config.noRouteStatus() : config.expiredStatus();
                long skipped = failure == RequestWindow.Failure.REFUSED ? -1 : upstreamFailureLog.admit();
                if (skipped >= 0) {
                    log.info(
                            "{} {} seq {} via {}: {}, answering {}{}",
                            session.label(),
                            request.getName(),
                            esmeSequence,
                            bind.label(),
                            failure,
                            Pdus.status(status),
                            LogLimiter.leftOut(skipped));
                }
                session.respond(Pdus.response(request, status), esmeSequence);
            }
        });
    }
}
