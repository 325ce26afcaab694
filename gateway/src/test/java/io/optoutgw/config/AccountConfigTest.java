package io.optoutgw.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AccountConfigTest {

    private static AccountConfig account(List<String> numbers, List<String> senderIds) {
        return new AccountConfig("acme", "pw", null, 1, 10, 0, null, numbers, null, null, null, senderIds);
    }

    @Test
    void noSourceWhenTheAccountListsNone() {
        AccountConfig none = account(List.of(), List.of());
        assertFalse(none.maySendFrom("ANYTHING"));
        assertFalse(none.maySendFrom("12345"));
        assertFalse(none.maySendFrom(""));
        assertFalse(none.maySendFrom(null));
    }

    @Test
    void anySourceOnlyWithAnExplicitWildcard() {
        AccountConfig open = account(List.of(), List.of("*"));
        assertTrue(open.maySendFrom("ANYTHING"));
        assertTrue(open.maySendFrom("+67890"));
        assertTrue(open.maySendFrom(null));
        AccountConfig openWithNumbers = account(List.of("12345"), List.of("*"));
        assertTrue(openWithNumbers.maySendFrom("ANYTHING"));
    }

    @Test
    void senderIdsMatchIgnoringCase() {
        AccountConfig a = account(List.of(), List.of("ACME"));
        assertTrue(a.maySendFrom("ACME"));
        assertTrue(a.maySendFrom("acme"));
        assertTrue(a.maySendFrom(" Acme "));
        assertFalse(a.maySendFrom("ACME2"));
        assertFalse(a.maySendFrom("ACM"));
        assertFalse(a.maySendFrom(null));
        assertFalse(a.maySendFrom(""));
    }

    @Test
    void numbersMatchWithOrWithoutPlus() {
        AccountConfig plus = account(List.of("+12345"), List.of());
        assertTrue(plus.maySendFrom("12345"));
        assertTrue(plus.maySendFrom("+12345"));
        assertFalse(plus.maySendFrom("1234"));
        assertFalse(plus.maySendFrom("123456"));
        assertFalse(plus.maySendFrom("+1234"));

        AccountConfig bare = account(List.of("12345"), List.of("ACME"));
        assertTrue(bare.maySendFrom("+12345"));
        assertTrue(bare.maySendFrom("12345"));
        assertTrue(bare.maySendFrom("acme"));
        assertFalse(bare.maySendFrom("+1234"));
        assertFalse(bare.maySendFrom("99999"));
    }

    /** Every spelling authorisation accepts has one canonical form: the one opt-outs are recorded and checked in. */
    @Test
    void everyAcceptedSpellingHasTheSameCanonicalForm() {
        AccountConfig a = account(List.of("67890", "+12015550100"), List.of("Acme"));
        String[][] spellings = {
            {"0", "67890", "67890"},
            {"0", "+67890", "67890"},
            {"0", " 67890", "67890"},
            {"0", "67890 ", "67890"},
            {"1", "67890", "67890"},
            {"2", "67890", "67890"},
            {"5", "+67890", "67890"},
            {"1", "12015550100", "12015550100"},
            {"0", "+12015550100", "12015550100"},
            {"0", "12015550100", "12015550100"},
            {"2", "2015550100", "12015550100"},
            {"0", "2015550100", "12015550100"},
            {"5", "ACME", "ACME"},
            {"5", "acme", "ACME"},
            {"0", " Acme ", "ACME"},
        };
        for (String[] s : spellings) {
            byte ton = Byte.parseByte(s[0]);
            assertTrue(a.maySendFrom(ton, s[1]), "ton " + s[0] + " '" + s[1] + "'");
            assertEquals(s[2], a.sender(ton, s[1]), "ton " + s[0] + " '" + s[1] + "'");
        }
        assertFalse(a.maySendFrom((byte) 0, "6789"));
        assertFalse(a.maySendFrom((byte) 0, "2015550101"));
    }

    @Test
    void aLongNationalNumberIsReadInTheAccountsRegion() {
        AccountConfig gb =
                new AccountConfig("uk", "pw", null, 1, 10, 0, null, List.of("447911123456"), null, "GB", null, null);
        assertTrue(gb.maySendFrom((byte) 0, "07911123456"));
        assertEquals("447911123456", gb.sender((byte) 0, "07911123456"));
        assertEquals("447911123456", gb.sender((byte) 1, "447911123456"));
    }
}
