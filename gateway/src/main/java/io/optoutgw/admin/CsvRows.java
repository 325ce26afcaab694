package io.optoutgw.admin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads the gateway's CSV files (import, list loads, deactivation files) with Apache Commons CSV:
 * RFC 4180 (comma, double quotes, {@code ""} for a quote inside quotes), one row a line. A row is
 * one line of the file, so that a bad row is reported by its line number and cannot take the rows
 * after it along (a quoted line break is not read as part of a field: such a row is a bad row).
 *
 * <p>Lines are parsed many at a time ({@link #BLOCK_LINES} to one parser): a block whose records
 * are not exactly its lines (a bad quote) is parsed again line by line, so that only its bad lines
 * are bad rows. Not thread-safe.
 *
 * @param <X> what the sink may throw
 */
public final class CsvRows<X extends Exception> {

    /** The gateway's CSV dialect, read and written: RFC 4180, records ended by {@code \n}. */
    public static final CSVFormat FORMAT =
            CSVFormat.RFC4180.builder().setRecordSeparator('\n').get();

    /** Lines parsed by one parser. */
    static final int BLOCK_LINES = 512;

    /** Where the rows go, in the order of their lines. */
    public interface Sink<X extends Exception> {
        /** A row's fields. */
        void row(long line, List<String> fields) throws X;

        /** A line that is not a CSV row ({@code error} says why). */
        void bad(long line, String error) throws X;
    }

    private final Sink<X> sink;
    private final StringBuilder block = new StringBuilder(BLOCK_LINES * 32);
    private final long[] lineNumbers = new long[BLOCK_LINES];
    private final int[] starts = new int[BLOCK_LINES];
    private final String[] texts = new String[BLOCK_LINES];
    private int lines;

    public CsvRows(Sink<X> sink) {
        this.sink = sink;
    }

    /** The next line (without its line break); its row reaches the sink at the latest on {@link #flush}. */
    public void add(long lineNumber, String text) throws X {
        if (lines == BLOCK_LINES) {
            flush();
        }
        lineNumbers[lines] = lineNumber;
        starts[lines] = block.length();
        texts[lines] = text;
        lines++;
        block.append(text).append('\n');
    }

    /** Hands every line added so far to the sink. */
    public void flush() throws X {
        if (lines == 0) {
            return;
        }
        List<List<String>> parsed = parseBlock();
        if (parsed != null) {
            for (int i = 0; i < lines; i++) {
                sink.row(lineNumbers[i], parsed.get(i));
            }
        } else {
            // a bad quote somewhere: each line on its own, the bad ones reported
            for (int i = 0; i < lines; i++) {
                List<String> fields;
                try {
                    fields = fields(texts[i]);
                } catch (IllegalArgumentException e) {
                    sink.bad(lineNumbers[i], e.getMessage());
                    continue;
                }
                sink.row(lineNumbers[i], fields);
            }
        }
        java.util.Arrays.fill(texts, 0, lines, null);
        lines = 0;
        block.setLength(0);
    }

    /** The block's rows, one a line; null when its records are not exactly its lines. */
    private List<List<String>> parseBlock() {
        List<List<String>> out = new ArrayList<>(lines);
        try (CSVParser parser = CSVParser.parse(block.toString(), FORMAT)) {
            for (CSVRecord r : parser) {
                if (out.size() == lines || r.getCharacterPosition() != starts[out.size()]) {
                    return null; // a record spans lines, or a line holds two (a bare CR)
                }
                out.add(r.toList());
            }
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            return null;
        }
        return out.size() == lines ? out : null;
    }

    /**
     * The fields of one line; IllegalArgumentException saying what is wrong with its quoting. An
     * empty line is one empty field.
     */
    public static List<String> fields(String line) {
        try (CSVParser parser = CSVParser.parse(line, FORMAT)) {
            Iterator<CSVRecord> records = parser.iterator();
            if (!records.hasNext()) {
                return List.of("");
            }
            List<String> fields = records.next().toList();
            if (records.hasNext()) {
                throw new IllegalArgumentException("a line break (CR) inside the row");
            }
            return fields;
        } catch (IOException e) {
            throw new IllegalArgumentException(problem(e));
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(problem(e.getCause()));
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("bad CSV: " + e.getMessage());
        }
    }

    private static String problem(IOException e) {
        String m = String.valueOf(e.getMessage());
        String lower = m.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("eof reached before encapsulated token finished")) {
            return "unterminated quote";
        }
        if (lower.contains("invalid character between encapsulated token and delimiter")) {
            return "a character after a closing quote (a quote inside a quoted field is written \"\")";
        }
        return "bad CSV: " + m;
    }
}
