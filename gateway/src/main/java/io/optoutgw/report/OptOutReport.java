package io.optoutgw.report;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.PhoneNumbers;
import io.optoutgw.suppression.SuppressionStore;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Why people leave, from the audit trail: opt-outs per day by keyword, senders ranked by opt-out
 * rate (opt-outs / messages relayed from that sender, see {@link RelayedStats}), the free-text
 * reasons people sent after opting out, every event counted by source and type (events
 * recorded before sources existed count as {@code unknown}), and list changes by scope and
 * consent category. Read-only; numbers are masked.
 */
public final class OptOutReport {

    /** One sender's opt-out rate. */
    public record SenderRate(String account, String sender, long optOuts, long relayed) {
        public double rate() {
            return relayed == 0 ? (optOuts == 0 ? 0 : Double.POSITIVE_INFINITY) : (double) optOuts / relayed;
        }
    }

    /** A reason someone gave after opting out. */
    public record Reason(Instant time, String maskedNumber, String account, String sender, String text) {}

    /** The whole report. */
    public record Result(
            LocalDate from,
            LocalDate to,
            Map<LocalDate, Map<String, Long>> optOutsPerDayByKeyword,
            List<String> keywords,
            List<SenderRate> senders,
            List<Reason> reasons,
            long optIns,
            long help,
            Map<String, Map<String, Long>> eventsBySource,
            Map<String, Map<String, Long>> changesByCategory) {
        public long totalOptOuts() {
            return optOutsPerDayByKeyword.values().stream()
                    .flatMap(m -> m.values().stream())
                    .mapToLong(Long::longValue)
                    .sum();
        }
    }

    private static final int PAGE = 5_000;
    private static final long TIMEOUT_SECONDS = 30;

    private OptOutReport() {}

    /** Builds the report for the last {@code since} up to now. */
    public static Result build(RedisClusterAsyncCommands<String, String> redis, Duration since) throws Exception {
        Integer buckets =
                SuppressionStore.bucketsInUse(redis).toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        SuppressionStore store =
                new SuppressionStore(redis, buckets == null ? SuppressionStore.DEFAULT_BUCKETS : buckets);
        Instant now = Instant.now();
        long fromMs = now.minus(since).toEpochMilli();
        long toMs = now.toEpochMilli();
        Set<String> numbers = new LinkedHashSet<>();
        // the older index by position from the first event in range: each page costs the same however far in it is
        store.walkAuditIndex(fromMs, toMs, Duration.ofSeconds(TIMEOUT_SECONDS), page -> {
            for (SuppressionStore.AuditRef entry : page) {
                numbers.add(entry.digits());
            }
            return true;
        });
        Map<LocalDate, Map<String, Long>> perDay = new TreeMap<>();
        Map<String, long[]> optOutsBySender = new TreeMap<>();
        Set<String> keywords = new TreeSet<>();
        List<Reason> reasons = new ArrayList<>();
        Map<String, Map<String, Long>> bySource = new TreeMap<>();
        Map<String, Map<String, Long>> byCategory = new TreeMap<>();
        long optIns = 0;
        long help = 0;
        for (String digits : numbers) {
            for (ConsentEvent e :
                    store.history(digits, fromMs, toMs).toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                bySource.computeIfAbsent(e.sourceLabel(), s -> new TreeMap<>())
                        .merge(e.type().name(), 1L, Long::sum);
                if (e.type().effect() != 0) {
                    byCategory
                            .computeIfAbsent(categoryKey(e), c -> new TreeMap<>())
                            .merge(e.type().name(), 1L, Long::sum);
                }
                switch (e.type()) {
                    case OPT_OUT -> {
                        LocalDate day = LocalDate.ofInstant(e.time(), ZoneOffset.UTC);
                        String k = e.keyword() == null ? "?" : e.keyword();
                        keywords.add(k);
                        perDay.computeIfAbsent(day, d -> new TreeMap<>()).merge(k, 1L, Long::sum);
                        optOutsBySender.computeIfAbsent(key(e.account(), e.sender()), x -> new long[1])[0]++;
                    }
                    case OPT_IN -> optIns++;
                    case HELP -> help++;
                    case REASON ->
                        reasons.add(
                                new Reason(e.time(), PhoneNumbers.mask(e.number()), e.account(), e.sender(), e.text()));
                    default -> {}
                }
            }
        }
        LocalDate fromDay = LocalDate.ofInstant(now.minus(since), ZoneOffset.UTC);
        LocalDate toDay = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Map<String, Long> relayed = new TreeMap<>();
        for (LocalDate d = fromDay; !d.isAfter(toDay); d = d.plusDays(1)) {
            Map<String, String> counts =
                    redis.hgetall(RelayedStats.key(d)).toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            counts.forEach((k, v) -> relayed.merge(k, Long.parseLong(v), Long::sum));
        }
        Set<String> senderKeys = new TreeSet<>(optOutsBySender.keySet());
        List<SenderRate> senders = new ArrayList<>();
        for (String k : senderKeys) {
            String[] parts = k.split("\\|", 2);
            long outs = optOutsBySender.get(k)[0];
            long sent = relayed.getOrDefault(k, 0L);
            if (sent == 0) {
                // relayed counts use the account's configured number as the sender label, or "other"
                sent = relayed.getOrDefault(parts[0] + "|other", 0L);
            }
            senders.add(new SenderRate(parts[0], parts[1], outs, sent));
        }
        senders.sort(Comparator.comparingDouble(SenderRate::rate).reversed().thenComparing(SenderRate::sender));
        reasons.sort(Comparator.comparing(Reason::time).reversed());
        return new Result(
                fromDay, toDay, perDay, List.copyOf(keywords), senders, reasons, optIns, help, bySource, byCategory);
    }

