package io.optoutgw.simulator;

import com.cloudhopper.smpp.SmppConstants;

/** How an ESME is bound to the simulator. */
public enum BindType {
    TRANSMITTER,
    RECEIVER,
    TRANSCEIVER;

    /** Whether the simulator may send deliver_sm on a session bound this way. */
    public boolean canReceive() {
        return this != TRANSMITTER;
    }

    /** Whether the ESME may submit on a session bound this way. */
    public boolean canTransmit() {
        return this != RECEIVER;
    }

    static BindType of(int bindCommandId) {
        return switch (bindCommandId) {
            case SmppConstants.CMD_ID_BIND_TRANSMITTER -> TRANSMITTER;
            case SmppConstants.CMD_ID_BIND_RECEIVER -> RECEIVER;
            case SmppConstants.CMD_ID_BIND_TRANSCEIVER -> TRANSCEIVER;
            default -> throw new IllegalArgumentException("not a bind: 0x" + Integer.toHexString(bindCommandId));
        };
    }
}
