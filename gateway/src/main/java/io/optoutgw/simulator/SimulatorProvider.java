package io.optoutgw.simulator;

import io.optoutgw.config.SimulatorConfig;
import io.optoutgw.embedded.EmbeddedSmsc;
import io.optoutgw.embedded.EmbeddedSmscProvider;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;

/**
 * The simulator as the gateway's {@link EmbeddedSmscProvider}, registered in simulator.jar's
 * {@code META-INF/services}: the gateway starts it for {@code simulator.enabled: true} and runs
 * {@code gateway simulator} through it.
 */
public final class SimulatorProvider implements EmbeddedSmscProvider {

    @Override
    public EmbeddedSmsc start(SimulatorConfig config) {
        SmscSimulator simulator = new SmscSimulator(SimulatorOptions.from(config)).start();
        return new EmbeddedSmsc() {
            @Override
            public int port() {
                return simulator.port();
            }

            @Override
            public CompletionStage<Integer> injectMo(String from, String to, String text) {
                return simulator.injectMo(from, to, text.getBytes(StandardCharsets.ISO_8859_1), (byte) 0);
            }

            @Override
            public void close() {
                simulator.close();
            }
        };
    }

    @Override
    public void runStandalone(String[] args) throws InterruptedException {
        SmscSimulatorMain.main(args);
    }
}
