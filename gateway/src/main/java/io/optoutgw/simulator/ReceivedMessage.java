package io.optoutgw.simulator;

import com.cloudhopper.smpp.pdu.BaseSm;
import java.time.Instant;

/**
 * A submit_sm or data_sm the simulator received, with the system_id of the session it came on and
 * the message id the simulator assigned to it.
 */
public record ReceivedMessage(String systemId, BaseSm<?> pdu, String messageId, Instant receivedAt) {}
