package io.optoutgw.suppression.evidence;

import io.optoutgw.suppression.ConsentEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What {@code gateway privacy erase} records about each event it redacted (docs/privacy.md, "Erase"): the
 * event's place in its chain, its hash as the chain links it (the hash of the full event, which no longer
 * exists anywhere) and the hash of what is left of it ({@link #redactedHash}). The ERASED event carries these
 * in its {@link ConsentEvent#evidence()}, one line each: {@code CHAIN SEQ HASH REDACTED}. The ERASED event is
 * itself chained, so a redacted event edited afterwards no longer matches its line, and the chain still links
 * through it (its successor names its original hash).
 */
public record Erasure(String chain, long seq, String hash, String redacted) {

    private static final byte[] DOMAIN = "optoutgw-redacted-v1\n".getBytes(StandardCharsets.US_ASCII);

    /** SHA-256 (hex) of a redacted event's JSON without its link, domain-separated. */
    public static String redactedHash(ConsentEvent redacted) {
        MessageDigest sha = EventChain.sha256();
        sha.update(DOMAIN);
        sha.update(redacted.withChain(null).toJson());
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The line of {@code redacted} (a redacted, linked event). */
    public static Erasure of(ConsentEvent redacted) {
        ConsentEvent.Chain link = redacted.chain();
        return new Erasure(link.id(), link.seq(), link.hash(), redactedHash(redacted));
    }

    public String line() {
        return chain + " " + seq + " " + hash + " " + redacted;
    }

    /** The lines of an ERASED event's evidence; malformed lines are skipped (its chain hash covers them). */
    public static List<Erasure> parse(String evidence) {
        List<Erasure> out = new ArrayList<>();
        if (evidence == null) {
            return out;
        }
        for (String line : evidence.split("\n")) {
            String[] t = line.split(" ");
            if (t.length < 4) {
                continue;
            }
            try {
                String chain = String.join(" ", java.util.Arrays.copyOf(t, t.length - 3));
                out.add(new Erasure(chain, Long.parseLong(t[t.length - 3]), t[t.length - 2], t[t.length - 1]));
            } catch (NumberFormatException e) {
                // not a line of this format
            }
        }
        return out;
    }

    /** The evidence text of an ERASED event listing {@code erased}. */
    public static String evidence(List<Erasure> erased) {
        StringBuilder b = new StringBuilder();
        for (Erasure e : erased) {
            if (!b.isEmpty()) {
                b.append('\n');
            }
            b.append(e.line());
        }
        return b.toString();
    }
}