    /**
     * The row a list change counts under in {@link Result#changesByCategory}: its scope and
     * category, {@code a:acme/marketing}, or {@code a:acme/all} for a change of every category
     * (every change recorded before categories existed, and every change of an account without
     * categories).
     */
    static String categoryKey(ConsentEvent e) {
        return e.scope() + "/" + (e.category() == null ? "all" : e.category());
    }

    private static String key(String account, String sender) {
        return (account == null ? "" : account) + "|" + (sender == null ? "" : sender);
    }

    /** The report as a terminal table. */
    public static String table(Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append("Opt-out report ")
                .append(r.from())
                .append(" .. ")
                .append(r.to())
                .append(" (UTC)\n");
        sb.append("opt-outs ")
                .append(r.totalOptOuts())
                .append(", opt-ins ")
                .append(r.optIns())
                .append(", help ")
                .append(r.help())
                .append(", reasons ")
                .append(r.reasons().size())
                .append("\n\n");
        sb.append("Opt-outs per day by keyword\n");
        sb.append(String.format("%-10s", "day"));
        for (String k : r.keywords()) {
            sb.append(String.format(" %10s", k));
        }
        sb.append(String.format(" %8s%n", "total"));
        for (Map.Entry<LocalDate, Map<String, Long>> day :
                r.optOutsPerDayByKeyword().entrySet()) {
            sb.append(String.format("%-10s", day.getKey()));
            long total = 0;
            for (String k : r.keywords()) {
                long n = day.getValue().getOrDefault(k, 0L);
                total += n;
                sb.append(String.format(" %10d", n));
            }
            sb.append(String.format(" %8d%n", total));
        }
        sb.append("\nSenders by opt-out rate\n");
        sb.append(String.format("%-16s %-14s %9s %10s %8s%n", "account", "sender", "opt-outs", "relayed", "rate"));
        for (SenderRate s : r.senders()) {
            String rate = s.relayed() == 0 ? "n/a" : String.format("%.2f%%", 100 * s.rate());
            sb.append(String.format(
                    "%-16s %-14s %9d %10d %8s%n", s.account(), s.sender(), s.optOuts(), s.relayed(), rate));
        }
        sb.append("\nEvents by source\n");
        List<String> types = new ArrayList<>();
        for (ConsentEvent.Type t : ConsentEvent.Type.values()) {
            if (r.eventsBySource().values().stream().anyMatch(m -> m.containsKey(t.name()))) {
                types.add(t.name());
            }
        }
        sb.append(String.format("%-16s", "source"));
        for (String t : types) {
            sb.append(String.format(" %12s", t));
        }
        sb.append(String.format(" %8s%n", "total"));
        for (Map.Entry<String, Map<String, Long>> source : r.eventsBySource().entrySet()) {
            sb.append(String.format("%-16s", source.getKey()));
            long total = 0;
            for (String t : types) {
                long n = source.getValue().getOrDefault(t, 0L);
                total += n;
                sb.append(String.format(" %12d", n));
            }
            sb.append(String.format(" %8d%n", total));
        }
        if (r.changesByCategory().keySet().stream().anyMatch(k -> !k.endsWith("/all"))) {
            sb.append("\nList changes by scope and category\n");
            List<String> kinds = new ArrayList<>();
            for (ConsentEvent.Type t : ConsentEvent.Type.values()) {
                if (r.changesByCategory().values().stream().anyMatch(m -> m.containsKey(t.name()))) {
                    kinds.add(t.name());
                }
            }
            sb.append(String.format("%-32s", "scope/category"));
            for (String t : kinds) {
                sb.append(String.format(" %12s", t));
            }
            sb.append('\n');
            for (Map.Entry<String, Map<String, Long>> row :
                    r.changesByCategory().entrySet()) {
                sb.append(String.format("%-32s", row.getKey()));
                for (String t : kinds) {
                    sb.append(String.format(" %12d", row.getValue().getOrDefault(t, 0L)));
                }
                sb.append('\n');
            }
        }
        sb.append("\nReasons given after opting out (newest first)\n");
        for (Reason reason : r.reasons().subList(0, Math.min(20, r.reasons().size()))) {
            sb.append(String.format(
                    "%s %s %s/%s: %s%n",
                    reason.time(),
                    reason.maskedNumber(),
                    reason.account(),
                    reason.sender(),
                    reason.text().replace('\n', ' ')));
        }
        return sb.toString();
    }

