package io.optoutgw.config;

import java.util.HashMap;
import java.util.Map;

/**
 * Reply texts by language code (en, fr, es): the opt-out confirmation, the opt-in confirmation,
 * the HELP answer and the clarification (sent instead of the confirmation under
 * {@code optOut.clarify}; {@code {category}} stands for the category of the short code texted). A
 * language without its own text uses English.
 */
public record Templates(
        Map<String, String> optOut, Map<String, String> optIn, Map<String, String> help, Map<String, String> clarify) {

    /** CTIA-style defaults: one confirmation, no marketing; HELP names how to stop. */
    public static final Templates DEFAULT = new Templates(
            Map.of(
                    "en",
                    "You have successfully unsubscribed. No further messages will be sent. Reply START to resubscribe.",
                    "fr",
                    "Vous etes desabonne. Vous ne recevrez plus de messages. Repondez START pour vous reabonner.",
                    "es",
                    "Se ha dado de baja. No recibira mas mensajes. Responda START para volver a suscribirse."),
            Map.of(
                    "en",
                    "You are subscribed again. Msg&data rates may apply. Reply HELP for help, STOP to cancel.",
                    "es",
                    "Se ha suscrito de nuevo. Pueden aplicar tarifas. Responda AYUDA para ayuda, BAJA para cancelar."),
            Map.of(
                    "en",
                    "Msg&data rates may apply. Reply STOP to cancel. For help contact support.",
                    "fr",
                    "Des frais peuvent s'appliquer. Repondez ARRET pour annuler. Aide: contactez le support.",
                    "es",
                    "Pueden aplicar tarifas. Responda BAJA para cancelar. Ayuda: contacte a soporte."),
            Map.of(
                    "en",
                    "You will get no more messages from us. Reply 1 to stop only {category} messages,"
                            + " 2 to stop all. No reply: all stopped.",
                    "fr",
                    "Vous ne recevrez plus nos messages. Repondez 1 pour arreter seulement les messages {category},"
                            + " 2 pour tout arreter.",
                    "es",
                    "No recibira mas mensajes. Responda 1 para cancelar solo los mensajes {category},"
                            + " 2 para cancelarlos todos."));

    public Templates {
        optOut = optOut == null ? Map.of() : Map.copyOf(optOut);
        optIn = optIn == null ? Map.of() : Map.copyOf(optIn);
        help = help == null ? Map.of() : Map.copyOf(help);
        clarify = clarify == null ? Map.of() : Map.copyOf(clarify);
    }

    /** Opt-out, opt-in and HELP texts, no clarification of their own. */
    public Templates(Map<String, String> optOut, Map<String, String> optIn, Map<String, String> help) {
        this(optOut, optIn, help, null);
    }

    /** These templates, with {@code fallback}'s where a kind has none at all. */
    public Templates withDefaults(Templates fallback) {
        return new Templates(
                merge(optOut, fallback.optOut),
                merge(optIn, fallback.optIn),
                merge(help, fallback.help),
                merge(clarify, fallback.clarify));
    }

    private static Map<String, String> merge(Map<String, String> own, Map<String, String> fallback) {
        if (own.isEmpty()) {
            return fallback;
        }
        Map<String, String> m = new HashMap<>(fallback);
        m.putAll(own);
        return m;
    }

    /** The text for {@code language}, or the English one. */
    public static String pick(Map<String, String> byLanguage, String language) {
        String t = language == null ? null : byLanguage.get(language);
        return t != null ? t : byLanguage.get("en");
    }
}
