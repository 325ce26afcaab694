package io.optoutgw.simulator;

/**
 * The answer to a deliver_sm the simulator sent: the command_status of the deliver_sm_resp (or
 * generic_nack) from the session with {@code systemId}; {@code receipt} tells a delivery receipt
 * from a mobile-originated message.
 */
public record DeliverOutcome(String systemId, boolean receipt, int commandStatus) {}
