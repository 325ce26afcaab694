package io.optoutgw.embedded;

import java.util.concurrent.CompletionStage;

/**
 * A running built-in SMSC simulator as the gateway sees it: the upstream of the demo
 * configuration ({@code simulator.enabled: true}) and the source of the demo's mobile-originated
 * messages ({@code POST /simulator/mo}). The simulator itself ships in simulator.jar, apart from
 * gateway.jar; {@link EmbeddedSmscs#provider} finds it.
 */
public interface EmbeddedSmsc extends AutoCloseable {

    /** The port it listens on. */
    int port();

    /**
     * Delivers a mobile-originated message (ISO-8859-1 text, data_coding 0) to a bound receiver or
     * transceiver; completes with the deliver_sm_resp command_status, or exceptionally when no such
     * session is bound or no response comes.
     */
    CompletionStage<Integer> injectMo(String from, String to, String text);

    /** Unbinds its sessions and stops listening. */
    @Override
    void close();
}
