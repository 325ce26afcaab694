package io.optoutgw.suppression.evidence;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.optoutgw.suppression.ConsentEvent;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Chain version 2 (docs/evidence.md, "Chain version 2"): an event's hash covers its <b>core</b> (what the list
 * and the minimal record need: id, time, type, number, scope, category, source, order) and a <b>digest of its
 * detail</b>, not the detail itself, so the detail can be dropped (retention, privacy) or kept in one copy only
 * (the journal) without breaking the chain.
 *
 * <p>The detail is in two parts. The <b>kept</b> detail is what the audit trail in Redis holds for trace and
 * status (keyword, language, account, sender, actor, reason, instance, receivedAt, evidence, override, and the
 * text of a {@code REASON}); the <b>journal</b> detail is what only the journal holds (the text of other events,
 * data_coding, upstream, SMSC reference, raw MO, keyword rule set, opt-in wording). With
 * {@code K} = the kept detail's JSON and {@code J} = hex SHA-256 of the journal detail's JSON ({@code ""} when
 * there is none):
 *
 * <pre>
 * D    = hex(SHA-256("optoutgw-detail-v2\n" + K + "\n" + J))
 * CORE = JSON array [id, time in epoch ms, type, number, scope, category, source, order] (null where absent)
 * hash = hex(SHA-256("optoutgw-chain-v2\n" + chain + "\n" + seq + "\n" + prev + "\n" + CORE + "\n" + D))
 * </pre>
 *
 * An event exists in three forms that hash alike: <b>full</b> (every field; the journal), <b>summary</b> (core,
 * kept detail and {@code journalDigest} = J; the audit trail in Redis) and <b>minimal</b> (core and
 * {@code detailDigest} = D; after retention).
 */
public final class EventForms {

    private static final byte[] CHAIN_DOMAIN = "optoutgw-chain-v2\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DETAIL_DOMAIN = "optoutgw-detail-v2\n".getBytes(StandardCharsets.US_ASCII);
    private static final HexFormat HEX = HexFormat.of();
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** The chain version these forms define. */
    public static final int VERSION = 2;

    private EventForms() {}

    /** The detail the audit trail in Redis keeps (until retention), in the order its JSON lists it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Kept(
            String keyword,
            String language,
            String account,
            String sender,
            String actor,
            String reason,
            String instance,
            Instant receivedAt,
            String evidence,
            Boolean override,
            String text) {
        boolean empty() {
            return keyword == null
                    && language == null
                    && account == null
                    && sender == null
                    && actor == null
                    && reason == null
                    && instance == null
                    && receivedAt == null
                    && evidence == null
                    && override == null
                    && text == null;
        }
    }

    /** The detail only the journal keeps, in the order its JSON lists it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record JournalDetail(
            String text,
            Integer dataCoding,
            String upstream,
            String smscRef,
            String rawMo,
            String ruleSet,
            ConsentEvent.Consent consent) {
        boolean empty() {
            return text == null
                    && dataCoding == null
                    && upstream == null
                    && smscRef == null
                    && rawMo == null
                    && ruleSet == null
                    && consent == null;
        }
    }

    /** The kept detail of {@code e}. */
    public static Kept kept(ConsentEvent e) {
        return new Kept(
                e.keyword(),
                e.language(),
                e.account(),
                e.sender(),
                e.actor(),
                e.reason(),
                e.instance(),
                e.receivedAt(),
                e.evidence(),
                e.override(),
                keepsText(e.type()) ? e.text() : null);
    }

    /** Whether the audit trail keeps the text of an event of this type (a reason is its text). */
    public static boolean keepsText(ConsentEvent.Type type) {
        return type == ConsentEvent.Type.REASON;
    }

    /** The journal-only detail of {@code e}; {@code null} when it has none. */
    public static JournalDetail journalDetail(ConsentEvent e) {
        JournalDetail j = new JournalDetail(
                keepsText(e.type()) ? null : e.text(),
                e.dataCoding(),
                e.upstream(),
                e.smscRef(),
                e.rawMo(),
                e.ruleSet(),
                e.consent());
        return j.empty() ? null : j;
    }

