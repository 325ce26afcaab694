package io.optoutgw.esme;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The small, bounded pool bind password checks (PBKDF2, tens to hundreds of milliseconds each)
 * run on, so that they never hold up an event loop and its sessions. When all threads are busy
 * and the queue is full, {@link #execute} throws {@link RejectedExecutionException} and the bind
 * is answered ESME_RTHROTTLED at once.
 */
public final class PasswordChecks implements Executor, AutoCloseable {

    /** Threads checking passwords. */
    public static final int THREADS = 2;
    /** Binds waiting for a thread; more are throttled. */
    public static final int QUEUE = 16;

    private final ThreadPoolExecutor pool;

    public PasswordChecks() {
        this(THREADS, QUEUE);
    }

    PasswordChecks(int threads, int queue) {
        AtomicInteger n = new AtomicInteger();
        pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
            Thread t = new Thread(r, "bind-password-check-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
    }

    @Override
    public void execute(Runnable check) {
        pool.execute(check);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
