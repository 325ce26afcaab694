package io.optoutgw.sendtime;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberToTimeZonesMapper;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import io.optoutgw.config.SendTimeConfig;
import io.optoutgw.config.SendTimeConfig.Band;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Quiet hours in the recipient's local time (docs/consent-rules.md, "Send-time rules").
 *
 * <p>The recipient's zones come from libphonenumber's time-zone mapper. A prefix that spans zones
 * (+1 208: Boise and Los Angeles) gives several, and the strictest reading holds: a message is
 * allowed only when it falls inside a band in every one of them, and the next allowed time is the
 * earliest instant allowed in all. A number the mapper cannot place (an invalid one) is placed by
 * its longest known prefix, which for +1 is the whole of the NANP (every zone from Guam to St
 * John's); one that cannot be placed at all, or not even parsed, is read in the configured
 * {@code timeZone}.
 *
 * <p>Stateless and thread-safe; a decision costs one libphonenumber parse and type lookup.
 */
public final class SendTimeRules {

    /** How far ahead the next allowed time is looked for. */
    private static final int SEARCH_DAYS = 8;

    private static final String UNKNOWN_ZONE = PhoneNumberToTimeZonesMapper.getUnknownTimeZone();

    private final PhoneNumberUtil util = PhoneNumberUtil.getInstance();
    private final PhoneNumberToTimeZonesMapper mapper = PhoneNumberToTimeZonesMapper.getInstance();

    /** Decides for a message to {@code digits} (E.164 without '+') delivered at {@code at}. */
    public SendTimeDecision check(String digits, Instant at, SendTimeConfig config) {
        return decide(zonesFor(digits, config.fallbackZone()), config.bands(), at);
    }

    /** The recipient's zones for {@code digits} (E.164 without '+'), {@code fallback} when unknown. */
    public List<ZoneId> zonesFor(String digits, ZoneId fallback) {
        PhoneNumber number;
        try {
            number = util.parse("+" + digits, "ZZ");
        } catch (NumberParseException e) {
            return List.of(fallback);
        }
        List<ZoneId> zones = known(mapper.getTimeZonesForNumber(number));
        if (zones.isEmpty()) {
            // an invalid number (e.g. an area code newer than the metadata): its prefix still places it
            zones = known(mapper.getTimeZonesForGeographicalNumber(number));
        }
        return zones.isEmpty() ? List.of(fallback) : zones;
    }

    private static List<ZoneId> known(List<String> ids) {
        Set<ZoneId> zones = new LinkedHashSet<>();
        for (String id : ids) {
            if (!UNKNOWN_ZONE.equals(id)) {
                try {
                    zones.add(ZoneId.of(id));
                } catch (DateTimeException ignored) {
                    // a zone this JVM does not know: the others still decide
                }
            }
        }
        return List.copyOf(zones);
    }

    /** The decision at {@code at} for a recipient in all of {@code zones}. */
    static SendTimeDecision decide(List<ZoneId> zones, List<Band> bands, Instant at) {
        if (allowedAt(zones, bands, at)) {
            return new SendTimeDecision.Allowed(zones);
        }
        return new SendTimeDecision.Quiet(nextAllowed(zones, bands, at), zones);
    }

    static boolean allowedAt(List<ZoneId> zones, List<Band> bands, Instant at) {
        for (ZoneId zone : zones) {
            int second = at.atZone(zone).toLocalTime().toSecondOfDay();
            boolean inside = false;
            for (Band band : bands) {
                if (band.contains(second)) {
                    inside = true;
                    break;
                }
            }
            if (!inside) {
                return false;
            }
        }
        return true;
    }

    /**
     * The earliest instant after {@code at} allowed in every zone. The allowed instants are the
     * intersection, over the zones, of unions of bands, so each stretch of them begins where a
     * band begins in one of the zones: only those instants need trying.
     */
    static Instant nextAllowed(List<ZoneId> zones, List<Band> bands, Instant at) {
        List<Instant> starts = new ArrayList<>();
        for (ZoneId zone : zones) {
            LocalDate today = at.atZone(zone).toLocalDate();
            for (int d = 0; d <= SEARCH_DAYS; d++) {
                LocalDate day = today.plusDays(d);
                for (Band band : bands) {
                    // a start inside a skipped hour (spring forward) moves an hour later: never early
                    Instant s = day.atTime(band.startMinute() / 60, band.startMinute() % 60)
                            .atZone(zone)
                            .toInstant();
                    if (s.isAfter(at)) {
                        starts.add(s);
                    }
                }
            }
        }
        starts.sort(null);
        for (Instant s : starts) {
            if (allowedAt(zones, bands, s)) {
                return s;
            }
        }
        return null;
    }
}
