package io.optoutgw.codec;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.type.Address;
import com.cloudhopper.smpp.type.RecoverablePduException;
import com.cloudhopper.smpp.type.UnrecoverablePduException;
import com.cloudhopper.smpp.util.ByteBufUtil;
import com.cloudhopper.smpp.util.PduUtil;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * submit_multi (SMPP 3.4 section 4.5), which the cloudhopper release in use lacks: one message to
 * up to 254 destinations, each an SME address (dest_flag 1) or a distribution list name
 * (dest_flag 2).
 */
public final class SubmitMulti extends PduRequest<SubmitMultiResp> {

    /** One entry of dest_address (SMPP 3.4 section 4.5.1.1). */
    public record Destination(Address address, String distributionList) {
        public static Destination sme(Address address) {
            return new Destination(address, null);
        }

        public boolean isDistributionList() {
            return distributionList != null;
        }
    }

    private static final int DEST_FLAG_SME = 1;
    private static final int DEST_FLAG_DL = 2;

    private String serviceType;
    private Address sourceAddress;
    private List<Destination> destinations = new ArrayList<>();
    private byte esmClass;
    private byte protocolId;
    private byte priority;
    private String scheduleDeliveryTime;
    private String validityPeriod;
    private byte registeredDelivery;
    private byte replaceIfPresent;
    private byte dataCoding;
    private byte defaultMsgId;
    private byte[] shortMessage = new byte[0];

    public SubmitMulti() {
        super(SmppConstants.CMD_ID_SUBMIT_MULTI, "submit_multi");
    }

    /** A copy with the same message and {@code destinations} instead of this one's. */
    public SubmitMulti withDestinations(List<Destination> newDestinations) {
        SubmitMulti copy = new SubmitMulti();
        copy.serviceType = serviceType;
        copy.sourceAddress = sourceAddress;
        copy.destinations = new ArrayList<>(newDestinations);
        copy.esmClass = esmClass;
        copy.protocolId = protocolId;
        copy.priority = priority;
        copy.scheduleDeliveryTime = scheduleDeliveryTime;
        copy.validityPeriod = validityPeriod;
        copy.registeredDelivery = registeredDelivery;
        copy.replaceIfPresent = replaceIfPresent;
        copy.dataCoding = dataCoding;
        copy.defaultMsgId = defaultMsgId;
        copy.shortMessage = shortMessage;
        if (getOptionalParameters() != null) {
            getOptionalParameters().forEach(copy::addOptionalParameter);
        }
        copy.setSequenceNumber(getSequenceNumber());
        return copy;
    }

    public String getServiceType() {
        return serviceType;
    }

    public void setServiceType(String serviceType) {
        this.serviceType = serviceType;
    }

    public Address getSourceAddress() {
        return sourceAddress;
    }

    public void setSourceAddress(Address sourceAddress) {
        this.sourceAddress = sourceAddress;
    }

    public List<Destination> getDestinations() {
        return destinations;
    }

    public void setDestinations(List<Destination> destinations) {
        this.destinations = new ArrayList<>(destinations);
    }

    public byte[] getShortMessage() {
        return shortMessage;
    }

    public void setShortMessage(byte[] shortMessage) {
        this.shortMessage = shortMessage == null ? new byte[0] : shortMessage;
    }

    public String getScheduleDeliveryTime() {
        return scheduleDeliveryTime;
    }

    public void setScheduleDeliveryTime(String scheduleDeliveryTime) {
        this.scheduleDeliveryTime = scheduleDeliveryTime;
    }

    public String getValidityPeriod() {
        return validityPeriod;
    }

    public void setValidityPeriod(String validityPeriod) {
        this.validityPeriod = validityPeriod;
    }

    public byte getRegisteredDelivery() {
        return registeredDelivery;
    }

    public byte getDataCoding() {
        return dataCoding;
    }

    public byte getEsmClass() {
        return esmClass;
    }

