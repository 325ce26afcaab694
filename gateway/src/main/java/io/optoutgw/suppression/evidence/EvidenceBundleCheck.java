package io.optoutgw.suppression.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.optoutgw.suppression.ConsentEvent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The offline check of an evidence bundle (docs/evidence.md, "Evidence bundle"): needs neither Redis nor a
 * gateway, only the bundle and, to trust nothing in it, the operator's public key.
 *
 * <p>It checks that every chained event in the proof hashes to its own link (the bytes are exactly what the
 * gateway wrote), that the events of each segment follow one another (seq without gap, each {@code prev}
 * the hash before it), that the segment ends at the seq and hash of its checkpoint and that the checkpoint's
 * Ed25519 signature verifies with a trusted key, and that each of the number's events in the bundle is one
 * of those proven events and is described (its {@code view}) as its stored bytes say. Confirmations and
 * refusals come from the evidence ledger, which is not chained: they are shown, not proven.
 */
public final class EvidenceBundleCheck {

    /** The bundle format this version writes and reads. */
    public static final String FORMAT = "optoutgw-evidence-v1";

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** The name of the bundle's JSON inside a ZIP bundle, and of the HTML page's embedded copy. */
    public static final String JSON_ENTRY = "evidence.json";

    /** The id of the HTML page's {@code <script type="application/json">} element holding the bundle. */
    public static final String HTML_ELEMENT_ID = "optoutgw-evidence";

    private EvidenceBundleCheck() {}

    /**
     * What a check found: {@code failures} (each names the event, chain, seq or checkpoint), what was proven
     * ({@code proven}) and what the reader should know ({@code notes}).
     */
    public record Result(List<String> proven, List<String> failures, List<String> notes) {
        public boolean ok() {
            return failures.isEmpty();
        }
    }

