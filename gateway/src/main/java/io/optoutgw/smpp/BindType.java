package io.optoutgw.smpp;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseBind;
import com.cloudhopper.smpp.pdu.BindReceiver;
import com.cloudhopper.smpp.pdu.BindTransceiver;
import com.cloudhopper.smpp.pdu.BindTransmitter;

/**
 * The three SMPP bind types, one enum for every side: what an account may bind as
 * ({@code accounts[].bindTypes} in the configuration, written in lower case), how an ESME is
 * bound to the gateway or to the simulator, and what a gateway bind to an SMSC carries.
 */
public enum BindType {
    TRANSMITTER,
    RECEIVER,
    TRANSCEIVER;

    /** Whether the SMSC side may send deliver_sm on a session bound this way. */
    public boolean canReceive() {
        return this != TRANSMITTER;
    }

    /** Whether the ESME side may submit on a session bound this way. */
    public boolean canTransmit() {
        return this != RECEIVER;
    }

    /** The bind request of this type (no fields set). */
    public BaseBind<?> bindRequest() {
        return switch (this) {
            case TRANSMITTER -> new BindTransmitter();
            case RECEIVER -> new BindReceiver();
            case TRANSCEIVER -> new BindTransceiver();
        };
    }

    /** The type a bind command asks for. */
    public static BindType of(int bindCommandId) {
        return switch (bindCommandId) {
            case SmppConstants.CMD_ID_BIND_TRANSMITTER -> TRANSMITTER;
            case SmppConstants.CMD_ID_BIND_RECEIVER -> RECEIVER;
            case SmppConstants.CMD_ID_BIND_TRANSCEIVER -> TRANSCEIVER;
            default -> throw new IllegalArgumentException("not a bind: 0x" + Integer.toHexString(bindCommandId));
        };
    }
}
