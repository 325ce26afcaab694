package io.optoutgw.admin;

import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.optoutgw.config.OptOutPolicy;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.PhoneNumbers;
import io.optoutgw.suppression.RedisKeys;
import io.optoutgw.suppression.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consent events from other channels ({@code POST /api/events}): a web form's unsubscribe, a call
 * centre's opt-out, an email platform's opt-in. Each row is an OPT_OUT or OPT_IN of the person,
 * with its source, the time the person asked ({@code receivedAt}) and an idempotency key; it is
 * journaled and written to Redis like an SMS STOP, and answered accepted only once durable. A
 * key seen within {@code feed.idempotencyWindow} is answered as a duplicate with the event it
 * recorded, and nothing is recorded again. Rows are recorded one after another in the order
 * given, so a batch keeps its order per number.
 */
public final class InboundEvents {

    private static final Logger log = LoggerFactory.getLogger(InboundEvents.class);

    /** Rows one request may carry. */
    public static final int MAX_ROWS = 1000;

    /** Sources an event from another channel may name. */
    public static final Set<ConsentEvent.Source> SOURCES =
            Set.of(ConsentEvent.Source.API, ConsentEvent.Source.EXTERNAL_LIST, ConsentEvent.Source.DEACTIVATION);

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:@/+=-]{1,128}");

    private final ConsentLedger recorder;
    private volatile ScopeNames scopes;
    private final RedisClusterAsyncCommands<String, String> redis;
    private final String instanceId;
    private final Duration window;
    private final Duration timeout;

    public InboundEvents(
            ConsentLedger recorder,
            ScopeNames scopes,
            RedisClusterAsyncCommands<String, String> redis,
            String instanceId,
            Duration idempotencyWindow,
            Duration timeout) {
        this.recorder = recorder;
        this.scopes = scopes;
        this.redis = redis;
        this.instanceId = instanceId;
        this.window = idempotencyWindow;
        this.timeout = timeout;
    }

    /** Replaces the scope names (a configuration reload changed the accounts or their categories). */
    public void scopes(ScopeNames names) {
        this.scopes = names;
    }

    /** The same recorder, with scopes read by {@code names} (an account's token: its own scopes only). */
    public InboundEvents withScopes(ScopeNames names) {
        return new InboundEvents(recorder, names, redis, instanceId, window, timeout);
    }

    /** One row as sent. */
    public record Row(
            String type,
            String number,
            String source,
            String receivedAt,
            String idempotencyKey,
            String scope,
            String category,
            String channel,
            String region) {}

    /** What became of one row: {@code status} accepted, duplicate or rejected. */
    public record RowResult(int index, String status, String id, String number, String idempotencyKey, String reason) {}

    /** The answer to a batch. */
    public record BatchResult(int accepted, int duplicates, int rejected, List<RowResult> rows) {}

    /**
     * Records {@code rows} in order. A row that does not read is rejected with the reason and the
     * others go on; a failure to record (journal or Redis) stops the batch and is thrown, after
     * the rows before it were recorded (their keys make a retry of the whole batch safe).
     */
    public BatchResult record(List<Row> rows) throws Exception {
        if (rows.size() > MAX_ROWS) {
            throw new IllegalArgumentException(
                    "at most " + MAX_ROWS + " events per request, got " + rows.size() + ": send them in several");
        }
        List<RowResult> out = new ArrayList<>(rows.size());
        int accepted = 0;
        int duplicates = 0;
        int rejected = 0;
        Instant now = Instant.now();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            ConsentEvent event;
            try {
                event = event(row, now);
            } catch (IllegalArgumentException e) {
                out.add(new RowResult(
                        i, "rejected", null, null, row == null ? null : row.idempotencyKey(), e.getMessage()));
                rejected++;
                continue;
            }
            String number = "+" + event.number();
            String key = row.idempotencyKey() == null ? null : RedisKeys.idempotency(row.idempotencyKey());
            if (key != null) {
                String claimed = redis.set(key, event.id(), SetArgs.Builder.nx().px(window.toMillis()))
                        .toCompletableFuture()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (claimed == null) {
                    String earlier =
                            redis.get(key).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                    out.add(new RowResult(i, "duplicate", earlier, number, row.idempotencyKey(), null));
                    duplicates++;
                    continue;
                }
            }
            try {
                recorder.record(event).get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                if (key != null) {
                    // not recorded: the same key must be able to try again
                    redis.del(key);
                }
                throw e;
            }
            log.info(
                    "inbound {} for {} from {} recorded ({})",
                    event.type(),
                    PhoneNumbers.mask(event.number()),
                    event.sourceLabel(),
                    event.id());
            out.add(new RowResult(i, "accepted", event.id(), number, row.idempotencyKey(), null));
            accepted++;
        }
        return new BatchResult(accepted, duplicates, rejected, out);
    }

    /** The event a row asks for; IllegalArgumentException naming what is wrong. */
    ConsentEvent event(Row row, Instant now) {
        if (row == null) {
            throw new IllegalArgumentException("expected an object {type, number, source, receivedAt, idempotencyKey}");
        }
        String t = row.type() == null ? "" : row.type().strip().toLowerCase(Locale.ROOT);
        ConsentEvent.Type type = switch (t) {
            case "opt_out", "opt-out", "optout" -> ConsentEvent.Type.OPT_OUT;
            case "opt_in", "opt-in", "optin" -> ConsentEvent.Type.OPT_IN;
            default ->
                throw new IllegalArgumentException("type must be opt_out or opt_in, got '" + abbreviate(t) + "'");
        };
        if (row.number() == null || row.number().isBlank()) {
            throw new IllegalArgumentException("number is required");
        }
        String digits = SuppressionAdmin.digits(row.number(), SuppressionAdmin.region(row.region()));
        if (row.idempotencyKey() != null && !KEY.matcher(row.idempotencyKey()).matches()) {
            throw new IllegalArgumentException("idempotencyKey must be 1 to 128 letters, digits or ._:@/+=-, got '"
                    + abbreviate(row.idempotencyKey()) + "'");
        }
        SuppressionAdmin.Provenance from =
                SuppressionAdmin.provenance(row.source(), row.receivedAt(), SOURCES, ConsentEvent.Source.API, now);
        Scope scope = row.scope() == null || row.scope().isBlank() ? scopes.defaultScope() : scopes.parse(row.scope());
        String category = scopes.category(scope, row.category());
        String channel = SuppressionAdmin.text("channel", row.channel());
        return ConsentEvent.administrative(
                        ConsentEvent.newId(),
                        type,
                        digits,
                        scope,
                        instanceId,
                        "api",
                        channel == null ? null : "channel " + channel,
                        from.source(),
                        from.receivedAt())
                .withCategory(category == null || category.equals(OptOutPolicy.ALL) ? null : category);
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
