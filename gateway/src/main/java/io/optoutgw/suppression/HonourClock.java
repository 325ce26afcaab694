package io.optoutgw.suppression;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The honour clock: how many business days passed between a person asking to opt out in another
 * channel ({@link ConsentEvent#receivedAt()}) and the opt-out taking effect at the gateway
 * ({@link ConsentEvent#time()}), in the calendar of the person's jurisdiction (docs/consent-rules.md,
 * "Honour clock").
 *
 * <p>A business day is a day from Monday to Friday that is not a public holiday of the
 * jurisdiction's calendar, read in one time zone per jurisdiction. The calendars are a
 * simplification: the national (federal) holidays only, no state or provincial ones, and a
 * holiday that falls on a weekend is observed on the nearest weekday as described per
 * jurisdiction. Counted: the business days after the day of the request, up to and including the
 * day the opt-out took effect, so an opt-out honoured on the day it was asked for counts 0, and one
 * asked for on a Friday and honoured on Monday counts 1.
 */
public final class HonourClock {

    /** Counting stops here: far beyond every deadline, and it bounds the work for a very old request. */
    static final int MAX_COUNTED = 1000;

    private HonourClock() {}

    /** A jurisdiction, with its deadline in business days, its calendar and the time zone its days are read in. */
    public enum Jurisdiction {
        /** United States: FCC 24-24, 47 CFR 64.1200(a)(10), at most 10 business days. */
        US("us", 10, ZoneId.of("America/New_York")),
        /** Canada: CASL (S.C. 2010, c. 23) s. 11(3), at most 10 business days. */
        CA("ca", 10, ZoneId.of("America/Toronto")),
        /** Australia: Spam Act 2003, 5 working days. */
        AU("au", 5, ZoneId.of("Australia/Sydney")),
        /** Everywhere else: the gateway's own ceiling of 15 business days (not a law; weekends only). */
        OTHER("other", 15, ZoneId.of("UTC"));

        private final String label;
        private final int deadline;
        private final ZoneId zone;
        private final Map<Integer, Set<LocalDate>> holidays = new ConcurrentHashMap<>();

        Jurisdiction(String label, int deadline, ZoneId zone) {
            this.label = label;
            this.deadline = deadline;
            this.zone = zone;
        }

        /** The metric label: us, ca, au, other. */
        public String label() {
            return label;
        }

        /** The legal deadline (business days) the alerts use. */
        public int deadlineBusinessDays() {
            return deadline;
        }

        public ZoneId zone() {
            return zone;
        }

        /** Whether {@code day} is a business day here: Monday to Friday and not a (observed) public holiday. */
        public boolean isBusinessDay(LocalDate day) {
            DayOfWeek dow = day.getDayOfWeek();
            if (dow == DayOfWeek.SATURDAY || dow == DayOfWeek.SUNDAY) {
                return false;
            }
            // a holiday of next year may be observed on 31 December (US: 1 January on a Saturday)
            return !holidays(day.getYear()).contains(day)
                    && !holidays(day.getYear() + 1).contains(day);
        }

        /** The days the holidays of {@code year} are observed on (some may fall in the year before). */
        Set<LocalDate> holidays(int year) {
            return holidays.computeIfAbsent(year, y -> switch (this) {
                case US -> usFederal(y);
                case CA -> canadaFederal(y);
                case AU -> australiaNational(y);
                case OTHER -> Set.of();
            });
        }
    }

    /** The jurisdiction of a number (E.164 digits): by its region (US territories count as the US), else other. */
    public static Jurisdiction jurisdiction(String digits) {
        return switch (PhoneNumbers.regionOf(digits)) {
            case "US", "PR", "VI", "GU", "AS", "MP" -> Jurisdiction.US;
            case "CA" -> Jurisdiction.CA;
            case "AU" -> Jurisdiction.AU;
            default -> Jurisdiction.OTHER;
        };
    }

    /**
     * Business days of {@code j} after the day of {@code received} up to and including the day of
     * {@code effective} (days read in the jurisdiction's zone); 0 when it took effect the same day
     * or earlier. At most {@value #MAX_COUNTED}.
     */
    public static int businessDays(Instant received, Instant effective, Jurisdiction j) {
        LocalDate from = LocalDate.ofInstant(received, j.zone());
        LocalDate to = LocalDate.ofInstant(effective, j.zone());
        int n = 0;
        for (LocalDate d = from.plusDays(1); !d.isAfter(to) && n < MAX_COUNTED; d = d.plusDays(1)) {
            if (j.isBusinessDay(d)) {
                n++;
            }
        }
        return n;
    }

    /**
     * US federal holidays (5 U.S.C. 6103(a)); one on a Saturday is observed on the Friday before,
     * one on a Sunday on the Monday after.
     */
    static Set<LocalDate> usFederal(int year) {
        Set<LocalDate> out = new HashSet<>();
        for (LocalDate fixed : new LocalDate[] {
            LocalDate.of(year, Month.JANUARY, 1),
            LocalDate.of(year, Month.JUNE, 19),
            LocalDate.of(year, Month.JULY, 4),
            LocalDate.of(year, Month.NOVEMBER, 11),
            LocalDate.of(year, Month.DECEMBER, 25)
        }) {
            out.add(
                    switch (fixed.getDayOfWeek()) {
                        case SATURDAY -> fixed.minusDays(1);
                        case SUNDAY -> fixed.plusDays(1);
                        default -> fixed;
                    });
        }
        out.add(nth(year, Month.JANUARY, 3, DayOfWeek.MONDAY)); // Birthday of Martin Luther King, Jr.
        out.add(nth(year, Month.FEBRUARY, 3, DayOfWeek.MONDAY)); // Washington's Birthday
        out.add(LocalDate.of(year, Month.MAY, 31).with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY))); // Memorial
        out.add(nth(year, Month.SEPTEMBER, 1, DayOfWeek.MONDAY)); // Labor Day
        out.add(nth(year, Month.OCTOBER, 2, DayOfWeek.MONDAY)); // Columbus Day
        out.add(nth(year, Month.NOVEMBER, 4, DayOfWeek.THURSDAY)); // Thanksgiving
        return Set.copyOf(out);
    }

    /**
     * Canada's federal general holidays (Canada Labour Code s. 166); one on a weekend is observed
     * on the next weekday that is not a holiday itself.
     */
    static Set<LocalDate> canadaFederal(int year) {
        Set<LocalDate> out = new HashSet<>();
        out.add(goodFriday(year));
        out.add(LocalDate.of(year, Month.MAY, 24).with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY))); // Victoria
        out.add(nth(year, Month.SEPTEMBER, 1, DayOfWeek.MONDAY)); // Labour Day
        out.add(nth(year, Month.OCTOBER, 2, DayOfWeek.MONDAY)); // Thanksgiving
        for (LocalDate fixed : new LocalDate[] {
            LocalDate.of(year, Month.JANUARY, 1),
            LocalDate.of(year, Month.JULY, 1),
            LocalDate.of(year, Month.SEPTEMBER, 30), // National Day for Truth and Reconciliation (from 2021)
            LocalDate.of(year, Month.NOVEMBER, 11),
            LocalDate.of(year, Month.DECEMBER, 25),
            LocalDate.of(year, Month.DECEMBER, 26)
        }) {
            if (fixed.getMonth() == Month.SEPTEMBER && year < 2021) {
                continue;
            }
            addObservedOnNextWeekday(out, fixed);
        }
        return Set.copyOf(out);
    }

    /**
     * Australia's national public holidays (those of every state and territory, state-only ones
     * such as the King's Birthday left out); one on a weekend is observed on the next weekday that
     * is not a holiday itself, except Anzac Day, which is not moved.
     */
    static Set<LocalDate> australiaNational(int year) {
        Set<LocalDate> out = new HashSet<>();
        LocalDate goodFriday = goodFriday(year);
        out.add(goodFriday);
        out.add(goodFriday.plusDays(3)); // Easter Monday
        out.add(LocalDate.of(year, Month.APRIL, 25)); // Anzac Day
        for (LocalDate fixed : new LocalDate[] {
            LocalDate.of(year, Month.JANUARY, 1),
            LocalDate.of(year, Month.JANUARY, 26),
            LocalDate.of(year, Month.DECEMBER, 25),
            LocalDate.of(year, Month.DECEMBER, 26)
        }) {
            addObservedOnNextWeekday(out, fixed);
        }
        return Set.copyOf(out);
    }

    /** Adds {@code day}, or when it is a weekend day the next weekday not already in {@code out}. */
    private static void addObservedOnNextWeekday(Set<LocalDate> out, LocalDate day) {
        DayOfWeek dow = day.getDayOfWeek();
        if (dow != DayOfWeek.SATURDAY && dow != DayOfWeek.SUNDAY) {
            out.add(day);
            return;
        }
        LocalDate d = day;
        while (d.getDayOfWeek() == DayOfWeek.SATURDAY || d.getDayOfWeek() == DayOfWeek.SUNDAY || out.contains(d)) {
            d = d.plusDays(1);
        }
        out.add(d);
    }

    /** The {@code n}th {@code dow} of the month. */
    private static LocalDate nth(int year, Month month, int n, DayOfWeek dow) {
        return LocalDate.of(year, month, 1).with(TemporalAdjusters.dayOfWeekInMonth(n, dow));
    }

    /** Good Friday of {@code year} (Gregorian Easter, the anonymous Gregorian algorithm), two days before Easter Sunday. */
    static LocalDate goodFriday(int year) {
        int a = year % 19;
        int b = year / 100;
        int c = year % 100;
        int d = b / 4;
        int e = b % 4;
        int f = (b + 8) / 25;
        int g = (b - f + 1) / 3;
        int h = (19 * a + b - d - g + 15) % 30;
        int i = c / 4;
        int k = c % 4;
        int l = (32 + 2 * e + 2 * i - h - k) % 7;
        int m = (a + 11 * h + 22 * l) / 451;
        int month = (h + l - 7 * m + 114) / 31;
        int day = ((h + l - 7 * m + 114) % 31) + 1;
        return LocalDate.of(year, month, day).minusDays(2);
    }
}
