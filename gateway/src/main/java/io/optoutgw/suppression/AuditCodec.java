package io.optoutgw.suppression;

import io.optoutgw.suppression.evidence.EventForms;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * The compact audit trail in Redis (docs/architecture.md, "Audit trail"): events of chain version 2 in their
 * summary or minimal form ({@link EventForms}), as records of 7-bit characters (so that they pass the
 * gateway's UTF-8 connections unchanged and cost one byte each), concatenated per list bucket in
 * {@code gw:ac:{B}}; and the time index {@code gw:ai:{ai}:MINUTE}, fixed-size records (time within the minute,
 * number) per minute.
 *
 * <p>A record: the number (8 characters, 56 bits), the id (a UUID in 19 characters, or a string), the length
 * of the rest, then: flags, type, source, time in ms, order (relative to the time's second), scope, category,
 * the chain's tag (28 bits of SHA-256 of its id; {@code gw:ai:{ai}:chains} names the chain), seq, prev (37 characters, 256 bits), the first 42 bits of the hash (to name an edited record), and
 * either the kept detail with the journal digest, or the detail digest. Integers are base-128 varints, strings
 * a varint length and their characters (which may be any character: only they can take more than a byte).
 * The same event always encodes to the same characters, so a replay of it adds nothing.
 */
public final class AuditCodec {

    private AuditCodec() {}

    private static final HexFormat HEX = HexFormat.of();
    private static final ConsentEvent.Type[] TYPES = ConsentEvent.Type.values();
    private static final ConsentEvent.Source[] SOURCES = ConsentEvent.Source.values();

    private static final int MINIMAL = 1;
    private static final int JOURNAL_DIGEST = 2;
    private static final int CATEGORY = 4;
    private static final int ORDER = 8;
    private static final int SOURCE = 16;
    private static final int INSTANCE_OF_CHAIN = 32;

    private static final int ID_UUID = 0;
    private static final int ID_STRING = 1;

    /** Characters of a 256-bit hash. */
    private static final int HASH_CHARS = 37;
    /** Characters of the stored part of the hash (42 bits). */
    private static final int TAG_CHARS = 6;

    /** Characters of a chain's tag in a record: 28 bits of SHA-256 of its id ({@link #chainTag}). */
    private static final int CHAIN_TAG_CHARS = 4;

    /** Chain tags (hex) seen so far and their chain ids: filled by encoding and from {@code gw:ai:{ai}:chains}. */
    private static final java.util.concurrent.ConcurrentHashMap<String, String> CHAINS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** A record names a chain whose id this process has not seen (read {@code gw:ai:{ai}:chains} first). */
    public static final class UnknownChain extends IllegalArgumentException {
        public UnknownChain(String tag) {
            super("audit record of an unknown chain (tag " + tag + ")");
        }
    }

    /** The tag of chain {@code id} in records (4 characters), remembered with the id. */
    public static String chainTag(String id) {
        byte[] h = io.optoutgw.suppression.evidence.EventChain.sha256()
                .digest(id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        long v = ((h[0] & 0xffL) << 20) | ((h[1] & 0xffL) << 12) | ((h[2] & 0xffL) << 4) | ((h[3] & 0xf0L) >>> 4);
        StringBuilder b = new StringBuilder(CHAIN_TAG_CHARS);
        fixed(b, v, CHAIN_TAG_CHARS);
        String tag = b.toString();
        CHAINS.putIfAbsent(hexTag(tag), id);
        return tag;
    }

    /** The hex form of a chain's tag, as {@code gw:ai:{ai}:chains} names it. */
    public static String chainTagHex(String id) {
        return hexTag(chainTag(id));
    }

    /** Chains named in {@code gw:ai:{ai}:chains} (tag in hex -> chain id). */
    public static void knownChains(java.util.Map<String, String> tags) {
        tags.forEach(CHAINS::putIfAbsent);
    }

    /** Characters of one time-index record: time within the minute (3), number (8). */
    public static final int INDEX_RECORD = 11;

    /** An encoded event: the record and its prefix that names the event (number and id), for de-duplication. */
    public record Encoded(String record, String needle) {}

    /** Whether {@code e} can be kept in the compact form: linked in chain version 2, with a numeric number. */
    public static boolean compactable(ConsentEvent e) {
        return e.chain() != null
                && e.chain().version() == EventForms.VERSION
                && e.number() != null
                && e.number().length() <= 16
                && e.number().chars().allMatch(c -> c >= '0' && c <= '9')
                && !e.number().isEmpty();
    }

    /** The record of {@code e} (a {@link #compactable} event, in any form; stored in its summary or minimal form). */
    public static Encoded encode(ConsentEvent e) {
        ConsentEvent s = EventForms.isMinimal(e) ? e : EventForms.summary(e);
        StringBuilder head = new StringBuilder(40);
        fixed(head, Long.parseLong(s.number()), 8);
        UUID uuid = uuid(s.id());
        if (uuid != null) {
            head.append((char) ID_UUID);
            fixed(head, uuid.getMostSignificantBits() >>> 8, 8);
            fixed(head, ((uuid.getMostSignificantBits() & 0xff) << 55) | (uuid.getLeastSignificantBits() >>> 9), 9);
            fixed(head, uuid.getLeastSignificantBits() & 0x1ff, 2);
        } else {
            head.append((char) ID_STRING);
            string(head, s.id());
        }
        String needle = head.toString();
        ConsentEvent.Chain link = s.chain();
        boolean minimal = EventForms.isMinimal(s);
        String chainInstance = instanceOf(link.id());
        int flags = (minimal ? MINIMAL : 0)
                | (!minimal && s.journalDigest() != null ? JOURNAL_DIGEST : 0)
                | (s.category() != null ? CATEGORY : 0)
                | (s.order() != null ? ORDER : 0)
                | (s.source() != null ? SOURCE : 0)
                | (!minimal && chainInstance.equals(s.instance()) ? INSTANCE_OF_CHAIN : 0);
        StringBuilder b = new StringBuilder(120);
        varint(b, flags);
        b.append((char) s.type().ordinal());
        if (s.source() != null) {
            b.append((char) s.source().ordinal());
        }
        long ms = s.time().toEpochMilli();
        varint(b, ms);
        if (s.order() != null) {
            varint(b, zigzag(s.order() - Math.floorDiv(ms, 1000)));
        }
        string(b, s.scope());
        if (s.category() != null) {
            string(b, s.category());
        }
        b.append(chainTag(link.id()));
        varint(b, link.seq());
        hash(b, link.prev());
        tag(b, link.hash());
        if (minimal) {
            hash(b, s.detailDigest());
        } else {
            String[] kept = {
                s.keyword(),
                s.language(),
                s.account(),
                s.sender(),
                s.actor(),
                s.reason(),
                (flags & INSTANCE_OF_CHAIN) != 0 ? null : s.instance(),
                s.receivedAt() == null ? null : s.receivedAt().toString(),
                s.evidence(),
                s.text()
            };
            int mask = 0;
            for (int i = 0; i < kept.length; i++) {
                if (kept[i] != null) {
                    mask |= 1 << i;
                }
            }
            if (s.override() != null) {
                mask |= s.override() ? 1 << 10 : 1 << 11;
            }
            varint(b, mask);
            for (String k : kept) {
                if (k != null) {
                    string(b, k);
                }
            }
            if (s.journalDigest() != null) {
                hash(b, s.journalDigest());
            }
        }
        StringBuilder out = new StringBuilder(head.length() + 3 + b.length());
        out.append(head);
        varint(out, b.length());
        out.append(b);
        return new Encoded(out.toString(), needle);
    }

    /** One record read back: its number, the event (null when it cannot be read) and the record's characters. */
    public record Decoded(String digits, ConsentEvent event, String record) {}

    /**
     * Every record of a bucket's {@code blob} ({@code null}: none), of {@code digits} only when not null. A record
     * that cannot be read is returned without an event, and the rest of the blob after it as one more.
     */
    public static List<Decoded> decodeAll(String blob, String digits) {
        List<Decoded> out = new ArrayList<>();
        if (blob == null) {
            return out;
        }
        Reader r = new Reader(blob);
        while (r.pos < blob.length()) {
            int start = r.pos;
            String number;
            try {
                number = Long.toString(r.fixed(8));
                int idKind = r.next();
                if (idKind == ID_UUID) {
                    r.pos += 19;
                } else if (idKind == ID_STRING) {
                    r.string();
                } else {
                    throw new IllegalArgumentException("bad id kind");
                }
                int len = (int) r.varint();
                int end = r.pos + len;
                if (len < 0 || end > blob.length()) {
                    throw new IllegalArgumentException("bad length");
                }
                r.pos = end;
                if (digits != null && !digits.equals(number)) {
                    continue;
                }
                String record = blob.substring(start, end);
                ConsentEvent e;
                try {
                    e = decode(record);
                } catch (RuntimeException x) {
                    e = null;
                }
                out.add(new Decoded(number, e, record));
            } catch (RuntimeException x) {
                out.add(new Decoded(null, null, blob.substring(start)));
                return out;
            }
        }
        return out;
    }

    /** The event of one record; IllegalArgumentException when it is not one. */
    public static ConsentEvent decode(String record) {
        Reader r = new Reader(record);
        String number = Long.toString(r.fixed(8));
        int idKind = r.next();
        String id;
        if (idKind == ID_UUID) {
            long a = r.fixed(8);
            long bc = r.fixed(9);
            long d = r.fixed(2);
            id = new UUID((a << 8) | (bc >>> 55), (bc << 9) | d).toString();
        } else if (idKind == ID_STRING) {
            id = r.string();
        } else {
            throw new IllegalArgumentException("not an audit record");
        }
        int len = (int) r.varint();
        if (r.pos + len != record.length()) {
            throw new IllegalArgumentException("audit record of the wrong length");
        }
        int flags = (int) r.varint();
        ConsentEvent.Type type = TYPES[r.next()];
        ConsentEvent.Source source = (flags & SOURCE) != 0 ? SOURCES[r.next()] : null;
        long ms = r.varint();
        Long order = (flags & ORDER) != 0 ? unzigzag(r.varint()) + Math.floorDiv(ms, 1000) : null;
        String scope = r.string();
        String category = (flags & CATEGORY) != 0 ? r.string() : null;
        String tag4 = r.s.substring(r.pos, r.pos + CHAIN_TAG_CHARS);
        for (int i = 0; i < CHAIN_TAG_CHARS; i++) {
            r.next();
        }
        String chain = CHAINS.get(hexTag(tag4));
        if (chain == null) {
            throw new UnknownChain(hexTag(tag4));
        }
        long seq = r.varint();
        String prev = r.hash();
        String tag = r.tag();
        Instant time = Instant.ofEpochMilli(ms);
        ConsentEvent e;
        if ((flags & MINIMAL) != 0) {
            String d = r.hash();
            e = new ConsentEvent(
                    id, time, type, number, scope, null, null, null, null, null, null, null, null, null, null, null,
                    order, category, source, null, null, null, null, null, null, d, null, null);
        } else {
            int mask = (int) r.varint();
            String[] kept = new String[10];
            for (int i = 0; i < kept.length; i++) {
                if ((mask & (1 << i)) != 0) {
                    kept[i] = r.string();
                }
            }
            Boolean override = (mask & (1 << 10)) != 0 ? Boolean.TRUE : (mask & (1 << 11)) != 0 ? Boolean.FALSE : null;
            String journalDigest = (flags & JOURNAL_DIGEST) != 0 ? r.hash() : null;
            String instance = (flags & INSTANCE_OF_CHAIN) != 0 ? instanceOf(chain) : kept[6];
            e = new ConsentEvent(
                    id,
                    time,
                    type,
                    number,
                    scope,
                    kept[0],
                    kept[1],
                    kept[9],
                    null,
                    null,
                    null,
                    instance,
                    kept[4],
                    kept[5],
                    kept[2],
                    kept[3],
                    order,
                    category,
                    source,
                    kept[7] == null ? null : Instant.parse(kept[7]),
                    kept[8],
                    override,
                    null,
                    null,
                    null,
                    null,
                    journalDigest,
                    null);
        }
        if (r.pos != record.length()) {
            throw new IllegalArgumentException("audit record with trailing characters");
        }
        // the hash is not stored: it is what the content makes of it, when its first 42 bits agree with the record
        ConsentEvent.Chain partial = new ConsentEvent.Chain(chain, seq, prev, null, EventForms.VERSION);
        String computed = EventForms.hash(e.withChain(partial));
        StringBuilder t = new StringBuilder(TAG_CHARS);
        tag(t, computed);
        String hash = t.toString().equals(tag) ? computed : "stored-hash-" + hexTag(tag);
        return e.withChain(new ConsentEvent.Chain(chain, seq, prev, hash, EventForms.VERSION));
    }

    /** A time-index record: {@code ms} within its minute and the number. */
    public static String indexRecord(long epochMs, String digits) {
        StringBuilder b = new StringBuilder(INDEX_RECORD);
        fixed(b, Math.floorMod(epochMs, 60_000L), 3);
        fixed(b, Long.parseLong(digits), 8);
        return b.toString();
    }

    /** The minute (epoch ms / 60,000) of a time. */
    public static long minute(long epochMs) {
        return Math.floorDiv(epochMs, 60_000L);
    }

    /** Time (epoch ms) and number of the time-index record at {@code at} in a minute's {@code slice}. */
    public static SuppressionStore.AuditRef indexRef(long minute, String slice, int at) {
        Reader r = new Reader(slice);
        r.pos = at;
        long ms = r.fixed(3);
        long digits = r.fixed(8);
        return new SuppressionStore.AuditRef(Long.toString(digits), null, minute * 60_000L + ms);
    }

    static String instanceOf(String chain) {
        int slash = chain.lastIndexOf('/');
        return slash < 0 ? chain : chain.substring(0, slash);
    }

    private static UUID uuid(String id) {
        if (id == null || id.length() != 36) {
            return null;
        }
        try {
            UUID u = UUID.fromString(id);
            return u.toString().equals(id) ? u : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void fixed(StringBuilder b, long v, int chars) {
        for (int i = chars - 1; i >= 0; i--) {
            b.append((char) ((v >>> (7 * i)) & 0x7f));
        }
    }

    private static void varint(StringBuilder b, long v) {
        while ((v & ~0x3fL) != 0) {
            b.append((char) (0x40 | (v & 0x3f)));
            v >>>= 6;
        }
        b.append((char) v);
    }

    private static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    private static void string(StringBuilder b, String s) {
        varint(b, s.length());
        b.append(s);
    }

    private static void hash(StringBuilder b, String hex) {
        byte[] h = HEX.parseHex(hex);
        if (h.length != 32) {
            throw new IllegalArgumentException("not a SHA-256 hash: " + hex);
        }
        int acc = 0;
        int bits = 0;
        int n = 0;
        for (byte x : h) {
            acc = (acc << 8) | (x & 0xff);
            bits += 8;
            while (bits >= 7) {
                bits -= 7;
                b.append((char) ((acc >>> bits) & 0x7f));
                n++;
            }
        }
        b.append((char) ((acc << (7 - bits)) & 0x7f));
        n++;
        assert n == HASH_CHARS;
    }

    private static void tag(StringBuilder b, String hex) {
        long v = Long.parseUnsignedLong(hex.substring(0, 12), 16) >>> 6; // first 42 bits
        fixed(b, v, TAG_CHARS);
    }

    private static String hexTag(String tag) {
        long v = 0;
        for (int i = 0; i < tag.length(); i++) {
            v = (v << 7) | (tag.charAt(i) & 0x7f);
        }
        return Long.toHexString(v);
    }

    private static final class Reader {
        final String s;
        int pos;

        Reader(String s) {
            this.s = s;
        }

        int next() {
            char c = s.charAt(pos++);
            if (c > 0x7f) {
                throw new IllegalArgumentException("not an audit record");
            }
            return c;
        }

        long fixed(int chars) {
            long v = 0;
            for (int i = 0; i < chars; i++) {
                v = (v << 7) | next();
            }
            return v;
        }

        long varint() {
            long v = 0;
            int shift = 0;
            while (true) {
                int c = next();
                v |= (long) (c & 0x3f) << shift;
                if ((c & 0x40) == 0) {
                    return v;
                }
                shift += 6;
                if (shift > 63) {
                    throw new IllegalArgumentException("bad varint");
                }
            }
        }

        String string() {
            int n = (int) varint();
            if (n < 0 || pos + n > s.length()) {
                throw new IllegalArgumentException("bad string");
            }
            String out = s.substring(pos, pos + n);
            pos += n;
            return out;
        }

        String hash() {
            byte[] h = new byte[32];
            int acc = 0;
            int bits = 0;
            int k = 0;
            for (int i = 0; i < HASH_CHARS; i++) {
                acc = (acc << 7) | next();
                bits += 7;
                if (bits >= 8 && k < 32) {
                    bits -= 8;
                    h[k++] = (byte) (acc >>> bits);
                }
                acc &= (1 << bits) - 1;
            }
            return HEX.formatHex(h);
        }

        String tag() {
            String t = s.substring(pos, pos + TAG_CHARS);
            for (int i = 0; i < TAG_CHARS; i++) {
                next();
            }
            return t;
        }
    }
}
