package io.optoutgw.smpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SessionPickTest {

    /** A candidate: its free window slots and whether the calling loop serves it. */
    private record S(int id, int room, boolean here) {}

    private static List<S> sessions(int n, int room, boolean here) {
        List<S> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new S(i, room, here));
        }
        return list;
    }

    @Test
    void prefersTheCallingLoopsSessionWithTheMostRoom() {
        List<S> list = List.of(new S(0, 5, false), new S(1, 2, true), new S(2, 3, true), new S(3, 9, false));
        assertEquals(2, SessionPick.mostRoom(list, 0, S::room, S::here, null).id());
    }

    @Test
    void takesAnotherLoopsSessionWhenNoneHereHasRoom() {
        List<S> list = List.of(new S(0, 0, true), new S(1, 4, false), new S(2, 6, false));
        assertEquals(2, SessionPick.mostRoom(list, 0, S::room, S::here, null).id());
    }

    @Test
    void noneWithRoomGivesTheFallbackOrNull() {
        List<S> full = sessions(3, 0, true);
        assertNull(SessionPick.mostRoom(full, 1, S::room, S::here, null));
        assertEquals(
                1, SessionPick.mostRoom(full, 1, S::room, S::here, s -> true).id());
    }

    @Test
    void thousandsOfSessionsCostABoundedVisitOnceOneHasRoom() {
        List<S> list = sessions(10_000, 3, true);
        AtomicInteger visited = new AtomicInteger();
        S picked = SessionPick.mostRoom(
                list,
                500,
                s -> {
                    visited.incrementAndGet();
                    return s.room();
                },
                S::here,
                null);
        assertEquals(SessionPick.ENOUGH, visited.get());
        assertTrue(picked.id() >= 500 && picked.id() < 500 + SessionPick.ENOUGH, "picked from the visited ones");
    }

    @Test
    void theOnlySessionWithRoomIsFoundFarBeyondTheBoundedVisit() {
        List<S> list = sessions(10_000, 0, true);
        list.set(7_777, new S(7_777, 1, false));
        assertEquals(
                7_777, SessionPick.mostRoom(list, 8_000, S::room, S::here, null).id());
    }

    @Test
    void roundRobinSpreadsPicksOverEveryCandidate() {
        List<S> list = sessions(100, 2, true);
        boolean[] seen = new boolean[100];
        for (int start = 0; start < 100; start++) {
            seen[SessionPick.mostRoom(list, start, S::room, S::here, null).id()] = true;
        }
        for (boolean b : seen) {
            assertTrue(b);
        }
    }
}
