package io.optoutgw.suppression;

import java.util.Locale;
import java.util.Set;

/**
 * The one spelling of a sender (a short code, long number or alphanumeric sender ID) under which
 * it is authorised, recorded in a sender-scoped opt-out and checked. Every spelling the gateway
 * takes for the same sender maps to the same string, so a STOP to "67890" also covers a submit
 * from "+67890" or " 67890":
 * <ul>
 *   <li>surrounding white space is dropped;</li>
 *   <li>a number ('+' optional, then digits, whatever the TON says) becomes its digits without
 *       '+'; a long number in national format (TON 0 or 2, more than
 *       {@value #SHORT_CODE_MAX_DIGITS} digits) that is a valid number of the account's region
 *       becomes its E.164 digits, as the same number sent in international format does;</li>
 *   <li>anything else (an alphanumeric sender ID) is upper-cased.</li>
 * </ul>
 */
public final class Senders {

    /** Numbers this short are short codes: never read as national numbers. */
    static final int SHORT_CODE_MAX_DIGITS = 6;

    private static final byte TON_INTERNATIONAL = 1;

    private Senders() {}

    /** The senders an account may submit with: any, or those canonical forms. */
    public record Allowed(boolean any, Set<String> senders) {
        public Allowed {
            senders = Set.copyOf(senders);
        }

        /** Whether {@code canonicalSender} ({@link #canonical}) is allowed. */
        public boolean allows(String canonicalSender) {
            return any || senders.contains(canonicalSender);
        }
    }

    /**
     * @param ton     the address's type_of_number (0 for a configured value)
     * @param address the address as sent or configured; null is read as empty
     * @param region  the account's defaultRegion, used only for long national numbers
     */
    public static String canonical(byte ton, String address, String region) {
        if (address == null) {
            return "";
        }
        String s = address.strip();
        int start = s.startsWith("+") ? 1 : 0;
        if (!digitsFrom(s, start)) {
            return s.toUpperCase(Locale.ROOT);
        }
        String digits = s.substring(start);
        if (start == 1 || ton == TON_INTERNATIONAL || digits.length() <= SHORT_CODE_MAX_DIGITS || region == null) {
            return digits;
        }
        PhoneNumbers.Normalized n = PhoneNumbers.normalizeDestination(ton, digits, region);
        return n.ok() ? n.digits() : digits;
    }

    private static boolean digitsFrom(String s, int start) {
        if (start >= s.length()) {
            return false;
        }
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
