package io.optoutgw.codec;

import com.cloudhopper.smpp.pdu.BaseBind;
import com.cloudhopper.smpp.pdu.BaseSm;
import com.cloudhopper.smpp.pdu.CancelSm;
import com.cloudhopper.smpp.pdu.QuerySm;
import com.cloudhopper.smpp.type.Address;

/**
 * Maximum lengths of the C-Octet String fields (SMPP 3.4 section 4, field tables; lengths here
 * exclude the terminating NUL): a field longer than the spec allows makes the PDU malformed, so a
 * peer cannot smuggle oversized values past the frame limit into logs, Redis keys or upstreams.
 */
final class FieldLimits {

    static final int SYSTEM_ID = 15;
    static final int PASSWORD = 8;
    static final int SYSTEM_TYPE = 12;
    static final int ADDRESS_RANGE = 40;
    static final int ADDRESS = 20;
    static final int SERVICE_TYPE = 5;
    static final int TIME = 16;
    static final int MESSAGE_ID = 64;

    private FieldLimits() {}

    /** A description of the first field over its limit, or {@code null} when all fit. */
    static String violation(Object pdu) {
        if (pdu instanceof BaseBind<?> b) {
            String v = check("system_id", b.getSystemId(), SYSTEM_ID);
            v = v != null ? v : check("password", b.getPassword(), PASSWORD);
            v = v != null ? v : check("system_type", b.getSystemType(), SYSTEM_TYPE);
            v = v != null ? v : check("address_range", address(b.getAddressRange()), ADDRESS_RANGE);
            return v;
        }
        if (pdu instanceof BaseSm<?> sm) {
            String v = check("service_type", sm.getServiceType(), SERVICE_TYPE);
            v = v != null ? v : check("source_addr", address(sm.getSourceAddress()), ADDRESS);
            v = v != null ? v : check("destination_addr", address(sm.getDestAddress()), ADDRESS);
            v = v != null ? v : check("schedule_delivery_time", sm.getScheduleDeliveryTime(), TIME);
            v = v != null ? v : check("validity_period", sm.getValidityPeriod(), TIME);
            return v;
        }
        if (pdu instanceof QuerySm q) {
            String v = check("message_id", q.getMessageId(), MESSAGE_ID);
            v = v != null ? v : check("source_addr", address(q.getSourceAddress()), ADDRESS);
            return v;
        }
        if (pdu instanceof CancelSm c) {
            String v = check("message_id", c.getMessageId(), MESSAGE_ID);
            v = v != null ? v : check("source_addr", address(c.getSourceAddress()), ADDRESS);
            v = v != null ? v : check("destination_addr", address(c.getDestAddress()), ADDRESS);
            return v;
        }
        if (pdu instanceof ReplaceSm r) {
            String v = check("message_id", r.getMessageId(), MESSAGE_ID);
            v = v != null ? v : check("source_addr", address(r.getSourceAddress()), ADDRESS);
            return v;
        }
        if (pdu instanceof SubmitMulti m) {
            String v = check("source_addr", address(m.getSourceAddress()), ADDRESS);
            if (v != null) {
                return v;
            }
            for (SubmitMulti.Destination d : m.getDestinations()) {
                v = d.isDistributionList()
                        ? check("dl_name", d.distributionList(), ADDRESS)
                        : check("destination_addr", address(d.address()), ADDRESS);
                if (v != null) {
                    return v;
                }
            }
        }
        return null;
    }

    private static String address(Address a) {
        return a == null ? null : a.getAddress();
    }

    private static String check(String field, String value, int max) {
        return value != null && value.length() > max
                ? field + " is " + value.length() + " octets, SMPP allows " + max
                : null;
    }
}
