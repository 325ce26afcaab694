package io.optoutgw.admin;

import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.EvidenceLedger;
import io.optoutgw.suppression.EvidenceLedger.Entry;
import io.optoutgw.suppression.EvidenceLedger.Kind;
import io.optoutgw.suppression.EvidenceLedger.Rollup;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.SuppressionStore;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code gateway audit trace NUMBER}: one timeline of a number from its audit trail and its
 * {@link EvidenceLedger} (detail, daily roll-ups, confirmations), with every relayed message that
 * an opt-out in force covered flagged as a violation.
 *
 * <p>A relay is a violation when, replaying the number's consent events up to the relay's time the
 * way the list weighs them (per entry the greatest order wins, a tie keeps the opt-out), one of the
 * entries the check reads for the relay's account, sender and category holds an opt-out: the
 * global entry, the account's, the account's sender's, the sender's for any account, each for
 * every category and for the message's category (the later of the two deciding). Blocking: call
 * off the event loops.
 */
public final class NumberTraces {

    public static final int DEFAULT_LIMIT = 1000;
    public static final int MAX_LIMIT = 20_000;

    private final SuppressionStore store;
    private final EvidenceLedger ledger;
    private final Duration timeout;

    /**
     * @param ledger the evidence ledger, or {@code null} when it is not kept (the trace then holds
     *               the audit trail only)
     */
    public NumberTraces(SuppressionStore store, EvidenceLedger ledger, Duration timeout) {
        this.store = store;
        this.ledger = ledger;
        this.timeout = timeout;
    }

    /** The timeline of {@code digits} between {@code from} and {@code to} (null: unbounded), at most {@code limit} lines. */
    public NumberTrace trace(String digits, Instant from, Instant to, int limit) throws Exception {
        CompletableFuture<List<ConsentEvent>> history = store.history(digits).toCompletableFuture();
        CompletableFuture<List<Entry>> detail = ledger == null
                ? CompletableFuture.completedFuture(List.of())
                : ledger.detail(digits).toCompletableFuture();
        CompletableFuture<List<Rollup>> rollups = ledger == null
                ? CompletableFuture.completedFuture(List.of())
                : ledger.rollups(digits).toCompletableFuture();
        CompletableFuture<List<Entry>> confirmations = ledger == null
                ? CompletableFuture.completedFuture(List.of())
                : ledger.confirmations(digits).toCompletableFuture();
        long wait = timeout.toMillis();
        Instant now = Instant.now();
        Instant detailSince = null;
        List<Entry> d = detail.get(wait, TimeUnit.MILLISECONDS);
        if (ledger != null) {
            detailSince = now.minus(ledger.detail());
            if (d.size() >= ledger.maxDetail() && d.get(0).time().isAfter(detailSince)) {
                detailSince = d.get(0).time();
            }
        }
        return build(
                digits,
                history.get(wait, TimeUnit.MILLISECONDS),
                d,
                rollups.get(wait, TimeUnit.MILLISECONDS),
                confirmations.get(wait, TimeUnit.MILLISECONDS),
                ledger != null,
                detailSince,
                from,
                to,
                limit);
    }

    /** A line and where it sorts among lines of the same time (consent events first). */
    private record Ranked(NumberTrace.Line line, int rank) {}

