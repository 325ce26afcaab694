package io.optoutgw.metrics;

import java.util.List;

/**
 * Every meter the gateway publishes: name (Micrometer dotted form; Prometheus turns dots into
 * underscores and adds {@code _total}, {@code _seconds} suffixes), kind, base unit, description
 * and tag keys. Tags take bounded values only: account, upstream, side, direction, command,
 * status, reason, type, scope, keyword, language, how, category, result, via, jurisdiction, kind (of an audit finding), signed, list (an external list's name: at most 32 lists), sender (a configured short code or "other"),
 * never a phone number or a message id. JVM, and Lettuce's Redis command meters, are registered
 * by their own binders.
 */
public enum GatewayMeter {
    PDUS(
            "smppgw.pdus",
            Kind.COUNTER,
            null,
            "SMPP PDUs read and written, by side (esme or upstream), direction, command and status",
            "side",
            "direction",
            "command",
            "status"),
    ESME_BINDS(
            "smppgw.esme.binds.bound", Kind.GAUGE, null, "ESME sessions of this account that are bound now", "account"),
    ESME_IN_FLIGHT(
            "smppgw.esme.inflight",
            Kind.GAUGE,
            null,
            "Requests from this account's ESMEs awaiting an answer",
            "account"),
    ESME_DELIVERIES_WAITING(
            "smppgw.esme.deliveries.waiting",
            Kind.GAUGE,
            null,
            "deliver_sm for this account waiting for a free slot in a session's window",
            "account"),
    UPSTREAM_BINDS(
            "smppgw.upstream.binds.bound", Kind.GAUGE, null, "Sessions to this SMSC that are bound now", "upstream"),
    UPSTREAM_SESSIONS(
            "smppgw.upstream.sessions",
            Kind.GAUGE,
            null,
            "Sessions to this SMSC by state (bound, unbound)",
            "upstream",
            "state"),
    UPSTREAM_IN_FLIGHT(
            "smppgw.upstream.inflight",
            Kind.GAUGE,
            null,
            "Requests sent to this SMSC awaiting a response, over all its sessions' windows",
            "upstream"),
    UPSTREAM_WINDOW(
            "smppgw.upstream.window.capacity",
            Kind.GAUGE,
            null,
            "Total window size of this SMSC's bound sessions",
            "upstream"),
    LATE_RESPONSES(
            "smppgw.upstream.responses.late",
            Kind.COUNTER,
            null,
            "Responses from this SMSC dropped because their request had expired or was unknown",
            "upstream"),
    RELAY_LATENCY(
            "smppgw.relay.latency",
            Kind.TIMER,
            "seconds",
            "Time from an ESME request reaching the gateway to its response leaving it",
            "account",
            "command"),
    MESSAGES_RELAYED(
            "smppgw.messages.relayed",
            Kind.COUNTER,
            null,
            "Messages accepted by an SMSC for this account and sender (opt-out rate denominator)",
            "account",
            "sender"),
    SUBMITS_CHECKED(
            "smppgw.submits.checked",
            Kind.COUNTER,
            null,
            "Submit destinations checked against the suppression list",
            "account"),
    SUBMITS_REFUSED(
            "smppgw.submits.refused",
            Kind.COUNTER,
            null,
            "Submits the gateway refused instead of relaying, by reason",
            "account",
            "reason"),
    OPTOUT_INSTRUCTION(
            "smppgw.optout.instruction",
            Kind.COUNTER,
            null,
            "Messages checked for an opt-out instruction (optOut.optOutInstruction), by category (none when the "
                    + "account declares none) and result (present, appended, refused, missing, skipped)",
            "account",
            "category",
            "result"),
    FAIL_OPEN(
            "smppgw.submits.fail.open",
            Kind.COUNTER,
            null,
            "Submits relayed unchecked because the list could not be read and the account is fail-open",
            "account"),
    CONSENT_EVENTS(
            "smppgw.consent.events",
            Kind.COUNTER,
            null,
            "Opt-outs, opt-ins, HELP and reasons recorded, by keyword and language",
            "account",
            "sender",
            "type",
            "scope",
            "keyword",
            "language"),
    RESUBSCRIBES(
            "smppgw.resubscribes",
            Kind.COUNTER,
            null,
            "Opt-outs a person had sent that were lifted again, by how: the person's START (start), an operator "
                    + "with a consent evidence reference (evidence) or an audited override (override)",
            "account",
            "via"),
    // "businessdays" in one word: promtool's lint reads a name ending in _days as a time that should be in seconds
    OPTOUT_HONOUR_BUSINESS_DAYS(
            "smppgw.optout.honour.businessdays",
            Kind.HISTOGRAM,
            null,
            "Business days (the jurisdiction's calendar) from a person's request in another channel (receivedAt) "
                    + "to the opt-out taking effect at the gateway",
            "jurisdiction"),
    RECORD_FAILURES(
            "smppgw.consent.record.failures",
            Kind.COUNTER,
            null,
            "Keyword MO that could not be made durable; the SMSC got ESME_RX_T_APPN and will retry",
            "account",
            "cause"),
    CONFIRMATION_DELAY(
            "smppgw.confirmation.delay",
            Kind.TIMER,
            "seconds",
            "Time from receiving a keyword MO to the SMSC accepting the gateway's reply",
            "account",
            "type"),
    CONFIRMATION_FAILURES(
            "smppgw.confirmation.failures",
            Kind.COUNTER,
            null,
            "Replies (confirmation, HELP, opt-in) the SMSC did not accept",
            "account",
            "type"),
    REPLIES_WITHHELD(
            "smppgw.replies.withheld",
            Kind.COUNTER,
            null,
            "Replies not sent, by reason: automated (the keyword MO came from an alphanumeric sender or a short"
                    + " code; a reply could start a loop with another automated system) or cap (optout.replyCap:"
                    + " the person already got the most replies the window allows from that sender); the event is"
                    + " recorded",
            "account",
            "reason"),
    CATEGORY_CONSENT_EVENTS(
            "smppgw.category.consent.events",
            Kind.COUNTER,
            null,
            "Opt-outs, opt-ins and narrowings recorded from MO for accounts with consent categories, by the"
                    + " category they cover (one of the account's optOut.categories, or all)",
            "account",
            "category",
            "type"),
    FEED_BACKLOG(
            "smppgw.feed.backlog",
            Kind.GAUGE,
            null,
            "Consent events this instance journaled that the event feed (GET /api/events) does not hold yet"),
    FEED_PUBLISHED(
            "smppgw.feed.published", Kind.COUNTER, null, "Consent events this instance published to the event feed"),
    WEBHOOK_DELIVERED(
            "smppgw.webhook.delivered",
            Kind.COUNTER,
            null,
            "Consent events this webhook endpoint took (2xx)",
            "webhook"),
    WEBHOOK_FAILED(
            "smppgw.webhook.failed",
            Kind.COUNTER,
            null,
            "Attempts at this webhook endpoint that failed (timeout, connection error or a status other than 2xx);"
                    + " each is retried",
            "webhook"),
    WEBHOOK_DEAD_LETTERS(
            "smppgw.webhook.dead.letters",
            Kind.COUNTER,
            null,
            "Consent events this webhook endpoint did not take within its retryFor: moved to its dead-letter list",
            "webhook"),
    WEBHOOK_LAG(
            "smppgw.webhook.lag.seconds",
            Kind.GAUGE,
            null,
            "Age of the oldest consent event this webhook endpoint has not received yet (0 when caught up; on the"
                    + " instance that delivers to it)",
            "webhook"),
    CLARIFICATIONS(
            "smppgw.clarifications",
            Kind.COUNTER,
            null,
            "Clarifications under optOut.clarify: asked (sent instead of the confirmation), narrowed (the person"
                    + " replied 1: one category only) and all (replied 2); silence keeps every category stopped",
            "account",
            "result"),
    MO_DUPLICATES(
            "smppgw.mo.duplicates",
            Kind.COUNTER,
            null,
            "Keyword MO of the same intent, person and short code as one confirmed within optout.dedupWindow: "
                    + "recorded, not confirmed again",
            "account"),
    MO_LATIN1_FALLBACK(
            "smppgw.mo.latin1.fallback",
            Kind.COUNTER,
            null,
            "MO text announced as GSM 7-bit unpacked (data_coding 0 by default) with octets above 0x7F, "
                    + "read as Latin-1 for keyword scanning",
            "account"),
    OPTOUT_SOURCE_FALLBACK(
            "smppgw.optout.source.fallback",
            Kind.COUNTER,
            null,
            "Keyword MO whose source the account's region cannot read, by how it was keyed: international "
                    + "(+digits), digits (as sent), or none (not a phone number: not recorded)",
            "account",
            "how"),
    PENDING_CANCELS(
            "smppgw.pending.cancels",
            Kind.COUNTER,
            null,
            "cancel_sm sent after an opt-out for messages still pending at the SMSC (scheduled or long validity), "
                    + "by result (cancelled, refused, failed, no_upstream)",
            "result"),
    JOURNAL_FSYNC(
            "smppgw.journal.fsync",
            Kind.TIMER,
            "seconds",
            "Time to force a batch of journal entries to disk (group commit)"),
    JOURNAL_REPLAYED(
            "smppgw.journal.replayed",
            Kind.COUNTER,
            null,
            "Journal entries replayed into Redis at start-up and by reconciliation"),
    JOURNAL_REPLAY_RETRIES(
            "smppgw.journal.replay.retries",
            Kind.COUNTER,
            null,
            "Batches of replayed journal entries applied again after Redis failed or timed out on them"),
    JOURNAL_DISCREPANCIES(
            "smppgw.journal.discrepancies",
            Kind.COUNTER,
            null,
            "Journal entries a replay found missing from Redis (Redis lost data)"),
    JOURNAL_UNAPPLIED(
            "smppgw.journal.unapplied",
            Kind.GAUGE,
            null,
            "Journaled consent events whose Redis write has not succeeded yet"),
    CONSENT_LOCAL_ORDERS(
            "smppgw.consent.local.orders",
            Kind.COUNTER,
            null,
            "Consent events journaled without an order from Redis (it could not be asked): placed on the list by "
                    + "this gateway's clock"),
    CLOCK_SKEW(
            "smppgw.clock.skew.seconds",
            Kind.GAUGE,
            null,
            "This host's clock minus Redis TIME in seconds, the largest difference over the masters, measured on "
                    + "each reconciliation pass"),
    JOURNAL_OPEN(
            "smppgw.journal.open",
            Kind.GAUGE,
            null,
            "1 when the opt-out journal can be written, 0 after a failed write (e.g. a full disk) until it writes again"),
    JOURNAL_BYTES("smppgw.journal.bytes", Kind.GAUGE, null, "Bytes of the opt-out journal's segment files on disk"),
    JOURNAL_WRITE_FAILURES(
            "smppgw.journal.write.failures",
            Kind.COUNTER,
            null,
            "Journal batches whose write or fsync failed (their opt-outs got ESME_RX_T_APPN)"),
    AUDIT_CHAIN_SEQ(
            "smppgw.audit.chain.seq",
            Kind.GAUGE,
            null,
            "Seq of the last event on disk in this journal's hash chain of consent events"),
    AUDIT_CHECKPOINTS(
            "smppgw.audit.checkpoints",
            Kind.COUNTER,
            null,
            "Checkpoints of the hash chain written (journal and Redis), by whether they are signed (true, false)",
            "signed"),
    AUDIT_CHECKPOINT_FAILURES(
            "smppgw.audit.checkpoint.failures",
            Kind.COUNTER,
            null,
            "Checkpoints of the hash chain that could not be written (journal or Redis unavailable)"),
    AUDIT_VERIFY_LAST(
            "smppgw.audit.verify.last.timestamp.seconds",
            Kind.GAUGE,
            null,
            "When the last completed audit verification (list, journal, audit trail, hash chains) finished, in "
                    + "epoch seconds; 0 before the first"),
    AUDIT_VERIFY_DURATION(
            "smppgw.audit.verify.duration.seconds",
            Kind.GAUGE,
            null,
            "How long the last completed audit verification took"),
    AUDIT_VERIFY_FINDINGS(
            "smppgw.audit.verify.findings",
            Kind.GAUGE,
            null,
            "Findings of the last completed audit verification, by kind (event_edited, event_deleted, "
                    + "event_reordered, chain_broken, checkpoint_invalid, list_disagrees_with_events, ...)",
            "kind"),
    AUDIT_VERIFY_FAILURES(
            "smppgw.audit.verify.failures",
            Kind.COUNTER,
            null,
            "Audit verifications that could not finish (Redis or the journal unreadable)"),
    CONFIG_RELOADS(
            "smppgw.config.reloads",
            Kind.COUNTER,
            null,
            "Configuration reloads (SIGHUP, POST /api/config/reload, or another instance's), by result: success, "
                    + "or failure (the file was refused and nothing changed)",
            "result"),
    CONFIG_RELOAD_LAST(
            "smppgw.config.reload.last.timestamp.seconds",
            Kind.GAUGE,
            null,
            "When the configuration was last reloaded successfully, in epoch seconds (the start counts as one)"),
    AUDIT_VERIFY_INTERVAL(
            "smppgw.audit.verify.interval.seconds",
            Kind.GAUGE,
            null,
            "evidence.verifyInterval in seconds: how often the gateway verifies by itself (0: it does not)"),
    LIST_REFUSALS(
            "smppgw.list.refusals",
            Kind.COUNTER,
            null,
            "Destinations refused because an external list holds them, by account and list (the opt-out list had"
                    + " allowed them)",
            "account",
            "list"),
    LIST_NUMBERS(
            "smppgw.list.numbers",
            Kind.GAUGE,
            null,
            "Distinct numbers in the live version of the external list",
            "list"),
    LIST_VERSION(
            "smppgw.list.version",
            Kind.GAUGE,
            null,
            "The live version of the external list this instance checks submits against",
            "list"),
    LIST_LOADED(
            "smppgw.list.loaded.timestamp.seconds",
            Kind.GAUGE,
            null,
            "When the live version of the external list was loaded (epoch seconds)",
            "list"),
    LIST_AGE("smppgw.list.age.seconds", Kind.GAUGE, null, "Age of the live version of the external list", "list"),
    LIST_MAX_AGE(
            "smppgw.list.max.age.seconds",
            Kind.GAUGE,
            null,
            "lists[].maxAge of the external list in seconds: older than this it is stale (0: no limit)",
            "list"),
    LIST_LOAD_FAILURES(
            "smppgw.list.load.failures",
            Kind.COUNTER,
            null,
            "Loads of the external list that failed on this instance (fetch, file or Redis; the live version stays)",
            "list"),
    REDIS_UP(
            "smppgw.redis.connected",
            Kind.GAUGE,
            null,
            "1 when the gateway's Redis connections (the shared one and one per event loop) are open, else 0"),
    REDIS_ERRORS(
            "smppgw.redis.errors",
            Kind.COUNTER,
            null,
            "Redis operations that failed or timed out, by operation (check, messageid_write, receipt_lookup,"
                    + " pending_write, pending_read, reply_cap)",
            "operation"),
    EVENT_LOOP_PENDING(
            "smppgw.eventloop.pending.tasks",
            Kind.GAUGE,
            null,
            "Tasks waiting in the gateway's Netty event loops",
            "group"),
    ESME_CONNECTIONS_CLOSED(
            "smppgw.esme.connections.closed",
            Kind.COUNTER,
            null,
            "ESME connections the gateway closed before a bind, by reason (connections_per_ip, connect_rate, "
                    + "pre_bind_pdus)",
            "reason");

