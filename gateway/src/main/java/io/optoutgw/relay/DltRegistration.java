package io.optoutgw.relay;

import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.tlv.Tlv;
import com.cloudhopper.smpp.type.Address;
import io.optoutgw.config.OptOutPolicy;
import io.optoutgw.suppression.PhoneNumbers;

/**
 * India's DLT registration (TRAI TCCCPR 2018): every commercial SMS to an Indian number carries
 * the sender's entity id and the registered template's id, in the vendor TLVs 0x1400 (PE_ID) and
 * 0x1401 (Template_ID) that Indian operators read. Under {@code optOut.indiaDlt: require} a
 * message lacking either is refused for its Indian destinations; under {@code pass} nothing is
 * read and the TLVs travel untouched, as every other optional parameter does.
 */
final class DltRegistration {

    /** Principal entity id, as Indian operators expect it. */
    static final short TAG_ENTITY_ID = 0x1400;
    /** Content template id, as Indian operators expect it. */
    static final short TAG_TEMPLATE_ID = 0x1401;

    /** The E.164 country code of India. */
    private static final String INDIA = "91";

    private DltRegistration() {}

    /** Whether the account refuses messages to India without registration ({@code optOut.indiaDlt: require}). */
    static boolean required(OptOutPolicy policy) {
        return policy.indiaDlt() == OptOutPolicy.IndiaDlt.REQUIRE;
    }

    /** Whether {@code request} carries both DLT TLVs, each with a value other than empty or NULs only. */
    static boolean registered(PduRequest<?> request) {
        return present(request.getOptionalParameter(TAG_ENTITY_ID))
                && present(request.getOptionalParameter(TAG_TEMPLATE_ID));
    }

    private static boolean present(Tlv tlv) {
        if (tlv == null || tlv.getValue() == null) {
            return false;
        }
        for (byte b : tlv.getValue()) {
            if (b != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code destination}, read as the list check reads it ({@link
     * PhoneNumbers#normalizeDestination} in the account's region), is an Indian number (+91).
     * Country codes are prefix-free, so the E.164 digits starting with 91 say it. An address that
     * cannot be read is not called Indian here: the list check refuses it anyway.
     */
    static boolean indian(Address destination, String region) {
        if (destination == null) {
            return false;
        }
        PhoneNumbers.Normalized n =
                PhoneNumbers.normalizeDestination(destination.getTon(), destination.getAddress(), region);
        return n.ok() && n.digits().startsWith(INDIA);
    }

    /** Whether {@code request} to {@code destination} is refused under the account's policy. */
    static boolean refuses(OptOutPolicy policy, PduRequest<?> request, Address destination, String region) {
        return required(policy) && indian(destination, region) && !registered(request);
    }
}
