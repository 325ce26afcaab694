package io.optoutgw.optout;

import io.optoutgw.config.AccountConfig;
import io.optoutgw.config.OptOutPolicy;
import io.optoutgw.config.Templates;
import java.util.List;
import java.util.Map;

/**
 * The texts of the gateway's own replies to keyword MO (the confirmation, the opt-in confirmation
 * and the HELP text) from each account's and short code's templates. Sending them is the SMPP
 * side's job.
 */
public final class Replies {

    /** What kind of reply. */
    public enum Kind {
        OPT_OUT,
        OPT_IN,
        HELP
    }

    private Replies() {}

    /**
     * Checks every template of every account at start-up: each must fit one SMS. Throws
     * IllegalArgumentException naming the account, sender, kind and language otherwise.
     */
    public static void validate(List<AccountConfig> accounts) {
        for (AccountConfig a : accounts) {
            OptOutPolicy p = a.optOut();
            check(a.systemId(), "", p.templates(), p.surveyUrl());
            p.senderTemplates()
                    .forEach((sender, t) -> check(a.systemId(), sender, t.withDefaults(p.templates()), p.surveyUrl()));
        }
    }

    private static void check(String account, String sender, Templates t, String surveyUrl) {
        Map<String, Map<String, String>> kinds = Map.of("optOut", t.optOut(), "optIn", t.optIn(), "help", t.help());
        kinds.forEach((kind, byLanguage) -> byLanguage.forEach((language, text) -> {
            try {
                ReplyText.encode(render(text, surveyUrl));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("accounts[" + account + "].optOut."
                        + (sender.isEmpty() ? "" : "senderTemplates[" + sender + "].") + "templates." + kind + "."
                        + language + ": " + e.getMessage());
            }
        }));
    }

    static String render(String template, String surveyUrl) {
        return template.replace("{surveyUrl}", surveyUrl == null ? "" : surveyUrl)
                .strip();
    }

    /** The reply text for {@code kind} in {@code language} from {@code sender}'s templates. */
    public static ReplyText text(OptOutPolicy policy, String sender, Kind kind, String language) {
        Templates t = policy.templatesFor(sender);
        Map<String, String> byLanguage = switch (kind) {
            case OPT_OUT -> t.optOut();
            case OPT_IN -> t.optIn();
            case HELP -> t.help();
        };
        return ReplyText.encode(render(Templates.pick(byLanguage, language), policy.surveyUrl()));
    }
}
