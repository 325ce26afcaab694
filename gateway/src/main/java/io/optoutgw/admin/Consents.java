package io.optoutgw.admin;

import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.ConsentLedger;
import io.optoutgw.suppression.PhoneNumbers;
import io.optoutgw.suppression.Scope;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recorded opt-ins ({@code POST /api/consents}, docs/evidence.md "Opt-in evidence"): a person agreed to an
 * account's messages (of a category, or of every one) on a web form, on paper, by phone. Each row becomes a
 * {@link ConsentEvent.Type#CONSENT} event with what the person agreed to (the wording or its hash), where (URL,
 * channel), when ({@code receivedAt}) and from which IP, journaled and written to Redis like any consent
 * event; it marks the number opted in for {@code optOut.requireOptIn} and lifts no opt-out.
 *
 * <p>All or nothing: every row is checked before any is recorded, and a batch with a bad row records nothing
 * (each bad row's reasons are answered). The answer comes once every row is durable (journal and Redis).
 */
public final class Consents {

    private static final Logger log = LoggerFactory.getLogger(Consents.class);

    /** Rows one request may carry. */
    public static final int MAX_ROWS = 1000;

    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern CHANNEL = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final int MAX_TEXT = 4096;

    private final ConsentLedger recorder;
    private final ScopeNames scopes;
    private final String instanceId;
    private final Duration timeout;

    public Consents(ConsentLedger recorder, ScopeNames scopes, String instanceId, Duration timeout) {
        this.recorder = recorder;
        this.scopes = scopes;
        this.instanceId = instanceId;
        this.timeout = timeout;
    }

    /** One row as sent. */
    public record Row(
            String number,
            String account,
            String category,
            String source,
            String receivedAt,
            String consentText,
            String consentTextHash,
            String url,
            String channel,
            String ip,
            String actor,
            String region) {}

    /** A row that does not read: its index and every reason. */
    public record Rejected(int index, List<String> reasons) {}

    /** A row recorded: its index, the event's id and the number. */
    public record Recorded(int index, String id, String number) {}

    /** The rows checked: the events to record, or the rows that do not read. */
    public record Checked(List<ConsentEvent> events, List<Rejected> rejected) {}

    /** Reads every row; nothing is recorded. */
    public Checked check(List<Row> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no consents given");
        }
        if (rows.size() > MAX_ROWS) {
            throw new IllegalArgumentException(
                    "at most " + MAX_ROWS + " consents per request, got " + rows.size() + ": send them in several");
        }
        List<ConsentEvent> events = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < rows.size(); i++) {
            List<String> reasons = new ArrayList<>();
            ConsentEvent e = event(rows.get(i), now, reasons);
            if (reasons.isEmpty()) {
                events.add(e);
            } else {
                rejected.add(new Rejected(i, reasons));
            }
        }
        return new Checked(events, rejected);
    }

    /** Records the events of a batch that read whole, one after another; returns once each is durable. */
    public List<Recorded> record(List<ConsentEvent> events) throws Exception {
        List<Recorded> out = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            ConsentEvent e = events.get(i);
            recorder.record(e).get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
            log.info(
                    "consent of {} to account {} ({}) recorded ({})",
                    PhoneNumbers.mask(e.number()),
                    e.account(),
                    e.category() == null ? "every category" : e.category(),
                    e.id());
            out.add(new Recorded(i, e.id(), "+" + e.number()));
        }
        return out;
    }

    private ConsentEvent event(Row row, Instant now, List<String> reasons) {
        if (row == null) {
            reasons.add("expected an object {number, account, category?, consentText or consentTextHash, url or"
                    + " channel, receivedAt?, ip?, source?, actor?}");
            return null;
        }
        String digits = null;
        try {
            digits = SuppressionAdmin.digits(row.number(), SuppressionAdmin.region(row.region()));
        } catch (IllegalArgumentException e) {
            reasons.add(e.getMessage());
        }
        Scope.Account scope = null;
        String category = null;
        if (row.account() == null || row.account().isBlank()) {
            reasons.add("account is required (the account whose messages the person agreed to)");
        } else {
            try {
                Scope s = scopes.parse("account:" + row.account().strip());
                scope = (Scope.Account) s;
                category = scopes.category(scope, row.category());
            } catch (IllegalArgumentException e) {
                reasons.add(e.getMessage());
            }
        }
        ConsentEvent.Source source = ConsentEvent.Source.API;
        Instant receivedAt = null;
        try {
            SuppressionAdmin.Provenance p = SuppressionAdmin.provenance(
                    row.source(), row.receivedAt(), SuppressionAdmin.API_SOURCES, ConsentEvent.Source.API, now);
            source = p.source();
            receivedAt = p.receivedAt();
        } catch (IllegalArgumentException e) {
            reasons.add(e.getMessage());
        }
        String text = trimmed(row.consentText());
        String hash = trimmed(row.consentTextHash());
        if (text != null && text.length() > MAX_TEXT) {
            reasons.add("consentText is longer than " + MAX_TEXT + " characters: give consentTextHash instead");
        }
        if (hash != null) {
            hash = hash.toLowerCase(Locale.ROOT);
            if (!HASH.matcher(hash).matches()) {
                reasons.add("consentTextHash must be SHA-256 in hex (64 digits)");
            } else if (text != null && !hash.equals(sha256(text))) {
                reasons.add("consentTextHash is not the SHA-256 of consentText");
            }
        }
        if (text == null && hash == null) {
            reasons.add("consentText or consentTextHash is required (what the person agreed to)");
        }
        if (text != null && hash == null) {
            hash = sha256(text);
        }
        String url = trimmed(row.url());
        if (url != null && (url.length() > 2048 || !url.matches("(?i)https?://\\S+"))) {
            reasons.add("url must be an http(s) URL, got '" + shorten(url) + "'");
        }
        String channel = trimmed(row.channel());
        if (channel != null) {
            channel = channel.toLowerCase(Locale.ROOT);
            if (!CHANNEL.matcher(channel).matches()) {
                reasons.add("channel must be a word such as web, sms, paper, ivr, got '" + shorten(channel) + "'");
            }
        }
        if (url == null && channel == null) {
            reasons.add("url or channel is required (where the person agreed)");
        }
        String ip = trimmed(row.ip());
        if (ip != null
                && !IPV4.matcher(ip).matches()
                && !(ip.indexOf(':') >= 0 && IPV6.matcher(ip).matches())) {
            reasons.add("ip must be an IPv4 or IPv6 address, got '" + shorten(ip) + "'");
        }
        String actor;
        try {
            actor = SuppressionAdmin.text("actor", row.actor());
        } catch (IllegalArgumentException e) {
            reasons.add(e.getMessage());
            actor = null;
        }
        if (!reasons.isEmpty()) {
            return null;
        }
        return new ConsentEvent(
                        ConsentEvent.newId(),
                        now,
                        ConsentEvent.Type.CONSENT,
                        digits,
                        scope.code(),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        instanceId,
                        actor == null ? "api" : actor,
                        null,
                        scope.account(),
                        null)
                .withCategory(category)
                .withSource(source, receivedAt)
                .withConsent(new ConsentEvent.Consent(
                        text, hash, url, channel == null && url != null ? "web" : channel, ip));
    }

    private static String trimmed(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
