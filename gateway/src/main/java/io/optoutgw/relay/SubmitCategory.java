package io.optoutgw.relay;

import com.cloudhopper.smpp.pdu.BaseSm;
import com.cloudhopper.smpp.pdu.PduRequest;
import com.cloudhopper.smpp.tlv.Tlv;
import io.optoutgw.codec.SubmitMulti;
import io.optoutgw.config.OptOutPolicy;
import java.nio.charset.StandardCharsets;

/**
 * The consent category of a submit (docs/consent-rules.md, "Categories and revoke-all"), read from
 * the account's {@code optOut.categorySource}: the service_type field (which carries at most five
 * characters: a longer category name is given by its first five, "MARKE" for marketing), an optional parameter's
 * value (ASCII text, a trailing NUL ignored) or the sender ({@code optOut.senderCategories}). A
 * submit that names none, or a value that is not one of the account's categories (compared
 * without case), gets {@code optOut.defaultCategory}. {@code null} when the account declares no
 * categories: the check then reads the entries for every category only.
 */
final class SubmitCategory {

    private SubmitCategory() {}

    static String of(OptOutPolicy policy, PduRequest<?> request, String canonicalSender) {
        if (!policy.hasCategories()) {
            return null;
        }
        String category = switch (policy.categorySourceKind()) {
            case SERVICE_TYPE -> policy.serviceTypeCategory(serviceType(request));
            case SENDER -> policy.senderCategory(canonicalSender);
            case TLV -> policy.category(tlvText(request, policy.categoryTag()));
        };
        return category != null ? category : policy.defaultCategory();
    }

    private static String serviceType(PduRequest<?> request) {
        if (request instanceof BaseSm<?> sm) {
            return sm.getServiceType();
        }
        if (request instanceof SubmitMulti multi) {
            return multi.getServiceType();
        }
        return null;
    }

    private static String tlvText(PduRequest<?> request, int tag) {
        Tlv tlv = request.getOptionalParameter((short) tag);
        if (tlv == null || tlv.getValue() == null) {
            return null;
        }
        byte[] v = tlv.getValue();
        int n = v.length;
        while (n > 0 && v[n - 1] == 0) {
            n--;
        }
        if (n > 64) {
            return null;
        }
        return new String(v, 0, n, StandardCharsets.US_ASCII);
    }
}
