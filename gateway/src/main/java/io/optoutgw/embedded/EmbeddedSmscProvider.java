package io.optoutgw.embedded;

import io.optoutgw.config.SimulatorConfig;

/**
 * The service simulator.jar provides ({@code META-INF/services/io.optoutgw.embedded.EmbeddedSmscProvider}):
 * the gateway reaches the SMSC simulator through this interface only, so gateway.jar runs without it.
 */
public interface EmbeddedSmscProvider {

    /** Starts a simulator listening where {@code config} says. */
    EmbeddedSmsc start(SimulatorConfig config);

    /**
     * Runs the simulator alone with its command-line arguments ({@code gateway simulator ...}) until
     * the JVM is stopped.
     */
    void runStandalone(String[] args) throws Exception;
}