    /**
     * The timeline from what {@link #trace} read: {@code history} the audit trail, {@code detail},
     * {@code rollups} and {@code confirmations} the ledger's; {@code detailSince} as in {@link NumberTrace}.
     */
    public static NumberTrace build(
            String digits,
            List<ConsentEvent> history,
            List<Entry> detail,
            List<Rollup> rollups,
            List<Entry> confirmations,
            boolean ledger,
            Instant detailSince,
            Instant from,
            Instant to,
            int limit) {
        List<ConsentEvent> events = new ArrayList<>(history);
        events.sort(Comparator.comparing(ConsentEvent::time));
        List<Ranked> lines = new ArrayList<>();
        for (ConsentEvent e : events) {
            lines.add(new Ranked(consentLine(e), 0));
        }
        confirmationLines(confirmations, lines);

        long violations = 0;
        long refused = 0;
        Map<String, Long> inDetail = new HashMap<>();
        ConsentState state = new ConsentState(events);
        List<Entry> sorted = new ArrayList<>(detail);
        sorted.sort(Comparator.comparingLong(Entry::epochMillis));
        for (Entry en : sorted) {
            inDetail.merge(rollupKey(en.time(), en.account(), en.kind(), en.reason()), 1L, Long::sum);
            if (en.kind() == Kind.REFUSED) {
                refused++;
                lines.add(new Ranked(refusedLine(en), 2));
                continue;
            }
            ConsentEvent violated = state.at(en.time()).covering(en.account(), en.sender(), en.category());
            if (violated != null) {
                violations++;
            }
            lines.add(new Ranked(relayLine(en, violated), 2));
        }

        long possible = 0;
        for (Rollup r : rollups) {
            long shown = inDetail.getOrDefault(rollupKey(r.day(), r.account(), r.kind(), r.reason()), 0L);
            long more = r.count() - shown;
            if (more <= 0) {
                continue;
            }
            Boolean maybe = null;
            if (r.kind() == Kind.REFUSED) {
                refused += more;
            } else if (mayHaveCovered(events, r.day(), r.account())) {
                maybe = true;
                possible += more;
            }
            LineBuilder l = new LineBuilder(r.day().atStartOfDay().toInstant(ZoneOffset.UTC), NumberTrace.ROLLUP);
            l.account = r.account();
            l.reason = r.reason();
            l.violation = maybe;
            l.kind = r.kind().label();
            l.count = more;
            lines.add(new Ranked(l.build(), 3));
        }

        lines.sort(Comparator.comparing((Ranked r) -> r.line().time()).thenComparingInt(Ranked::rank));
        List<NumberTrace.Line> out = new ArrayList<>();
        boolean truncated = false;
        for (Ranked r : lines) {
            Instant t = r.line().time();
            if ((from != null && t.isBefore(from)) || (to != null && t.isAfter(to))) {
                continue;
            }
            if (out.size() >= limit) {
                truncated = true;
                break;
            }
            out.add(r.line());
        }
        return new NumberTrace(
                "+" + digits, ledger, detailSince, violations, possible, refused, List.copyOf(out), truncated);
    }

    private static String rollupKey(Instant time, String account, Kind kind, String reason) {
        return rollupKey(time.atZone(ZoneOffset.UTC).toLocalDate(), account, kind, reason);
    }

    private static String rollupKey(LocalDate day, String account, Kind kind, String reason) {
        return day + "|" + (account == null ? "" : account) + "|" + kind + "|" + (kind == Kind.REFUSED ? reason : "");
    }

    private static NumberTrace.Line consentLine(ConsentEvent e) {
        LineBuilder l = new LineBuilder(e.time(), e.type().name().toLowerCase());
        l.account = e.account();
        l.sender = e.sender();
        l.category = e.category();
        l.scope = e.scope() == null ? null : ScopeNames.display(e.scope());
        l.reason = e.reason();
        l.eventId = e.id();
        l.source = e.sourceLabel();
        l.keyword = e.keyword();
        l.actor = e.actor();
        return l.build();
    }