    /** Meter kinds. */
    public enum Kind {
        COUNTER,
        GAUGE,
        TIMER,
        /** A distribution of plain numbers (not times): {@code _bucket}, {@code _count}, {@code _sum}, {@code _max}. */
        HISTOGRAM
    }

    private final String meterName;
    private final Kind kind;
    private final String baseUnit;
    private final String description;
    private final List<String> tagKeys;

    GatewayMeter(String meterName, Kind kind, String baseUnit, String description, String... tagKeys) {
        this.meterName = meterName;
        this.kind = kind;
        this.baseUnit = baseUnit;
        this.description = description;
        this.tagKeys = List.of(tagKeys);
    }

    public String meterName() {
        return meterName;
    }

    public Kind kind() {
        return kind;
    }

    public String baseUnit() {
        return baseUnit;
    }

    public String description() {
        return description;
    }

    public List<String> tagKeys() {
        return tagKeys;
    }

    /**
     * The name as Prometheus shows it (with the {@code _total} / {@code _seconds} suffixes, without
     * a timer's or histogram's {@code _count}, {@code _bucket}, ...).
     */
    public String prometheusName() {
        String base = meterName.replace('.', '_');
        return switch (kind) {
            case COUNTER -> base + "_total";
            case TIMER -> base + "_seconds";
            case GAUGE, HISTOGRAM -> base;
        };
    }
}
