package io.optoutgw.suppression;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

/**
 * Turns the addresses SMPP carries into one canonical key per person: E.164 without the '+'
 * (digits only), using libphonenumber. TON/NPI decide how the digits are read (SMPP 3.4 section
 * 5.2.5/5.2.6): international (TON 1) digits already carry the country code; national (TON 2)
 * and unknown (TON 0) ones are read in the account's default region, where "+", "00" and
 * national prefixes are understood too. An address that cannot be normalised is reported as such
 * and must never be treated as "not suppressed".
 *
 * <p>A destination ({@link #normalizeDestination}) given in national format must moreover be a
 * valid number of the account's region: digits that merely have a possible length there (such
 * as a French "0612345678" read in the US) would be checked under a key nobody has opted out of,
 * while the SMSC delivers them elsewhere.
 */
public final class PhoneNumbers {

    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
    private static final byte TON_INTERNATIONAL = 1;
    private static final byte TON_NATIONAL = 2;
    private static final byte TON_ALPHANUMERIC = 5;

    private PhoneNumbers() {}

    /** Result of normalising one address: the E.164 digits, or why there are none. */
    public record Normalized(String digits, String problem) {
        public boolean ok() {
            return digits != null;
        }

        /** E.164 with the leading '+'. */
        public String e164() {
            return "+" + digits;
        }
    }

    /**
     * Reads any address leniently: digits of a possible length are accepted, valid or not (used
     * where accepting more is the safe side, e.g. the number a STOP came from).
     *
     * @param ton           SMPP type_of_number
     * @param address       the address as sent
     * @param defaultRegion ISO 3166 region for national numbers, e.g. "US"
     */
    public static Normalized normalize(byte ton, String address, String defaultRegion) {
        return normalize(ton, address, defaultRegion, false);
    }

    /**
     * Reads the destination of a message. International input (TON 1, a leading '+', or "00"
     * unless TON 2) must be a possible number, as in {@link #normalize}. National input (TON 0 or
     * 2 without '+' or "00") must be a valid number (libphonenumber's {@code isValidNumber}: its
     * length and leading digits belong to a range the numbering plan of {@code defaultRegion}'s
     * country allocates); anything else is reported as not a number, never checked under a
     * guessed key.
     */
    public static Normalized normalizeDestination(byte ton, String address, String defaultRegion) {
        return normalize(ton, address, defaultRegion, true);
    }

    private static Normalized normalize(byte ton, String address, String defaultRegion, boolean validNational) {
        if (address == null || address.isBlank()) {
            return new Normalized(null, "empty address");
        }
        if (ton == TON_ALPHANUMERIC) {
            return new Normalized(null, "alphanumeric address is not a phone number");
        }
        String raw = address.strip();
        boolean national =
                ton != TON_INTERNATIONAL && !raw.startsWith("+") && !(ton != TON_NATIONAL && raw.startsWith("00"));
        boolean mustBeValid = validNational && national;
        String nanp = nanpFastPath(ton, raw, defaultRegion);
        if (nanp != null) {
            if (mustBeValid
                    && !UTIL.isValidNumber(new PhoneNumber()
                            .setCountryCode(1)
                            .setNationalNumber(Long.parseLong(nanp, 1, nanp.length(), 10)))) {
                return notValidIn(defaultRegion);
            }
            return new Normalized(nanp, null);
        }
        String text = raw;
        if (ton == TON_INTERNATIONAL && !raw.startsWith("+")) {
            text = "+" + stripInternationalPrefix(raw);
        } else if (ton != TON_NATIONAL && raw.startsWith("00")) {
            // "00" is the international prefix in most of the world and how many SMSCs send
            // international numbers with TON unknown, whatever the account's region dials.
            text = "+" + stripInternationalPrefix(raw);
        }
        try {
            PhoneNumber number = UTIL.parse(text, defaultRegion);
            if (!UTIL.isPossibleNumber(number)) {
                return new Normalized(null, "not a possible number");
            }
            if (mustBeValid && !UTIL.isValidNumber(number)) {
                return notValidIn(defaultRegion);
            }
            String e164 = UTIL.format(number, PhoneNumberUtil.PhoneNumberFormat.E164);
            return new Normalized(e164.substring(1), null);
        } catch (NumberParseException e) {
            return new Normalized(null, e.getErrorType().name().toLowerCase().replace('_', ' '));
        }
    }

    private static Normalized notValidIn(String region) {
        return new Normalized(null, "national format but not a valid number in region " + region);
    }