    @Override
    public void readBody(ByteBuf buffer) throws UnrecoverablePduException, RecoverablePduException {
        serviceType = ByteBufUtil.readNullTerminatedString(buffer);
        sourceAddress = ByteBufUtil.readAddress(buffer);
        int count = buffer.readUnsignedByte();
        destinations = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int flag = buffer.readUnsignedByte();
            if (flag == DEST_FLAG_SME) {
                destinations.add(Destination.sme(ByteBufUtil.readAddress(buffer)));
            } else if (flag == DEST_FLAG_DL) {
                destinations.add(new Destination(null, ByteBufUtil.readNullTerminatedString(buffer)));
            } else {
                throw new RecoverablePduException("submit_multi dest_flag " + flag + " is neither 1 nor 2");
            }
        }
        esmClass = buffer.readByte();
        protocolId = buffer.readByte();
        priority = buffer.readByte();
        scheduleDeliveryTime = ByteBufUtil.readNullTerminatedString(buffer);
        validityPeriod = ByteBufUtil.readNullTerminatedString(buffer);
        registeredDelivery = buffer.readByte();
        replaceIfPresent = buffer.readByte();
        dataCoding = buffer.readByte();
        defaultMsgId = buffer.readByte();
        int smLength = buffer.readUnsignedByte();
        if (smLength > buffer.readableBytes()) {
            throw new RecoverablePduException("sm_length " + smLength + " exceeds the " + buffer.readableBytes()
                    + " octets left in submit_multi");
        }
        shortMessage = new byte[smLength];
        buffer.readBytes(shortMessage);
    }

    @Override
    public int calculateByteSizeOfBody() {
        int size = PduUtil.calculateByteSizeOfNullTerminatedString(serviceType)
                + PduUtil.calculateByteSizeOfAddress(sourceAddress)
                + 1;
        for (Destination d : destinations) {
            size += 1
                    + (d.isDistributionList()
                            ? PduUtil.calculateByteSizeOfNullTerminatedString(d.distributionList())
                            : PduUtil.calculateByteSizeOfAddress(d.address()));
        }
        return size
                + 3
                + PduUtil.calculateByteSizeOfNullTerminatedString(scheduleDeliveryTime)
                + PduUtil.calculateByteSizeOfNullTerminatedString(validityPeriod)
                + 5
                + shortMessage.length;
    }

    @Override
    public void writeBody(ByteBuf buffer) throws UnrecoverablePduException, RecoverablePduException {
        ByteBufUtil.writeNullTerminatedString(buffer, serviceType);
        ByteBufUtil.writeAddress(buffer, sourceAddress);
        buffer.writeByte(destinations.size());
        for (Destination d : destinations) {
            if (d.isDistributionList()) {
                buffer.writeByte(DEST_FLAG_DL);
                ByteBufUtil.writeNullTerminatedString(buffer, d.distributionList());
            } else {
                buffer.writeByte(DEST_FLAG_SME);
                ByteBufUtil.writeAddress(buffer, d.address());
            }
        }
        buffer.writeByte(esmClass);
        buffer.writeByte(protocolId);
        buffer.writeByte(priority);
        ByteBufUtil.writeNullTerminatedString(buffer, scheduleDeliveryTime);
        ByteBufUtil.writeNullTerminatedString(buffer, validityPeriod);
        buffer.writeByte(registeredDelivery);
        buffer.writeByte(replaceIfPresent);
        buffer.writeByte(dataCoding);
        buffer.writeByte(defaultMsgId);
        buffer.writeByte(shortMessage.length);
        buffer.writeBytes(shortMessage);
    }

    @Override
    public void appendBodyToString(StringBuilder sb) {
        sb.append("(sourceAddr [")
                .append(sourceAddress)
                .append("] destinations [")
                .append(destinations.size())
                .append("] smLength [")
                .append(shortMessage.length)
                .append("])");
    }

    @Override
    public SubmitMultiResp createResponse() {
        SubmitMultiResp resp = new SubmitMultiResp();
        resp.setSequenceNumber(getSequenceNumber());
        return resp;
    }

    @Override
    public Class<SubmitMultiResp> getResponseClass() {
        return SubmitMultiResp.class;
    }
}
