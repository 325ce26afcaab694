package io.optoutgw.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.junit.jupiter.api.Test;

/** The CLI's progress bars: in place on a terminal, plain lines elsewhere, nothing for short work. */
class ProgressTest {

    private static ProgressBarBuilder upload() {
        return new ProgressBarBuilder()
                .setTaskName("importing")
                .setInitialMax(4_000_000)
                .setUnit(" MB", 1_000_000);
    }

    @Test
    void shortWorkPrintsNothingWhenNotATerminal() {
        StringWriter err = new StringWriter();
        try (Progress p = Progress.start(new PrintWriter(err, true), upload(), false)) {
            p.stepBy(4_000_000);
        }
        assertEquals("", err.toString());
    }

    @Test
    void notATerminalGetsWholeLinesWithoutCarriageReturnsOrEscapes() throws Exception {
        StringWriter err = new StringWriter();
        PrintWriter w = new PrintWriter(err, true);
        try (Progress p = Progress.start(upload(), new Progress.Plain(w, 300))) {
            for (int i = 0; i < 4; i++) {
                p.stepBy(1_000_000);
                Thread.sleep(250);
            }
        }
        String out = err.toString();
        assertFalse(out.contains("\r") || out.contains("\u001b"), out);
        String[] lines = out.split("\n");
        assertTrue(lines.length >= 2, out);
        for (String l : lines) {
            assertTrue(l.startsWith("importing ") && l.contains("%"), out);
        }
        assertTrue(lines[lines.length - 1].contains("100%") && lines[lines.length - 1].contains("4/4 MB"), out);
    }

    @Test
    void aTerminalGetsOneLineRedrawnInPlaceAndANewlineAtTheEnd() throws Exception {
        StringWriter err = new StringWriter();
        try (Progress p = Progress.start(upload(), new Progress.InPlace(new PrintWriter(err, true), 0))) {
            for (int i = 0; i < 4; i++) {
                p.stepBy(1_000_000);
                Thread.sleep(300);
            }
        }
        String out = err.toString();
        assertTrue(out.startsWith("\r") && out.endsWith(System.lineSeparator()), out);
        assertEquals(1, out.split("\n").length, out);
        String last = out.substring(out.lastIndexOf('\r') + 1).strip();
        assertTrue(last.startsWith("importing 100%") && last.contains("4/4 MB"), last);
    }
}
