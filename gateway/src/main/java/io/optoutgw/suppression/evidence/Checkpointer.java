package io.optoutgw.suppression.evidence;

import io.optoutgw.suppression.ConsentLedger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a checkpoint of the journal's hash chain (journal and Redis, signed when a key is configured)
 * once the chain has grown by {@code every} events, or has grown at all and {@code interval} has passed
 * since the last one (docs/evidence.md). Each checkpoint is also logged, so a log kept elsewhere holds
 * the chain's hashes too. {@link #tick()} is called periodically, off the paths that record events.
 */
public final class Checkpointer {

    private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);

    private final ConsentLedger ledger;
    private final EvidenceKeys.Signer signer;
    private final Duration interval;
    private final int every;
    private final Duration timeout;
    private final Clock clock;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private EventChain.Head last;
    private Instant lastTime;

    public Checkpointer(
            ConsentLedger ledger,
            EvidenceKeys.Signer signer,
            Duration interval,
            int every,
            Duration timeout,
            Clock clock) {
        this.ledger = ledger;
        this.signer = signer;
        this.interval = interval;
        this.every = every;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** Takes the last checkpoint Redis holds of the journal's chain as the last one written (best effort). */
    public synchronized void init(CheckpointStore store) {
        String chain = ledger.chainHead().chain();
        try {
            Checkpoint c = store.latest(chain);
            if (c != null) {
                last = new EventChain.Head(c.chain(), c.seq(), c.hash());
                lastTime = c.time();
            }
        } catch (Exception e) {
            log.debug("evidence: last checkpoint of {} not read: {}", chain, e.toString());
        }
    }

    /** Writes a checkpoint if one is due; never throws. */
    public synchronized void tick() {
        EventChain.Head head = ledger.chainHead();
        if (!grown(head)) {
            return;
        }
        Instant now = clock.instant();
        boolean due = last == null
                || head.seq() - last.seq() >= every
                || lastTime == null
                || !now.isBefore(lastTime.plus(interval));
        if (due) {
            write(head, now);
        }
    }

    /** Writes a checkpoint of the chain's head now if the chain has grown since the last one; never throws. */
    public synchronized Checkpoint checkpointNow() {
        EventChain.Head head = ledger.chainHead();
        return grown(head) ? write(head, clock.instant()) : null;
    }

    private boolean grown(EventChain.Head head) {
        return head.seq() > 0 && (last == null || !last.chain().equals(head.chain()) || head.seq() > last.seq());
    }

    private Checkpoint write(EventChain.Head head, Instant now) {
        Checkpoint c = Checkpoint.of(head, now.truncatedTo(ChronoUnit.MILLIS)).signedBy(signer);
        AtomicBoolean journaled = new AtomicBoolean();
        try {
            ledger.recordCheckpoint(c, () -> journaled.set(true)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (!journaled.get()) {
                failures.incrementAndGet();
                log.warn(
                        "evidence: checkpoint of chain {} at seq {} not written (tried again later): {}",
                        head.chain(),
                        head.seq(),
                        e.toString());
                return null;
            }
            // the journal holds it: reconciliation brings it to Redis, no need to write another
            log.info(
                    "evidence: checkpoint of chain {} at seq {} journaled; Redis gets it by reconciliation ({})",
                    head.chain(),
                    head.seq(),
                    e.toString());
        }
        last = head;
        lastTime = c.time();
        written.incrementAndGet();
        log.info(
                "evidence: checkpoint chain {} seq {} hash {} ({})",
                c.chain(),
                c.seq(),
                c.hash(),
                c.sig() == null ? "unsigned" : "signed by key " + c.key());
        return c;
    }

    /** Checkpoints written so far. */
    public long written() {
        return written.get();
    }

    /** Checkpoints that could not be written (journal or Redis unavailable). */
    public long failures() {
        return failures.get();
    }
}
