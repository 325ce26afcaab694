package io.optoutgw.codec;

/**
 * A frame whose header could be read but whose body could not be decoded. The session answers
 * it (generic_nack or an error response with the same sequence number) and keeps the connection.
 */
public record PduDecodeFailure(int commandId, int sequenceNumber, Kind kind, String reason) {

    /** Why the frame was not turned into a PDU. */
    public enum Kind {
        /** command_id is not one this gateway knows (answer: generic_nack ESME_RINVCMDID). */
        UNKNOWN_COMMAND,
        /** The body does not match the command (answer: generic_nack ESME_RINVMSGLEN / error). */
        MALFORMED_BODY
    }

    public boolean isResponse() {
        return (commandId & 0x80000000) != 0;
    }
}
