package io.optoutgw.admin;

import java.util.List;

/**
 * Outcome of one load of an external list (the JSON answer to {@code PUT /api/lists/{name}}).
 *
 * @param name            the list
 * @param kind            numbers or deactivation
 * @param version         the version now live; {@code null} when the load did not complete
 * @param previous        the version it replaced (kept for a rollback), or null
 * @param rows            data rows read (header and blank lines not counted)
 * @param count           distinct numbers in the new version
 * @param bad             rows that were not a number (or a bad deactivation date)
 * @param errors          the bad rows by line number (1-based, header included), at most {@value ListLoad#MAX_ERRORS_LISTED}
 * @param errorsTruncated whether more rows were bad than are listed
 * @param checksum        SHA-256 (hex) of the file
 * @param blocks          blocks of 10,000 numbers written
 * @param denseBlocks     of them, held as bitmaps
 * @param aborted         why the load did not make a new version live, or null
 * @param deactivation    a deactivation file's consent effects, or null
 * @param millis          how long it took
 */
public record ListLoadResult(
        String name,
        String kind,
        Long version,
        Long previous,
        long rows,
        long count,
        long bad,
        List<ImportResult.RowError> errors,
        boolean errorsTruncated,
        String checksum,
        long blocks,
        long denseBlocks,
        String aborted,
        Deactivations.Result deactivation,
        long millis) {}
