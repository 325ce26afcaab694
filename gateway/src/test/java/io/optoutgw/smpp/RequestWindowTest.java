package io.optoutgw.smpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.pdu.SubmitSmResp;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RequestWindowTest {

    /** Records how each request ended: "resp:SEQ" or the failure name. */
    private static final class Outcome implements RequestWindow.Callback {
        final List<String> events = new ArrayList<>();

        @Override
        public void onResponse(PduResponse response) {
            events.add("resp:" + response.getSequenceNumber());
        }

        @Override
        public void onFailure(RequestWindow.Failure failure) {
            events.add(failure.name());
        }
    }

    private static SubmitSmResp resp(int seq) {
        SubmitSmResp r = new SubmitSmResp();
        r.setSequenceNumber(seq);
        return r;
    }

    private static final long LONG = TimeUnit.MINUTES.toNanos(1);

    @Test
    void responsesReachTheirOwnRequestOnce() {
        RequestWindow w = new RequestWindow(4);
        Outcome a = new Outcome();
        Outcome b = new Outcome();
        int sa = w.nextSequence();
        w.add(sa, LONG, a);
        int sb = w.nextSequence();
        w.add(sb, LONG, b);
        assertNotEquals(sa, sb);
        assertEquals(2, w.size());

        assertTrue(w.complete(resp(sb)));
        assertFalse(w.complete(resp(sb)), "a second response to the same request is dropped");
        assertFalse(w.complete(resp(sb + 1000)), "unknown sequence");
        assertFalse(w.complete(resp(0)), "sequence 0 is never assigned");
        assertFalse(w.complete(resp(-sa)), "negative sequence");
        assertEquals(List.of(), a.events);
        assertEquals(List.of("resp:" + sb), b.events);
        assertEquals(1, w.size());
        assertTrue(w.complete(resp(sa)));
        assertEquals(List.of("resp:" + sa), a.events);
        assertEquals(0, w.size());
    }

    @Test
    void inFlightSequencesAreNeverReusedAndRoomFollowsCapacity() {
        RequestWindow w = new RequestWindow(8);
        Set<Integer> inFlight = new HashSet<>();
        Outcome o = new Outcome();
        // one long-lived request stays while thousands come and go around it
        int stuck = w.nextSequence();
        w.add(stuck, LONG, o);
        inFlight.add(stuck);
        for (int round = 0; round < 5000; round++) {
            while (w.hasRoom()) {
                int seq = w.nextSequence();
                assertTrue(seq > 0);
                assertTrue(inFlight.add(seq), "sequence " + seq + " handed out while in flight");
                w.add(seq, LONG, o);
            }
            assertEquals(8, w.size());
            int done = inFlight.stream().filter(s -> s != stuck).findFirst().orElseThrow();
            assertTrue(w.complete(resp(done)));
            inFlight.remove(done);
        }
        assertTrue(w.complete(resp(stuck)));
    }

    @Test
    void sequenceWrapsFromMaxToOne() throws Exception {
        RequestWindow w = new RequestWindow(2);
        var field = RequestWindow.class.getDeclaredField("nextSequence");
        field.setAccessible(true);
        field.setInt(w, Integer.MAX_VALUE);
        assertEquals(Integer.MAX_VALUE, w.nextSequence());
        assertEquals(1, w.nextSequence());
    }

    @Test
    void expiryFailsOnlyOverdueRequests() {
        RequestWindow w = new RequestWindow(4);
        Outcome early = new Outcome();
        Outcome late = new Outcome();
        w.add(w.nextSequence(), 0, early);
        int lateSeq = w.nextSequence();
        w.add(lateSeq, LONG, late);
        assertEquals(1, w.expire(System.nanoTime()));
        assertEquals(List.of("EXPIRED"), early.events);
        assertEquals(List.of(), late.events);
        assertEquals(1, w.size());
        assertTrue(w.complete(resp(lateSeq)));
        assertEquals(0, w.expire(System.nanoTime() + 2 * LONG));
    }

    @Test
    void goingOverCapacityGrowsAndKeepsEveryRequest() {
        RequestWindow w = new RequestWindow(2);
        Outcome o = new Outcome();
        List<Integer> seqs = new ArrayList<>();
        for (int i = 0; i < 50; i++) { // beyond capacity, as unbind and enquire_link may go
            int seq = w.nextSequence();
            w.add(seq, LONG, o);
            seqs.add(seq);
        }
        assertEquals(50, w.size());
        assertFalse(w.hasRoom());
        for (int seq : seqs.subList(0, 25)) {
            assertTrue(w.complete(resp(seq)), "request " + seq + " lost when the table grew");
        }
        w.failAll(RequestWindow.Failure.CLOSED);
        assertEquals(0, w.size());
        assertEquals(25, o.events.stream().filter(e -> e.startsWith("resp:")).count());
        assertEquals(25, o.events.stream().filter("CLOSED"::equals).count());
        w.failAll(RequestWindow.Failure.CLOSED);
        assertEquals(50, o.events.size(), "failAll on an empty window tells nobody");
    }

    @Test
    void addRefusesASequenceNotTakenFromTheWindow() {
        RequestWindow w = new RequestWindow(4);
        int seq = w.nextSequence();
        w.add(seq, LONG, new Outcome());
        assertThrows(IllegalArgumentException.class, () -> w.add(seq, LONG, new Outcome()));
        assertThrows(IllegalArgumentException.class, () -> w.add(0, LONG, new Outcome()));
    }
}
