package io.optoutgw.testsupport;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BaseBind;
import com.cloudhopper.smpp.pdu.BindReceiver;
import com.cloudhopper.smpp.pdu.BindTransceiver;
import com.cloudhopper.smpp.pdu.BindTransmitter;
import com.cloudhopper.smpp.pdu.Pdu;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.optoutgw.codec.SmppEncoder;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * One end of an SMPP connection driven by hand, for tests that must decide exactly when each PDU
 * goes out: an ESME connected to the gateway, or an SMSC's side of a connection the gateway made.
 */
public final class RawSmpp implements AutoCloseable {

    /** Header of a PDU read, plus its body. */
    public record Frame(int commandId, int status, int sequence, byte[] body) {}

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    /** Wraps a connected socket (reads time out after 5 s). */
    public RawSmpp(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(5000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Connects to 127.0.0.1:{@code port}. */
    public static RawSmpp connect(int port) throws IOException {
        return new RawSmpp(new Socket("127.0.0.1", port));
    }

    public void setReadTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
    }

    /** Encodes and writes {@code pdus} in one write, in order. */
    public void send(Pdu... pdus) throws IOException {
        ByteBuf buf = Unpooled.buffer();
        try {
            for (Pdu pdu : pdus) {
                SmppEncoder.encodeTo(pdu, buf);
            }
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            writeRaw(bytes);
        } finally {
            buf.release();
        }
    }

    /**
     * Sends a bind of type {@code commandId} (0x01 receiver, 0x02 transmitter, 0x09 transceiver)
     * with sequence 1 and interface version 3.4, without waiting for the answer.
     */
    public void sendBind(int commandId, String systemId, String password) throws IOException {
        BaseBind<?> bind = switch (commandId) {
            case SmppConstants.CMD_ID_BIND_RECEIVER -> new BindReceiver();
            case SmppConstants.CMD_ID_BIND_TRANSMITTER -> new BindTransmitter();
            case SmppConstants.CMD_ID_BIND_TRANSCEIVER -> new BindTransceiver();
            default -> throw new IllegalArgumentException("not a bind: 0x" + Integer.toHexString(commandId));
        };
        bind.setSystemId(systemId);
        bind.setPassword(password);
        bind.setInterfaceVersion(SmppConstants.VERSION_3_4);
        bind.setSequenceNumber(1);
        send(bind);
    }

    /** {@link #sendBind} and reads its answer, which must be ESME_ROK. */
    public void bind(int commandId, String systemId, String password) throws IOException {
        sendBind(commandId, systemId, password);
        Frame resp = read();
        if (resp.status() != 0) {
            throw new AssertionError(
                    "bind of " + systemId + " answered status 0x" + Integer.toHexString(resp.status()));
        }
    }

    /** A bare 16-byte header: command_length 16, the given command_id, status 0, sequence. */
    public void sendHeader(int commandId, int sequence) throws IOException {
        writeRaw(ByteBuffer.allocate(16)
                .putInt(16)
                .putInt(commandId)
                .putInt(0)
                .putInt(sequence)
                .array());
    }

    /** Writes {@code bytes} as they are (frames the codec would never produce). */
    public void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads whatever bytes have arrived into {@code sink}, whole PDUs or not (to drain the connection). */
    public int readRaw(byte[] sink) throws IOException {
        return in.read(sink);
    }

    public Frame read() throws IOException {
        int length = in.readInt();
        int commandId = in.readInt();
        int status = in.readInt();
        int sequence = in.readInt();
        byte[] body = new byte[length - 16];
        in.readFully(body);
        return new Frame(commandId, status, sequence, body);
    }

    /** Reads until a PDU with {@code commandId} arrives (others, e.g. enquire_link, are skipped). */
    public Frame readUntil(int commandId) throws IOException {
        while (true) {
            Frame f = read();
            if (f.commandId() == commandId) {
                return f;
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
