package io.optoutgw.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import io.optoutgw.suppression.evidence.Checkpoint;
import io.optoutgw.suppression.evidence.EvidenceBundleCheck;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * An evidence bundle ({@link EvidenceBundles}) as a file: its JSON, a human-readable HTML page (a mustache
 * template, HTML-escaped, no external resources; the page embeds the JSON, so it verifies too), or a ZIP of
 * both with the proof material laid out for tools other than the gateway (docs/evidence.md).
 */
public final class EvidenceBundleFiles {

    /** The bundle file formats. */
    public enum Format {
        JSON("application/json", "json"),
        HTML("text/html; charset=utf-8", "html"),
        ZIP("application/zip", "zip");

        private final String contentType;
        private final String extension;

        Format(String contentType, String extension) {
            this.contentType = contentType;
            this.extension = extension;
        }

        public String contentType() {
            return contentType;
        }

        public String extension() {
            return extension;
        }

        /** {@code json}, {@code html} or {@code zip} (any case); IllegalArgumentException naming them otherwise. */
        public static Format of(String name) {
            for (Format f : values()) {
                if (f.extension.equalsIgnoreCase(name.strip())) {
                    return f;
                }
            }
            throw new IllegalArgumentException("format must be json, html or zip, got '" + name.strip() + "'");
        }

        /** The format a file name's extension asks for: .json, .html/.htm, anything else a ZIP. */
        public static Format ofFileName(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.endsWith(".json")) {
                return JSON;
            }
            if (n.endsWith(".html") || n.endsWith(".htm")) {
                return HTML;
            }
            return ZIP;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule());
    private static final Mustache PAGE =
            new DefaultMustacheFactory("io/optoutgw/admin").compile("evidence.html.mustache");

    private EvidenceBundleFiles() {}

    /** The bundle in {@code format}. */
    public static byte[] write(JsonNode bundle, Format format) {
        return switch (format) {
            case JSON -> json(bundle);
            case HTML -> html(bundle);
            case ZIP -> zip(bundle);
        };
    }

