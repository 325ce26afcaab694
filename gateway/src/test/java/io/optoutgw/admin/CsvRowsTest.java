package io.optoutgw.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CSV reading rules of imports and list loads (Commons CSV, one row a line). */
class CsvRowsTest {

    private static List<String> read(List<String> lines) {
        List<String> out = new ArrayList<>();
        CsvRows<RuntimeException> rows = new CsvRows<>(new CsvRows.Sink<>() {
            @Override
            public void row(long line, List<String> fields) {
                out.add(line + " " + fields);
            }

            @Override
            public void bad(long line, String error) {
                out.add(line + " bad: " + error);
            }
        });
        long n = 0;
        for (String l : lines) {
            rows.add(++n, l);
        }
        rows.flush();
        return out;
    }

    @Test
    void quotedFieldsAndDoubledQuotes() {
        assertEquals(
                List.of("1 [+15551234567, account:acme, said \"stop\", twice]", "2 [+15551234568, , ]", "3 [a]"),
                read(List.of("+15551234567,account:acme,\"said \"\"stop\"\", twice\"", "+15551234568,,", "a")));
    }

    @Test
    void aBadQuoteIsOneBadRowAndTakesNoOtherRowAlong() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            lines.add("+1555" + (1000000 + i) + ",global");
        }
        lines.set(99, "+15550000100,\"global"); // unterminated: would run into the next lines
        lines.set(700, "+15550000701,\"global\"x"); // a character after the closing quote
        lines.set(1100, "+15550001101,a\rb"); // a bare CR
        List<String> out = read(lines);
        assertEquals(1200, out.size());
        assertEquals("100 bad: unterminated quote", out.get(99));
        assertEquals(
                "701 bad: a character after a closing quote (a quote inside a quoted field is written \"\")",
                out.get(700));
        assertEquals("1101 bad: a line break (CR) inside the row", out.get(1100));
        assertEquals("101 [+15551000100, global]", out.get(100));
        assertEquals("702 [+15551000701, global]", out.get(701));
        assertEquals("1200 [+15551001199, global]", out.get(1199));
        assertEquals(3, out.stream().filter(s -> s.contains(" bad: ")).count());
    }

    @Test
    void oneLinesFields() {
        assertEquals(List.of("number", "scope", "reason"), CsvRows.fields("number,scope,reason"));
        assertEquals(List.of(""), CsvRows.fields(""));
        assertEquals(List.of("a, b", ""), CsvRows.fields("\"a, b\","));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CsvRows.fields("\"a,b"));
        assertEquals("unterminated quote", e.getMessage());
    }
}
