package io.optoutgw.loadtest;

import java.io.PrintStream;
import java.nio.file.Path;

/** Placeholder. */
final class AbuseRun {
    record Options(int seconds, double rate, int connections, int unloadedSeconds, Path gatewayJar, String heap, Path work) {
    }

    record Result() {
    }

    AbuseRun(Options o, PrintStream out) {
    }

    Result run() {
        throw new UnsupportedOperationException();
    }

    static String summary(Options o, Result r) {
        return "";
    }

    static void write(Path dir, Options o, Result r) {
    }
}
