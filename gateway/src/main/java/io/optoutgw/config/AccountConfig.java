package io.optoutgw.config;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import io.optoutgw.smpp.BindType;
import io.optoutgw.suppression.Senders;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * An ESME account: who may bind, how, and which numbers it owns.
 *
 * @param systemId      SMPP system_id (at most 15 characters)
 * @param password      plain text (at most 8 characters, the SMPP limit) or a hash produced by
 *                      {@code gateway hash-password} ({@code pbkdf2-sha256$...})
 * @param bindTypes     bind types this account may use (default: all three)
 * @param maxBinds      concurrent sessions allowed
 * @param windowSize    requests in flight per session; one more gets ESME_RTHROTTLED
 * @param submitRate    messages per second for the whole account, 0 = unlimited; over it: ESME_RTHROTTLED
 * @param allowedIps    client addresses or CIDR blocks allowed to bind; empty = any
 * @param numbers       short codes / long numbers this account owns: MO sent to them is routed here
 * @param route         upstream names in order of preference (failover); empty = all upstreams
 * @param defaultRegion ISO 3166 region used to read national destination numbers (default US)
 * @param optOut        opt-out scope, refusal policy, fail-open/closed and reply templates
 * @param senderIds     source addresses (alphanumeric sender IDs, numbers) this account may submit
 *                      with, besides its {@code numbers}; {@code "*"} allows any source. When both
 *                      lists are empty the account may submit from no source at all
 */
public record AccountConfig(
        String systemId,
        String password,
        Set<BindType> bindTypes,
        int maxBinds,
        int windowSize,
        int submitRate,
        List<String> allowedIps,
        List<String> numbers,
        List<String> route,
        String defaultRegion,
        OptOutPolicy optOut,
        List<String> senderIds) {

    public AccountConfig {
        ConfigChecks.notBlank("accounts.systemId", systemId);
        String k = "accounts[" + systemId + "].";
        ConfigChecks.maxLength(k + "systemId", systemId, 15);
        ConfigChecks.notBlank(k + "password", password);
        if (!password.startsWith("pbkdf2-sha256$")) {
            ConfigChecks.maxLength(k + "password", password, 8);
        }
        bindTypes = bindTypes == null || bindTypes.isEmpty() ? EnumSet.allOf(BindType.class) : Set.copyOf(bindTypes);
        maxBinds = maxBinds == 0 ? 8 : maxBinds;
        ConfigChecks.range(k + "maxBinds", maxBinds, 1, 10_000);
        windowSize = windowSize == 0 ? 64 : windowSize;
        ConfigChecks.range(k + "windowSize", windowSize, 1, 10_000);
        ConfigChecks.range(k + "submitRate", submitRate, 0, 1_000_000);
        allowedIps = ConfigChecks.orEmpty(allowedIps);
        numbers = ConfigChecks.orEmpty(numbers);
        route = ConfigChecks.orEmpty(route);
        defaultRegion = defaultRegion == null ? "US" : defaultRegion.toUpperCase(Locale.ROOT);
        if (!PhoneNumberUtil.getInstance().getSupportedRegions().contains(defaultRegion)) {
            throw new ConfigException(
                    k + "defaultRegion",
                    "not a region libphonenumber knows: '" + defaultRegion
                            + "' (use an ISO 3166 code such as US, CA, GB, FR)");
        }
        optOut = optOut == null ? OptOutPolicy.defaults() : optOut;
        String region = defaultRegion;
        optOut = optOut.withCanonicalSenders(s -> Senders.canonical((byte) 0, s, region));
        senderIds = ConfigChecks.orEmpty(senderIds);
        if (numbers.isEmpty() && senderIds.isEmpty()) {
            LoggerFactory.getLogger(AccountConfig.class)
                    .warn(
                            "accounts[{}] has neither numbers nor senderIds: it may"
                                    + " submit from no source address (every submit gets ESME_RINVSRCADR); senderIds: [\"*\"] allows"
                                    + " any",
                            systemId);
        }
    }

    /**
     * {@code address} (a submit's source or an MO's destination) in the canonical form under
     * which this account's senders are authorised and sender-scoped opt-outs are recorded and
     * checked ({@link Senders#canonical}, read in this account's {@code defaultRegion}).
     */
    public String sender(byte ton, String address) {
        return Senders.canonical(ton, address, defaultRegion);
    }

    /** Whether this account may submit with {@code source} (type_of_number {@code ton}) as its source address. */
    public boolean maySendFrom(byte ton, String source) {
        return isOwnSender(sender(ton, source));
    }

    /** {@link #maySendFrom(byte, String)} for a source of unknown type_of_number. */
    public boolean maySendFrom(String source) {
        return maySendFrom((byte) 0, source);
    }

    /**
     * A metric label for {@code sender}: the sender itself when it is one of this account's
     * configured numbers, else "other" (keeps the number of series bounded).
     */
    public String senderTag(String sender) {
        if (sender == null) {
            return "other";
        }
        String s = sender.startsWith("+") ? sender.substring(1) : sender;
        for (String n : numbers) {
            if (n.equals(s)
                    || n.equals(sender)
                    || (n.startsWith("+") && n.substring(1).equals(s))) {
                return n;
            }
        }
        return "other";
    }

    /** Whether {@code canonicalSender}, as {@link #sender} gives it, is one of this account's senders. */
    public boolean isOwnSender(String canonicalSender) {
        return allowedSenders().allows(canonicalSender);
    }

    /**
     * The canonical forms of this account's {@code numbers} and {@code senderIds} (computed on
     * each call: the run-time account keeps the result).
     */
    public Senders.Allowed allowedSenders() {
        Set<String> set = new HashSet<>();
        boolean any = false;
        for (String id : senderIds) {
            if ("*".equals(id.strip())) {
                any = true;
            } else {
                set.add(sender((byte) 0, id));
            }
        }
        for (String n : numbers) {
            set.add(sender((byte) 0, n));
        }
        return new Senders.Allowed(any, set);
    }

    @Override
    public String toString() {
        // never print the password
        return "AccountConfig[systemId=" + systemId + ", bindTypes=" + bindTypes + ", maxBinds=" + maxBinds
                + ", windowSize=" + windowSize + ", submitRate=" + submitRate + ", numbers=" + numbers
                + ", route=" + route + "]";
    }
}
