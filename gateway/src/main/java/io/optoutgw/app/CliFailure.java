package io.optoutgw.app;

/** A command that cannot do its job: the one line to print and the exit status. */
final class CliFailure extends Exception {

    /** Exit status: the gateway refused the request (bad input, auth) or the command was misused. */
    static final int REFUSED = 2;
    /** Exit status: the gateway could not be reached or failed. */
    static final int UNAVAILABLE = 3;

    private final int exitCode;

    CliFailure(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
