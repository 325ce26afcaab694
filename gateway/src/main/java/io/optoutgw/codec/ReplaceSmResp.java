package io.optoutgw.codec;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.PduResponse;
import io.netty.buffer.ByteBuf;

/** replace_sm_resp (SMPP 3.4 section 4.10.2): header only. */
public final class ReplaceSmResp extends PduResponse {

    public ReplaceSmResp() {
        super(SmppConstants.CMD_ID_REPLACE_SM_RESP, "replace_sm_resp");
    }

    @Override
    public void readBody(ByteBuf buffer) {}

    @Override
    public int calculateByteSizeOfBody() {
        return 0;
    }

    @Override
    public void writeBody(ByteBuf buffer) {}

    @Override
    public void appendBodyToString(StringBuilder buffer) {}
}
