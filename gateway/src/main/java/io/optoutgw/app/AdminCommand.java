package io.optoutgw.app;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** Base of the admin subcommands: runs one, and prints a failure as one line on stderr with a non-zero exit status. */
abstract class AdminCommand implements Callable<Integer> {

    @CommandLine.Mixin
    AdminOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public final Integer call() {
        try {
            return run(options.client());
        } catch (CliFailure f) {
            err().println("error: " + f.getMessage());
            err().flush();
            return f.exitCode();
        }
    }

    abstract int run(AdminClient client) throws CliFailure;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Whether {@code cl} is an admin command ({@code suppression}, {@code audit}, {@code lists}, {@code tokens}, {@code config}, {@code evidence}) or one of their subcommands. */
    static boolean isAdmin(CommandLine cl) {
        for (CommandLine c = cl; c != null; c = c.getParent()) {
            if (c.getCommand() instanceof SuppressionCommand
                    || c.getCommand() instanceof AuditCommand
                    || c.getCommand() instanceof ListsCommand
                    || c.getCommand() instanceof TokensCommand
                    || c.getCommand() instanceof ConfigCommand
                    || c.getCommand() instanceof EvidenceCommand) {
                return true;
            }
        }
        return false;
    }

    /** A usage mistake in an admin command: one line, exit status 2. */
    static int usageError(CommandLine.ParameterException e) {
        CommandLine cl = e.getCommandLine();
        cl.getErr()
                .println("error: " + e.getMessage() + " (see: "
                        + cl.getCommandSpec().qualifiedName() + " --help)");
        cl.getErr().flush();
        return CliFailure.REFUSED;
    }

    static String user() {
        String u = System.getProperty("user.name");
        return u == null || u.isBlank() ? "cli" : u;
    }
}
