package io.optoutgw.smpp;

import java.util.List;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * How the gateway picks the session for a request, on either side: the one with the most free
 * window slots, preferring those served by the calling event loop (the request is then written
 * at once, without a hand-off to another thread, and its response comes back on that loop).
 * Candidates are visited from a rotating start, so ties go round robin. Window sizes read from
 * other threads may be a moment old; the session checks again on its own loop.
 *
 * <p>An account may hold thousands of binds: once {@link #ENOUGH} candidates have been visited and
 * one of them has room, the visit stops there, so a pick costs the same with 10,000 sessions as
 * with 32. A session with room is still found whenever there is one (the visit goes on until then).
 */
public final class SessionPick {

    /** Candidates visited before the best of them with room is taken. */
    static final int ENOUGH = 32;

    private SessionPick() {}

    /**
     * @param sessions   the candidates (a list that may shrink meanwhile is fine)
     * @param start      where the visit starts (round robin)
     * @param room       free window slots of a session, 0 or less when it cannot take the request
     * @param onThisLoop whether a session is served by the calling thread
     * @param fallback   when none has room, the first session visited that passes this test;
     *                   {@code null} for none
     * @return the session, or {@code null}
     */
    public static <T> T mostRoom(
            List<T> sessions, int start, ToIntFunction<T> room, Predicate<T> onThisLoop, Predicate<T> fallback) {
        int n = sessions.size();
        T bestHere = null;
        int roomHere = 0;
        T best = null;
        int bestRoom = 0;
        T other = null;
        for (int i = 0; i < n; i++) {
            T s;
            try {
                s = sessions.get(Math.floorMod(start + i, n));
            } catch (IndexOutOfBoundsException raced) {
                break; // a session left the list while we looked
            }
            int free = room.applyAsInt(s);
            if (free <= 0) {
                if (other == null && fallback != null && fallback.test(s)) {
                    other = s;
                }
                continue;
            }
            if (free > roomHere && onThisLoop.test(s)) {
                bestHere = s;
                roomHere = free;
            }
            if (free > bestRoom) {
                best = s;
                bestRoom = free;
            }
            if (i + 1 >= ENOUGH && best != null) {
                break;
            }
        }
        return bestHere != null ? bestHere : best != null ? best : other;
    }
}