    /**
     * North American Numbering Plan numbers, the bulk of the traffic, without a libphonenumber
     * parse (which dominates the cost of a submit otherwise): "1" + ten digits whose area code
     * and exchange start with 2-9, given as international (TON 1 or a leading '+'), or as ten
     * national digits (or eleven starting with 1) when the account's region is in the NANP. The
     * result is exactly what libphonenumber produces for such numbers (a test checks this);
     * anything else takes the full path.
     */
    static String nanpFastPath(byte ton, String raw, String region) {
        int n = raw.length();
        int start = raw.startsWith("+") ? 1 : 0;
        for (int i = start; i < n; i++) {
            char c = raw.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        int digits = n - start;
        boolean international = ton == TON_INTERNATIONAL || start == 1;
        if (digits == 11 && raw.charAt(start) == '1' && (international || nanpRegion(region))) {
            return validNanp(raw, start + 1) ? raw.substring(start) : null;
        }
        if (digits == 10 && !international && ton != TON_ALPHANUMERIC && nanpRegion(region)) {
            return validNanp(raw, start) ? "1" + raw.substring(start) : null;
        }
        return null;
    }

    private static boolean nanpRegion(String region) {
        return "US".equals(region) || "CA".equals(region);
    }

    private static boolean validNanp(String s, int areaStart) {
        char area = s.charAt(areaStart);
        char exchange = s.charAt(areaStart + 3);
        return area >= '2' && area <= '9' && exchange >= '2' && exchange <= '9';
    }

    private static String stripInternationalPrefix(String digits) {
        String d = digits.replaceAll("[\\s\\-().]", "");
        return d.startsWith("00") ? d.substring(2) : d;
    }

    /**
     * The ISO 3166 region of E.164 {@code digits}: the one libphonenumber assigns to the number, else
     * the main region of its country calling code (US for a +1 number no NANP region claims, such
     * as a 555 test number), else "ZZ".
     */
    public static String regionOf(String digits) {
        try {
            PhoneNumber n = UTIL.parse("+" + digits, "ZZ");
            String region = UTIL.getRegionCodeForNumber(n);
            if (region == null || "ZZ".equals(region)) {
                region = UTIL.getRegionCodeForCountryCode(n.getCountryCode());
            }
            return region;
        } catch (NumberParseException e) {
            return "ZZ";
        }
    }

    /** A number for logs: all but the last 4 digits hidden. */
    public static String mask(String number) {
        if (number == null) {
            return "null";
        }
        int keep = Math.min(4, number.length());
        return "*".repeat(Math.max(0, number.length() - keep)) + number.substring(number.length() - keep);
    }

    /** How {@link #normalizeMoSource} found a key for an MO source. */
    public enum MoSourceReading {
        /** {@link #normalize} read it (in the account's region, or as the international number it is). */
        NORMAL,
        /** The region could not read it; read as international digits ("+" + digits). */
        INTERNATIONAL,
        /** Neither reading is a possible number; keyed on its digits as sent. */
        DIGITS,
        /** No digits (an alphanumeric sender) or too many for a key: not a person, no key. */
        NONE
    }

    /** An MO source's key ({@code null} for {@link MoSourceReading#NONE}) and how it was found. */
    public record MoSource(String digits, MoSourceReading reading, String problem) {
        public boolean ok() {
            return digits != null;
        }
    }

    private static final int MAX_KEY_DIGITS = 18;

    /**
     * The key under which a keyword MO from {@code address} is recorded. Capture must fail safe:
     * a STOP whose source the account's region cannot read (many SMSCs send international digits
     * with TON 0, e.g. "447700900123" for a US account) is still a person asking to stop. So
     * the region's reading is tried first, then the international one ("+" + digits), then the
     * digits as sent. Only an address with letters or without digits (an alphanumeric sender),
     * or with more digits than a key holds, has no key.
     */
    public static MoSource normalizeMoSource(byte ton, String address, String defaultRegion) {
        Normalized national = normalize(ton, address, defaultRegion);
        if (national.ok()) {
            return new MoSource(national.digits(), MoSourceReading.NORMAL, null);
        }
        String raw = address == null ? "" : address.strip();
        String digits = raw.startsWith("+") ? raw.substring(1) : raw;
        digits = digits.replaceAll("[\\s\\-().]", "");
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return new MoSource(null, MoSourceReading.NONE, national.problem());
        }
        Normalized international = normalize(TON_INTERNATIONAL, "+" + digits, defaultRegion);
        if (international.ok()) {
            return new MoSource(international.digits(), MoSourceReading.INTERNATIONAL, national.problem());
        }
        if (digits.length() > MAX_KEY_DIGITS) {
            return new MoSource(null, MoSourceReading.NONE, digits.length() + " digits");
        }
        return new MoSource(digits, MoSourceReading.DIGITS, national.problem());
    }
}
