package io.optoutgw.suppression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.optoutgw.suppression.PhoneNumbers.MoSource;
import io.optoutgw.suppression.PhoneNumbers.MoSourceReading;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The key a keyword MO is recorded under, whatever its source looks like. */
class PhoneNumbersMoSourceTest {

    @ParameterizedTest(name = "TON {0} [{1}] in {2} -> {3} {4}")
    @CsvSource({
        // the region reads it: as normalize() does
        "1, 15557001234, US, 15557001234, NORMAL",
        "0, 5557001234, US, 15557001234, NORMAL",
        "0, +447700900123, US, 447700900123, NORMAL",
        "0, 00447700900123, US, 447700900123, NORMAL",
        // international digits with TON unknown or national, for an account in another region
        "0, 447700900123, US, 447700900123, INTERNATIONAL",
        "2, 447700900123, US, 447700900123, INTERNATIONAL",
        "0, 33612345678, US, 33612345678, INTERNATIONAL",
        "0, 44 7700-900 123, US, 447700900123, INTERNATIONAL",
        "5, 447700900123, US, 447700900123, INTERNATIONAL",
        // neither reading is possible: the digits as sent
        "0, 999, US, 999, DIGITS",
        "0, 0, GB, 0, DIGITS",
    })
    void keyed(byte ton, String address, String region, String digits, MoSourceReading reading) {
        MoSource s = PhoneNumbers.normalizeMoSource(ton, address, region);
        assertEquals(digits, s.digits());
        assertEquals(reading, s.reading());
    }

    @ParameterizedTest(name = "TON {0} [{1}] is not a person")
    @CsvSource({
        "5, Promo",
        "5, Shop24",
        "0, INFO",
        "0, ' '",
        "1, 1234567890123456789012",
    })
    void notKeyed(byte ton, String address) {
        MoSource s = PhoneNumbers.normalizeMoSource(ton, address, "US");
        assertFalse(s.ok());
        assertNull(s.digits());
        assertEquals(MoSourceReading.NONE, s.reading());
    }
}
