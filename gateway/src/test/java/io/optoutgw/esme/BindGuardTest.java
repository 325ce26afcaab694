package io.optoutgw.esme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cloudhopper.smpp.SmppConstants;
import com.cloudhopper.smpp.pdu.BindTransceiver;
import com.cloudhopper.smpp.pdu.PduResponse;
import io.netty.channel.embedded.EmbeddedChannel;
import io.optoutgw.config.AccountConfig;
import io.optoutgw.config.SmppServerConfig;
import io.optoutgw.smpp.BindType;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.Test;

/** The bind lockout's bookkeeping and the cost of password checks, without sockets. */
class BindGuardTest {

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private static AccountConfig account(String systemId, String password, List<String> allowedIps) {
        return new AccountConfig(systemId, password, null, 4, 0, 0, allowedIps, null, null, null, null, null);
    }

    /** A pbkdf2-sha256 hash of {@code password} with {@code iterations}, as gateway hash-password writes it. */
    private static String hash(String password, int iterations) throws Exception {
        byte[] salt = new byte[16];
        byte[] h = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256))
                .getEncoded();
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return PasswordHash.PREFIX + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(h);
    }

    private static long cost(AccountRegistry registry, String systemId, String password) throws Exception {
        long before = PasswordHash.iterationsOnThisThread();
        registry.authenticate(systemId, password, ip("127.0.0.1"), BindType.TRANSCEIVER);
        return PasswordHash.iterationsOnThisThread() - before;
    }

    @Test
    void everyPasswordCheckCostsTheSameIterationsWhateverTheAccount() throws Exception {
        AccountRegistry registry = new AccountRegistry(List.of(
                account("plain", "pw", null),
                account("hashed", PasswordHash.hash("pw"), null),
                account("strong", hash("pw", 150_000), null)));
        long unknown = cost(registry, "nobody", "guess");
        assertEquals(150_000, unknown, "the dummy hash costs what the strongest account's does");
        assertEquals(unknown, cost(registry, "plain", "guess"), "a plain text password costs a hash too");
        assertEquals(unknown, cost(registry, "hashed", "guess"), "a cheaper hash is topped up");
        assertEquals(unknown, cost(registry, "strong", "guess"));
        assertEquals(unknown, cost(registry, "plain", "pw"), "right or wrong, the same");
    }

    @Test
    void aLockedOutSystemIdDoesNotSpendTheGatewayBindRate() {
        AccountRegistry registry =
                new AccountRegistry(List.of(account("acme", "secret", null), account("other", "pw", null)));
        SmppServerConfig cfg =
                new SmppServerConfig("127.0.0.1", 0, 4096, null, null, null, null, null, null, null, null, null, null);
        BindGuard guard = new BindGuard(100, 2, 1, Duration.ofHours(1));
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            statuses.add(bind(cfg, registry, guard, "acme", "guess" + i));
        }
        assertEquals(List.of(0x0D, 0x0D, 0x0D, 0x0D, 0x0D, 0x0D), statuses, "locked out after the first failure");
        assertEquals(
                SmppConstants.STATUS_OK,
                bind(cfg, registry, guard, "other", "pw"),
                "the locked-out binds left the second of two tokens for someone else");
    }

    private static int bind(SmppServerConfig cfg, AccountRegistry registry, BindGuard guard, String user, String pw) {
        EmbeddedChannel ch = new EmbeddedChannel(
                new EsmeSession(cfg, registry, (s, r) -> {}, "gw", TimeUnit.SECONDS.toNanos(1), 1, guard, null));
        BindTransceiver b = new BindTransceiver();
        b.setSystemId(user);
        b.setPassword(pw);
        b.setSequenceNumber(1);
        ch.writeInbound(b);
        int status = ((PduResponse) ch.readOutbound()).getCommandStatus();
        ch.finishAndReleaseAll();
        return status;
    }

    @Test
    void aSuccessForOneAccountDoesNotClearTheAddressesOtherFailures() throws Exception {
        BindGuard guard = new BindGuard(100, 1000, 3, Duration.ofHours(1));
        InetAddress attacker = ip("127.0.0.5");
        guard.bindFailed(attacker, "x1", true);
        guard.bindFailed(attacker, "x2", true);
        guard.bindSucceeded(attacker, "valid");
        guard.bindFailed(attacker, "x3", true);
        assertTrue(
                guard.lockedOut(attacker, "anything"), "three failures from one address, whatever succeeded between");
    }

    @Test
    void aSuccessTakesBackItsOwnPairsFailures() throws Exception {
        BindGuard guard = new BindGuard(100, 1000, 3, Duration.ofHours(1));
        InetAddress client = ip("127.0.0.6");
        guard.bindFailed(client, "acme", true);
        guard.bindFailed(client, "acme", true);
        guard.bindSucceeded(client, "acme");
        guard.bindFailed(client, "acme", true);
        guard.bindFailed(client, "acme", true);
        assertFalse(guard.lockedOut(client, "acme"), "a mistyped password, then the right one, starts afresh");
    }

    @Test
    void failuresFromOutsideTheAllowlistDoNotLockTheAccount() throws Exception {
        AccountRegistry registry = new AccountRegistry(List.of(account("office", "pw", List.of("10.0.0.0/8"))));
        AccountRegistry.BindResult outside =
                registry.authenticate("office", "guess", ip("127.0.0.7"), BindType.TRANSCEIVER);
        assertEquals(AccountRegistry.BindOutcome.BAD_CREDENTIALS, outside.outcome());
        assertFalse(outside.countsAgainstAccount());
        assertTrue(registry.authenticate("office", "guess", ip("10.1.2.3"), BindType.TRANSCEIVER)
                .countsAgainstAccount());

        BindGuard guard = new BindGuard(100, 1000, 3, Duration.ofHours(1));
        for (int i = 0; i < 5; i++) {
            guard.bindFailed(ip("127.0.0.7"), "office", outside.countsAgainstAccount());
        }
        assertTrue(guard.lockedOut(ip("127.0.0.7"), "office"), "the guessing address is locked out");
        assertFalse(guard.lockedOut(ip("10.1.2.3"), "office"), "the customer, from its own network, is not");
    }

    @Test
    void theFailureTableIsBoundedAndExpires() throws Exception {
        BindGuard capped = new BindGuard(100, 1000, 5, Duration.ofHours(1), 100);
        for (int i = 0; i < 10_000; i++) {
            capped.bindFailed(ip("127.0." + (i >> 8 & 0xFF) + "." + (i & 0xFF)), "id" + i, true);
        }
        assertTrue(capped.trackedEntries() <= 100, "capped: " + capped.trackedEntries());

        BindGuard expiring = new BindGuard(100, 1000, 5, Duration.ofMillis(20));
        for (int i = 0; i < 50; i++) {
            expiring.bindFailed(ip("127.0.1." + i), "id" + i, true);
        }
        assertEquals(150, expiring.trackedEntries(), "address, system_id and pair per failure");
        Thread.sleep(50);
        for (int i = 0; i < 30; i++) {
            expiring.bindFailed(ip("127.0.2.1"), "late", true);
        }
        assertTrue(
                expiring.trackedEntries() < 20, "entries past their window are dropped: " + expiring.trackedEntries());
    }

    @Test
    void connectionsFasterThanTheConnectRatePerAddressAreRefusedAndCounted() throws Exception {
        BindGuard guard = new BindGuard(1000, 1000, 5, Duration.ofHours(1), 1000, 10);
        InetAddress flooder = ip("127.0.0.7");
        InetAddress other = ip("127.0.0.8");
        int admitted = 0;
        for (int i = 0; i < 100; i++) {
            if (guard.open(flooder) == null) {
                admitted++;
            }
        }
        assertTrue(admitted >= 10 && admitted <= 12, "one second's burst, then the rate: " + admitted);
        assertEquals(100 - admitted, guard.closed(BindGuard.Closed.CONNECT_RATE));
        assertNull(guard.open(other), "another address has its own bucket");
        Thread.sleep(250);
        assertNull(guard.open(flooder), "the bucket refills at the rate");
    }

    @Test
    void closingConnectionsDoesNotRefillTheBucket() throws Exception {
        BindGuard guard = new BindGuard(1000, 1000, 5, Duration.ofHours(1), 1000, 5);
        InetAddress flooder = ip("127.0.0.9");
        int admitted = 0;
        for (int i = 0; i < 50; i++) {
            if (guard.open(flooder) == null) {
                admitted++;
                guard.connectionClosed(flooder); // one at a time, each closed before the next
            }
        }
        assertTrue(admitted <= 7, "open-close-open gets no new burst: " + admitted);
    }

    @Test
    void theConnectRateTableIsBounded() throws Exception {
        BindGuard guard = new BindGuard(1000, 1000, 5, Duration.ofHours(1), 100, 1);
        for (int i = 0; i < 5_000; i++) {
            guard.open(InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}));
        }
        assertTrue(guard.trackedBuckets() <= 100, "at most maxTracked buckets: " + guard.trackedBuckets());
    }

    @Test
    void tooManyConnectionsFromOneAddressAreCountedByReason() throws Exception {
        BindGuard guard = new BindGuard(2, 1000, 5, Duration.ofHours(1), 1000, 1000);
        InetAddress a = ip("127.0.0.10");
        assertNull(guard.open(a));
        assertNull(guard.open(a));
        assertEquals(BindGuard.Closed.CONNECTIONS_PER_IP, guard.open(a));
        assertEquals(1, guard.closed(BindGuard.Closed.CONNECTIONS_PER_IP));
        assertEquals(0, guard.closed(BindGuard.Closed.CONNECT_RATE));
    }
}
