package io.optoutgw.suppression.evidence;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/**
 * A statement that a hash chain had reached {@code seq} with {@code hash} at {@code time}, signed with the
 * operator's Ed25519 key when one is configured (docs/evidence.md). Written to the journal (as
 * {@code {"checkpoint":{...}}}) and to Redis ({@code gw:chk:CHAIN}, scored by seq).
 *
 * <p>A compaction of the journal writes one for each chain whose events it replaced, with
 * {@code compactedFrom}: the events of the chain from that seq to {@code seq} were compacted (only the
 * ones the list still needs are kept), and {@code breaks} counts links that did not fit when they were.
 *
 * @param chain         the chain ({@link io.optoutgw.suppression.ConsentEvent.Chain#id()})
 * @param seq           the seq of the chain's event it speaks of
 * @param hash          that event's hash
 * @param time          when it was made
 * @param compactedFrom for a compaction's summary, the first seq it covers; {@code null} otherwise
 * @param breaks        for a compaction's summary, links that did not fit among the records it replaced
 * @param key           id of the signing key ({@link EvidenceKeys#keyId}); {@code null} when unsigned
 * @param sig           Ed25519 signature (base64) of {@link #signedBytes()}; {@code null} when unsigned
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Checkpoint(
        String chain, long seq, String hash, Instant time, Long compactedFrom, Integer breaks, String key, String sig) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final byte[] RECORD_PREFIX = "{\"checkpoint\":".getBytes(StandardCharsets.US_ASCII);

    /** An unsigned checkpoint of {@code head} made at {@code time}. */
    public static Checkpoint of(EventChain.Head head, Instant time) {
        return new Checkpoint(head.chain(), head.seq(), head.hash(), time, null, null, null, null);
    }

    /** What the signature covers. */
    @JsonIgnore
    public byte[] signedBytes() {
        return ("optoutgw-checkpoint-v1\n" + chain + "\n" + seq + "\n" + hash + "\n" + time + "\n"
                        + (compactedFrom == null ? "" : compactedFrom) + "\n" + (breaks == null ? "" : breaks))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** This checkpoint signed by {@code signer}; unchanged when {@code signer} is null. */
    public Checkpoint signedBy(EvidenceKeys.Signer signer) {
        if (signer == null) {
            return new Checkpoint(chain, seq, hash, time, compactedFrom, breaks, null, null);
        }
        return new Checkpoint(
                chain,
                seq,
                hash,
                time,
                compactedFrom,
                breaks,
                signer.keyId(),
                Base64.getEncoder().encodeToString(signer.sign(signedBytes())));
    }

    /** How a checkpoint's signature stands against the keys an auditor trusts. */
    public enum Signature {
        VALID,
        /** Signed, but the signature does not fit (forged or edited). */
        INVALID,
        UNSIGNED,
        /** Signed with a key that is not among those trusted (cannot be checked). */
        UNKNOWN_KEY
    }

    /** This checkpoint's signature checked with {@code keys} (by key id). */
    public Signature signature(Map<String, PublicKey> keys) {
        if (sig == null && key == null) {
            return Signature.UNSIGNED;
        }
        PublicKey pub = key == null ? null : keys.get(key);
        if (pub == null) {
            return sig == null ? Signature.INVALID : Signature.UNKNOWN_KEY;
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(sig == null ? "" : sig);
        } catch (IllegalArgumentException e) {
            return Signature.INVALID;
        }
        return EvidenceKeys.verify(pub, signedBytes(), raw) ? Signature.VALID : Signature.INVALID;
    }

    /** The checkpoint as Redis keeps it. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The checkpoint as the journal keeps it: {@code {"checkpoint":{...}}}. */
    public byte[] toRecord() {
        try {
            return JSON.writeValueAsBytes(Map.of("checkpoint", this));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Checkpoint fromJson(String json) {
        try {
            return JSON.readValue(json, Checkpoint.class);
        } catch (IOException e) {
            throw new UncheckedIOException("not a checkpoint: " + e.getMessage(), e);
        }
    }

    /** Whether a journal record is a checkpoint (and not a consent event). */
    public static boolean isCheckpoint(byte[] record) {
        if (record.length < RECORD_PREFIX.length) {
            return false;
        }
        for (int i = 0; i < RECORD_PREFIX.length; i++) {
            if (record[i] != RECORD_PREFIX[i]) {
                return false;
            }
        }
        return true;
    }

    /** The checkpoint of a journal record {@link #isCheckpoint} accepted. */
    public static Checkpoint fromRecord(byte[] record) {
        try {
            return JSON.treeToValue(JSON.readTree(record).get("checkpoint"), Checkpoint.class);
        } catch (IOException | RuntimeException e) {
            throw new UncheckedIOException("not a checkpoint record: " + e.getMessage(), new IOException(e));
        }
    }
}
