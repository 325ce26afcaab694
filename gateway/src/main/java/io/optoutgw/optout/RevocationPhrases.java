package io.optoutgw.optout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The revocation wordings {@link MatchMode#PHRASE} recognises inside longer messages (FCC 24-24:
 * "any reasonable means" of revoking consent). Each phrase is a run of word slots matched
 * against the normalised tokens of one clause; a negation (DON'T, NEVER, CAN'T, ...) in the three
 * words before it cancels it unless the clause is a condition ("if you don't stop texting me").
 */
final class RevocationPhrases {

    /**
     * A contiguous run of tokens, each slot a set of alternatives; {@code atEnd}: nothing but
     * {@link #POLITENESS} words may follow it in the clause ("I want out", "I want out please", not
     * "I want out of my contract").
     */
    record Phrase(String language, List<Set<String>> slots, boolean atEnd) {
        /** A phrase of {@code slots} ("A|B" = A or B); a last slot "$" anchors it at the clause's end. */
        static Phrase of(String language, String... slots) {
            boolean atEnd = slots[slots.length - 1].equals("$");
            return new Phrase(
                    language,
                    Arrays.stream(slots, 0, atEnd ? slots.length - 1 : slots.length)
                            .map(s -> Set.of(s.split("\\|")))
                            .toList(),
                    atEnd);
        }

