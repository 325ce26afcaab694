package io.optoutgw.admin;

import io.optoutgw.suppression.ConsentEvent;
import io.optoutgw.suppression.Scope;
import io.optoutgw.suppression.journal.JournalAppendException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One bulk import of {@code number[,scope[,reason]]} CSV rows (optional header naming the columns;
 * a header may also name a {@code receivedAt} column: when the person asked in another channel,
 * an ISO-8601 instant, and a {@code category} column, one of the scope's account's categories or
 * {@code all}, empty meaning all; other columns such as an export's {@code since} are ignored), fed
 * in chunks as the body arrives. Every valid row becomes an ADMIN_ADD with the import's source
 * (default {@code import}) recorded through the ConsentLedger with a bounded number of records in
 * flight; invalid rows are reported by line number and the rest kept. Not thread-safe: one thread
 * feeds it.
 */
public final class CsvImport {

    /** Most errors listed in the result; the counts stay exact. */
    public static final int MAX_ERRORS_LISTED = 1000;
    /** Longest line accepted, in bytes. */
    public static final int MAX_LINE_BYTES = 4096;
    /** Recording failures after which the import stops (the journal or Redis is down). */
    static final int ABORT_AFTER_FAILURES = 100;
    /** Further attempts at the Redis write of a journaled row before it is reported as failed. */
    static final int REDIS_RETRIES = 3;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final SuppressionAdmin admin;
    private final Scope defaultScope;
    private final String defaultReason;
    private final String actor;
    private final String region;
    private final ConsentEvent.Source source;
    private final int maxInFlight;
    private final Semaphore inFlight;
    private final String importId;
    private final long startNanos = System.nanoTime();
    private final Map<String, Object> scopeCache = new HashMap<>();

    private final byte[] line = new byte[MAX_LINE_BYTES];
    private int lineLength;
    private boolean lineTooLong;
    private long lineNumber;
    private boolean headerChecked;
    private int numberColumn = 0;
    private int scopeColumn = 1;
    private int reasonColumn = 2;
    private int receivedAtColumn = -1;
    private int categoryColumn = -1;
    private int columns = 3;
    private boolean header;

    private long rows;
    private long bad;
    private long skipped;
    private final AtomicLong imported = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final List<ImportResult.RowError> errors = new ArrayList<>();
    private final AtomicLong errorCount = new AtomicLong();
    private final AtomicReference<String> aborted = new AtomicReference<>();
    private final CsvRows<InterruptedException> csv = new CsvRows<>(new CsvRows.Sink<>() {
        @Override
        public void row(long line, List<String> fields) throws InterruptedException {
            if (aborted.get() != null) {
                skipped++;
                return;
            }
            CsvImport.this.row(line, fields);
        }

        @Override
        public void bad(long line, String error) {
            if (aborted.get() != null) {
                skipped++;
                return;
            }
            bad++;
            rowError(line, error);
        }
    });

    /**
     * @param defaultScope  scope of rows that name none
     * @param defaultReason reason of rows that give none
     * @param actor         who imports (audited on every event)
     * @param region        region for numbers without '+'
     * @param maxInFlight   most rows being recorded at once
     */
    public CsvImport(
            SuppressionAdmin admin,
            Scope defaultScope,
            String defaultReason,
            String actor,
            String region,
            int maxInFlight) {
        this(admin, defaultScope, defaultReason, actor, region, ConsentEvent.Source.IMPORT, maxInFlight);
    }

    /**
     * @param source the source recorded on every row's event (import, or api, external_list,
     *               deactivation for a file that came from such a channel)
     */
    public CsvImport(
            SuppressionAdmin admin,
            Scope defaultScope,
            String defaultReason,
            String actor,
            String region,
            ConsentEvent.Source source,
            int maxInFlight) {
        this.admin = admin;
        this.defaultScope = defaultScope;
        this.defaultReason = defaultReason;
        this.actor = actor;
        this.region = region;
        this.source = source;
        this.maxInFlight = maxInFlight;
        this.inFlight = new Semaphore(maxInFlight);
        this.importId = "i" + Long.toString(RANDOM.nextLong() >>> 16, 36);
    }

    /** Prefix of the ids of this import's events ({@code <importId>.<line>}). */
    public String importId() {
        return importId;
    }

    /** Feeds the next bytes of the body; blocks while {@code maxInFlight} rows are being recorded. */
    public void accept(byte[] bytes, int offset, int length) throws InterruptedException {
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                endOfLine();
            } else if (lineLength < MAX_LINE_BYTES) {
                line[lineLength++] = b;
            } else {
                lineTooLong = true;
            }
        }
    }

    /** Ends the body: processes a last line without a newline and waits for rows still being recorded. */
    public ImportResult finish(Duration maxWait) throws InterruptedException {
        if (lineLength > 0 || lineTooLong) {
            endOfLine();
        }
        csv.flush();
        return awaitResult(maxWait);
    }

    /** Stops early (the client went away): waits for rows already being recorded and reports. */
    public ImportResult abort(String why, Duration maxWait) throws InterruptedException {
        aborted.compareAndSet(null, why);
        csv.flush(); // the rows read but not yet recorded: skipped
        return awaitResult(maxWait);
    }

    private ImportResult awaitResult(Duration maxWait) throws InterruptedException {
        if (!inFlight.tryAcquire(maxInFlight, maxWait.toMillis(), TimeUnit.MILLISECONDS)) {
            aborted.compareAndSet(null, "rows still being recorded after " + maxWait);
        } else {
            inFlight.release(maxInFlight);
        }
        List<ImportResult.RowError> listed;
        synchronized (errors) {
            listed = List.copyOf(errors);
        }
        listed = listed.stream()
                .sorted(Comparator.comparingLong(ImportResult.RowError::line))
                .toList();
        return new ImportResult(
                rows,
                imported.get(),
                bad,
                failed.get(),
                skipped,
                listed,
                errorCount.get() > listed.size(),
                aborted.get(),
                (System.nanoTime() - startNanos) / 1_000_000);
    }

    private void endOfLine() throws InterruptedException {
        lineNumber++;
        int len = lineLength;
        if (len > 0 && line[len - 1] == '\r') {
            len--;
        }
        boolean tooLong = lineTooLong;
        lineLength = 0;
        lineTooLong = false;
        if (tooLong) {
            rows++;
            rowError(lineNumber, "line longer than " + MAX_LINE_BYTES + " bytes");
            bad++;
            return;
        }
        String text = new String(line, 0, len, StandardCharsets.UTF_8);
        if (!headerChecked) {
            if (text.startsWith("\uFEFF")) {
                text = text.substring(1);
            }
            if (text.isBlank()) {
                return;
            }
            headerChecked = true;
            if (readHeader(text)) {
                return;
            }
        }
        if (text.isBlank()) {
            return;
        }
        rows++;
        csv.add(lineNumber, text);
    }

    /** True when {@code text} is a header; maps the columns by name. */
    private boolean readHeader(String text) {
        List<String> fields;
        try {
            fields = CsvRows.fields(text);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (!fields.get(0).strip().equalsIgnoreCase("number")) {
            return false;
        }
        header = true;
        numberColumn = 0;
        scopeColumn = -1;
        reasonColumn = -1;
        receivedAtColumn = -1;
        columns = fields.size();
        for (int i = 1; i < fields.size(); i++) {
            switch (fields.get(i).strip().toLowerCase(Locale.ROOT)) {
                case "scope" -> scopeColumn = i;
                case "reason" -> reasonColumn = i;
                case "receivedat", "received_at" -> receivedAtColumn = i;
                case "category" -> categoryColumn = i;
                default -> {
                    // other columns (an export's "since") are ignored
                }
            }
        }
        return true;
    }

    private void row(long lineNo, List<String> f) throws InterruptedException {
        ConsentEvent event;
        try {
            if (f.size() > columns) {
                throw new IllegalArgumentException(
                        header
                                ? "more columns than the header names"
                                : "expected number[,scope[,reason]], got " + f.size() + " columns");
            }
            String digits = SuppressionAdmin.digits(f.get(numberColumn), region);
            String scopeText = column(f, scopeColumn);
            Scope scope = scopeText == null ? defaultScope : scope(scopeText);
            String reason = SuppressionAdmin.text("reason", column(f, reasonColumn));
            Instant receivedAt = SuppressionAdmin.receivedAt(column(f, receivedAtColumn), Instant.now());
            String category = admin.scopes().category(scope, column(f, categoryColumn));
            event = admin.event(
                            importId + "." + lineNo,
                            ConsentEvent.Type.ADMIN_ADD,
                            digits,
                            scope,
                            reason == null ? defaultReason : reason,
                            actor,
                            new SuppressionAdmin.Provenance(source, receivedAt))
                    .withCategory(category);
        } catch (IllegalArgumentException e) {
            bad++;
            rowError(lineNo, e.getMessage());
            return;
        }
        inFlight.acquire();
        CompletableFuture<ConsentEvent> journaled = new CompletableFuture<>();
        admin.recorder().recordOrdered(event, journaled::complete).whenComplete((ok, error) -> {
            if (error == null) {
                done(lineNo, null);
            } else if (unwrap(error) instanceof JournalAppendException) {
                done(lineNo, "not recorded: " + unwrap(error));
            } else {
                // journaled (perhaps only after the record timeout); the Redis write failed or is late (e.g. a
                // command timeout under load): applying the event as journaled, with its order and its link in
                // the hash chain, again is idempotent
                journaled
                        .orTimeout(admin.timeout().toMillis(), TimeUnit.MILLISECONDS)
                        .whenComplete((linked, notJournaled) -> {
                            if (linked != null) {
                                retryApply(linked, lineNo, REDIS_RETRIES, error);
                            } else {
                                done(lineNo, "not recorded: " + unwrap(error));
                            }
                        });
            }
        });
    }

    private void retryApply(ConsentEvent event, long lineNo, int triesLeft, Throwable last) {
        if (triesLeft == 0) {
            done(lineNo, "journaled, but the Redis write failed (reconciliation will apply it): " + unwrap(last));
            return;
        }
        admin.store().apply(event).whenComplete((applied, error) -> {
            if (error == null) {
                done(lineNo, null);
            } else {
                retryApply(event, lineNo, triesLeft - 1, error);
            }
        });
    }

    /** One row finished: counted before its permit is returned, so that {@link #finish} sees every count. */
    private void done(long lineNo, String error) {
        try {
            if (error == null) {
                imported.incrementAndGet();
                return;
            }
            rowError(lineNo, error);
            if (failed.incrementAndGet() >= ABORT_AFTER_FAILURES) {
                aborted.compareAndSet(
                        null,
                        ABORT_AFTER_FAILURES + " rows could not be recorded (journal or Redis " + "unavailable); last: "
                                + error);
            }
        } finally {
            inFlight.release();
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private Scope scope(String text) {
        Object cached = scopeCache.get(text);
        if (cached == null) {
            try {
                cached = admin.scopes().parse(text);
            } catch (IllegalArgumentException e) {
                cached = e.getMessage();
            }
            if (scopeCache.size() < 10_000) {
                scopeCache.put(text, cached);
            }
        }
        if (cached instanceof Scope s) {
            return s;
        }
        throw new IllegalArgumentException((String) cached);
    }

    private static String column(List<String> f, int index) {
        if (index < 0 || index >= f.size()) {
            return null;
        }
        String v = f.get(index).strip();
        return v.isEmpty() ? null : v;
    }

    private void rowError(long lineNo, String error) {
        errorCount.incrementAndGet();
        synchronized (errors) {
            if (errors.size() < MAX_ERRORS_LISTED) {
                errors.add(new ImportResult.RowError(lineNo, error));
            }
        }
    }
}
