package io.optoutgw.suppression.evidence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.journal.OptOutJournal;
import io.optoutgw.suppression.journal.RecordLinker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hash chain of one journal (docs/evidence.md): every consent event the journal records carries the
 * hash of the event recorded before it, so an event edited, deleted or moved anywhere (journal or Redis)
 * no longer fits its neighbours.
 *
 * <p>An event's link is {@code "chain":{"id":CHAIN,"seq":N,"prev":P,"hash":H}}, the last property of its
 * JSON, with {@code H = SHA-256("optoutgw-chain-v1\n" CHAIN "\n" N "\n" P "\n" JSON)} in hex, where JSON is
 * the event's JSON without the link (exactly the bytes before {@code ,"chain":}) and P the previous event's
 * H ({@link ConsentEvent.Chain#GENESIS} for the first). CHAIN is the instance id and a random suffix chosen
 * when a journal without a chain of this instance begins one.
 *
 * <p>As a {@link RecordLinker} it links events on the journal's writer thread, in the order they are
 * written, so the chain's order is the journal's order whatever thread recorded the event.
 */
public final class EventChain implements RecordLinker {

    private static final Logger log = LoggerFactory.getLogger(EventChain.class);
    private static final byte[] DOMAIN = "optoutgw-chain-v1\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LINK_PROPERTY = ",\"chain\":".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    /** Where a chain stands: its id, the last event's seq (0: none yet) and hash. */
    public record Head(String chain, long seq, String hash) {}

    private final String id;
    private final MessageDigest sha = sha256();
    /** Writer thread only: the last link made, durable or not. */
    private long pendingSeq;

    private String pendingHash;
    /** Writer thread only: where the chain stood before the last link. */
    private Head beforeLast;

    private volatile Head durable;

    /** A chain continuing from {@code head}. */
    public EventChain(Head head) {
        this.id = head.chain();
        this.pendingSeq = head.seq();
        this.pendingHash = head.hash();
        this.beforeLast = head;
        this.durable = head;
    }

    /**
     * The chain of {@code instanceId} as {@code journal} holds it (its newest segments are read until an
     * event of the instance's chain, or a compaction's summary of it, is found), or a new chain when the
     * journal holds none (a new journal, or one written before chains existed).
     */
    public static EventChain open(OptOutJournal journal, String instanceId) throws IOException {
        Head head = recover(journal, instanceId);
        if (head == null) {
            String id = instanceId + "/" + HEX.formatHex(randomBytes(4));
            log.info("evidence: journal {} starts hash chain {}", journal.directory(), id);
            return new EventChain(new Head(id, 0, ConsentEvent.Chain.GENESIS));
        }
        log.info("evidence: hash chain {} continues after seq {}", head.chain(), head.seq());
        return new EventChain(head);
    }

    /** The newest head of a chain of {@code instanceId} in the journal, or null. */
    static Head recover(OptOutJournal journal, String instanceId) throws IOException {
        String prefix = instanceId + "/";
        Head[] found = {null};
        Head[] inSegment = {null};
        journal.replayNewestFirst(
                (seq, payload) -> {
                    Head h = headOf(payload);
                    if (h == null || !h.chain().startsWith(prefix)) {
                        return;
                    }
                    Head cur = inSegment[0];
                    // within a segment the last chain written wins, at its greatest seq
                    if (cur == null || !cur.chain().equals(h.chain()) || h.seq() > cur.seq()) {
                        inSegment[0] = h;
                    }
                },
                () -> {
                    found[0] = inSegment[0];
                    return found[0] != null;
                });
        return found[0];
    }

    /** The head an event's link or a compaction's summary names; null for anything else. */
    private static Head headOf(byte[] payload) {
        if (Checkpoint.isCheckpoint(payload)) {
            Checkpoint c = Checkpoint.fromRecord(payload);
            return c.compactedFrom() == null ? null : new Head(c.chain(), c.seq(), c.hash());
        }
        try {
            ConsentEvent.Chain link = ConsentEvent.fromJson(payload).chain();
            return link == null ? null : new Head(link.id(), link.seq(), link.hash());
        } catch (UncheckedIOException e) {
            return null;
        }
    }

    public String id() {
        return id;
    }

    /** The last event on disk. */
    public Head head() {
        return durable;
    }

    @Override
    public byte[] link(byte[] payload) {
        long seq = pendingSeq + 1;
        String hash = hash(sha, id, seq, pendingHash, payload);
        byte[] out = linked(payload, new ConsentEvent.Chain(id, seq, pendingHash, hash));
        beforeLast = new Head(id, pendingSeq, pendingHash);
        pendingSeq = seq;
        pendingHash = hash;
        return out;
    }

    @Override
    public void durable(int unwritten) {
        Head now = unwritten == 0 ? new Head(id, pendingSeq, pendingHash) : beforeLast;
        if (durable.seq() != now.seq()) {
            durable = now;
        }
    }

    @Override
    public void rollback() {
        pendingSeq = durable.seq();
        pendingHash = durable.hash();
    }

    /** The hash of the event whose JSON without its link is {@code canonical}, at {@code seq} after {@code prev}. */
    public static String hash(String chain, long seq, String prev, byte[] canonical) {
        return hash(sha256(), chain, seq, prev, canonical);
    }

    private static String hash(MessageDigest sha, String chain, long seq, String prev, byte[] canonical) {
        sha.reset();
        sha.update(DOMAIN);
        sha.update((chain + "\n" + seq + "\n" + prev + "\n").getBytes(StandardCharsets.UTF_8));
        sha.update(canonical);
        return HEX.formatHex(sha.digest());
    }

    /**
     * The event JSON {@code canonical} (a JSON object without a link) with {@code link} as its last
     * property: the same bytes as {@code event.withChain(link).toJson()}.
     */
    public static byte[] linked(byte[] canonical, ConsentEvent.Chain link) {
        int end = canonical.length - 1;
        if (end < 1 || canonical[end] != '}') {
            throw new IllegalArgumentException("not a JSON object");
        }
        byte[] chain;
        try {
            chain = JSON.writeValueAsBytes(link);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        byte[] out = new byte[end + LINK_PROPERTY.length + chain.length + 1];
        System.arraycopy(canonical, 0, out, 0, end);
        System.arraycopy(LINK_PROPERTY, 0, out, end, LINK_PROPERTY.length);
        System.arraycopy(chain, 0, out, end + LINK_PROPERTY.length, chain.length);
        out[out.length - 1] = '}';
        return out;
    }

    /**
     * The link {@link #link} gave the event whose JSON without a link is {@code canonical} and which was
     * written as {@code written}; {@code null} when it was written unlinked.
     */
    public static ConsentEvent.Chain linkOf(byte[] canonical, byte[] written) {
        if (written.length == canonical.length) {
            return null;
        }
        int from = canonical.length - 1 + LINK_PROPERTY.length;
        try {
            return JSON.readValue(written, from, written.length - 1 - from, ConsentEvent.Chain.class);
        } catch (IOException e) {
            throw new UncheckedIOException("not a linked event: " + e.getMessage(), e);
        }
    }

    /** What is wrong with a stored event, if anything. */
    public enum Problem {
        /** Its link and its content agree. */
        NONE,
        /** It has no link (recorded before chains existed, or its link was removed). */
        UNCHAINED,
        /** It is not a consent event's JSON. */
        UNPARSEABLE,
        /** Its bytes are not what the gateway writes for the event they describe (edited by hand). */
        NOT_CANONICAL,
        /** Its content does not hash to its link's hash (edited). */
        HASH_MISMATCH
    }

    /** A stored event (null when unparseable), its link (null when unchained) and what is wrong. */
    public record Checked(ConsentEvent event, ConsentEvent.Chain link, Problem problem) {}

    /** Checks one stored event (journal record or audit trail member) against its own link. */
    public static Checked check(byte[] stored) {
        ConsentEvent e;
        try {
            e = ConsentEvent.fromJson(stored);
        } catch (RuntimeException x) {
            return new Checked(null, null, Problem.UNPARSEABLE);
        }
        ConsentEvent.Chain link = e.chain();
        if (link == null) {
            return new Checked(e, null, Problem.UNCHAINED);
        }
        byte[] canonical = e.withChain(null).toJson();
        byte[] expected;
        try {
            expected = linked(canonical, link);
        } catch (RuntimeException x) {
            return new Checked(e, link, Problem.NOT_CANONICAL);
        }
        if (!Arrays.equals(expected, stored)) {
            return new Checked(e, link, Problem.NOT_CANONICAL);
        }
        if (link.id() == null
                || link.prev() == null
                || link.hash() == null
                || !hash(link.id(), link.seq(), link.prev(), canonical).equals(link.hash())) {
            return new Checked(e, link, Problem.HASH_MISMATCH);
        }
        return new Checked(e, link, Problem.NONE);
    }

    /** The first 16 bytes of a hex hash (zeros when it is not 64 hex digits): enough to compare links. */
    public static byte[] prefix(String hexHash) {
        byte[] out = new byte[16];
        if (hexHash != null && hexHash.length() == 64) {
            try {
                byte[] all = HEX.parseHex(hexHash);
                System.arraycopy(all, 0, out, 0, 16);
            } catch (IllegalArgumentException e) {
                // zeros: never equal to a real hash's prefix in practice
            }
        }
        return out;
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
