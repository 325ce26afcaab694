package io.optoutgw.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AccountConfigTest {

    private static AccountConfig account(List<String> numbers, List<String> senderIds) {
        return new AccountConfig("acme", "pw", null, 1, 10, 0, null, numbers, null, null, null, senderIds);
    }

    @Test
    void anySourceWhenTheAccountListsNone() {
        AccountConfig open = account(List.of(), List.of());
        assertTrue(open.maySendFrom("ANYTHING"));
        assertTrue(open.maySendFrom(null));
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
}
