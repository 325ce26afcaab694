package io.optoutgw.testsupport;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.optoutgw.suppression.AuditCodec;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.RedisKeys;
import io.optoutgw.suppression.SuppressionStore;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Tampering with the compact audit trail ({@code gw:ac:{B}}) the way someone with access to Redis could: a
 * record decoded, changed and written back in place, its stored hash tag kept (only the chain can tell).
 */
public final class CompactTrails {

    private CompactTrails() {}

    /**
     * Rewrites the record of event {@code eventId} of {@code digits} (the number's first when null) with {@code edit}
     * applied to its event; returns the event as it was.
     */
    public static ConsentEvent edit(
            RedisClusterAsyncCommands<String, String> redis,
            SuppressionStore store,
            String digits,
            String eventId,
            UnaryOperator<ConsentEvent> edit)
            throws Exception {
        AuditCodec.knownChains(redis.hgetall(RedisKeys.AUDIT_CHAINS).get(5, TimeUnit.SECONDS));
        String key = RedisKeys.auditCompact(store.bucket(digits));
        String blob = redis.get(key).get(5, TimeUnit.SECONDS);
        StringBuilder out = new StringBuilder();
        ConsentEvent hit = null;
        for (AuditCodec.Decoded d : AuditCodec.decodeAll(blob, null)) {
            ConsentEvent e = d.event();
            if (hit == null && e != null && digits.equals(d.digits()) && (eventId == null || eventId.equals(e.id()))) {
                hit = e;
                out.append(AuditCodec.encode(edit.apply(e)).record());
            } else {
                out.append(d.record());
            }
        }
        if (hit == null) {
            throw new AssertionError("no compact audit record of " + digits + (eventId == null ? "" : " " + eventId));
        }
        redis.set(key, out.toString()).get(5, TimeUnit.SECONDS);
        return hit;
    }

    /** {@code e} with another reason (kept detail). */
    public static ConsentEvent withReason(ConsentEvent e, String reason) {
        return new ConsentEvent(
                        e.id(),
                        e.time(),
                        e.type(),
                        e.number(),
                        e.scope(),
                        e.keyword(),
                        e.language(),
                        e.text(),
                        null,
                        null,
                        null,
                        e.instance(),
                        e.actor(),
                        reason,
                        e.account(),
                        e.sender(),
                        e.order(),
                        e.category())
                .withSource(e.source(), e.receivedAt())
                .withJustification(e.evidence(), Boolean.TRUE.equals(e.override()))
                .withDigests(null, e.journalDigest())
                .withChain(e.chain());
    }

    /** {@code e} with another keyword (kept detail). */
    public static ConsentEvent withKeyword(ConsentEvent e, String keyword) {
        return new ConsentEvent(
                        e.id(),
                        e.time(),
                        e.type(),
                        e.number(),
                        e.scope(),
                        keyword,
                        e.language(),
                        e.text(),
                        null,
                        null,
                        null,
                        e.instance(),
                        e.actor(),
                        e.reason(),
                        e.account(),
                        e.sender(),
                        e.order(),
                        e.category())
                .withSource(e.source(), e.receivedAt())
                .withJustification(e.evidence(), Boolean.TRUE.equals(e.override()))
                .withDigests(null, e.journalDigest())
                .withChain(e.chain());
    }
}
