package io.optoutgw.optout;

import java.util.List;
import java.util.Set;

/**
 * The revocation wordings {@link MatchMode#PHRASE} recognises inside longer messages (FCC 24-24:
 * "any reasonable means" of revoking consent). Each phrase is a run of word slots matched
 * against the normalised tokens of one clause; a negation (DON'T, NEVER, CAN'T, ...) in the three
 * words before it cancels it unless the clause is a condition ("if you don't stop texting me").
 */
final class RevocationPhrases {

    /** A contiguous run of tokens, each slot a set of alternatives. */
    record Phrase(String language, List<Set<String>> slots) {
        static Phrase of(String language, String... slots) {
            return new Phrase(language, java.util.Arrays.stream(slots)
                    .map(s -> Set.of(s.split("\\|")))
                    .toList());
        }

        /** Whether the phrase matches {@code tokens} at {@code start}. */
        boolean matchesAt(List<String> tokens, int start) {
            if (start + slots.size() > tokens.size()) {
                return false;
            }
            for (int k = 0; k < slots.size(); k++) {
                if (!slots.get(k).contains(tokens.get(start + k))) {
                    return false;
                }
            }
            return true;
        }
    }

    private static final String MESSAGES =
            "TEXTS|TEXT|TXTS|TXT|MESSAGES|MESSAGE|MSGS|MSG|SMS|SPAM|ALERTS|NOTIFICATIONS|PROMOS|PROMOTIONS|ADS";
    private static final String CONTACT_VERBS = "TEXT|TXT|CONTACT|MESSAGE|MSG|SMS|EMAIL|CALL";

    static final List<Phrase> PHRASES = List.of(
            // English
            Phrase.of("en", "STOP|QUIT|CEASE|END",
                    "TEXTING|TEXTIN|TXTING|MESSAGING|MSGING|SENDING|CONTACTING|CALLING|SPAMMING|EMAILING"
                            + "|BOTHERING|HARASSING"),
            Phrase.of("en", "STOP", "THE|THESE|THIS|THOSE|ALL|YOUR|UR|THEM|THAT", MESSAGES),
            Phrase.of("en", "STOP", "TEXTS|TXTS|MESSAGES|MSGS|SMS|SPAM|ALERTS|NOTIFICATIONS"),
            Phrase.of("en", "OPT", "ME", "OUT"),
            Phrase.of("en", "OPT", "OUT"),
            Phrase.of("en", "OPTOUT"),
            Phrase.of("en", "UNSUBSCRIBE|UNSUB"),
            Phrase.of("en", "REMOVE|DELETE", "ME"),
            Phrase.of("en", "REMOVE|DELETE", "MY", "NUMBER|PHONE|CELL|INFO|DETAILS|CONTACT"),
            Phrase.of("en", "TAKE", "ME", "OFF"),
            Phrase.of("en", "TAKE", "MY", "NUMBER|PHONE|CELL", "OFF"),
            Phrase.of("en", "NO", "MORE", MESSAGES),
            Phrase.of("en", "DONT|NEVER", CONTACT_VERBS, "ME|US"),
            Phrase.of("en", "DO", "NOT", CONTACT_VERBS, "ME|US"),
            Phrase.of("en", "LEAVE", "ME|US", "ALONE"),
            Phrase.of("en", "REVOKE|WITHDRAW", "MY|CONSENT|PERMISSION"),
            // French
            Phrase.of("fr", "ARRETEZ|ARRETER|ARRETE|CESSEZ|CESSER|CESSE", "DE",
                    "MENVOYER|MECRIRE|ME|NOUS|TEXTER|ENVOYER"),
            Phrase.of("fr", "ARRETEZ|ARRETER|ARRETE", "LES|CES|VOS|TES", "MESSAGES|TEXTOS|SMS|TEXTES|MSG"),
            Phrase.of("fr", "DESABONNER|DESABONNEZ|DESINSCRIRE|DESINSCRIVEZ|DESABONNEMENT|DESINSCRIPTION"),
            Phrase.of("fr", "NE", "MENVOYEZ|MECRIVEZ|MENVOIE|MECRIS|NOUS"),
            Phrase.of("fr", "LAISSEZ|LAISSE", "MOI|NOUS", "TRANQUILLE|TRANQUILLES"),
            // Spanish
            Phrase.of("es", "DEJEN|DEJA|DEJE|DEJAR|PAREN|PARE|PARA|PARAR", "DE",
                    "ENVIAR|ENVIARME|ENVIARNOS|MANDAR|MANDARME|ESCRIBIR|ESCRIBIRME|ESCRIBIRNOS|TEXTEAR"
                            + "|TEXTEARME|MOLESTAR|MOLESTARME"),
            Phrase.of("es", "NO", "ME|NOS", "ENVIEN|MANDEN|ESCRIBAN|ENVIE|MANDE|ESCRIBA|CONTACTEN|CONTACTE"
                    + "|MOLESTEN|MOLESTE"),
            Phrase.of("es", "DARME|DARNOS|DAR", "DE", "BAJA"),
            Phrase.of("es", "NO", "MAS", "MENSAJES|SMS|TEXTOS"),
            Phrase.of("es", "ELIMINAR|ELIMINEN|ELIMINA|BORRAR|BORREN|BORRA", "MI", "NUMERO"));