        /** Whether the phrase matches {@code tokens} at {@code start}. */
        boolean matchesAt(List<String> tokens, int start) {
            int end = start + slots.size();
            if (end > tokens.size()) {
                return false;
            }
            if (atEnd) {
                for (int k = end; k < tokens.size(); k++) {
                    if (!POLITENESS.contains(tokens.get(k))) {
                        return false; // "I want out please", not "I want out of my contract"
                    }
                }
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
    private static final String PLURAL_MESSAGES =
            "TEXTS|TXTS|MESSAGES|MSGS|SMS|ALERTS|NOTIFICATIONS|PROMOS|PROMOTIONS|ADS";
    private static final String CONTACT_VERBS = "TEXT|TXT|CONTACT|MESSAGE|MSG|SMS|EMAIL|CALL";
    /** Words before a list or texts: "take me off YOUR list", "I don't want THESE texts". */
    private static final String DETERMINERS = "THE|THESE|THIS|THOSE|YOUR|UR|ANY|ALL|YALLS";

    private static final String LISTS = "LIST|LISTS|TEXTING|MAILING|TEXT|SMS|CONTACT|CONTACTS|DATABASE";
    private static final String FR_MESSAGES =
            "MESSAGES|MESSAGE|TEXTOS|TEXTO|SMS|TEXTES|MSG|MSGS|PUB|PUBS|PUBLICITE|PUBLICITES|NOTIFICATIONS";
    private static final String FR_REMOVE =
            "RETIREZ|RETIRER|RETIRE|SUPPRIMEZ|SUPPRIMER|SUPPRIME|ENLEVEZ|ENLEVER" + "|ENLEVE|EFFACEZ|EFFACER|EFFACE";
    private static final String FR_WANT = "VEUX|VEUT|VOULONS|VEULENT";
    private static final String ES_MESSAGES =
            "MENSAJES|MENSAJE|SMS|TEXTOS|TEXTO|PROMOCIONES|OFERTAS|NOTIFICACIONES|ALERTAS|PUBLICIDAD";

    static final List<Phrase> PHRASES = List.of(
            // English
            Phrase.of(
                    "en",
                    "STOP|QUIT|CEASE|END",
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
            Phrase.of("en", "REMOVE|DELETE", "THIS", "NUMBER|PHONE|CELL", "$"),
            Phrase.of("en", "REMOVE|DELETE", "THIS", "NUMBER|PHONE|CELL", "FROM", "YOUR|UR|THIS|THESE|ALL|YALLS"),
            Phrase.of("en", "REMOVE|DELETE", "THIS", "NUMBER|PHONE|CELL", "FROM", "THE", LISTS),
            Phrase.of("en", "TAKE", "ME", "OFF", "$"),
            Phrase.of("en", "TAKE", "ME", "OFF", DETERMINERS, LISTS),
            Phrase.of("en", "TAKE", "ME", "OFF", "OF", DETERMINERS, LISTS),
            Phrase.of("en", "TAKE", "MY", "NUMBER|PHONE|CELL", "OFF"),
            Phrase.of("en", "NO", "MORE", MESSAGES),
            Phrase.of("en", "DONT|NEVER", CONTACT_VERBS, "ME|US"),
            Phrase.of("en", "DO", "NOT", CONTACT_VERBS, "ME|US"),
            Phrase.of("en", "DONT|NEVER", CONTACT_VERBS, "THIS", "NUMBER|PHONE|CELL"),
            Phrase.of("en", "DO", "NOT", CONTACT_VERBS, "THIS", "NUMBER|PHONE|CELL"),
            Phrase.of("en", "DONT|NOT", "SEND", "ME|US", MESSAGES),
            Phrase.of("en", "DONT|NOT", "SEND", "ME|US", DETERMINERS, MESSAGES),
            Phrase.of("en", "DONT|NOT", "SEND", "ME|US", "ANY", "MORE", MESSAGES),
            Phrase.of("en", "DONT|NOT", "SEND", "ME|US", "ANYMORE"),
            Phrase.of("en", "DONT|NOT", "WANT", MESSAGES),
            Phrase.of("en", "DONT|NOT", "WANT", DETERMINERS, MESSAGES),
            Phrase.of("en", "DONT|NOT", "WANT", "ANY", "MORE", MESSAGES),
            Phrase.of("en", "DONT|NOT|LONGER", "WANT", "TO", "RECEIVE|GET", MESSAGES),
            Phrase.of("en", "DONT|NOT|LONGER", "WANT", "TO", "RECEIVE|GET", DETERMINERS, MESSAGES),
            Phrase.of("en", "DONT|NOT|LONGER", "WANT", "TO", "RECEIVE|GET", "ANY", "MORE", MESSAGES),
            Phrase.of("en", "CANCEL|END|STOP", "MY|THE|THIS", "SUBSCRIPTION"),
            Phrase.of("en", "CANCEL", "SUBSCRIPTION"),
            Phrase.of("en", "CANCEL|END|QUIT", PLURAL_MESSAGES),
            Phrase.of("en", "CANCEL|END|QUIT", DETERMINERS, PLURAL_MESSAGES),
            Phrase.of("en", "STOP", "WITH", DETERMINERS, MESSAGES),
            Phrase.of("en", "DONE", "WITH", DETERMINERS, PLURAL_MESSAGES),
            Phrase.of("en", "WANT|LIKE|WISH|NEED", "TO", "BE", "REMOVED|UNSUBSCRIBED|DELETED"),
            Phrase.of("en", "WANNA", "BE", "REMOVED|UNSUBSCRIBED|DELETED"),
            Phrase.of("en", "WANT|WANNA", "OUT", "$"),
            Phrase.of("en", "LEAVE", "ME|US", "ALONE"),
            Phrase.of("en", "REVOKE|WITHDRAW", "MY|CONSENT|PERMISSION"),
            // French
            Phrase.of(
                    "fr",
                    "ARRETEZ|ARRETER|ARRETE|CESSEZ|CESSER|CESSE",
                    "DE",
                    "MENVOYER|MECRIRE|ME|NOUS|TEXTER|ENVOYER"),
            Phrase.of("fr", "ARRETEZ|ARRETER|ARRETE|CESSEZ|CESSER|CESSE", "DE", "M", "ENVOYER|ECRIRE"),
            Phrase.of("fr", "ARRETEZ|ARRETER|ARRETE", "LES|CES|VOS|TES|LA", FR_MESSAGES),
            Phrase.of("fr", "STOP|ARRET|ARRETEZ|ARRETE", "PUB|PUBS|PUBLICITE|PUBLICITES", "$"),
            Phrase.of("fr", "DESABONNER|DESABONNEZ|DESINSCRIRE|DESINSCRIVEZ|DESABONNEMENT|DESINSCRIPTION"),
            Phrase.of("fr", "NE", "MENVOYEZ|MECRIVEZ|MENVOIE|MECRIS|NOUS"),
            Phrase.of("fr", "NE", "ME", "TEXTEZ|TEXTE|ECRIVEZ|ECRIS|CONTACTEZ|CONTACTE|DERANGEZ|DERANGE|RECONTACTEZ"),
            Phrase.of("fr", "NE", "PLUS", "MENVOYER|MECRIRE|ME|NOUS"),
            Phrase.of("fr", "NE", FR_WANT, "PLUS", "RECEVOIR"),
            Phrase.of(
                    "fr",
                    "NE",
                    FR_WANT,
                    "PLUS",
                    "ETRE",
                    "CONTACTE|CONTACTEE|CONTACTES|SOLLICITE|SOLLICITEE|DERANGE" + "|DERANGEE"),
            Phrase.of("fr", "STOP|ARRET", "AUX", FR_MESSAGES),
            Phrase.of("fr", "FINI|FINIS", "LES", FR_MESSAGES),
            Phrase.of("fr", "ME", "DESABONNE|DESINSCRIS"),
            Phrase.of("fr", "NE", FR_WANT, "PLUS", "DE", FR_MESSAGES),
            Phrase.of("fr", "NE", FR_WANT, "PLUS", "DE", "VOS|TES|CES|LEURS", FR_MESSAGES),
            Phrase.of("fr", FR_REMOVE, "MOI", "DE|DU|DES"),
            Phrase.of("fr", FR_REMOVE, "MOI", "$"),
            Phrase.of("fr", FR_REMOVE, "MON", "NUMERO|NUM|NO|CELLULAIRE|CELL|TELEPHONE"),
            Phrase.of("fr", "LAISSEZ|LAISSE", "MOI|NOUS", "TRANQUILLE|TRANQUILLES"),
            Phrase.of("fr", "LAISSEZ|LAISSE|FOUTEZ|FOUS|FICHEZ|FICHE", "MOI|NOUS", "EN|LA", "PAIX"),
            Phrase.of("fr", "RETIRE|RETIRONS|REVOQUE|REVOQUONS", "MON|NOTRE", "CONSENTEMENT"),
            // Spanish
            Phrase.of(
                    "es",
                    "DEJEN|DEJA|DEJE|DEJAR|PAREN|PARE|PARA|PARAR",
                    "DE",
                    "ENVIAR|ENVIARME|ENVIARNOS|MANDAR|MANDARME|ESCRIBIR|ESCRIBIRME|ESCRIBIRNOS|TEXTEAR"
                            + "|TEXTEARME|MOLESTAR|MOLESTARME"),
            Phrase.of(
                    "es",
                    "NO",
                    "ME|NOS",
                    "ENVIEN|MANDEN|ESCRIBAN|ENVIE|MANDE|ESCRIBA|CONTACTEN|CONTACTE" + "|MOLESTEN|MOLESTE"),
            Phrase.of("es", "DARME|DARNOS|DAR|DARSE|DENME|DAME|DEME|DENNOS", "DE", "BAJA"),
            Phrase.of("es", "NO", "MAS", ES_MESSAGES),
            Phrase.of(
                    "es",
                    "NO",
                    "ME|NOS",
                    "VUELVAN|VUELVA|VUELVAS",
                    "A",
                    "ESCRIBIR|MANDAR|ENVIAR|CONTACTAR|TEXTEAR|LLAMAR|MOLESTAR"),
            Phrase.of("es", "NO", "QUIERO|QUEREMOS", "RECIBIR", "NADA"),
            Phrase.of(
                    "es",
                    "ME|NOS",
                    "BORREN|SAQUEN|QUITEN|ELIMINEN|BAJEN",
                    "DE",
                    "SU|LA|SUS|LAS|ESTA|TU",
                    "LISTA|LISTAS"),
            Phrase.of("es", "PARAR|PAREN|PARE", ES_MESSAGES),
            Phrase.of("es", "PARAR|PAREN|PARE", "LOS|ESTOS|SUS", ES_MESSAGES),
            Phrase.of("es", "NO", "QUIERO|QUEREMOS", "MAS|SUS|ESTOS|LOS", ES_MESSAGES),
            Phrase.of("es", "NO", "QUIERO|QUEREMOS", "RECIBIR", ES_MESSAGES),
            Phrase.of("es", "NO", "QUIERO|QUEREMOS", "RECIBIR", "MAS|SUS|ESTOS|LOS|NINGUN", ES_MESSAGES),
            Phrase.of("es", "ELIMINAR|ELIMINEN|ELIMINA|BORRAR|BORREN|BORRA", "MI", "NUMERO"),
            Phrase.of(
                    "es",
                    "SAQUENME|SACAME|SAQUEME|QUITENME|QUITAME|QUITEME|BAJENME|BAJAME|BORRENME|BORRAME"
                            + "|ELIMINENME|ELIMINAME",
                    "DE",
                    "SU|LA|SUS|LAS|ESTA|TU",
                    "LISTA|LISTAS"),
            Phrase.of("es", "CANCELAR|CANCELEN|CANCELA|CANCELE", "MI|LA", "SUSCRIPCION|SUBSCRIPCION"),
            Phrase.of("es", "CANCELAR|CANCELEN|CANCELA|CANCELE", "SUSCRIPCION|SUBSCRIPCION"),
            Phrase.of("es", "CANCELAR|CANCELEN|CANCELA|CANCELE", "LOS|ESTOS|SUS|MIS", ES_MESSAGES),
            Phrase.of("es", "DEJENME|DEJAME|DEJEME|DEJENNOS", "EN", "PAZ"),
            Phrase.of("es", "RETIRO|REVOCO|RETIRAMOS", "MI|NUESTRO", "CONSENTIMIENTO"));

    /**
     * The phrases by the words their first slot accepts, each list in {@link #PHRASES} order: a
     * token that starts no phrase costs one lookup.
     */
    static final Map<String, List<Phrase>> BY_FIRST_WORD = byFirstWord();

    private static Map<String, List<Phrase>> byFirstWord() {
        Map<String, List<Phrase>> m = new HashMap<>();
        for (Phrase p : PHRASES) {
            for (String w : p.slots().get(0)) {
                m.computeIfAbsent(w, k -> new ArrayList<>()).add(p);
            }
        }
        Map<String, List<Phrase>> copy = new HashMap<>();
        m.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return Map.copyOf(copy);
    }

    /** Words that, just before a phrase, turn it around ("don't stop texting me"). */
    static final Set<String> NEGATIONS = Set.of(
            "DONT",
            "NOT",
            "NEVER",
            "CANT",
            "CANNOT",
            "WONT",
            "DIDNT",
            "DOESNT",
            "SHOULDNT",
            "WOULDNT",
            "COULDNT",
            "ISNT",
            "ARENT",
            "WASNT",
            "NOR",
            "NE");

    /** Words that make a clause a condition, where a negation is a threat, not a wish. */
    static final Set<String> CONDITIONS = Set.of("IF", "UNLESS", "SI");

    /**
     * Politeness and emphasis words allowed around a bare opt-out keyword in phrase mode
     * ("please stop", "STOP IT NOW", "unsubscribe, thanks", "arrêtez s'il vous plaît").
     */
    static final Set<String> POLITENESS = Set.of(
            "PLEASE",
            "PLS",
            "PLZ",
            "PLEASEE",
            "KINDLY",
            "NOW",
            "IT",
            "THANKS",
            "THX",
            "THANK",
            "YOU",
            "TY",
            "OK",
            "OKAY",
            "JUST",
            "SIMPLY",
            "RIGHT",
            "AWAY",
            "IMMEDIATELY",
            "ASAP",
            "SVP",
            "MERCI",
            "POR",
            "FAVOR",
            "GRACIAS",
            "YA",
            "STP",
            "SIL",
            "VOUS",
            "TE",
            "PLAIT",
            "S",
            "V",
            "P"); // s'il vous plaît, s'il te plaît, s.v.p.

    /**
     * Reasons people give next to a bare opt-out keyword ("Wrong number, stop", "Not interested.
     * STOP", "Pas intéressé, arrêtez"): in phrase mode a message that is such reasons, politeness
     * words and one opt-out keyword is that opt-out. Longest first, so that the longest reason is
     * taken off.
     */
    static final List<List<String>> REASONS = Stream.of(
                    "WRONG NUMBER",
                    "THIS IS THE WRONG NUMBER",
                    "THIS IS A WRONG NUMBER",
                    "WRONG PERSON",
                    "NOT INTERESTED",
                    "IM NOT INTERESTED",
                    "I AM NOT INTERESTED",
                    "NO THANKS",
                    "NO THANK YOU",
                    "ENOUGH",
                    "ENOUGH ALREADY",
                    "THATS ENOUGH",
                    "I SAID",
                    "I ALREADY SAID",
                    "I TOLD YOU",
                    "I NEVER SIGNED UP",
                    "I NEVER SIGNED UP FOR THIS",
                    "I DIDNT SIGN UP",
                    "I DIDNT SIGN UP FOR THIS",
                    "MAUVAIS NUMERO",
                    "PAS INTERESSE",
                    "PAS INTERESSEE",
                    "JE NE SUIS PAS INTERESSE",
                    "JE NE SUIS PAS INTERESSEE",
                    "NON MERCI",
                    "CEST ASSEZ",
                    "ASSEZ",
                    "NUMERO EQUIVOCADO",
                    "NO ME INTERESA",
                    "NO ESTOY INTERESADO",
                    "NO ESTOY INTERESADA",
                    "NO GRACIAS",
                    "BASTA",
                    "BASTA YA",
                    "YA BASTA",
                    "CAN YOU",
                    "CAN U",
                    "COULD YOU",
                    "WOULD YOU",
                    "WILL YOU",
                    "I MEAN IT",
                    "I MEAN",
                    "ALREADY",
                    "WHO IS THIS",
                    "WHOS THIS",
                    "WHO GAVE YOU MY NUMBER")
            .map(r -> List.of(r.split(" ")))
            .sorted(Comparator.comparingInt(r -> -r.size())) // longest first: "ENOUGH ALREADY" before "ENOUGH"
            .toList();

    /**
     * Whole messages that phrase mode reads as a default opt-out keyword (the value, used only when
     * the engine's lists contain it): other forms of the verb ("Arrêtez!") and "stop everything".
     */
    static final Map<String, String> ALIASES = Map.of(
            "ARRETEZ", "ARRET",
            "ARRETER", "ARRET",
            "ARRETE TOUT", "ARRET",
            "ARRETEZ TOUT", "ARRET",
            "ARRET TOUT", "ARRET");

    /** Slips of a keyword that are words of their own ("stoop", "evoke", "alot"): never read as the keyword. */
    static final Set<String> NOT_SLIPS = Set.of("STOOP", "EVOKE", "ALOT", "LATO", "PARRA");

    static final int NEGATION_WINDOW = 3;

    private RevocationPhrases() {}

    /**
     * Whether a phrase found at {@code start} of {@code clause} is cancelled by a negation: one of
     * {@link #NEGATIONS} in the {@link #NEGATION_WINDOW} words before it, or, for a Spanish phrase
     * that does not itself start with NO, a NO just before it ("no dejen de mandarme las ofertas").
     */
    static boolean negated(List<String> clause, int start, Phrase phrase) {
        for (int j = Math.max(0, start - NEGATION_WINDOW); j < start; j++) {
            boolean spanishNo = j == start - 1
                    && phrase.language().equals("es")
                    && clause.get(j).equals("NO")
                    && !phrase.slots().get(0).contains("NO");
            if (NEGATIONS.contains(clause.get(j)) || spanishNo) {
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
