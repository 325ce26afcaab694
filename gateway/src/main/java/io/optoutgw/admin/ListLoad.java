package io.optoutgw.admin;

import io.optoutgw.suppression.ExternalLists;
import io.optoutgw.suppression.ListWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * One load of an external list from a CSV body fed in chunks (an upload or a fetched URL): the
 * numbers go to a new version ({@link ListWriter}) beside the live one, which becomes live only
 * when the whole file is in (then the live one is kept as the previous version). The reading rules
 * are the import's ({@link CsvImport}): one number a row in its first column, or in the column a
 * header names {@code number}; numbers without '+' read in the load's region; a UTF-8 byte order
 * mark, blank lines and {@code \r\n} are accepted; a bad row is reported by its line number (at most
 * {@value #MAX_ERRORS_LISTED} listed, all counted) and the rest loaded. A deactivation file may
 * give each number's date in a second column (or a header's {@code deactivated} / {@code date}
 * column): an ISO date (its start, UTC) or instant; without one the load's time. A file without a
 * single number is not made live. Not thread-safe: one thread feeds it.
 */
public final class ListLoad {

    /** Most bad rows listed in the result; the count stays exact. */
    public static final int MAX_ERRORS_LISTED = 1000;
    /** Deactivation rows whose consent effects one load applies (a carrier's daily file is far smaller). */
    public static final int MAX_DEACTIVATIONS = 5_000_000;

    private final ExternalLists lists;
    private final Deactivations deactivations;
    private final String name;
    private final ExternalLists.Kind kind;
    private final List<String> accounts;
    private final List<String> categories;
    private final String region;
    private final String origin;
    private final long version;
    private final ExternalLists.Writing writing;
    private final ListWriter writer;
    private final MessageDigest sha256;
    private final long startNanos = System.nanoTime();
    private final Instant now = Instant.now();

    private final byte[] line = new byte[CsvImport.MAX_LINE_BYTES];
    private int lineLength;
    private boolean lineTooLong;
    private long lineNumber;
    private boolean headerChecked;
    private int numberColumn = 0;
    private int dateColumn = 1;

    private long rows;
    private long bad;
    private long errorCount;
    private final List<ImportResult.RowError> errors = new ArrayList<>();
    private final CsvRows<Exception> csv = new CsvRows<>(new CsvRows.Sink<>() {
        @Override
        public void row(long line, List<String> fields) throws Exception {
            ListLoad.this.row(line, fields);
        }

        @Override
        public void bad(long line, String error) {
            rowError(line, error);
        }
    });
    private long[] deactivated = new long[0];
    private long[] deactivatedAt = new long[0];
    private int deactivations0;
    private long deactivationsLeftOut;

    /**
     * @param deactivations applies a deactivation file's consent effects ({@code null}: none, for
     *                      tools)
     * @param origin        {@code upload}, or the URL the file was fetched from
     */
    public ListLoad(
            ExternalLists lists,
            Deactivations deactivations,
            String name,
            ExternalLists.Kind kind,
            List<String> accounts,
            List<String> categories,
            String region,
            String origin)
            throws Exception {
        this.lists = lists;
        this.deactivations = deactivations;
        this.name = ExternalLists.checkName(name);
        this.kind = kind;
        this.accounts = accounts == null ? List.of() : List.copyOf(accounts);
        this.categories = categories == null ? List.of() : List.copyOf(categories);
        this.region = region;
        this.origin = origin;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        this.version = lists.nextVersion(name);
        this.writing = lists.writer(name, version);
        this.writer = writing.writer();
    }

    /** What the log and the answer call this load. */
    public String id() {
        return name + " v" + version;
    }

    /** Feeds the next bytes of the file. */
    public void accept(byte[] bytes, int offset, int length) throws Exception {
        try {
            feed(bytes, offset, length);
        } catch (Exception | Error e) {
            writing.close();
            throw e;
        }
    }

    private void feed(byte[] bytes, int offset, int length) throws Exception {
        sha256.update(bytes, offset, length);
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                endOfLine();
            } else if (lineLength < line.length) {
                line[lineLength++] = b;
            } else {
                lineTooLong = true;
            }
        }
    }

    /** The end of the file: the version is completed and made live (unless it holds no number). */
    public ListLoadResult finish() throws Exception {
        ListWriter.Result written;
        try {
            if (lineLength > 0 || lineTooLong) {
                endOfLine();
            }
            csv.flush();
            written = writer.finish();
        } finally {
            writing.close();
        }
        String checksum = HexFormat.of().formatHex(sha256.digest());
        if (written.count() == 0) {
            return result(written, checksum, null, "no number in the file: the live version stays", null);
        }
        ExternalLists.Version v = new ExternalLists.Version(
                version,
                written.count(),
                System.currentTimeMillis(),
                checksum,
                written.denseBlocks(),
                rows,
                bad,
                origin);
        // a deactivation file's opt-ins are voided before it is live: from then on an opt-in in force is the new
        // holder's
        Deactivations.Result effects = null;
        if (kind == ExternalLists.Kind.DEACTIVATION && deactivations != null) {
            effects = deactivations.apply(name, deactivated, deactivatedAt, deactivations0, deactivationsLeftOut);
        }
        ExternalLists.Meta meta = lists.publish(name, kind, accounts, categories, v);
        return result(
                written,
                checksum,
                meta.previous() == null ? null : meta.previous().version(),
                null,
                effects);
    }

    /** Stops early: nothing is made live; the version's keys are collected later. */
    public ListLoadResult abort(String why) {
        writing.close();
        return result(new ListWriter.Result(0, 0, 0), null, null, why, null);
    }

    private ListLoadResult result(
            ListWriter.Result written, String checksum, Long previous, String aborted, Deactivations.Result effects) {
        return new ListLoadResult(
                name,
                kind.code(),
                aborted == null ? version : null,
                previous,
                rows,
                written.count(),
                bad,
                List.copyOf(errors),
                errorCount > errors.size(),
                checksum,
                written.blocks(),
                written.denseBlocks(),
                aborted,
                effects,
                (System.nanoTime() - startNanos) / 1_000_000);
    }

    private void endOfLine() throws Exception {
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
            rowError(lineNumber, "line longer than " + CsvImport.MAX_LINE_BYTES + " bytes");
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

    /** One row's fields: its number written, a deactivation's date kept. */
    private void row(long lineNo, List<String> f) throws Exception {
        long digits;
        Instant at = null;
        try {
            String number = numberColumn < f.size() ? f.get(numberColumn) : null;
            digits = Long.parseLong(SuppressionAdmin.digits(number, region));
            if (kind == ExternalLists.Kind.DEACTIVATION) {
                at = date(
                        dateColumn >= 0 && dateColumn < f.size()
                                ? f.get(dateColumn).strip()
                                : "");
            }
        } catch (IllegalArgumentException e) {
            rowError(lineNo, e.getMessage());
            return;
        }
        writer.add(digits);
        if (at != null) {
            deactivation(digits, at);
        }
    }

    /** True when {@code text} is a header (its first field is {@code number}); maps the columns by name. */
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
        dateColumn = -1;
        for (int i = 1; i < fields.size(); i++) {
            switch (fields.get(i).strip().toLowerCase(Locale.ROOT)) {
                case "deactivated", "deactivatedat", "deactivated_at", "date" -> dateColumn = i;
                default -> {
                    // other columns are ignored
                }
            }
        }
        return true;
    }

    /** A deactivation date: an ISO date (its start, UTC) or instant, not in the future; empty: now. */
    private Instant date(String v) {
        if (v.isEmpty()) {
            return now;
        }
        Instant at;
        try {
            at = Instant.parse(v);
        } catch (DateTimeParseException e) {
            try {
                // its start: an opt-in given on the deactivation day may be the new holder's
                at = LocalDate.parse(v).atStartOfDay().toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException(
                        "deactivation date must be an ISO date such as 2024-05-01 or an instant, got '"
                                + (v.length() > 40 ? v.substring(0, 40) + "..." : v) + "'");
            }
        }
        if (at.isAfter(now.plus(Duration.ofDays(1)))) {
            throw new IllegalArgumentException("deactivation date " + v + " is in the future");
        }
        return at.isAfter(now) ? now : at;
    }

    private void deactivation(long digits, Instant at) {
        if (deactivations0 >= MAX_DEACTIVATIONS) {
            deactivationsLeftOut++;
            return;
        }
        if (deactivations0 == deactivated.length) {
            int n = Math.max(1024, deactivated.length * 2);
            deactivated = Arrays.copyOf(deactivated, n);
            deactivatedAt = Arrays.copyOf(deactivatedAt, n);
        }
        deactivated[deactivations0] = digits;
        deactivatedAt[deactivations0] = at.getEpochSecond();
        deactivations0++;
    }

    private void rowError(long lineNo, String error) {
        bad++;
        errorCount++;
        if (errors.size() < MAX_ERRORS_LISTED) {
            errors.add(new ImportResult.RowError(lineNo, error));
        }
    }
}
