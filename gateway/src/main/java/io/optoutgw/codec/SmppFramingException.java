package io.optoutgw.codec;

/** The byte stream cannot be framed as SMPP any more; the connection is closed. */
public final class SmppFramingException extends RuntimeException {

    public SmppFramingException(int commandLength, int maxFrameBytes) {
        super("command_length " + Integer.toUnsignedString(commandLength) + " outside 16.." + maxFrameBytes);
    }

    public SmppFramingException(String message) {
        super(message);
    }
}
