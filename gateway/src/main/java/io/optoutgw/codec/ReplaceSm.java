package io.optoutgw.codec;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.type.Address;
import com.cloudhopper.smpp.type.RecoverablePduException;
import com.cloudhopper.smpp.type.UnrecoverablePduException;
import com.cloudhopper.smpp.util.ByteBufUtil;
import com.cloudhopper.smpp.util.PduUtil;
import io.netty.buffer.ByteBuf;

/**
 * replace_sm (SMPP 3.4 section 4.10), which the cloudhopper release in use lacks: message_id,
 * source address, schedule_delivery_time, validity_period, registered_delivery,
 * sm_default_msg_id, sm_length and short_message.
 */
public final class ReplaceSm extends PduRequest<ReplaceSmResp> {

    private String messageId;
    private Address sourceAddress;
    private String scheduleDeliveryTime;
    private String validityPeriod;
    private byte registeredDelivery;
    private byte defaultMsgId;
    private byte[] shortMessage = new byte[0];

    public ReplaceSm() {
        super(SmppConstants.CMD_ID_REPLACE_SM, "replace_sm");
    }

    public String getMessageId() {
        return messageId;
    }

    public void setMessageId(String messageId) {
        this.messageId = messageId;
    }

    public Address getSourceAddress() {
        return sourceAddress;
    }

    public void setSourceAddress(Address sourceAddress) {
        this.sourceAddress = sourceAddress;
    }

    public byte[] getShortMessage() {
        return shortMessage;
    }

    public void setShortMessage(byte[] shortMessage) {
        this.shortMessage = shortMessage == null ? new byte[0] : shortMessage;
    }

    @Override
    public void readBody(ByteBuf buffer) throws UnrecoverablePduException, RecoverablePduException {
        messageId = ByteBufUtil.readNullTerminatedString(buffer);
        sourceAddress = ByteBufUtil.readAddress(buffer);
        scheduleDeliveryTime = ByteBufUtil.readNullTerminatedString(buffer);
        validityPeriod = ByteBufUtil.readNullTerminatedString(buffer);
        registeredDelivery = buffer.readByte();
        defaultMsgId = buffer.readByte();
        int smLength = buffer.readUnsignedByte();
        if (smLength > buffer.readableBytes()) {
            throw new RecoverablePduException(
                    "sm_length " + smLength + " exceeds the " + buffer.readableBytes() + " octets left in replace_sm");
        }
        shortMessage = new byte[smLength];
        buffer.readBytes(shortMessage);
    }

    @Override
    public int calculateByteSizeOfBody() {
        return PduUtil.calculateByteSizeOfNullTerminatedString(messageId)
                + PduUtil.calculateByteSizeOfAddress(sourceAddress)
                + PduUtil.calculateByteSizeOfNullTerminatedString(scheduleDeliveryTime)
                + PduUtil.calculateByteSizeOfNullTerminatedString(validityPeriod)
                + 3
                + shortMessage.length;
    }

    @Override
    public void writeBody(ByteBuf buffer) throws UnrecoverablePduException, RecoverablePduException {
        ByteBufUtil.writeNullTerminatedString(buffer, messageId);
        ByteBufUtil.writeAddress(buffer, sourceAddress);
        ByteBufUtil.writeNullTerminatedString(buffer, scheduleDeliveryTime);
        ByteBufUtil.writeNullTerminatedString(buffer, validityPeriod);
        buffer.writeByte(registeredDelivery);
        buffer.writeByte(defaultMsgId);
        buffer.writeByte(shortMessage.length);
        buffer.writeBytes(shortMessage);
    }

    @Override
    public void appendBodyToString(StringBuilder sb) {
        sb.append("(messageId [")
                .append(messageId)
                .append("] sourceAddr [")
                .append(sourceAddress)
                .append("] smLength [")
                .append(shortMessage.length)
                .append("])");
    }

    @Override
    public ReplaceSmResp createResponse() {
        ReplaceSmResp resp = new ReplaceSmResp();
        resp.setSequenceNumber(getSequenceNumber());
        return resp;
    }

    @Override
    public Class<ReplaceSmResp> getResponseClass() {
        return ReplaceSmResp.class;
    }
}
