package io.optoutgw.app;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.Pdu;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.pdu.PduResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.optoutgw.codec.PduDecodeFailure;
import io.optoutgw.codec.Pdus;
import io.optoutgw.codec.SmppDecoder;
import io.optoutgw.codec.SmppEncoder;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A minimal one-connection SMPP client for the command line ({@code gateway send}): blocking,
 * one request at a time, on the project's own codec. Requests the peer sends meanwhile
 * (deliver_sm receipts) are acknowledged and kept for the caller. Not for load: see loadtest/.
 */
final class BlockingEsme implements Closeable {

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final EmbeddedChannel decoder = new EmbeddedChannel(new SmppDecoder(64 * 1024));
    private final Deque<PduRequest<?>> received = new ArrayDeque<>();
    private int sequence;

    BlockingEsme(String host, int port, int timeoutMillis) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), timeoutMillis);
        socket.setSoTimeout(timeoutMillis);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Sends {@code request} and returns its response; requests arriving meanwhile are answered and kept. */
    PduResponse call(PduRequest<?> request) throws IOException {
        request.setSequenceNumber(++sequence);
        write(request);
        while (true) {
            Pdu pdu = read();
            if (pdu instanceof PduResponse r && r.getSequenceNumber() == request.getSequenceNumber()) {
                return r;
            }
            if (pdu instanceof PduRequest<?> incoming) {
                acknowledge(incoming);
            }
        }
    }

    /** Waits up to the socket timeout for a request from the peer (e.g. a receipt), answering it. */
    PduRequest<?> awaitRequest() throws IOException {
        while (received.isEmpty()) {
            Pdu pdu = read();
            if (pdu instanceof PduRequest<?> incoming) {
                acknowledge(incoming);
            }
        }
        return received.poll();
    }

    private void acknowledge(PduRequest<?> incoming) throws IOException {
        write(Pdus.response(incoming, SmppConstants.STATUS_OK));
        if (incoming.getCommandId() != SmppConstants.CMD_ID_ENQUIRE_LINK) {
            received.add(incoming);
        }
    }

    private void write(Pdu pdu) throws IOException {
        ByteBuf buf = Unpooled.buffer();
        try {
            SmppEncoder.encodeTo(pdu, buf);
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            out.write(bytes);
            out.flush();
        } finally {
            buf.release();
        }
    }

    private Pdu read() throws IOException {
        int length = in.readInt();
        if (length < 16 || length > 64 * 1024) {
            throw new IOException("peer sent command_length " + length);
        }
        byte[] frame = new byte[length];
        frame[0] = (byte) (length >>> 24);
        frame[1] = (byte) (length >>> 16);
        frame[2] = (byte) (length >>> 8);
        frame[3] = (byte) length;
        in.readFully(frame, 4, length - 4);
        decoder.writeInbound(Unpooled.wrappedBuffer(frame));
        Object decoded = decoder.readInbound();
        if (decoded instanceof PduDecodeFailure f) {
            throw new IOException("undecodable PDU from peer: " + f.reason());
        }
        return (Pdu) decoded;
    }

    @Override
    public void close() throws IOException {
        decoder.finishAndReleaseAll();
        socket.close();
    }
}
