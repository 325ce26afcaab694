package io.optoutgw.admin;

import java.util.List;

/**
 * Outcome of a bulk import (JSON body of the answer to {@code POST /api/suppressions/import}).
 *
 * @param rows            data rows read (header and blank lines not counted)
 * @param imported        rows recorded (journal and Redis)
 * @param bad             rows refused as invalid (bad number, scope, format)
 * @param failed          valid rows whose recording failed (journal or Redis); import them again
 * @param skipped         rows not attempted because the import was aborted
 * @param errors          bad and failed rows by line number (1-based, header included), at most {@value CsvImport#MAX_ERRORS_LISTED}
 * @param errorsTruncated whether more errors happened than are listed
 * @param aborted         why the import stopped early, or null
 * @param millis          how long it took
 */
public record ImportResult(
        long rows,
        long imported,
        long bad,
        long failed,
        long skipped,
        List<RowError> errors,
        boolean errorsTruncated,
        String aborted,
        long millis) {

    /** One refused or failed row. */
    public record RowError(long line, String error) {}
}