    static byte[] json(JsonNode bundle) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(bundle);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The HTML page: what the bundle says for a person, and the bundle itself in a script element. */
    static byte[] html(JsonNode b) {
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("number", b.path("number").asText());
        page.put("generatedAt", b.path("generatedAt").asText());
        page.put("generatedBy", b.path("generatedBy").asText());
        page.put("summary", fields(b.path("summary")));
        List<Map<String, Object>> events = new ArrayList<>();
        for (JsonNode e : b.path("events")) {
            JsonNode v = e.path("view");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(
                    "title",
                    v.path("type").asText() + " "
                            + v.path("timestamps").path("received").asText());
            m.put("fields", fields(v));
            events.add(m);
        }
        page.put("events", events);
        page.put("confirmations", lines(b.path("confirmations")));
        page.put("refusals", lines(b.path("refusals")));
        page.put("timeline", lines(b.path("trace").path("lines")));
        List<Map<String, Object>> segments = new ArrayList<>();
        for (JsonNode s : b.path("proof").path("segments")) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("chain", s.path("chain").asText());
            m.put("from", s.path("from").asLong());
            m.put("to", s.path("to").asLong());
            m.put("count", s.path("events").size());
            JsonNode cp = s.path("checkpoint");
            m.put(
                    "checkpoint",
                    cp.isObject()
                            ? "seq " + cp.path("seq").asLong() + ", hash "
                                    + cp.path("hash").asText() + ", made "
                                    + cp.path("time").asText()
                                    + (cp.hasNonNull("key")
                                            ? ", signed by key "
                                                    + cp.path("key").asText()
                                            : ", unsigned")
                            : s.path("note").asText("none yet"));
            segments.add(m);
        }
        page.put("segments", segments);
        List<Map<String, Object>> keys = new ArrayList<>();
        for (JsonNode k : b.path("proof").path("publicKeys")) {
            keys.add(Map.of("key", k.path("key").asText(), "pem", k.path("pem").asText()));
        }
        page.put("keys", keys);
        // inside <script>, '<' may only appear in JSON strings, where \u003c reads back as the same character
        page.put("json", new String(json(b), StandardCharsets.UTF_8).replace("<", "\\u003c"));
        page.put("elementId", EvidenceBundleCheck.HTML_ELEMENT_ID);
        StringWriter out = new StringWriter();
        PAGE.execute(out, page);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A flat object's fields as name/value pairs (nested values as compact JSON). */
    private static List<Map<String, Object>> fields(JsonNode obj) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode v = f.getValue();
            out.add(Map.of("name", f.getKey(), "value", v.isValueNode() ? v.asText() : v.toString()));
        }
        return out;
    }

    /** Trace lines as time, type and the other fields on one line. */
    private static List<Map<String, Object>> lines(JsonNode lines) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (JsonNode l : lines) {
            StringBuilder detail = new StringBuilder();
            for (Iterator<Map.Entry<String, JsonNode>> it = l.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("time") || f.getKey().equals("type")) {
                    continue;
                }
                detail.append(detail.isEmpty() ? "" : "  ")
                        .append(f.getKey())
                        .append('=')
                        .append(f.getValue().asText());
            }
            out.add(Map.of(
                    "time",
                    l.path("time").asText(),
                    "type",
                    l.path("type").asText(),
                    "detail",
                    detail.toString(),
                    "violation",
                    l.path("violation").asBoolean(false)));
        }
        return out;
    }

    /**
     * The ZIP: {@code evidence.json}, {@code evidence.html}, {@code public-key.pem}, {@code VERIFY.txt}, and
     * per proof segment {@code proof/segment-N/events.jsonl} (each event's stored bytes, one a line, in seq
     * order), {@code checkpoint.json}, {@code checkpoint.msg} (the exact bytes signed) and
     * {@code checkpoint.sig} (the raw 64-byte Ed25519 signature), for openssl.
     */
    static byte[] zip(JsonNode b) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            put(zip, EvidenceBundleCheck.JSON_ENTRY, json(b));
            put(zip, "evidence.html", html(b));
            StringBuilder pem = new StringBuilder();
            for (JsonNode k : b.path("proof").path("publicKeys")) {
                pem.append(k.path("pem").asText());
            }
            put(zip, "public-key.pem", pem.toString().getBytes(StandardCharsets.US_ASCII));
            int i = 0;
            for (JsonNode s : b.path("proof").path("segments")) {
                String dir = "proof/segment-" + i++ + "/";
                StringBuilder events = new StringBuilder();
                for (JsonNode e : s.path("events")) {
                    events.append(e.asText()).append('\n');
                }
                put(zip, dir + "events.jsonl", events.toString().getBytes(StandardCharsets.UTF_8));
                JsonNode cp = s.path("checkpoint");
                if (cp.isObject()) {
                    Checkpoint c = JSON.treeToValue(cp, Checkpoint.class);
                    put(zip, dir + "checkpoint.json", c.toJson().getBytes(StandardCharsets.UTF_8));
                    put(zip, dir + "checkpoint.msg", c.signedBytes());
                    if (c.sig() != null) {
                        put(zip, dir + "checkpoint.sig", Base64.getDecoder().decode(c.sig()));
                    }
                }
            }
            put(zip, "VERIFY.txt", verifyText(b).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static String verifyText(JsonNode b) {
        return """
                Evidence bundle of %s, made %s by gateway instance %s.

                Verify with the gateway's jar (offline: no Redis, no gateway):
                  java -jar gateway.jar evidence verify THIS.zip --public-key OPERATOR-PUBLIC-KEY.pem
                It recomputes each event's hash, checks the links up to the checkpoint and the checkpoint's
                Ed25519 signature, and prints OK or names what fails.

                Or independently, for each proof/segment-N:
                  openssl pkeyutl -verify -pubin -inkey OPERATOR-PUBLIC-KEY.pem -rawin \\
                      -in proof/segment-N/checkpoint.msg -sigfile proof/segment-N/checkpoint.sig
                and recompute the hashes of proof/segment-N/events.jsonl in order:
                  hash = hex(SHA-256("optoutgw-chain-v1\\n" + chain + "\\n" + seq + "\\n" + prev + "\\n"
                                     + the event's bytes before ',"chain":' + "}"))
                each prev must be the hash before it, and the last hash the checkpoint's (checkpoint.json).
                public-key.pem is the key the gateway had: compare its id with the operator's published key.
                Details: docs/evidence.md, "Evidence bundle".
                """.formatted(
                        b.path("number").asText(),
                        b.path("generatedAt").asText(),
                        b.path("generatedBy").asText());
    }

    private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(data);
        zip.closeEntry();
    }
}
