package io.optoutgw.codec;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.PduResponse;
import com.cloudhopper.smpp.type.Address;
import com.cloudhopper.smpp.type.RecoverablePduException;
import com.cloudhopper.smpp.type.UnrecoverablePduException;
import com.cloudhopper.smpp.util.ByteBufUtil;
import com.cloudhopper.smpp.util.PduUtil;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/** submit_multi_resp (SMPP 3.4 section 4.5.2): message_id and the destinations that failed, each with its error. */
public final class SubmitMultiResp extends PduResponse {

    /** One entry of unsuccess_sme (SMPP 3.4 section 4.5.2.1). */
    public record Unsuccess(Address address, int errorStatus) {}

    private String messageId = "";
    private List<Unsuccess> unsuccessful = new ArrayList<>();

    public SubmitMultiResp() {
        super(SmppConstants.CMD_ID_SUBMIT_MULTI_RESP, "submit_multi_resp");
    }

    public String getMessageId() {
        return messageId;
    }

    public void setMessageId(String messageId) {
        this.messageId = messageId == null ? "" : messageId;
    }

    public List<Unsuccess> getUnsuccessful() {
        return unsuccessful;
    }

    public void setUnsuccessful(List<Unsuccess> unsuccessful) {
        this.unsuccessful = new ArrayList<>(unsuccessful);
    }

    @Override
    public void readBody(ByteBuf buffer) throws UnrecoverablePduException, RecoverablePduException {
        if (!buffer.isReadable()) {
            return; // error responses may carry no body
        }
        messageId = ByteBufUtil.readNullTerminatedString(buffer);
        if (!buffer.isReadable()) {
            return;
        }
        int count = buffer.readUnsignedByte();
        unsuccessful = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Address a = ByteBufUtil.readAddress(buffer);
            unsuccessful.add(new Unsuccess(a, buffer.readInt()));
        }
    }

    @Override
    public int calculateByteSizeOfBody() {
        int size = PduUtil.calculateByteSizeOfNullTerminatedString(messageId) + 1;
        for (Unsuccess u : unsuccessful) {
            size += PduUtil.calculateByteSizeOfAddress(u.address()) + 4;
        }
        return size;
    }

    @Override
    public void writeBody(ByteBuf buffer) throws UnrecoverablePduException, RecoverablePduException {
        ByteBufUtil.writeNullTerminatedString(buffer, messageId);
        buffer.writeByte(unsuccessful.size());
        for (Unsuccess u : unsuccessful) {
            ByteBufUtil.writeAddress(buffer, u.address());
            buffer.writeInt(u.errorStatus());
        }
    }

    @Override
    public void appendBodyToString(StringBuilder sb) {
        sb.append("(messageId [")
                .append(messageId)
                .append("] unsuccess [")
                .append(unsuccessful.size())
                .append("])");
    }
}
