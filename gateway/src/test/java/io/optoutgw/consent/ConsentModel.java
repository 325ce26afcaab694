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
 *       account's sender the submit names, whatever spelling of the sender authorization accepted;</li>
 *   <li>one reply per recorded STOP / START / HELP; a redelivery (the same text from the same person
 *       to the same short code, with no consent event for that person in between) is acknowledged
 *       and adds nothing.</li>
 * </ul>
 * Where the documentation leaves the reply count open (the same text again after some other event
 * for that person, or after Redis lost the redelivery memory), the model allows 0 or 1 more reply.
 */
final class ConsentModel {

    /** What a keyword does. */
    enum Effect { OPT_OUT, OPT_IN, NONE }

    /** One recorded keyword text of a (person, short code): when, and what happened since. */
    private static final class LastText {
        final long seq;
        final Effect effect;
        boolean oppositeSince;
        boolean certain = true;

        LastText(long seq, Effect effect) {
            this.seq = seq;
            this.effect = effect;
        }
    }

    /** Scope code ("g", "a:acme", "s:beta:67890") -> suppressed, per person index. */
    private final List<Map<String, Boolean>> scopes = new ArrayList<>();
    /** Consent events recorded per person (any scope, any source). */
    private final long[] eventSeq;
    /** Replies each person must have had at least / may have had at most. */
    private final int[] minReplies;
    private final int[] maxReplies;
    /** (person, short code) -> text -> when it was last recorded. */
    private final Map<String, Map<String, LastText>> lastTexts = new HashMap<>();

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
        Map<String, Boolean> s = scopes.get(person);
        return s.getOrDefault("g", false) || s.getOrDefault("a:" + account, false)
                || s.getOrDefault("s:" + account + ":" + canonicalSender, false);
    }

    /** Scope codes currently suppressing {@code person}, for messages. */
    String describe(int person) {
        List<String> on = new ArrayList<>();
        scopes.get(person).forEach((scope, suppressed) -> {
            if (suppressed) {
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
        scopes.get(person).put(scope, add);
        eventSeq[person]++;
    }

    /**
     * A keyword MO (whole text, after reassembly) acknowledged with ESME_ROK. {@code scope} is where
     * its effect applies (null for HELP).
     */
    void keywordAcknowledged(int person, String shortCode, String text, Effect effect, String scope) {
        Map<String, LastText> texts = lastTexts.computeIfAbsent(person + "|" + shortCode, k -> new HashMap<>());
        LastText last = texts.get(text);
        if (last != null && last.seq == eventSeq[person]) {
            // a redelivery: nothing happened to this person since, so nothing changes
            if (!last.certain) {
                maxReplies[person]++;
            }
            return;
        }
        if (scope != null) {
            scopes.get(person).put(scope, effect == Effect.OPT_OUT);
        }
        eventSeq[person]++;
        if (last == null || last.oppositeSince) {
            minReplies[person]++;
        }
        maxReplies[person]++;
        for (Map.Entry<String, LastText> other : texts.entrySet()) {
            if (!other.getKey().equals(text) && opposite(other.getValue().effect, effect)) {
                other.getValue().oppositeSince = true;
            }
        }
        texts.put(text, new LastText(eventSeq[person], effect));
    }

    /** Redis lost everything but the journals: which MO was a redelivery may be forgotten. */
    void redisLostData() {
        lastTexts.values().forEach(m -> m.values().forEach(t -> t.certain = false));
    }

    private static boolean opposite(Effect a, Effect b) {
        return (a == Effect.OPT_OUT && b == Effect.OPT_IN) || (a == Effect.OPT_IN && b == Effect.OPT_OUT);
    }
}
