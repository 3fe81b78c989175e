/* csvr.h — streaming CSV reader over libcsv, plain or gzip (by magic bytes), columns by header name. */
#ifndef PAYRUN_CSVR_H
#define PAYRUN_CSVR_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"

/* Bounded input (docs/formats.md "Input limits"). A field's value (without
 * its enclosing quotes, a doubled quote counting one byte) may hold CSVR_FIELD_MAX
 * bytes; a row's lines (every byte from its first to the one before the line end that
 * ends it: separators, quotes and the line ends inside quoted fields included) may
 * hold CSVR_ROW_MAX bytes. A line end is LF, CR or CRLF. A file (its bytes after gzip
 * decompression) must have a line end within its first CSVR_SNIFF_MAX bytes, unless
 * it ends before, and no NUL byte at all. */
#ifndef CSVR_FIELD_MAX                  /* overridable to fuzz the cut rows with small inputs */
#define CSVR_FIELD_MAX (64 * 1024)
#define CSVR_ROW_MAX (1024 * 1024)
#define CSVR_SNIFF_MAX (16 * 1024 * 1024)
#endif

/* A column the caller wants, found by header name in any order. */
typedef struct {
    const char *name;
    int required;           /* a missing required column is a fatal error */
} csvr_column;

/* One data row, valid only during the callback. */
typedef struct {
    const char *path;       /* the file name as given */
    long line;              /* physical line where the row starts; the header is line 1 */
    size_t nfields;         /* fields in this row */
    size_t nheader;         /* fields in the header row */
    char **field;           /* field[i]: i-th field of the row, NUL-terminated, may hold NULs */
    size_t *len;
    const int *col;         /* col[c]: field position of wanted column c, -1 when absent */
    uint64_t bytes_read;    /* raw file bytes read so far (for progress reports) */
    const void *prepared;   /* what the prepare hook made of this row, NULL without one */
    /* NULL, or why the row broke a limit, e.g. "field 3 (timesheet_id) is longer than
     * 64 KiB" or "row is longer than 1 MiB": the row is cut there, field[] holds only
     * the fields complete before the limit was hit (nfields of them, maybe none) and
     * the rest of the line it was cut on was skipped. Only with the row policy
     * (csvr_hooks.limits_fatal 0). */
    const char *oversize;
} csvr_row;

/* Field of wanted column c, "" (length 0) when the column is absent or the row is short. */
static inline const char *csvr_get(const csvr_row *r, int c, size_t *n)
{
    int i = r->col[c];
    if (i < 0 || (size_t)i >= r->nfields) {
        *n = 0;
        return "";
    }
    *n = r->len[i];
    return r->field[i];
}

/* What was read: raw file bytes, their CRC-32 and SHA-256, data rows. */
typedef struct {
    uint64_t bytes;
    uint32_t crc32;
    uint64_t rows;              /* rows handed to fn, cut rows (oversize) included */
    int gzip;
    int internal_error;     /* the CSVR_ERROR was ours (out of memory, no reader thread): exit 4, not bad data */
    uint8_t sha256[DIGEST_SIZE];    /* of the bytes as they are on disk (sha256sum FILE), when csvr_read
                                     * returned 0; all zero otherwise */
} csvr_info;

/* Called once per data row; a nonzero return stops the reading and is returned by csvr_read. */
typedef int (*csvr_row_fn)(void *ctx, const csvr_row *row);

/* Streams path through fn, row by row, in 256 KiB blocks, with memory bounded by the
 * limits above. path "-" is standard input (descriptor 0, left open; rows keep the
 * path "-"). The header maps cols[0..ncols) (a UTF-8 BOM is ignored; a duplicated
 * header name is an error). Returns 0 when the whole file was read; CSVR_ERROR with
 * a message "path: what is wrong" (or "path:line: ...") in err for an unreadable
 * file, bad gzip data, a quoting error, a missing required column, an empty file,
 * "not a CSV file: NUL byte" (path:line:), "not a CSV file: no line end in the first
 * 16 MiB", or a header row over a limit; or fn's nonzero return. A data row over a
 * limit is handed to fn cut short with row->oversize set (the row policy of
 * csvr_read). info (may be NULL) is filled in either case. */
#define CSVR_ERROR (-1)
int csvr_read(const char *path, const csvr_column *cols, int ncols, csvr_row_fn fn, void *ctx, csvr_info *info,
              char *err, size_t errlen);

/* What csvr_read_hooks calls. With the reader thread on:
 * - prepare(ctx, row, out) runs on the reader thread for every data row, in file
 *   order, and fills out[0..prepared_size); fn then finds it in row->prepared (the
 *   row's field pointers stay valid as long as the prepared data is used). prepare
 *   may only read data nothing changes while the file is read. Without the thread
 *   it runs just before fn.
 * - ahead(ctx, next) is called with the row after the one fn is about to get (when
 *   that row is already read), so the caller can start fetching what it will need;
 *   it must not change anything the rows' results depend on. Never called without
 *   the thread. */
typedef struct {
    csvr_row_fn fn;
    void (*prepare)(void *ctx, const csvr_row *row, void *out);
    size_t prepared_size;
    void (*ahead)(void *ctx, const csvr_row *next);
    void *ctx;
    /* The policy for a data row over a limit. 0 (timesheet files): the row reaches
     * prepare and fn cut short with row->oversize set, and the reading goes on with
     * the next line. 1 (master files): CSVR_ERROR "path:line: field 3 (name) is longer
     * than 64 KiB" (or "row is longer than 1 MiB"). */
    int limits_fatal;
    /* When set, tee(tee_ctx, bytes, n) gets every raw byte of the file as it is read
     * (before gzip is undone), in order, on the thread that reads; a nonzero return (an
     * errno) stops the reading with CSVR_ERROR "path: cannot keep a copy: ...". */
    int (*tee)(void *tee_ctx, const void *bytes, size_t n);
    void *tee_ctx;
} csvr_hooks;

int csvr_read_hooks(const char *path, const csvr_column *cols, int ncols, const csvr_hooks *hooks, csvr_info *info,
                    char *err, size_t errlen);

/* With on set, csvr_read runs reading and gzip decompression on a second thread
 * (the parse and the callbacks stay on the calling thread, in the same order): the
 * rows, errors and info are the same either way. Off by default. */
void csvr_use_reader_thread(int on);

#endif