    /**
     * The phrases by the words their first slot accepts, each list in {@link #PHRASES} order: a
     * token that starts no phrase costs one lookup.
     */
    static final java.util.Map<String, List<Phrase>> BY_FIRST_WORD = byFirstWord();

    private static java.util.Map<String, List<Phrase>> byFirstWord() {
        java.util.Map<String, List<Phrase>> m = new java.util.HashMap<>();
        for (Phrase p : PHRASES) {
            for (String w : p.slots().get(0)) {
                m.computeIfAbsent(w, k -> new java.util.ArrayList<>()).add(p);
            }
        }
        java.util.Map<String, List<Phrase>> copy = new java.util.HashMap<>();
        m.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return java.util.Map.copyOf(copy);
    }

    /** Words that, just before a phrase, turn it around ("don't stop texting me"). */
    static final Set<String> NEGATIONS = Set.of(
            "DONT", "NOT", "NEVER", "CANT", "CANNOT", "WONT", "DIDNT", "DOESNT", "SHOULDNT", "WOULDNT",
            "COULDNT", "ISNT", "ARENT", "WASNT", "NOR", "NE");

    /** Words that make a clause a condition, where a negation is a threat, not a wish. */
    static final Set<String> CONDITIONS = Set.of("IF", "UNLESS", "SI");

    /**
     * Politeness and emphasis words allowed around a bare opt-out keyword in phrase mode
     * ("please stop", "STOP IT NOW", "unsubscribe, thanks").
     */
    static final Set<String> POLITENESS = Set.of(
            "PLEASE", "PLS", "PLZ", "PLEASEE", "KINDLY", "NOW", "IT", "THANKS", "THX", "THANK", "YOU", "TY",
            "OK", "OKAY", "JUST", "SIMPLY", "RIGHT", "AWAY", "IMMEDIATELY", "ASAP", "SVP", "MERCI",
            "POR", "FAVOR", "GRACIAS", "YA");

    static final int NEGATION_WINDOW = 3;

    private RevocationPhrases() {
    }

    /** Whether a phrase found at {@code start} of {@code clause} is cancelled by a negation. */
    static boolean negated(List<String> clause, int start) {
        for (int j = Math.max(0, start - NEGATION_WINDOW); j < start; j++) {
            if (NEGATIONS.contains(clause.get(j))) {
                for (int k = 0; k < j; k++) {
                    if (CONDITIONS.contains(clause.get(k))) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }
}