    /**
     * How an event is shown in a bundle: derived from its stored bytes only, so a check can derive it again
     * and compare. Times as ISO-8601; fields that do not apply are left out.
     */
    public static ObjectNode view(ConsentEvent e) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", e.id());
        v.put("type", e.type() == null ? null : e.type().name().toLowerCase());
        v.put("number", e.number() == null ? null : "+" + e.number());
        v.put("scope", e.scope());
        v.put("category", e.category() == null ? "all" : e.category());
        v.put("source", e.sourceLabel());
        v.put("account", e.account());
        v.put("sender", e.sender());
        v.put("keyword", e.keyword());
        v.put("language", e.language());
        v.put("ruleSet", e.ruleSet());
        v.put("text", e.text());
        v.put("dataCoding", e.dataCoding());
        v.put("encoding", e.dataCoding() == null ? null : encoding(e.dataCoding()));
        v.put("rawMo", e.rawMo());
        v.put("upstream", e.upstream());
        v.put("smscRef", e.smscRef());
        v.put("instance", e.instance());
        v.put("actor", e.actor());
        v.put("reason", e.reason());
        v.put("evidence", e.evidence());
        v.put("override", e.override());
        v.put("consent", e.consent());
        Map<String, Object> times = new LinkedHashMap<>();
        times.put("requested", e.receivedAt());
        times.put("received", e.time());
        times.put("effective", e.type() != null && e.type().effect() != 0 ? e.time() : null);
        times.values().removeIf(x -> x == null);
        v.put("timestamps", times);
        v.put("listOrder", e.order());
        v.put("chain", e.chain());
        v.values().removeIf(x -> x == null);
        try {
            // written and read back: numbers then compare as a bundle read from a file holds them
            return (ObjectNode) JSON.readTree(JSON.writeValueAsBytes(v));
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    /** How data_coding {@code dc} was read (docs/architecture.md, "Opt-out capture"). */
    static String encoding(int dc) {
        return switch (dc) {
            case 0 -> "SMSC default alphabet (GSM 03.38, or Latin-1 where the upstream says so)";
            case 1 -> "IA5 (ASCII)";
            case 3 -> "Latin-1 (ISO-8859-1)";
            case 8 -> "UCS-2 (UTF-16BE)";
            case 2, 4 -> "8-bit binary (not scanned)";
            default -> "data_coding " + dc + " (read by its coding group)";
        };
    }

    /**
     * Reads a bundle file: the JSON itself, a ZIP holding {@value #JSON_ENTRY}, or the HTML page (its
     * embedded copy). IllegalArgumentException when the file is none of these.
     */
    public static JsonNode read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4) {
            try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
                for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                    if (entry.getName().equals(JSON_ENTRY)) {
                        return parse(readAll(zip), file + "!" + JSON_ENTRY);
                    }
                }
            }
            throw new IllegalArgumentException(file + " is a ZIP without " + JSON_ENTRY);
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        String open = "<script type=\"application/json\" id=\"" + HTML_ELEMENT_ID + "\">";
        int at = text.indexOf(open);
        if (at >= 0) {
            int end = text.indexOf("</script>", at);
            if (end < 0) {
                throw new IllegalArgumentException(file + ": the embedded bundle is not closed");
            }
            return parse(text.substring(at + open.length(), end).getBytes(StandardCharsets.UTF_8), file.toString());
        }
        return parse(bytes, file.toString());
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    private static JsonNode parse(byte[] json, String where) {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException(where + " is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException(where + " is not an evidence bundle (JSON, ZIP or HTML): "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** The public keys the bundle carries ({@code proof.publicKeys[].pem}), by key id. */
    public static Map<String, PublicKey> bundledKeys(JsonNode bundle) {
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        for (JsonNode k : bundle.path("proof").path("publicKeys")) {
            try {
                keys.putAll(EvidenceKeys.publicKeys(k.path("pem").asText("")));
            } catch (IllegalArgumentException e) {
                // a damaged key block trusts nothing; the checkpoint then fails with its key named
            }
        }
        return keys;
    }

    /**
     * Checks {@code bundle} with {@code trusted} keys (by key id); {@code null} trusts the keys the bundle
     * carries, which proves only that the bundle is consistent with itself: compare its key id with the
     * operator's published one, or pass the operator's key.
     */
    public static Result check(JsonNode bundle, Map<String, PublicKey> trusted) {
        List<String> proven = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (!FORMAT.equals(bundle.path("format").asText())) {
            failures.add("not an evidence bundle of format " + FORMAT + " (format: "
                    + bundle.path("format").asText("none") + ")");
            return new Result(proven, failures, notes);
        }
        Map<String, PublicKey> keys = trusted;
        if (keys == null) {
            keys = bundledKeys(bundle);
            notes.add("checkpoint signatures checked with the public key(s) in the bundle " + keys.keySet()
                    + "; to trust nothing in the bundle, give the operator's key with --public-key");
        }
        Set<String> provenEvents = new HashSet<>();
        int s = 0;
        for (JsonNode seg : bundle.path("proof").path("segments")) {
            checkSegment(s++, seg, keys, provenEvents, proven, failures);
        }
        int i = 0;
        int chained = 0;
        for (JsonNode entry : bundle.path("events")) {
            String label = "events[" + i++ + "]";
            String stored = entry.path("stored").asText(null);
            if (stored == null) {
                failures.add(label + ": no stored event");
                continue;
            }
            ConsentEvent e;
            try {
                e = ConsentEvent.fromJson(stored.getBytes(StandardCharsets.UTF_8));
            } catch (RuntimeException x) {
                failures.add(label + ": the stored event is not a consent event");
                continue;
            }
            label += " (event " + e.id() + ")";
            JsonNode expected = view(e);
            if (!expected.equals(entry.path("view"))) {
                failures.add(label + ": its description does not match its stored bytes ("
                        + differingFields(expected, entry.path("view")) + ")");
            }
            if (e.chain() == null) {
                failures.add(label + ": recorded before the hash chain began (no link): not provable");
                continue;
            }
            if (!provenEvents.contains(stored)) {
                failures.add(label + ": chain " + e.chain().id() + " seq "
                        + e.chain().seq() + " is not among the events a signed checkpoint covers in this bundle");
                continue;
            }
            chained++;
        }
        if (failures.isEmpty()) {
            proven.add(0, chained + " event(s) of " + bundle.path("number").asText() + " proven");
        }
        int confirmations = bundle.path("confirmations").size();
        int refusals = bundle.path("refusals").size();
        if (confirmations + refusals > 0) {
            notes.add(confirmations + " confirmation(s) and " + refusals
                    + " refusal(s) are from the evidence ledger, which is not hash-chained: shown, not proven");
        }
        return new Result(proven, failures, notes);
    }

    private static String differingFields(JsonNode expected, JsonNode given) {
        List<String> names = new ArrayList<>();
        Set<String> all = new HashSet<>();
        expected.fieldNames().forEachRemaining(all::add);
        given.fieldNames().forEachRemaining(all::add);
        for (String f : new TreeSet<>(all)) {
            if (!expected.path(f).equals(given.path(f))) {
                names.add(f);
            }
        }
        return names.isEmpty() ? "shape differs" : "differs in " + String.join(", ", names);
    }

    private static void checkSegment(
            int index,
            JsonNode seg,
            Map<String, PublicKey> keys,
            Set<String> provenEvents,
            List<String> proven,
            List<String> failures) {
        String chain = seg.path("chain").asText();
        String where = "proof.segments[" + index + "] (chain " + chain + ")";
        int before = failures.size();
        long expectSeq = seg.path("from").asLong();
        String prevHash = null;
        List<String> stored = new ArrayList<>();
        for (JsonNode ev : seg.path("events")) {
            String json = ev.asText();
            EventChain.Checked c = EventChain.check(json.getBytes(StandardCharsets.UTF_8));
            String id = c.event() == null ? "?" : c.event().id();
            String at = "chain " + chain + " seq "
                    + (c.link() == null ? expectSeq : c.link().seq()) + " (event " + id + ")";
            switch (c.problem()) {
                case UNPARSEABLE -> failures.add(at + ": not a consent event (edited)");
                case UNCHAINED -> failures.add(at + ": has no link (its link was removed)");
                case NOT_CANONICAL -> failures.add(at + ": its bytes are not what the gateway writes for it (edited)");
                case HASH_MISMATCH -> failures.add(at + ": its content does not hash to its link (edited)");
                case NONE -> {}
            }
            if (c.link() != null) {
                if (!chain.equals(c.link().id())) {
                    failures.add(at + ": belongs to chain " + c.link().id() + ", not " + chain);
                }
                if (c.link().seq() != expectSeq) {
                    failures.add(at + ": expected seq " + expectSeq + " here (an event missing or moved)");
                }
                if (prevHash != null && !prevHash.equals(c.link().prev())) {
                    failures.add(at + ": does not link to the event before it (prev is not its hash)");
                }
                prevHash = c.link().hash();
                expectSeq = c.link().seq() + 1;
            } else {
                prevHash = null;
                expectSeq++;
            }
            stored.add(json);
        }
        long last = expectSeq - 1;
        if (stored.isEmpty()) {
            failures.add(where + ": holds no events");
            return;
        }
        if (last != seg.path("to").asLong()) {
            failures.add(where + ": ends at seq " + last + ", not at "
                    + seg.path("to").asLong());
        }
        JsonNode cp = seg.path("checkpoint");
        if (cp.isMissingNode() || cp.isNull()) {
            failures.add(where + ": no checkpoint covers seq " + last + " yet ("
                    + seg.path("note").asText("make the bundle again after the next checkpoint") + ")");
            return;
        }
        Checkpoint checkpoint;
        try {
            checkpoint = JSON.treeToValue(cp, Checkpoint.class);
        } catch (IOException | IllegalArgumentException e) {
            failures.add(where + ": its checkpoint does not read: " + e.getMessage());
            return;
        }
        String cpAt = "checkpoint of chain " + checkpoint.chain() + " at seq " + checkpoint.seq();
        if (!chain.equals(checkpoint.chain()) || checkpoint.seq() != last) {
            failures.add(cpAt + ": does not name the segment's last event (chain " + chain + " seq " + last + ")");
        } else if (!checkpoint.hash().equals(prevHash)) {
            failures.add(cpAt + ": names hash " + checkpoint.hash() + " but the event at seq " + last + " hashes to "
                    + prevHash);
        }
        switch (checkpoint.signature(keys)) {
            case VALID -> {}
            case INVALID ->
                failures.add(cpAt + ": the signature does not verify with key " + checkpoint.key()
                        + " (the checkpoint or its signature was edited, or the key is not the one that signed it)");
            case UNSIGNED -> failures.add(cpAt + ": unsigned (the gateway has no evidence.signingKey): not provable");
            case UNKNOWN_KEY ->
                failures.add(cpAt + ": signed by key " + checkpoint.key() + ", which is not the trusted public key "
                        + keys.keySet());
        }
        if (failures.size() == before) {
            provenEvents.addAll(stored);
            proven.add("chain " + chain + " seq " + seg.path("from").asLong() + ".." + last
                    + ": every event hashes to its link and links to the one before; " + cpAt + " ("
                    + checkpoint.time() + ") signed by key " + checkpoint.key() + ": valid");
        }
    }
}
