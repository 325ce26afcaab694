package io.optoutgw.codec;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.GenericNack;
import com.cloudhopper.smpp.pdu.Pdu;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.pdu.PduResponse;

/** Small helpers over the cloudhopper PDU model shared by every session type. */
public final class Pdus {

    private Pdus() {}

    /** The response matching {@code request}'s command, with {@code status} and the request's sequence number. */
    public static PduResponse response(PduRequest<?> request, int status) {
        PduResponse response = request.createResponse();
        response.setCommandStatus(status);
        response.setSequenceNumber(request.getSequenceNumber());
        return response;
    }

    /** A generic_nack with {@code status} for sequence number {@code sequenceNumber} (SMPP 3.4 section 4.3). */
    public static GenericNack genericNack(int sequenceNumber, int status) {
        GenericNack nack = new GenericNack();
        nack.setCommandStatus(status);
        nack.setSequenceNumber(sequenceNumber);
        return nack;
    }

    /**
     * {@code response} made to fit {@code request}: a generic_nack from a peer becomes the
     * request's own response type with the nack's status, since the originator expects that type.
     */
    public static PduResponse adapt(PduRequest<?> request, PduResponse response) {
        if (response.getCommandId() == (request.getCommandId() | SmppConstants.PDU_CMD_ID_RESP_MASK)) {
            return response;
        }
        return response(
                request, response.getCommandStatus() == 0 ? SmppConstants.STATUS_SYSERR : response.getCommandStatus());
    }

    /** Command name for logs and metric tags (bounded set). */
    public static String name(Pdu pdu) {
        return pdu.getName();
    }

    /** A command_status in the 0x%08X form used in logs. */
    public static String status(int status) {
        return String.format("0x%08X", status);
    }
}
