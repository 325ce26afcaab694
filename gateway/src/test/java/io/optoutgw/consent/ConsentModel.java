package io.optoutgw.consent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference model of consent that {@link ConsentModelTest} holds the two gateways to: who is
 * suppressed for which account and sender, and how many replies (confirmation, opt-in, HELP) each
 * person must have had.
 *
 * <p>The intended behaviour it encodes:
 * <ul>
 *   <li>every consent event the gateway acknowledged (an MO answered ESME_ROK, an admin change or
 *       import answered 200) is recorded, and for one (person, scope) the latest acknowledged event
 *       wins, even within one second;</li>
 *   <li>a submit is refused iff the person is suppressed globally, for the account, or for the
 *       account's sender the submit names, whatever spelling of the sender authorization accepted;
 *       for an account with consent categories, in each scope the later of the entry for every
 *       category and the entry for the submit's category decides (docs/consent-rules.md,
 *       "Categories and revoke-all");</li>
 *   <li>every keyword MO that was acknowledged is recorded, a redelivery too;</li>
 *   <li>at most one reply per (person, short code, intent) within the confirmation window (the
 *       tests' window outlasts a chain): a redelivered STOP, or STOP then "stop", get one reply;
 *       recording an opt-out re-arms the opt-in reply and the other way round, so STOP, START,
 *       STOP gets three; HELP has its own and re-arms nothing; admin changes re-arm nothing;</li>
 *   <li>under {@code optOut.clarify}, a plain STOP to a category's short code covers every category
 *       and its reply is the clarification; a "1" while the question stands narrows the opt-out to
 *       that category, a "2" keeps every category, and neither gets a reply; otherwise "1" and "2"
 *       are free text. A plain START there covers every category.</li>
 * </ul>
 * The reply cap across intents ({@code optout.replyCap}) is off in this world: it would withhold a
 * person's fourth reply within its window, which {@code ReplyCapTest} checks on its own.
 * After Redis lost its data the confirmation memory may be gone, so the next keyword of each
 * intent may or may not be answered (0 or 1 reply).
 */
final class ConsentModel {

    /** What a keyword does. */
    enum Effect {
        OPT_OUT,
        OPT_IN,
        NONE
    }

    /**
     * Entry ("g", "a:acme", "s:beta:67890", or "a:cato~marketing" for one category) -> the signed
     * logical time of its latest change (positive = opted out then, negative = opted in), per
     * person index.
     */
    private final List<Map<String, Long>> scopes = new ArrayList<>();
    /** Logical time: every acknowledged change is later than every one before it. */
    private long clock;
    /** Consent events recorded per person (any scope, any source). */
    private final long[] eventSeq;
    /** Replies each person must have had at least / may have had at most. */
    private final int[] minReplies;

    private final int[] maxReplies;
    /**
     * (person, short code) -> intent -> whether a reply for that intent was sent within the
     * confirmation window: TRUE certainly, FALSE possibly (Redis lost the keys' memory).
     */
    private final Map<String, Map<Effect, Boolean>> confirmed = new HashMap<>();

    ConsentModel(int persons) {
        eventSeq = new long[persons];
        minReplies = new int[persons];
        maxReplies = new int[persons];
        for (int i = 0; i < persons; i++) {
            scopes.add(new HashMap<>());
        }
    }

    /** Whether {@code person} may not receive from {@code account} sending as {@code canonicalSender}. */
    boolean suppressed(int person, String account, String canonicalSender) {
        return suppressed(person, account, canonicalSender, null);
    }

    /**
     * Whether {@code person} may not receive a message of {@code category} (null: the account has
     * none) from {@code account} sending as {@code canonicalSender}: in some scope (global, account,
     * sender) the later of the entry for every category and the entry for this category is an
     * opt-out.
     */
    boolean suppressed(int person, String account, String canonicalSender, String category) {
        Map<String, Long> s = scopes.get(person);
        for (String scope : List.of("g", "a:" + account, "s:" + account + ":" + canonicalSender)) {
            long all = s.getOrDefault(scope, 0L);
            long one = category == null ? 0 : s.getOrDefault(scope + "~" + category, 0L);
            // the later decides; on a tie (a clarification's narrowing) the opt-out
            long later = Math.abs(all) > Math.abs(one) ? all : Math.abs(one) > Math.abs(all) ? one : Math.max(all, one);
            if (later > 0) {
                return true;
            }
        }
        return false;
    }

    /** Scope codes currently suppressing {@code person}, for messages. */
    String describe(int person) {
        List<String> on = new ArrayList<>();
        scopes.get(person).forEach((scope, since) -> {
            if (since > 0) {
                on.add(scope);
            }
        });
        on.sort(null);
        return on.toString();
    }

    int minReplies(int person) {
        return minReplies[person];
    }

    int maxReplies(int person) {
        return maxReplies[person];
    }

    /** An admin add / remove or an imported row, acknowledged. */
    void adminChange(int person, String scope, boolean add) {
        clock++;
        scopes.get(person).put(scope, add ? clock : -clock);
        eventSeq[person]++;
    }

    /**
     * A keyword MO (whole text, after reassembly) acknowledged with ESME_ROK. {@code scope} is where
     * its effect applies (null for HELP).
     */
    void keywordAcknowledged(int person, String shortCode, String text, Effect effect, String scope) {
        if (scope != null) {
            clock++;
            scopes.get(person).put(scope, effect == Effect.OPT_OUT ? clock : -clock);
        }
        eventSeq[person]++;
        Map<Effect, Boolean> keys = confirmed.computeIfAbsent(person + "|" + shortCode, k -> new HashMap<>());
        Boolean sent = keys.get(effect);
        if (sent == null) {
            minReplies[person]++;
            maxReplies[person]++;
        } else if (!sent) {
            maxReplies[person]++;
        }
        keys.put(effect, true);
        for (Effect other : Effect.values()) {
            if (opposite(other, effect)) {
                keys.remove(other);
            }
        }
    }

    /** Redis lost everything but the journals: which replies were sent may be forgotten, awaited clarifications are gone. */
    void redisLostData() {
        confirmed.values().forEach(m -> m.replaceAll((intent, sent) -> false));
        awaiting.clear();
    }

    /**
     * (person, short code) -> the category a reply "1" narrows to: set by a plain STOP to a short
     * code of an account with {@code optOut.clarify} (again by each one), cleared by any other
     * opt-out or opt-in keyword from the person to it, by an answer, and by Redis losing its data.
     */
    private final Map<String, String> awaiting = new HashMap<>();

    /** A plain STOP to a clarifying short code was acknowledged: a reply "1" narrows to {@code category}. */
    void clarificationAsked(int person, String shortCode, String category) {
        awaiting.put(person + "|" + shortCode, category);
    }

    /** Another opt-out or opt-in keyword to a clarifying short code: the question no longer stands. */
    void clarificationDropped(int person, String shortCode) {
        awaiting.remove(person + "|" + shortCode);
    }

    /** The category a reply "1" from {@code person} to {@code shortCode} narrows to, or null when no question stands. */
    String awaitingClarification(int person, String shortCode) {
        return awaiting.get(person + "|" + shortCode);
    }

    /**
     * An answer acknowledged: "1" is an opt-out of the category and the lifting of the entry for
     * every category at the same time (the tie keeps the category stopped); "2" an opt-out of every
     * category. No reply goes out.
     */
    void clarificationAnswered(int person, String shortCode, String scope, String answer) {
        String category = awaiting.remove(person + "|" + shortCode);
        clock++;
        if (answer.equals("1")) {
            scopes.get(person).put(scope + "~" + category, clock);
            scopes.get(person).put(scope, -clock);
            eventSeq[person] += 2;
        } else {
            scopes.get(person).put(scope, clock);
            eventSeq[person]++;
        }
    }

    private static boolean opposite(Effect a, Effect b) {
        return (a == Effect.OPT_OUT && b == Effect.OPT_IN) || (a == Effect.OPT_IN && b == Effect.OPT_OUT);
    }
}
