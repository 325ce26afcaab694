package io.optoutgw.simulator;

import com.cloudhopper.smpp.pdu.Pdu;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.optoutgw.codec.SmppEncoder;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;

/** A blocking SMPP client for tests that need bytes jSMPP would never send (or answers it would). */
final class RawEsme implements AutoCloseable {

    /** Header of a PDU read from the simulator, plus its body. */
    record Frame(int commandId, int status, int sequence, byte[] body) {
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawEsme(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    void setReadTimeout(java.time.Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
    }

    void send(Pdu pdu) throws IOException {
        ByteBuf buf = Unpooled.buffer();
        try {
            SmppEncoder.encodeTo(pdu, buf);
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            writeRaw(bytes);
        } finally {
            buf.release();
        }
    }

    /** A bare 16-byte header: command_length 16, the given command_id, status 0, sequence. */
    void sendHeader(int commandId, int sequence) throws IOException {
        writeRaw(ByteBuffer.allocate(16).putInt(16).putInt(commandId).putInt(0).putInt(sequence).array());
    }

    void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    Frame read() throws IOException {
        int length = in.readInt();
        int commandId = in.readInt();
        int status = in.readInt();
        int sequence = in.readInt();
        byte[] body = new byte[length - 16];
        in.readFully(body);
        return new Frame(commandId, status, sequence, body);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
