package io.optoutgw.admin;

import io.optoutgw.config.ListConfig;
import io.optoutgw.suppression.ExternalLists;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * External lists behind the admin API, the CLI and the schedule: loads (uploaded or fetched from a
 * configured URL), rollback, removal, and each list's state with its age and staleness. One load
 * of a list at a time on this instance.
 */
public final class ListAdmin {

    private static final Logger log = LoggerFactory.getLogger(ListAdmin.class);

    private final ExternalLists lists;
    private final Deactivations deactivations;
    private final Map<String, ListConfig> configured = new LinkedHashMap<>();
    private final Set<String> loading = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
    private volatile Map<String, ExternalLists.Meta> snapshot = Map.of();
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();

    /**
     * @param deactivations applies deactivation files' consent effects ({@code null}: none)
     * @param configured    the configured lists ({@code lists:})
     */
    public ListAdmin(ExternalLists lists, Deactivations deactivations, List<ListConfig> configured) {
        this.lists = lists;
        this.deactivations = deactivations;
        configured.forEach(c -> this.configured.put(c.name(), c));
        configured.forEach(c -> failures.put(c.name(), new AtomicLong()));
    }

    public ExternalLists lists() {
        return lists;
    }

    /** The configured list {@code name}, or null. */
    public ListConfig config(String name) {
        return configured.get(name);
    }

    /** The configured lists. */
    public List<ListConfig> configured() {
        return List.copyOf(configured.values());
    }

    /**
     * Starts a load of {@code name}; {@code null} arguments take the configured list's values (or:
     * numbers, every account and category, US). IllegalArgumentException for a bad name or value,
     * IllegalStateException while another load of the list runs here. Call {@link #done} after.
     */
    public ListLoad begin(
            String name, String kind, List<String> accounts, List<String> categories, String region, String origin)
            throws Exception {
        ExternalLists.checkName(name);
        ListConfig c = configured.get(name);
        ExternalLists.Kind k = kind != null ? ExternalLists.Kind.of(kind) : c != null ? c.parsedKind() : null;
        if (k == null) {
            ExternalLists.Meta m = lists.meta(name);
            k = m == null ? ExternalLists.Kind.NUMBERS : m.parsedKind();
        }
        List<String> a = accounts != null ? accounts : c != null ? c.accounts() : List.of();
        List<String> cat = categories != null ? categories : c != null ? c.categories() : List.of();
        String r = SuppressionAdmin.region(region != null ? region : c != null ? c.region() : null);
        if (!loading.add(name)) {
            throw new IllegalStateException("list " + name + " is being loaded; try again when that is done");
        }
        try {
            return new ListLoad(lists, deactivations, name, k, a, cat, r, origin);
        } catch (Exception | Error e) {
            loading.remove(name);
            throw e;
        }
    }

    /** A load of {@code name} ended (done, aborted or failed; {@code failed}: counted in the metrics). */
    public void done(String name, boolean failed) {
        loading.remove(name);
        if (failed) {
            failures.computeIfAbsent(name, n -> new AtomicLong()).incrementAndGet();
        }
    }

