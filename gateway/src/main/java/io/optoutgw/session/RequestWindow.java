package io.optoutgw.session;

import com.cloudhopper.smpp.pdu.PduResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

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
        static Callback closing(io.netty.channel.Channel channel) {
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

    private record Entry(int commandId, long deadlineNanos, Callback callback) {
    }

    private final int capacity;
    private final Map<Integer, Entry> pending;
    private int nextSequence = 1;

    public RequestWindow(int capacity) {
        this.capacity = capacity;
        this.pending = new HashMap<>(capacity * 2);
    }

    public boolean hasRoom() {
        return pending.size() < capacity;
    }

    public int size() {
        return pending.size();
    }

    public int capacity() {
        return capacity;
    }

    /** Next sequence number, 1..0x7FFFFFFF, skipping numbers still in flight (SMPP 3.4 section 3.2). */
    public int nextSequence() {
        int seq;
        do {
            seq = nextSequence;
            nextSequence = nextSequence == Integer.MAX_VALUE ? 1 : nextSequence + 1;
        } while (pending.containsKey(seq));
        return seq;
    }

    /** Tracks a sent request. The caller checked {@link #hasRoom()}. */
    public void add(int sequenceNumber, int commandId, long timeoutNanos, Callback callback) {
        pending.put(sequenceNumber, new Entry(commandId, System.nanoTime() + timeoutNanos, callback));
    }

    /**
     * Hands {@code response} to the callback of the request it answers. Returns false when no
     * request is waiting for it (unknown or late): the caller drops it.
     */
    public boolean complete(PduResponse response) {
        Entry entry = pending.remove(response.getSequenceNumber());
        if (entry == null) {
            return false;
        }
        entry.callback.onResponse(response);
        return true;
    }

    /** Expires every request whose deadline has passed; returns how many. */
    public int expire(long nowNanos) {
        List<Callback> expired = null;
        for (Iterator<Entry> it = pending.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (nowNanos - e.deadlineNanos >= 0) {
                it.remove();
                if (expired == null) {
                    expired = new ArrayList<>();
                }
                expired.add(e.callback);
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
        if (pending.isEmpty()) {
            return;
        }
        List<Entry> all = new ArrayList<>(pending.values());
        pending.clear();
        all.forEach(e -> e.callback.onFailure(failure));
    }
}
