package io.optoutgw.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.config.ConfigException;
import io.optoutgw.config.ConfigLoader;
import io.optoutgw.config.ConfigOverrides;
import io.optoutgw.config.GatewayConfig;
import io.optoutgw.config.WebhookConfig;
import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.Scope;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** {@code webhooks[]} and {@code feed} settings, the signature, the filters and the retry waits. */
class WebhookConfigTest {

    private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(new byte[24]);

    private static final String BASE = """
            instanceId: gw-test
            redis: { uri: embedded }
            upstreams: [ { name: smsc, host: 10.0.0.1, port: 2775, systemId: gw } ]
            accounts: [ { systemId: acme, password: secret, numbers: ["12345"] } ]
            """;

    private static GatewayConfig parse(String extra) {
        return ConfigLoader.parse(BASE + extra, ConfigOverrides.NONE);
    }

    private static String failure(String extra) {
        return assertThrows(ConfigException.class, () -> parse(extra)).getMessage();
    }

    @Test
    void webhooksReadWithDefaultsAndNames() {
        GatewayConfig c = parse("""
                webhooks:
                  - { url: "https://crm.example.com/hooks/optout", secret: "%s" }
                  - { name: mail, url: "http://127.0.0.1:9000/x", secret: "%s", events: [opt_out, OPT_IN],
                      accounts: [acme], timeout: 2s, maxRetryInterval: 10s, retryFor: 1h }
                """.formatted(SECRET, SECRET));
        WebhookConfig first = c.webhooks().get(0);
        assertEquals("webhook-1", first.name());
        assertEquals(Duration.ofSeconds(5), first.timeout());
        assertEquals(Duration.ofSeconds(60), first.maxRetryInterval());
        assertEquals(Duration.ofHours(24), first.retryFor());
        WebhookConfig mail = c.webhooks().get(1);
        assertEquals(List.of("opt_out", "opt_in"), mail.events());
        assertEquals(Duration.ofHours(1), mail.retryFor());
        assertFalse(mail.toString().contains(SECRET), "the secret is not printed: " + mail);
        assertTrue(parse("").webhooks().isEmpty());
        assertEquals(1_000_000L, parse("").feed().streamMaxLength());
    }

    @Test
    void badWebhooksAreNamed() {
        assertTrue(failure("webhooks: [ { url: \"ftp://x/y\", secret: \"" + SECRET + "\" } ]")
                .contains("webhooks[].url"));
        assertTrue(failure("webhooks: [ { url: \"http://x/y\", secret: \"abc\" } ]")
                .contains("webhooks[].secret"));
        assertTrue(failure("webhooks: [ { url: \"http://x/y\", secret: \"whsec_AAAA\" } ]")
                .contains("at least 16 bytes"));
        assertTrue(failure("webhooks: [ { url: \"http://x/y\", secret: \"" + SECRET + "\", events: [stop] } ]")
                .contains("webhooks[].events"));
        assertTrue(failure("webhooks: [ { name: a, url: \"http://x/y\", secret: \"" + SECRET + "\" },"
                        + " { name: a, url: \"http://x/z\", secret: \"" + SECRET + "\" } ]")
                .contains("more than once"));
        assertTrue(failure("feed: { streamMaxLength: 10 }").contains("feed.streamMaxLength"));
    }

    @Test
    void theSignatureIsTheStandardWebhooksHmacOverIdTimestampAndBody() throws Exception {
        byte[] key = "0123456789abcdef0123".getBytes(StandardCharsets.US_ASCII);
        String body = "{\"type\":\"opt_out\"}";
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        String expected = Base64.getEncoder()
                .encodeToString(mac.doFinal(("msg_1.1700000000." + body).getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, WebhookDelivery.sign(key, "msg_1", 1_700_000_000L, body));
        assertFalse(expected.equals(WebhookDelivery.sign(key, "msg_1", 1_700_000_001L, body)), "the time is signed");
    }

    @Test
    void filtersByAccountAndTypeAndWaitsGrowToTheCap() {
        WebhookConfig w = new WebhookConfig(
                "crm", "http://127.0.0.1:1/x", SECRET, List.of("acme"), List.of("opt_out"), null, null, null);
        WebhookDelivery d = new WebhookDelivery(w, null, "gw", Duration.ofSeconds(1));
        ConsentEvent stop = event(ConsentEvent.Type.OPT_OUT, "acme");
        assertTrue(d.wanted(stop));
        assertFalse(d.wanted(event(ConsentEvent.Type.OPT_OUT, "beta")), "another account");
        assertFalse(d.wanted(event(ConsentEvent.Type.OPT_IN, "acme")), "another type");
        assertTrue(d.wanted(event(ConsentEvent.Type.OPT_OUT, null)), "no account (a global change) always goes");
        for (int attempt = 0; attempt < 30; attempt++) {
            long wait = WebhookDelivery.backoff(attempt, 60_000);
            long base = Math.min(60_000, 500L << Math.min(attempt, 20));
            assertTrue(wait >= base / 2 && wait <= base, "attempt " + attempt + ": " + wait + " of " + base);
        }
    }

    private static ConsentEvent event(ConsentEvent.Type type, String account) {
        return new ConsentEvent(
                ConsentEvent.newId(),
                Instant.now(),
                type,
                "15551230001",
                account == null ? "g" : new Scope.Account(account).code(),
                "STOP",
                "en",
                "STOP",
                0,
                "sim",
                "ref",
                "gw",
                null,
                null,
                account,
                "12345");
    }
}