    /** Fetches the configured list {@code name} from its URL and loads it. */
    public ListLoadResult fetch(String name) throws Exception {
        ListConfig c = configured.get(name);
        if (c == null || c.url() == null) {
            throw new IllegalArgumentException("list " + name + " has no url in the configuration (lists[].url)");
        }
        ListLoad load = begin(name, null, null, null, null, c.url());
        boolean failed = true;
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(c.url()))
                    .timeout(Duration.ofMinutes(10))
                    .GET()
                    .build();
            HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            ListLoadResult result;
            try (InputStream in = r.body()) {
                if (r.statusCode() / 100 != 2) {
                    throw new IllegalStateException(c.url() + " answered " + r.statusCode());
                }
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    load.accept(buf, 0, n);
                }
                result = load.finish();
            }
            failed = result.aborted() != null;
            return result;
        } finally {
            done(name, failed);
        }
    }

    /** Runs the fetch of {@code name} when its live version is older than its interval; logs the outcome. */
    public void fetchIfDue(String name) {
        ListConfig c = configured.get(name);
        try {
            ExternalLists.Meta m = lists.meta(name);
            if (m != null
                    && m.live() != null
                    && System.currentTimeMillis() - m.live().loadedAt()
                            < c.interval().toMillis() - 60_000) {
                return; // loaded recently (perhaps by another instance)
            }
            ListLoadResult r = fetch(name);
            if (r.aborted() != null) {
                log.warn("lists: {} from {} not loaded: {}", name, c.url(), r.aborted());
            } else {
                log.info(
                        "lists: {} v{} loaded from {}: {} numbers, {} bad rows, in {} ms",
                        name,
                        r.version(),
                        c.url(),
                        r.count(),
                        r.bad(),
                        r.millis());
            }
        } catch (IllegalStateException e) {
            log.warn("lists: {} not loaded: {}", name, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failures.computeIfAbsent(name, n -> new AtomicLong()).incrementAndGet();
            log.warn(
                    "lists: {} could not be fetched from {} ({}); the live version stays", name, c.url(), e.toString());
        }
    }

    /** Makes the previous version of {@code name} live again. */
    public ExternalLists.Meta rollback(String name) throws Exception {
        return lists.rollback(ExternalLists.checkName(name));
    }

    /** Removes {@code name}. */
    public ExternalLists.Meta remove(String name) throws Exception {
        return lists.remove(ExternalLists.checkName(name));
    }

    /** One list as {@code GET /api/lists} shows it. */
    public record Status(
            String name,
            String kind,
            List<String> accounts,
            List<String> categories,
            Map<String, Object> live,
            Map<String, Object> previous,
            Long ageSeconds,
            Long maxAgeSeconds,
            boolean stale,
            String url,
            Long checkedHere,
            long loadFailures) {}

    /** Every list that is loaded or configured. */
    public List<Status> status() throws Exception {
        Map<String, ExternalLists.Meta> metas = lists.metas();
        snapshot = metas;
        Set<String> names = new TreeSet<>(metas.keySet());
        names.addAll(configured.keySet());
        List<Status> out = new ArrayList<>();
        for (String n : names) {
            out.add(status(n, metas.get(n)));
        }
        return out;
    }

    /** The list {@code name}; {@link ExternalLists.NoSuchElementException} when neither loaded nor configured. */
    public Status status(String name) throws Exception {
        ExternalLists.Meta m = lists.meta(ExternalLists.checkName(name));
        if (m == null && !configured.containsKey(name)) {
            throw new ExternalLists.NoSuchElementException("no list named '" + name + "'");
        }
        return status(name, m);
    }

    private Status status(String name, ExternalLists.Meta m) {
        ListConfig c = configured.get(name);
        Long age = m == null || m.live() == null
                ? null
                : (System.currentTimeMillis() - m.live().loadedAt()) / 1000;
        Long maxAge = c == null || c.maxAge() == null ? null : c.maxAge().toSeconds();
        boolean stale = maxAge != null && (age == null || age > maxAge);
        long here = lists.liveVersion(name);
        return new Status(
                name,
                m != null ? m.kind() : c.kind(),
                m != null ? m.accounts() : c.accounts(),
                m != null ? m.categories() : c.categories(),
                m == null ? null : version(m.live()),
                m == null ? null : version(m.previous()),
                age,
                maxAge,
                stale,
                c == null ? null : c.url(),
                here < 0 ? null : here,
                failures.getOrDefault(name, new AtomicLong()).get());
    }

    private static Map<String, Object> version(ExternalLists.Version v) {
        if (v == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", v.version());
        m.put("count", v.count());
        m.put("loadedAt", Instant.ofEpochMilli(v.loadedAt()).toString());
        m.put("checksum", v.checksum());
        m.put("rows", v.rows());
        m.put("bad", v.bad());
        m.put("denseBlocks", v.denseBlocks());
        m.put("origin", v.origin());
        return m;
    }

    // ---------------------------------------------------------------- metrics (read from the last refresh)

    /** Reads the lists again for the metrics (the refresh task). */
    public void refreshSnapshot() throws Exception {
        snapshot = lists.metas();
    }

    /** The names the metrics cover: loaded or configured. */
    public Set<String> names() {
        Set<String> names = new TreeSet<>(snapshot.keySet());
        names.addAll(configured.keySet());
        return Collections.unmodifiableSet(names);
    }

    /** Distinct numbers of the live version (NaN: none). */
    public double count(String name) {
        ExternalLists.Meta m = snapshot.get(name);
        return m == null || m.live() == null ? Double.NaN : m.live().count();
    }

    /** When the live version was loaded, epoch seconds (0: never). */
    public double loadedAtSeconds(String name) {
        ExternalLists.Meta m = snapshot.get(name);
        return m == null || m.live() == null ? 0 : m.live().loadedAt() / 1000.0;
    }

    /** Age of the live version in seconds (since the epoch when never loaded: stale for any limit). */
    public double ageSeconds(String name) {
        return System.currentTimeMillis() / 1000.0 - loadedAtSeconds(name);
    }

    /** The configured maxAge in seconds, 0 when none. */
    public double maxAgeSeconds(String name) {
        ListConfig c = configured.get(name);
        return c == null || c.maxAge() == null ? 0 : c.maxAge().toSeconds();
    }

    /** Failed loads of {@code name} on this instance. */
    public double failures(String name) {
        AtomicLong f = failures.get(name);
        return f == null ? 0 : f.get();
    }
}