    /** Confirmations with their receipts merged in; receipts and failures of no listed confirmation on lines of their own. */
    private static void confirmationLines(List<Entry> confirmations, List<Ranked> lines) {
        Map<String, Entry> receipts = new HashMap<>();
        for (Entry c : confirmations) {
            if (c.kind() == Kind.CONFIRMATION_RECEIPT && c.messageId() != null) {
                Entry seen = receipts.get(c.messageId());
                if (seen == null || seen.epochMillis() <= c.epochMillis()) {
                    receipts.put(c.messageId(), c); // the latest receipt of a message is its final state
                }
            }
        }
        Map<String, Boolean> listed = new HashMap<>();
        for (Entry c : confirmations) {
            if (c.kind() != Kind.CONFIRMATION && c.kind() != Kind.CONFIRMATION_FAILED) {
                continue;
            }
            boolean sent = c.kind() == Kind.CONFIRMATION;
            LineBuilder l =
                    new LineBuilder(c.time(), sent ? NumberTrace.CONFIRMATION : NumberTrace.CONFIRMATION_FAILED);
            l.account = c.account();
            l.sender = c.sender();
            l.reason = c.reason();
            l.eventId = c.ref();
            if (sent) {
                l.messageId = c.messageId();
                listed.put(c.messageId(), true);
                Entry r = c.messageId() == null ? null : receipts.get(c.messageId());
                if (r != null) {
                    l.receipt = r.reason();
                    l.receiptAt = r.time();
                    l.receiptError = r.status();
                }
            }
            lines.add(new Ranked(l.build(), 1));
        }
        for (Entry r : receipts.values()) {
            if (!listed.containsKey(r.messageId())) {
                LineBuilder l = new LineBuilder(r.time(), NumberTrace.CONFIRMATION_RECEIPT);
                l.messageId = r.messageId();
                l.receipt = r.reason();
                l.receiptAt = r.time();
                l.receiptError = r.status();
                lines.add(new Ranked(l.build(), 1));
            }
        }
    }

    private static NumberTrace.Line refusedLine(Entry e) {
        LineBuilder l = message(e, NumberTrace.REFUSED);
        l.scope = matchedScope(e);
        l.reason = e.reason();
        l.receipt = e.messageId() != null && "0".equals(e.status()) ? "REJECTD" : null;
        return l.build();
    }

    private static NumberTrace.Line relayLine(Entry e, ConsentEvent violated) {
        LineBuilder l =
                message(e, e.kind() == Kind.RELAYED_UNCHECKED ? NumberTrace.RELAYED_UNCHECKED : NumberTrace.RELAYED);
        if (violated != null) {
            l.violation = true;
            l.violates =
                    "event " + violated.id() + " (" + violated.type().name().toLowerCase() + ", "
                            + ScopeNames.displaySlot(violated.slot()) + ", " + violated.time() + ")";
        }
        return l.build();
    }

    /** The fields every refused or relayed message has. */
    private static LineBuilder message(Entry e, String type) {
        LineBuilder l = new LineBuilder(e.time(), type);
        l.command = e.command();
        l.account = e.account();
        l.sender = e.sender();
        l.category = e.category();
        l.status = status(e.status());
        l.sequence = e.sequence();
        l.messageId = e.messageId();
        return l;
    }

    /** The list entry that refused an opt-out refusal, in its long form; {@code null} for other refusals. */
    static String matchedScope(Entry e) {
        String m = e.matched();
        if (m == null || m.isEmpty()) {
            return null;
        }
        if (m.startsWith("l:")) {
            return "list:" + m.substring(2);
        }
        boolean category = m.endsWith("~");
        String account = e.account() == null ? "" : e.account();
        String sender = e.sender() == null ? "" : e.sender();
        String scope = switch (m.charAt(0)) {
            case 'g' -> "global";
            case 'a' -> "account:" + account;
            case 's' -> "sender:" + account + ":" + sender;
            case '*' -> "sender:" + Scope.ANY_ACCOUNT + ":" + sender;
            default -> m;
        };
        return category && e.category() != null ? scope + " (" + e.category() + ")" : scope;
    }

    private static String status(String hex) {
        if (hex == null) {
            return null;
        }
        try {
            return String.format("0x%08X", Integer.parseUnsignedInt(hex, 16));
        } catch (NumberFormatException e) {
            return hex;
        }
    }

    /**
     * Whether on {@code day} an opt-out that may cover a message of {@code account} (global, the
     * account's, a sender's of the account or of any account, any category) was in force: at the
     * day's start, or recorded during it.
     */
    private static boolean mayHaveCovered(List<ConsentEvent> events, LocalDate day, String account) {
        Instant start = day.atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant end = day.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        ConsentState atStart = new ConsentState(events).at(start);
        if (atStart.anyInForce(account)) {
            return true;
        }
        for (ConsentEvent e : events) {
            if (!e.time().isBefore(start)
                    && e.time().isBefore(end)
                    && e.type().effect() > 0
                    && ConsentState.mayCover(e.scope(), account)) {
                return true;
            }
        }
        return false;
    }

