package io.optoutgw.esme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.optoutgw.config.AccountConfig;
import io.optoutgw.smpp.BindType;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A bind whose password was checked against the accounts in force before a reload that removed
 * its account is refused when it comes to register (it would otherwise be bound to an account
 * that is no longer configured, and never unbound); one that registered before the reload is among
 * the sessions the reload unbinds.
 */
class AccountRemovedDuringBindTest {

    private static AccountConfig account(String systemId) {
        return new AccountConfig(systemId, "pw", null, 4, 0, 0, null, null, null, null, null, null);
    }

    @Test
    void aBindCheckedBeforeTheReloadCannotRegisterAfterIt() throws Exception {
        AccountRegistry registry = new AccountRegistry(List.of(account("acme"), account("gamma")));
        InetAddress ip = InetAddress.getLoopbackAddress();
        // the password check of a bind (off the event loop) ends with the account of the old state
        AccountRegistry.BindResult checked = registry.authenticate("gamma", "pw", ip, BindType.TRANSCEIVER);
        assertEquals(AccountRegistry.BindOutcome.OK, checked.outcome());

        // meanwhile a reload removes gamma
        AccountRegistry.Applied applied = registry.apply(AccountRegistry.prepare(List.of(account("acme"))));
        assertEquals(
                List.of("gamma"),
                applied.removed().stream().map(Account::systemId).toList());
        assertTrue(applied.removedSessions().isEmpty());
        assertNull(registry.account("gamma"));

        // back on the event loop, the bind registers: refused, the account is no longer configured
        Account gamma = checked.account();
        assertTrue(gamma.removed());
        assertEquals(Account.Registered.REMOVED, gamma.register(null));
        assertTrue(gamma.sessions().isEmpty(), "nothing registered on the removed account");

        // an account that stays is not affected
        Account acme =
                registry.authenticate("acme", "pw", ip, BindType.TRANSCEIVER).account();
        assertFalse(acme.removed());
        assertEquals(Account.Registered.OK, acme.register(null));
    }

    @Test
    void aSessionRegisteredBeforeTheReloadIsHandedToTheReloadToUnbind() throws Exception {
        AccountRegistry registry = new AccountRegistry(List.of(account("acme"), account("gamma")));
        Account gamma = registry.account("gamma");
        assertEquals(Account.Registered.OK, gamma.register(null));
        AccountRegistry.Applied applied = registry.apply(AccountRegistry.prepare(List.of(account("acme"))));
        assertEquals(1, applied.removedSessions().size(), "the session bound before the reload is unbound by it");
    }
}
