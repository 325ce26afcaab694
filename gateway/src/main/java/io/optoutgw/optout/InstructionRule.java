package io.optoutgw.optout;

import io.optoutgw.config.Keyword;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Whether a message text tells the person how to opt out (docs/consent-rules.md, "Opt-out
 * instructions"). The text is read as clauses of words (split at . , ; : ! ? and line breaks;
 * apostrophes dropped, "=" kept as a word of its own), each word compared after the keyword
 * normalisation ({@link TextNormalizer}: NFKC, accents removed, case ignored), while remembering
 * whether it was written in capitals. An opt-out keyword K of the account (STOP, ARRET, BAJA, OPT
 * OUT, ...), as whole words, makes an instruction when one of these holds in its clause:
 *
 * <ol>
 *   <li><b>Asked for</b>: a reply verb ({@link #CUES}: reply, text, txt, send, répondez, envoyez,
 *       responde, envía, ...) comes just before K, at most three filler words between ("reply with
 *       the word STOP"; {@link #FILLERS}), and K is in capitals or is followed by the end of the
 *       clause, a connector (to, au, al, pour, para, or, ...), "=", a number or another keyword.
 *       "Reply STOP to opt out", "Répondez ARRET", "Responde BAJA/ALTO para cancelar", "Opt out:
 *       reply stop"; not "text us to stop by", "send end of month statements".
 *   <li><b>Purpose</b>: K in capitals, then to, 2, =, pour or para, then what it does
 *       ({@link #PURPOSES}: end, stop, quit, cancel, unsubscribe, opt out, be removed, vous
 *       désabonner, ne plus, cancelar, darte de baja, no recibir, ...). "STOP to end", "STOP=quit",
 *       "HELP for help, STOP to cancel"; not "Cancel to end the trial".
 *   <li><b>Where to send it</b>: K in capitals, then (optionally "SMS" and) to, 2, au, al, a or at,
 *       then a number of at least three digits. "STOP au 36173", "STOP SMS au 36173", "STOP to
 *       12345"; not "Stop at 1600 Main St".
 * </ol>
 *
 * <p>A text that contains one of the account's own instruction texts (its words in a row, in normal
 * form; punctuation ignored) carries an instruction too. Words such as "stop", "end" or "cancel" in any other
 * position ("Don't stop now", "the bus stop on Main St", "Cancel your appointment online",
 * "non-stop deals") make none. Immutable and thread-safe.
 */
final class InstructionRule {

    /** Reply verbs that ask the person to send the keyword, in English, French and Spanish. */
    static final Set<String> CUES = Set.of(
            "REPLY",
            "REPLYING",
            "RPLY",
            "RESPOND",
            "RESPONDING",
            "TEXT",
            "TEXTING",
            "TXT",
            "SEND",
            "SENDING",
            "TYPE",
            // French
            "REPONDEZ",
            "REPONDRE",
            "REPONDS",
            "REPONDANT",
            "ENVOYEZ",
            "ENVOYER",
            "ENVOIE",
            "ENVOYANT",
            "TEXTEZ",
            "TAPEZ",
            // Spanish
            "RESPONDE",
            "RESPONDA",
            "RESPONDER",
            "RESPONDIENDO",
            "ENVIA",
            "ENVIE",
            "ENVIAR",
            "ENVIANDO",
            "MANDA",
            "MANDE",
            "ESCRIBE",
            "ESCRIBA",
            "CONTESTA",
            "CONTESTE",
            "TEXTEA");

    /** Words that may stand between a reply verb and the keyword. */
    static final Set<String> FILLERS = Set.of(
            "WITH", "THE", "WORD", "KEYWORD", "JUST", "ONLY", "PAR", "AVEC", "LE", "MOT", "CON", "LA", "PALABRA");

    /** At most this many fillers between the reply verb and the keyword. */
    private static final int MAX_FILLERS = 3;

    /** After a keyword in lower case that follows a reply verb: what may come next. */
    static final Set<String> CONTINUATIONS = Set.of(
            "TO", "2", "AU", "AL", "A", "AT", "POUR", "PARA", "FOR", "IF", "SI", "OR", "OU", "O", "AND", "ET", "Y",
            "ANYTIME", "=");

    /** What a keyword in capitals is followed by before its purpose: "STOP to end". */
    static final Set<String> PURPOSE_CONNECTORS = Set.of("TO", "2", "=", "POUR", "PARA");

    /** What the keyword does, after a purpose connector. */
    static final List<List<String>> PURPOSES = words(
            "END",
            "STOP",
            "QUIT",
            "CANCEL",
            "UNSUBSCRIBE",
            "UNSUB",
            "OPTOUT",
            "OPT OUT",
            "REMOVE",
            "BE REMOVED",
            "NO LONGER",
            "UNSUBSCRIBE",
            // French
            "VOUS DESABONNER",
            "SE DESABONNER",
            "DESABONNER",
            "VOUS DESINSCRIRE",
            "SE DESINSCRIRE",
            "DESINSCRIRE",
            "ANNULER",
            "ARRETER",
            "NE PLUS",
            "DESINSCRIPTION",
            "DESABONNEMENT",
            // Spanish
            "CANCELAR",
            "ANULAR",
            "SALIR",
            "DARTE DE BAJA",
            "DARSE DE BAJA",
            "DARLE DE BAJA",
            "DAR DE BAJA",
            "BAJA",
            "DESUSCRIBIRTE",
            "DESUSCRIBIRSE",
            "DESUSCRIBIR",
            "NO RECIBIR",
            "DEJAR DE RECIBIR",
            "DETENER");

    /** What a keyword in capitals is followed by before the number to send it to: "STOP au 36173". */
    static final Set<String> NUMBER_CONNECTORS = Set.of("TO", "2", "AU", "AL", "A", "AT");

    /** Shortest number a keyword may be sent to (short codes have four to six digits, some three). */
    static final int MIN_NUMBER_DIGITS = 3;

    private final List<List<String>> keywords;
    /** The account's instruction texts, as words in normal form. */
    private final List<List<String>> ownTexts;

    /**
     * @param optOutKeywords the account's (or sender's) opt-out keywords
     * @param ownTexts       the account's configured instruction texts
     */
    InstructionRule(Collection<Keyword> optOutKeywords, Collection<String> ownTexts) {
        List<List<String>> ks = new ArrayList<>();
        for (Keyword k : optOutKeywords) {
            List<String> w = keywordWords(k.text());
            if (!w.isEmpty() && !ks.contains(w)) {
                ks.add(w);
            }
        }
        // the longest keyword first, so that "OPT OUT" is read before a one-word "OPT"
        ks.sort((a, b) -> b.size() - a.size());
        this.keywords = List.copyOf(ks);
        List<List<String>> own = new ArrayList<>();
        for (String t : ownTexts) {
            List<String> w = keywordWords(t);
            if (!w.isEmpty()) {
                own.add(w);
            }
        }
        this.ownTexts = List.copyOf(own);
    }

    /** The words of a keyword or text in normal form ("opt-out" -> [OPT, OUT]), punctuation left out. */
    static List<String> keywordWords(String keyword) {
        List<String> out = new ArrayList<>();
        for (List<Word> clause : clauses(TextNormalizer.normalize(keyword))) {
            for (Word w : clause) {
                out.add(w.text());
            }
        }
        return out;
    }

    /** Whether {@code text} names one of the keywords as whole words, anywhere. */
    boolean namesKeyword(String text) {
        for (List<Word> clause : clauses(TextNormalizer.fold(text))) {
            for (int i = 0; i < clause.size(); i++) {
                if (keywordAt(clause, i) > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether {@code text} carries an opt-out instruction (the rules above). */
    boolean carries(String text) {
        if (text == null || text.isEmpty() || keywords.isEmpty()) {
            return false;
        }
        List<List<Word>> clauses = clauses(TextNormalizer.fold(text));
        for (List<Word> clause : clauses) {
            for (int i = 0; i < clause.size(); i++) {
                int n = keywordAt(clause, i);
                if (n > 0 && instructs(clause, i, n)) {
                    return true;
                }
            }
        }
        return !ownTexts.isEmpty() && containsOwnText(clauses);
    }

    private boolean instructs(List<Word> clause, int at, int length) {
        boolean capitals = true;
        for (int i = at; i < at + length; i++) {
            capitals &= clause.get(i).capitals();
        }
        int after = at + length;
        if (askedFor(clause, at) && (capitals || continues(clause, after))) {
            return true;
        }
        return capitals && (purposeAfter(clause, after) || numberAfter(clause, after));
    }

    /** Rule 1: a reply verb before the keyword, fillers allowed between. */
    private static boolean askedFor(List<Word> clause, int at) {
        int j = at - 1;
        int fillers = 0;
        while (j >= 0 && fillers < MAX_FILLERS && FILLERS.contains(clause.get(j).text())) {
            j--;
            fillers++;
        }
        return j >= 0 && CUES.contains(clause.get(j).text());
    }

    private boolean continues(List<Word> clause, int after) {
        if (after == clause.size()) {
            return true;
        }
        Word next = clause.get(after);
        return CONTINUATIONS.contains(next.text()) || next.isNumber() || keywordAt(clause, after) > 0;
    }

    /** Rule 2: a purpose connector, then what the keyword does. */
    private static boolean purposeAfter(List<Word> clause, int after) {
        if (after >= clause.size()
                || !PURPOSE_CONNECTORS.contains(clause.get(after).text())) {
            return false;
        }
        for (List<String> purpose : PURPOSES) {
            if (wordsAt(clause, after + 1, purpose)) {
                return true;
            }
        }
        return false;
    }

    /** Rule 3: where to send the keyword. */
    private static boolean numberAfter(List<Word> clause, int after) {
        int k = after;
        if (k < clause.size() && clause.get(k).text().equals("SMS")) {
            k++;
        }
        if (k < clause.size() && NUMBER_CONNECTORS.contains(clause.get(k).text())) {
            k++;
        }
        return k < clause.size()
                && clause.get(k).isNumber()
                && clause.get(k).text().length() >= MIN_NUMBER_DIGITS;
    }

    /** The number of words of the longest keyword at {@code at}, or 0. */
    private int keywordAt(List<Word> clause, int at) {
        for (List<String> k : keywords) {
            if (wordsAt(clause, at, k)) {
                return k.size();
            }
        }
        return 0;
    }

    private static boolean wordsAt(List<Word> clause, int at, List<String> words) {
        if (at + words.size() > clause.size()) {
            return false;
        }
        for (int i = 0; i < words.size(); i++) {
            if (!clause.get(at + i).text().equals(words.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Whether the words of one of the account's texts occur in a row (punctuation between words ignored). */
    private boolean containsOwnText(List<List<Word>> clauses) {
        List<Word> words = new ArrayList<>();
        clauses.forEach(words::addAll);
        for (List<String> own : ownTexts) {
            for (int i = 0; i + own.size() <= words.size(); i++) {
                if (wordsAt(words, i, own)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * A word in normal form (upper case, accents removed), and whether it was written in capitals:
     * it has a letter and no lower-case letter.
     */
    record Word(String text, boolean capitals) {
        boolean isNumber() {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    return false;
                }
            }
            return !text.isEmpty();
        }
    }

    /**
     * The clauses of a folded text ({@link TextNormalizer#fold}): split at . , ; : ! ? ¡ ¿ and
     * line breaks, words are runs of letters and digits (apostrophes inside dropped: DON'T is
     * DONT), "=" is a word of its own, anything else separates words.
     */
    static List<List<Word>> clauses(String folded) {
        List<List<Word>> clauses = new ArrayList<>();
        List<Word> current = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean letter = false;
        boolean lower = false;
        for (int i = 0; i < folded.length(); ) {
            int cp = folded.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '\'' || cp == '\u2019' || cp == '\u2018' || cp == '\u02BC' || cp == '`') {
                continue;
            }
            if (Character.isLetterOrDigit(cp)) {
                word.appendCodePoint(cp);
                letter |= Character.isLetter(cp);
                lower |= Character.isLowerCase(cp);
                continue;
            }
            if (word.length() > 0) {
                current.add(new Word(word.toString().toUpperCase(Locale.ROOT), letter && !lower));
                word.setLength(0);
                letter = false;
                lower = false;
            }
            if (cp == '=') {
                current.add(new Word("=", false));
            } else if (cp == '.'
                    || cp == ','
                    || cp == ';'
                    || cp == ':'
                    || cp == '!'
                    || cp == '?'
                    || cp == '\u00A1'
                    || cp == '\u00BF'
                    || cp == '\n'
                    || cp == '\r') {
                if (!current.isEmpty()) {
                    clauses.add(current);
                    current = new ArrayList<>();
                }
            }
        }
        if (word.length() > 0) {
            current.add(new Word(word.toString().toUpperCase(Locale.ROOT), letter && !lower));
        }
        if (!current.isEmpty()) {
            clauses.add(current);
        }
        return clauses;
    }

    private static List<List<String>> words(String... phrases) {
        List<List<String>> out = new ArrayList<>();
        for (String p : phrases) {
            List<String> w = List.of(p.split(" "));
            if (!out.contains(w)) {
                out.add(w);
            }
        }
        return List.copyOf(out);
    }
}