    /** Builds a {@link NumberTrace.Line}: fields not set stay null (left out of the JSON). */
    private static final class LineBuilder {
        private final Instant time;
        private final String type;
        String command;
        String account;
        String sender;
        String category;
        String scope;
        String reason;
        String status;
        Integer sequence;
        String messageId;
        String receipt;
        Instant receiptAt;
        String receiptError;
        String eventId;
        String source;
        String keyword;
        String actor;
        Boolean violation;
        String violates;
        String kind;
        Long count;

        LineBuilder(Instant time, String type) {
            this.time = time;
            this.type = type;
        }

        NumberTrace.Line build() {
            return new NumberTrace.Line(
                    time,
                    type,
                    command,
                    account,
                    sender,
                    category,
                    scope,
                    reason,
                    status,
                    sequence,
                    messageId,
                    receipt,
                    receiptAt,
                    receiptError,
                    eventId,
                    source,
                    keyword,
                    actor,
                    violation,
                    violates,
                    kind,
                    count);
        }
    }

    /**
     * The list as the number's consent events make it, replayed in time order: per entry (slot) the
     * signed order of its latest change and the event that set it.
     */
    static final class ConsentState {
        private final List<ConsentEvent> events;
        private int applied;
        private final Map<String, Long> value = new HashMap<>();
        private final Map<String, ConsentEvent> setBy = new HashMap<>();

        ConsentState(List<ConsentEvent> eventsByTime) {
            this.events = eventsByTime;
        }

        /** Applies every event up to and including {@code time} (times must not go backwards). */
        ConsentState at(Instant time) {
            while (applied < events.size() && !events.get(applied).time().isAfter(time)) {
                ConsentEvent e = events.get(applied++);
                int effect = e.type().effect();
                if (effect == 0 || e.scope() == null) {
                    continue;
                }
                long v = effect * e.listOrder();
                String slot = e.slot();
                Long cur = value.get(slot);
                long next = cur == null ? v : later(cur, v);
                if (cur == null || next != cur) {
                    value.put(slot, next);
                    setBy.put(slot, e);
                }
            }
            return this;
        }

        /**
         * The opt-out in force that covers a message of {@code account} from {@code sender} of
         * {@code category}, as the check reads the list; {@code null} when none does.
         */
        ConsentEvent covering(String account, String sender, String category) {
            String a = account == null ? "" : account;
            String s = sender == null ? "" : sender;
            String[] scopes = {"g", "a:" + a, "s:" + a + ":" + s, "s:" + Scope.ANY_ACCOUNT + ":" + s};
            for (String scope : scopes) {
                long all = value.getOrDefault(scope, 0L);
                String catSlot = category == null ? null : SuppressionStore.slot(scope, category);
                long cat = catSlot == null ? 0 : value.getOrDefault(catSlot, 0L);
                long decides = later(all, cat);
                if (decides > 0) {
                    return decides == cat && catSlot != null && Math.abs(cat) >= Math.abs(all)
                            ? setBy.get(catSlot)
                            : setBy.get(scope);
                }
            }
            return null;
        }

        /** Whether any opt-out in force may cover a message of {@code account}. */
        boolean anyInForce(String account) {
            for (Map.Entry<String, Long> e : value.entrySet()) {
                if (e.getValue() > 0) {
                    String slot = e.getKey();
                    int tilde = slot.indexOf('~');
                    if (mayCover(tilde < 0 ? slot : slot.substring(0, tilde), account)) {
                        return true;
                    }
                }
            }
            return false;
        }

        static boolean mayCover(String scope, String account) {
            String a = account == null ? "" : account;
            return scope.equals("g")
                    || scope.equals("a:" + a)
                    || scope.startsWith("s:" + a + ":")
                    || scope.startsWith("s:" + Scope.ANY_ACCOUNT + ":");
        }

        /** Of two signed orders (0 = no entry), the later; on a tie the opt-out (as the list weighs them). */
        static long later(long a, long b) {
            long x = Math.abs(a);
            long y = Math.abs(b);
            if (x != y) {
                return x > y ? a : b;
            }
            return Math.max(a, b);
        }
    }
}
