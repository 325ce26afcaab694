package io.optoutgw.simulator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the SMSC simulator standalone:
 * {@code SmscSimulatorMain [--host H] [--port P] [--delay-ms N] [--receipt-delay-ms N]
 * [--tls-cert PEM --tls-key PEM]}. Stops on
 * SIGTERM or Ctrl-C.
 */
public final class SmscSimulatorMain {

    static final int DEFAULT_PORT = 2776;

    private SmscSimulatorMain() {}

    public static void main(String[] args) throws InterruptedException {
        SimulatorOptions options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: SmscSimulatorMain [--host H] [--port P] [--delay-ms N] [--receipt-delay-ms N]"
                    + " [--tls-cert PEM --tls-key PEM]");
            System.exit(2);
            return;
        }
        SmscSimulator simulator = new SmscSimulator(options).start();
        System.out.println("SMSC simulator listening on " + options.host() + ":" + simulator.port());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            simulator.close();
                            stopped.countDown();
                        },
                        "smsc-sim-shutdown"));
        stopped.await();
    }

    static SimulatorOptions parse(String[] args) {
        SimulatorOptions.Builder builder = SimulatorOptions.builder().port(DEFAULT_PORT);
        String tlsCert = null;
        String tlsKey = null;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + flag);
            }
            String value = args[++i];
            switch (flag) {
                case "--host" -> builder.host(value);
                case "--port" -> builder.port(number(flag, value));
                case "--delay-ms" -> builder.responseDelay(Duration.ofMillis(number(flag, value)));
                case "--receipt-delay-ms" -> builder.receiptDelay(Duration.ofMillis(number(flag, value)));
                case "--tls-cert" -> tlsCert = value;
                case "--tls-key" -> tlsKey = value;
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together");
        }
        if (tlsCert != null) {
            builder.tls(Path.of(tlsCert), Path.of(tlsKey));
        }
        return builder.build();
    }

    private static int number(String flag, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " expects a number, got " + value);
        }
    }
}