    /** Reasons listed in {@link #json}, newest first. */
    static final int JSON_REASONS = 200;
    /** Distinct reason texts counted in {@link #json}, most frequent first. */
    static final int JSON_REASON_TEXTS = 10;

    /**
     * The report as the JSON body of {@code GET /api/report} (the web console draws its charts from
     * it): every day of the period with its opt-outs by keyword (zeros included), senders by rate
     * ({@code rate} null when no message was relayed), the most frequent reason texts (compared
     * case- and space-insensitively) and the newest reasons.
     */
    public static Map<String, Object> json(Result r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("from", r.from().toString());
        out.put("to", r.to().toString());
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("optOuts", r.totalOptOuts());
        totals.put("optIns", r.optIns());
        totals.put("help", r.help());
        totals.put("reasons", r.reasons().size());
        out.put("totals", totals);
        out.put("keywords", r.keywords());
        List<Map<String, Object>> days = new ArrayList<>();
        for (LocalDate d = r.from(); !d.isAfter(r.to()); d = d.plusDays(1)) {
            Map<String, Long> counts = r.optOutsPerDayByKeyword().getOrDefault(d, Map.of());
            Map<String, Object> day = new LinkedHashMap<>();
            day.put("day", d.toString());
            day.put("counts", counts);
            day.put("total", counts.values().stream().mapToLong(Long::longValue).sum());
            days.add(day);
        }
        out.put("days", days);
        List<Map<String, Object>> senders = new ArrayList<>();
        for (SenderRate s : r.senders()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("account", s.account());
            m.put("sender", s.sender());
            m.put("optOuts", s.optOuts());
            m.put("relayed", s.relayed());
            m.put("rate", s.relayed() == 0 ? null : s.rate());
            senders.add(m);
        }
        out.put("senders", senders);
        Map<String, long[]> byText = new LinkedHashMap<>();
        Map<String, String> shown = new HashMap<>();
        for (Reason reason : r.reasons()) {
            String text = reason.text() == null ? "" : reason.text().strip().replaceAll("\\s+", " ");
            String key = text.toLowerCase(Locale.ROOT);
            byText.computeIfAbsent(key, k -> new long[1])[0]++;
            shown.putIfAbsent(key, text);
        }
        List<Map<String, Object>> reasonCounts = byText.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[0])
                        .reversed()
                        .thenComparing(Map.Entry::getKey))
                .limit(JSON_REASON_TEXTS)
                .map(e -> Map.<String, Object>of("text", shown.get(e.getKey()), "count", e.getValue()[0]))
                .toList();
        out.put("reasonCounts", reasonCounts);
        List<Map<String, Object>> reasons = new ArrayList<>();
        for (Reason reason :
                r.reasons().subList(0, Math.min(JSON_REASONS, r.reasons().size()))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("time", reason.time().toString());
            m.put("number", reason.maskedNumber());
            m.put("account", reason.account());
            m.put("sender", reason.sender());
            m.put("text", reason.text());
            reasons.add(m);
        }
        out.put("reasons", reasons);
        out.put("eventsBySource", r.eventsBySource());
        out.put("changesByCategory", r.changesByCategory());
        return out;
    }
}
