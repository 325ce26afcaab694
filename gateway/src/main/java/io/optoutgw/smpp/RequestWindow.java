package io.optoutgw.smpp;

import com.cloudhopper.smpp.pdu.PduResponse;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;

/**
 * The requests one side has sent on one connection and still awaits answers for, keyed by the
 * sequence number this connection assigned. Bounded by {@code capacity}; an entry leaves when
 * its response arrives, when it expires, or when the connection closes, and its callback is told
 * which. Not thread-safe: confined to the event loop of the connection that owns it.
 */
public final class RequestWindow {

    /** What happened to a request that got no response. */
    public enum Failure {
        /** no response within the request's timeout; a late response is dropped */
        EXPIRED,
        /** the connection closed before the response arrived */
        CLOSED,
        /** the request could not be sent: not bound, window full or channel not writable */
        REFUSED
    }

    /** Told exactly once how a request ended. */
    public interface Callback {
        void onResponse(PduResponse response);

        void onFailure(Failure failure);

        /** Closes {@code channel} however the request ends (for unbind: answered or not, the session is over). */
        static Callback closing(Channel channel) {
            return new Callback() {
                @Override
                public void onResponse(PduResponse response) {
                    channel.close();
                }

                @Override
                public void onFailure(Failure failure) {
                    channel.close();
                }
            };
        }
    }

    /** Slots of the open-addressed table: a request with sequence s sits in slot {@code s & mask}. */
    private int[] sequences;

    private long[] deadlines;
    private Callback[] callbacks;
    private int mask;
    private final int capacity;
    private int size;
    private int nextSequence = 1;

    public RequestWindow(int capacity) {
        this.capacity = capacity;
        allocate(Integer.highestOneBit(Math.max(8, capacity) * 4 - 1));
    }

    private void allocate(int slots) {
        sequences = new int[slots];
        deadlines = new long[slots];
        callbacks = new Callback[slots];
        mask = slots - 1;
    }

    public boolean hasRoom() {
        return size < capacity;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Next sequence number, 1..0x7FFFFFFF, skipping numbers still in flight (SMPP 3.4 section 3.2)
     * and numbers whose slot is taken, so that {@link #add} and {@link #complete} are one array
     * access each, with no boxing and no per-request node.
     */
    public int nextSequence() {
        if (size * 2 >= sequences.length) {
            grow();
        }
        int seq;
        do {
            seq = nextSequence;
            nextSequence = nextSequence == Integer.MAX_VALUE ? 1 : nextSequence + 1;
        } while (sequences[seq & mask] != 0);
        return seq;
    }

    /** Doubles the table: entries in distinct slots stay in distinct slots under the wider mask. */
    private void grow() {
        int[] oldSequences = sequences;
        long[] oldDeadlines = deadlines;
        Callback[] oldCallbacks = callbacks;
        allocate(oldSequences.length * 2);
        for (int i = 0; i < oldSequences.length; i++) {
            int seq = oldSequences[i];
            if (seq != 0) {
                int j = seq & mask;
                sequences[j] = seq;
                deadlines[j] = oldDeadlines[i];
                callbacks[j] = oldCallbacks[i];
            }
        }
    }

    /**
     * Tracks a sent request whose sequence number came from {@link #nextSequence()} just before.
     * The caller checked {@link #hasRoom()} (unbind and enquire_link may go one over).
     */
    public void add(int sequenceNumber, long timeoutNanos, Callback callback) {
        int i = sequenceNumber & mask;
        if (sequenceNumber <= 0 || sequences[i] != 0) {
            throw new IllegalArgumentException(
                    "sequence number " + sequenceNumber + " was not taken from nextSequence()");
        }
        sequences[i] = sequenceNumber;
        deadlines[i] = System.nanoTime() + timeoutNanos;
        callbacks[i] = callback;
        size++;
    }

    /** Empties slot {@code i} and returns its callback. */
    private Callback take(int i) {
        Callback callback = callbacks[i];
        sequences[i] = 0;
        callbacks[i] = null;
        size--;
        return callback;
    }

    /**
     * Hands {@code response} to the callback of the request it answers. Returns false when no
     * request is waiting for it (unknown or late): the caller drops it.
     */
    public boolean complete(PduResponse response) {
        int seq = response.getSequenceNumber();
        int i = seq & mask;
        if (seq <= 0 || sequences[i] != seq) {
            return false;
        }
        take(i).onResponse(response);
        return true;
    }

    /** Expires every request whose deadline has passed; returns how many. */
    public int expire(long nowNanos) {
        if (size == 0) {
            return 0;
        }
        List<Callback> expired = null;
        for (int i = 0; i < sequences.length; i++) {
            if (sequences[i] != 0 && nowNanos - deadlines[i] >= 0) {
                if (expired == null) {
                    expired = new ArrayList<>();
                }
                expired.add(take(i));
            }
        }
        if (expired == null) {
            return 0;
        }
        expired.forEach(cb -> cb.onFailure(Failure.EXPIRED));
        return expired.size();
    }

    /** Fails every pending request, e.g. when the connection closed. */
    public void failAll(Failure failure) {
        if (size == 0) {
            return;
        }
        List<Callback> all = new ArrayList<>(size);
        for (int i = 0; i < sequences.length; i++) {
            if (sequences[i] != 0) {
                all.add(take(i));
            }
        }
        all.forEach(cb -> cb.onFailure(failure));
    }
}
