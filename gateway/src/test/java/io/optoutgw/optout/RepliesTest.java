package io.optoutgw.optout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.config.ConfigLoader;
import io.optoutgw.config.ConfigOverrides;
import io.optoutgw.config.OptOutPolicy;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reply templates: per account, per short code, per language, with the survey link, one SMS each. */
class RepliesTest {

    private static OptOutPolicy policy(String optOutYaml) {
        return ConfigLoader.parse("""
                instanceId: t
                redis: { uri: embedded }
                upstreams: [ { name: u, host: 127.0.0.1, port: 1, systemId: gw } ]
                accounts:
                  - { systemId: acme, password: pw, optOut: %s }
                """.formatted(optOutYaml), ConfigOverrides.NONE)
                .accounts()
                .get(0)
                .optOut();
    }

    @Test
    void defaultConfirmationIsTheStandardEnglishTextInGsm7() {
        ReplyText r = Replies.text(OptOutPolicy.defaults(), "12345", Replies.Kind.OPT_OUT, "en");
        assertEquals(
                "You have successfully unsubscribed. No further messages will be sent. Reply START to resubscribe.",
                r.text());
        assertEquals(0, r.dataCoding());
        assertEquals(r.text(), new String(r.bytes(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void languageWithoutItsOwnTextFallsBackToEnglish() {
        ReplyText r = Replies.text(OptOutPolicy.defaults(), "12345", Replies.Kind.OPT_IN, "fr");
        assertTrue(r.text().startsWith("You are subscribed again"));
    }

    @Test
    void senderTemplatesOverrideTheAccountsAndTheSurveyLinkIsFilledIn() {
        OptOutPolicy p = policy("""
                { surveyUrl: "https://ex.am/why", templates: { optOut: { en: "Acme: unsubscribed. Tell us why: {surveyUrl}" } },
                  senderTemplates: { "777": { optOut: { en: "Shop 777: you are out." } } } }""");
        assertEquals(
                "Acme: unsubscribed. Tell us why: https://ex.am/why",
                Replies.text(p, "12345", Replies.Kind.OPT_OUT, "en").text());
        assertEquals(
                "Shop 777: you are out.",
                Replies.text(p, "777", Replies.Kind.OPT_OUT, "en").text());
        assertTrue(
                Replies.text(p, "777", Replies.Kind.HELP, "en").text().contains("STOP"),
                "kinds the sender does not override come from the account");
    }

    @Test
    void textOutsideTheGsmAlphabetIsSentAsUcs2() {
        ReplyText r = ReplyText.encode("Désabonné ✓");
        assertEquals(8, r.dataCoding());
        assertEquals("Désabonné ✓", new String(r.bytes(), StandardCharsets.UTF_16BE));
    }

    @Test
    void gsmEscapesCountTwiceTowardsTheLimit() {
        assertEquals(160, ReplyText.encode("€".repeat(80)).bytes().length);
        assertThrows(IllegalArgumentException.class, () -> ReplyText.encode("€".repeat(81)));
    }
}
