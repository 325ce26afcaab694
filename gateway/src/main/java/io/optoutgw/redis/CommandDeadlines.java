package io.optoutgw.redis;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.protocol.RedisCommand;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * The command timeout of one event loop's own Redis connection, kept on that loop.
 *
 * <p>Lettuce's own timeout costs every command a timer entry on a shared timer thread (two
 * cross-thread queue operations), a completion callback and a few objects, and the timer keeps the
 * command reachable for up to a tick after it completed. Here every command written to the
 * connection goes into a queue in the order it was written, with its deadline; since all have the
 * same timeout, that is also deadline order. Commands that are done leave the queue at its head
 * as new ones arrive; a sweep on the loop, every {@link #SWEEP_NANOS} while the queue is not
 * empty, fails each command past its deadline with {@link RedisCommandTimeoutException}, as
 * Lettuce's timeout does. A command therefore fails between {@code timeout} and {@code timeout}
 * plus one sweep after it was written; its late reply, if any, is then discarded by Lettuce.
 *
 * <p>The handler sits at the tail of the connection's pipeline, so it sees each command as written
 * by Lettuce's endpoint (one by one or as a batch). One instance serves a lane for its whole life:
 * a reconnected channel (on the same loop) gets the same one, and commands still queued when a
 * connection is lost keep their deadlines, since the sweep runs on the loop, not on the channel.
 * Used only on its loop.
 */
final class CommandDeadlines extends ChannelOutboundHandlerAdapter implements Runnable {

    /** How often the queue's head is looked at while commands are outstanding. */
    static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final EventLoop loop;
    private final long timeoutNanos;
    private final String timeoutMessage;
    private RedisCommand<?, ?, ?>[] commands = new RedisCommand<?, ?, ?>[256];
    private long[] deadlines = new long[256];
    private int head;
    private int size;
    private boolean sweepScheduled;
    private long timedOut;

    CommandDeadlines(EventLoop loop, Duration timeout) {
        this.loop = loop;
        this.timeoutNanos = timeout.toNanos();
        this.timeoutMessage = "Command timed out after " + timeout.toMillis() + " millisecond(s)";
    }

    @Override
    public boolean isSharable() {
        // the successive channels of one lane, all on the same loop
        return true;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof RedisCommand<?, ?, ?> command) {
            track(command, System.nanoTime());
        } else if (msg instanceof Collection<?> batch) {
            long now = System.nanoTime();
            for (Object o : batch) {
                if (o instanceof RedisCommand<?, ?, ?> command) {
                    track(command, now);
                }
            }
        }
        ctx.write(msg, promise);
    }

    /** Queues {@code command} with its deadline. On the loop. */
    void track(RedisCommand<?, ?, ?> command, long nowNanos) {
        dropDone();
        if (size == commands.length) {
            grow();
        }
        int i = (head + size) & (commands.length - 1);
        commands[i] = command;
        deadlines[i] = nowNanos + timeoutNanos;
        size++;
        if (!sweepScheduled) {
            sweepScheduled = true;
            loop.schedule(this, SWEEP_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    /** The sweep: fails what is past its deadline, and comes back while anything is outstanding. */
    @Override
    public void run() {
        sweepScheduled = false;
        long now = System.nanoTime();
        while (size > 0) {
            RedisCommand<?, ?, ?> command = commands[head];
            if (!command.isDone()) {
                if (deadlines[head] - now > 0) {
                    break;
                }
                timedOut++;
                command.completeExceptionally(new RedisCommandTimeoutException(timeoutMessage));
            }
            pop();
        }
        if (size > 0) {
            sweepScheduled = true;
            loop.schedule(this, SWEEP_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    private void dropDone() {
        while (size > 0 && commands[head].isDone()) {
            pop();
        }
    }

    private void pop() {
        commands[head] = null;
        head = (head + 1) & (commands.length - 1);
        size--;
    }

    private void grow() {
        int n = commands.length;
        RedisCommand<?, ?, ?>[] c = new RedisCommand<?, ?, ?>[n * 2];
        long[] d = new long[n * 2];
        for (int k = 0; k < size; k++) {
            int from = (head + k) & (n - 1);
            c[k] = commands[from];
            d[k] = deadlines[from];
        }
        commands = c;
        deadlines = d;
        head = 0;
    }

    /** Commands waiting for a reply or their deadline (for tests). On the loop. */
    int outstanding() {
        dropDone();
        return size;
    }

    /** Commands failed by this timeout so far (for tests). On the loop. */
    long timedOut() {
        return timedOut;
    }
}