    /** J: the hex digest of {@code e}'s journal-only detail (its {@code journalDigest} in the summary form); null when none. */
    public static String journalDigest(ConsentEvent e) {
        JournalDetail j = journalDetail(e);
        if (j != null) {
            return HEX.formatHex(EventChain.sha256().digest(json(j)));
        }
        return e.journalDigest();
    }

    /** D: the hex digest of {@code e}'s detail, from whichever form it is in. */
    public static String detailDigest(ConsentEvent e) {
        if (e.detailDigest() != null) {
            return e.detailDigest();
        }
        MessageDigest sha = EventChain.sha256();
        sha.update(DETAIL_DOMAIN);
        sha.update(json(kept(e)));
        sha.update((byte) '\n');
        String j = journalDigest(e);
        if (j != null) {
            sha.update(j.getBytes(StandardCharsets.US_ASCII));
        }
        return HEX.formatHex(sha.digest());
    }

    /** CORE: the JSON array of {@code e}'s core fields. */
    public static byte[] core(ConsentEvent e) {
        Object[] core = {
            e.id(),
            e.time().toEpochMilli(),
            e.type().name(),
            e.number(),
            e.scope(),
            e.category(),
            e.source() == null ? null : e.source().code(),
            e.order()
        };
        return json(core);
    }

    /** What a version-2 hash covers after the chain's id, seq and prev: {@code CORE + "\n" + D}. */
    public static byte[] body(ConsentEvent e) {
        byte[] core = core(e);
        byte[] d = detailDigest(e).getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(core, core.length + 1 + d.length);
        out[core.length] = '\n';
        System.arraycopy(d, 0, out, core.length + 1, d.length);
        return out;
    }

    /** The version-2 hash of an event whose {@link #body} is {@code body}, at {@code seq} after {@code prev} in {@code chain}. */
    public static String hash(String chain, long seq, String prev, byte[] body) {
        return hash(EventChain.sha256(), chain, seq, prev, body);
    }

    static String hash(MessageDigest sha, String chain, long seq, String prev, byte[] body) {
        sha.reset();
        sha.update(CHAIN_DOMAIN);
        sha.update((chain + "\n" + seq + "\n" + prev + "\n").getBytes(StandardCharsets.UTF_8));
        sha.update(body);
        return HEX.formatHex(sha.digest());
    }

    /** The version-2 hash {@code e} has at its link's place (its link's id, seq and prev). */
    public static String hash(ConsentEvent e) {
        ConsentEvent.Chain l = e.chain();
        return hash(l.id(), l.seq(), l.prev(), body(e));
    }

    /** {@code e} (full or summary form) in the summary form: core, kept detail, {@code journalDigest}. */
    public static ConsentEvent summary(ConsentEvent e) {
        if (e.detailDigest() != null) {
            return e;
        }
        Kept k = kept(e);
        return new ConsentEvent(
                e.id(),
                e.time(),
                e.type(),
                e.number(),
                e.scope(),
                k.keyword(),
                k.language(),
                k.text(),
                null,
                null,
                null,
                k.instance(),
                k.actor(),
                k.reason(),
                k.account(),
                k.sender(),
                e.order(),
                e.category(),
                e.source(),
                k.receivedAt(),
                k.evidence(),
                k.override(),
                null,
                null,
                null,
                null,
                journalDigest(e),
                e.chain());
    }

    /** {@code e} in the minimal form: its core and the digest of its detail, nothing else. */
    public static ConsentEvent minimal(ConsentEvent e) {
        return new ConsentEvent(
                e.id(),
                e.time(),
                e.type(),
                e.number(),
                e.scope(),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                e.order(),
                e.category(),
                e.source(),
                null,
                null,
                null,
                null,
                null,
                null,
                detailDigest(e),
                null,
                e.chain());
    }

    /** Whether {@code e} is in the minimal form (its detail dropped). */
    public static boolean isMinimal(ConsentEvent e) {
        return e.detailDigest() != null;
    }

    private static byte[] json(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException x) {
            throw new UncheckedIOException(x);
        }
    }
}
