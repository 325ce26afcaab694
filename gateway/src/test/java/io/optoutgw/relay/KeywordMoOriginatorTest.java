package io.optoutgw.relay;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.type.Address;
import org.junit.jupiter.api.Test;

/** Which originators of a keyword MO get no auto-reply (the reply-loop guard). */
class KeywordMoOriginatorTest {

    private static Address a(int ton, String address) {
        return new Address((byte) ton, (byte) 1, address);
    }

    @Test
    void alphanumericSendersAndShortCodesGetNoReply() {
        assertTrue(KeywordMo.automatedOriginator(a(5, "BANKCO")), "TON alphanumeric");
        assertTrue(KeywordMo.automatedOriginator(a(0, "Promo")), "letters, whatever the TON");
        assertTrue(KeywordMo.automatedOriginator(a(3, "12345")), "a five-digit short code");
        assertTrue(KeywordMo.automatedOriginator(a(0, "123456")), "six digits");
    }

    @Test
    void peopleGetTheirReply() {
        assertFalse(KeywordMo.automatedOriginator(a(1, "15551234567")));
        assertFalse(KeywordMo.automatedOriginator(a(0, "+44 7700 900123")));
        assertFalse(KeywordMo.automatedOriginator(a(2, "0612345678")), "a national number");
        assertFalse(KeywordMo.automatedOriginator(null));
        assertFalse(KeywordMo.automatedOriginator(a(0, "")));
    }
}
