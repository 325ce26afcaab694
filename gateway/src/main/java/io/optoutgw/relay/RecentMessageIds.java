package io.optoutgw.relay;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The most recent message-id mappings (upstream + SMSC message_id -> account), kept in a few
 * primitive arrays instead of one object per mapping.
 *
 * <p>The table is direct-mapped: a newer mapping replaces the one in its slot, so it holds about
 * the last {@code capacity} mappings and never grows. Because nothing in it is an object of its
 * own, the garbage collector neither copies recent mappings from one young collection to the next
 * nor promotes them: at tens of thousands of submits a second, one object per mapping was most of
 * what each young collection had to copy.
 *
 * <p>A slot holds the upstream and account as indexes into a table of names, and the message id's
 * characters as bytes (ids longer than {@link #MAX_ID} characters, or with characters above
 * U+00FF, are not kept; their receipts are routed through Redis). Event loops read and write it
 * without locks: each slot has a version, odd while a writer fills it (a writer that finds it odd
 * or loses the race to claim it skips keeping that mapping), and a reader that sees the version
 * change under it treats the lookup as a miss. A miss only costs a Redis read; a hit is always a
 * mapping that was remembered whole.
 */
final class RecentMessageIds {

    /** Longest message id kept (SMPP allows 64 characters plus the terminating NUL). */
    static final int MAX_ID = 64;

    private static final int SLOT_BYTES = MAX_ID;
    private static final int MAX_NAMES = Short.MAX_VALUE;

    private static final VarHandle VERSIONS = MethodHandles.arrayElementVarHandle(int[].class);

    private final int mask;
    private final int[] versions;
    private final short[] upstreams;
    private final short[] accounts;
    private final byte[] lengths;
    private final byte[] ids;

    private final ConcurrentHashMap<String, Integer> nameIndex = new ConcurrentHashMap<>();
    private volatile String[] names = new String[16];

    /** @param capacity slots, a power of two */
    RecentMessageIds(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        mask = capacity - 1;
        versions = new int[capacity];
        upstreams = new short[capacity];
        accounts = new short[capacity];
        lengths = new byte[capacity];
        ids = new byte[capacity * SLOT_BYTES];
    }

    private static boolean keepable(String messageId) {
        int n = messageId.length();
        if (n > MAX_ID) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (messageId.charAt(i) > 0xFF) {
                return false;
            }
        }
        return true;
    }

    private int slot(int upstream, String messageId) {
        int h = messageId.hashCode() * 31 + upstream;
        h ^= h >>> 16;
        h *= 0x45d9f3b;
        h ^= h >>> 16;
        return h & mask;
    }

    /** Keeps {@code messageId} from {@code upstream} -> {@code account}, replacing the slot's mapping. */
    void put(String upstream, String messageId, String account) {
        if (!keepable(messageId)) {
            return;
        }
        int u = index(upstream);
        int a = index(account);
        if (u < 0 || a < 0) {
            return;
        }
        int s = slot(u, messageId);
        int v = (int) VERSIONS.getVolatile(versions, s);
        if ((v & 1) != 0 || !VERSIONS.compareAndSet(versions, s, v, v + 1)) {
            return; // another writer is filling this slot
        }
        upstreams[s] = (short) u;
        accounts[s] = (short) a;
        int n = messageId.length();
        lengths[s] = (byte) n;
        int base = s * SLOT_BYTES;
        for (int i = 0; i < n; i++) {
            ids[base + i] = (byte) messageId.charAt(i);
        }
        VERSIONS.setRelease(versions, s, v + 2);
    }

    /** The account remembered for {@code messageId} from {@code upstream}, or {@code null}. */
    String get(String upstream, String messageId) {
        if (!keepable(messageId)) {
            return null;
        }
        Integer u = nameIndex.get(upstream);
        if (u == null) {
            return null;
        }
        int s = slot(u, messageId);
        int v = (int) VERSIONS.getAcquire(versions, s);
        if ((v & 1) != 0 || v == 0) {
            return null;
        }
        int n = messageId.length();
        boolean same = upstreams[s] == u && lengths[s] == n;
        int base = s * SLOT_BYTES;
        for (int i = 0; same && i < n; i++) {
            same = ids[base + i] == (byte) messageId.charAt(i);
        }
        int a = accounts[s];
        VarHandle.loadLoadFence();
        if (!same || (int) VERSIONS.getVolatile(versions, s) != v) {
            return null;
        }
        return names[a];
    }

    /** The index of {@code name} in the name table, adding it; -1 when the table is full. */
    private int index(String name) {
        Integer i = nameIndex.get(name);
        if (i != null) {
            return i;
        }
        synchronized (nameIndex) {
            i = nameIndex.get(name);
            if (i != null) {
                return i;
            }
            int next = nameIndex.size();
            if (next >= MAX_NAMES) {
                return -1;
            }
            String[] current = names;
            if (next == current.length) {
                current = Arrays.copyOf(current, current.length * 2);
            }
            current[next] = name;
            names = current; // published before the index can be seen
            nameIndex.put(name, next);
            return next;
        }
    }
}
