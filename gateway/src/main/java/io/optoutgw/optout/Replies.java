package io.optoutgw.optout;

import io.optoutgw.config.AccountConfig;
import io.optoutgw.config.OptOutPolicy;
import io.optoutgw.config.Templates;
import java.util.LinkedHashMap;
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
        HELP,
        /** Sent instead of the opt-out confirmation when the account asks which category a STOP means. */
        CLARIFY
    }

    private Replies() {}

    /**
     * Checks every template of every account at start-up: each must fit one SMS. Throws
     * IllegalArgumentException naming the account, sender, kind and language otherwise.
     */
    public static void validate(List<AccountConfig> accounts) {
        for (AccountConfig a : accounts) {
            OptOutPolicy p = a.optOut();
            check(a.systemId(), "", p.templates(), p);
            p.senderTemplates().forEach((sender, t) -> check(a.systemId(), sender, t.withDefaults(p.templates()), p));
        }
    }

    private static void check(String account, String sender, Templates t, OptOutPolicy p) {
        Map<String, Map<String, String>> kinds = new LinkedHashMap<>();
        kinds.put("optOut", t.optOut());
        kinds.put("optIn", t.optIn());
        kinds.put("help", t.help());
        if (p.clarify()) {
            kinds.put("clarify", t.clarify());
        }
        kinds.forEach((kind, byLanguage) -> byLanguage.forEach((language, text) -> {
            try {
                if (kind.equals("clarify")) {
                    // it must fit one SMS with the longest category name in it
                    for (String category : p.categories()) {
                        ReplyText.encode(render(text, p.surveyUrl(), category));
                    }
                } else {
                    ReplyText.encode(render(text, p.surveyUrl()));
                }
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

    static String render(String template, String surveyUrl, String category) {
        return render(template.replace("{category}", category), surveyUrl);
    }

    /** The reply text for {@code kind} in {@code language} from {@code sender}'s templates. */
    public static ReplyText text(OptOutPolicy policy, String sender, Kind kind, String language) {
        Templates t = policy.templatesFor(sender);
        Map<String, String> byLanguage = switch (kind) {
            case OPT_OUT -> t.optOut();
            case OPT_IN -> t.optIn();
            case HELP -> t.help();
            case CLARIFY ->
                throw new IllegalArgumentException("a clarification names its category: use clarification()");
        };
        return ReplyText.encode(render(Templates.pick(byLanguage, language), policy.surveyUrl()));
    }

    /** The clarification from {@code sender} in {@code language}, asking about {@code category}. */
    public static ReplyText clarification(OptOutPolicy policy, String sender, String category, String language) {
        Templates t = policy.templatesFor(sender);
        return ReplyText.encode(render(Templates.pick(t.clarify(), language), policy.surveyUrl(), category));
    }
}
