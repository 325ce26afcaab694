package io.optoutgw.suppression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every way one person's number arrives maps to one key (reliability.md scenario 11). */
class PhoneNumbersTest {

    @ParameterizedTest(name = "ton={0} ''{1}'' -> {2}")
    @CsvSource(delimiter = '|', value = {
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

    @ParameterizedTest(name = "ton={0} ''{1}'' is refused")
    @CsvSource(delimiter = '|', value = {"5|ACME", "0|''", "1|12", "0|not a number"})
    void addressesThatAreNotNumbersAreReportedNotPassed(byte ton, String address) {
        assertFalse(PhoneNumbers.normalize(ton, address, "US").ok());
    }
}
