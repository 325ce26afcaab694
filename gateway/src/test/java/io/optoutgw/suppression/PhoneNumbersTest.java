package io.optoutgw.suppression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import java.util.Random;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every way one person's number arrives maps to one key (docs/reliability.md scenario 11). */
class PhoneNumbersTest {

    @ParameterizedTest(name = "ton={0} ''{1}'' -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "1|15551234567|15551234567",
                "1|+15551234567|15551234567",
                "1|0015551234567|15551234567",
                "0|+1 555 123 4567|15551234567",
                "0|+1-555-123-4567|15551234567",
                "0|0015551234567|15551234567",
                "2|5551234567|15551234567",
                "2|(555) 123-4567|15551234567",
                "0|15551234567|15551234567",
                "1|447911123456|447911123456",
            })
    void variantsOfOneNumberNormaliseToTheSameDigits(byte ton, String address, String digits) {
        PhoneNumbers.Normalized n = PhoneNumbers.normalize(ton, address, "US");
        assertEquals(digits, n.digits(), String.valueOf(n.problem()));
    }

    @org.junit.jupiter.api.Test
    void theNanpFastPathAgreesWithLibphonenumber() {
        Random r = new Random(7);
        PhoneNumberUtil util = PhoneNumberUtil.getInstance();
        int fast = 0;
        for (int i = 0; i < 20_000; i++) {
            String ten = String.format("%010d", Math.floorMod(r.nextLong(), 10_000_000_000L));
            String[][] forms = {
                {"1", "1" + ten}, {"1", "+1" + ten}, {"0", "+1" + ten}, {"0", ten}, {"2", ten}, {"0", "1" + ten}
            };
            for (String[] f : forms) {
                byte ton = Byte.parseByte(f[0]);
                String viaFastPath = PhoneNumbers.nanpFastPath(ton, f[1], "US");
                if (viaFastPath == null) {
                    continue;
                }
                fast++;
                String text = ton == 1 && !f[1].startsWith("+") ? "+" + f[1] : f[1];
                try {
                    var parsed = util.parse(text, "US");
                    assertEquals(
                            util.format(parsed, PhoneNumberUtil.PhoneNumberFormat.E164)
                                    .substring(1),
                            viaFastPath,
                            "ton " + ton + " '" + f[1] + "'");
                    Assertions.assertTrue(util.isPossibleNumber(parsed), f[1]);
                } catch (NumberParseException e) {
                    throw new AssertionError(f[1], e);
                }
            }
        }
        Assertions.assertTrue(fast > 50_000, "the fast path was exercised: " + fast);
    }

    @ParameterizedTest(name = "ton={0} ''{1}'' is refused")
    @CsvSource(
            delimiter = '|',
            value = {"5|ACME", "0|''", "1|12", "0|not a number"})
    void addressesThatAreNotNumbersAreReportedNotPassed(byte ton, String address) {
        assertFalse(PhoneNumbers.normalize(ton, address, "US").ok());
    }

    @ParameterizedTest(name = "destination ton={0} ''{1}'' in {2} -> {3}")
    @CsvSource(
            delimiter = '|',
            value = {
                "0|0612345678|FR|33612345678",
                "2|0612345678|FR|33612345678",
                "0|2015550123|US|12015550123",
                "2|(201) 555-0123|US|12015550123",
                "0|12015550123|US|12015550123",
                "0|07911123456|GB|447911123456",
                "0|+33612345678|US|33612345678",
                "0|0033612345678|US|33612345678",
                "1|33612345678|US|33612345678",
                "1|15551234567|US|15551234567",
                "0|+15551234567|US|15551234567",
            })
    void validNationalAndPossibleInternationalDestinationsAreRead(
            byte ton, String address, String region, String digits) {
        PhoneNumbers.Normalized n = PhoneNumbers.normalizeDestination(ton, address, region);
        assertEquals(digits, n.digits(), String.valueOf(n.problem()));
    }

    /** National digits that are no valid number of the account's region are refused, never guessed. */
    @ParameterizedTest(name = "destination ton={0} ''{1}'' in {2} is refused")
    @CsvSource(
            delimiter = '|',
            value = {
                "0|0612345678|US",
                "2|0612345678|US",
                "0|5551234567|US",
                "2|5551234567|US",
                "0|15551234567|US",
                "0|0612345678|GB",
                "1|12|US",
            })
    void nationalDestinationsThatAreNotValidInTheRegionAreRefused(byte ton, String address, String region) {
        PhoneNumbers.Normalized n = PhoneNumbers.normalizeDestination(ton, address, region);
        assertFalse(n.ok(), address + " read as " + n.digits());
    }

    @org.junit.jupiter.api.Test
    void destinationsThroughTheNanpFastPathAgreeWithLibphonenumberValidity() {
        Random r = new Random(11);
        PhoneNumberUtil util = PhoneNumberUtil.getInstance();
        int valid = 0;
        for (int i = 0; i < 20_000; i++) {
            String ten = String.format("%010d", Math.floorMod(r.nextLong(), 10_000_000_000L));
            for (String[] f : new String[][] {{"0", ten}, {"2", ten}, {"0", "1" + ten}}) {
                byte ton = Byte.parseByte(f[0]);
                if (ton == 0 && f[1].startsWith("00")) {
                    continue; // international with TON unknown: not national input
                }
                PhoneNumbers.Normalized n = PhoneNumbers.normalizeDestination(ton, f[1], "US");
                boolean expected;
                try {
                    var parsed = util.parse(f[1], "US");
                    expected = util.isPossibleNumber(parsed) && util.isValidNumber(parsed);
                    if (expected) {
                        assertEquals(
                                util.format(parsed, PhoneNumberUtil.PhoneNumberFormat.E164)
                                        .substring(1),
                                n.digits(),
                                f[1]);
                        valid++;
                    }
                } catch (NumberParseException e) {
                    expected = false;
                }
                assertEquals(expected, n.ok(), "ton " + ton + " '" + f[1] + "': " + n.problem());
            }
        }
        Assertions.assertTrue(valid > 1_000, "valid numbers were exercised: " + valid);
    }
}
