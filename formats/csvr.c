/* csvr.c — streaming CSV reader: read(2) or zlib inflate in big blocks, libcsv fed a line at a
 * time, line tracking, the input limits of docs/formats.md "Input limits", SHA-256 of the raw bytes. */
#include "csvr.h"
#include "field.h"
#include "ids.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define BLOCK (256 * 1024)
#define MAX_COLS 64
#define OVER_ROW (-1L)          /* reader.over: the row is longer than CSVR_ROW_MAX */
#define OVER_TEXT 160           /* room for the text of a broken limit */

enum { SKIP_NONE, SKIP_ROW, SKIP_HEADER };

typedef struct {
    const csvr_column *cols;
    int ncols;
    int colmap[MAX_COLS];
    csvr_row_fn fn;
    void (*ahead)(void *ctx, const csvr_row *next);
    void (*prepare)(void *ctx, const csvr_row *row, void *out);
    size_t prepared_size;
    unsigned char *prepared;    /* one thread: the current row's prepared data */
    void *ctx;
    csvr_row row;
    /* the row being assembled: field bytes in buf, one NUL after each */
    char *buf;
    size_t used, bufcap;
    size_t *off, *len;
    char **field;
    size_t nfields, fieldcap;
    long line;              /* line where the next row starts */
    long embedded;          /* line breaks inside the current row's complete fields (for error lines) */
    int header_done;
    int started;            /* bytes were fed: a byte order mark can only come first */
    int stop;               /* fn's nonzero return, or CSVR_ERROR */
    int oom;
    char *err;
    size_t errlen;
    uint64_t rows;
    const uint64_t *bytes;  /* raw bytes read so far (as of the block being parsed) */
    struct pipe_s *pipe;    /* with a reader thread: where rows go in batches */
    /* the limits (docs/formats.md "Input limits") */
    int limits_fatal;       /* a master file: a data row over a limit is an error */
    int internal;               /* the error is ours (out of memory, no thread), not the file's */
    long over;              /* the current row broke a limit: OVER_ROW, or 1 + the position of its long field */
    int ended;              /* on_row saw a line end outside quotes in the piece being parsed */
    int skipping;           /* SKIP_ROW: skipping the rest of a cut row (to its end: the first line end
                             * outside quotes); SKIP_HEADER: to the next line end after a header over
                             * a limit, an error then (or when there is none) */
    int inq, qpend;         /* the current row's bytes so far end inside a quoted field / on a quote
                             * inside one (a closing quote, or the first of a doubled one) */
    int qlast;              /* the row's last byte so far, -1 at its start */
    size_t row_bytes;       /* bytes of the current row fed so far */
    uint64_t pos;           /* decoded bytes so far */
    long phys;              /* line ends so far (a CRLF is one) */
    int prev_cr;            /* the last byte so far is a CR */
    int eol_seen;           /* a line end was seen */
} reader;

static void batch_row_done(reader *r);

static int no_space(unsigned char c) { (void)c; return 0; }

/* Starts (or restarts, after csv_free) the libcsv parser: strict quoting, every line
 * end reported, no space trimmed, the field buffer grown in big steps. */
static void parser_start(struct csv_parser *p)
{
    csv_init(p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL);
    csv_set_space_func(p, no_space);    /* values are exact: never trim spaces (docs/rules.md §2) */
    csv_set_blk_size(p, BLOCK);         /* a long field grows libcsv's buffer in big steps, not 128 bytes */
}

/* Grows a pair of offset and length arrays to cap entries. Returns 0, or -1 out of
 * memory (each array kept valid, possibly already grown). */
static int grow_off_len(size_t **off, size_t **len, size_t cap)
{
    size_t *o = realloc(*off, sizeof *o * cap);
    if (o)
        *off = o;
    size_t *l = realloc(*len, sizeof *l * cap);
    if (l)
        *len = l;
    return o && l ? 0 : -1;
}

/* Grows the current row's field arrays (with a reader thread, the batches hold the
 * field pointers: only offsets and lengths). Returns 0 or -1 out of memory. */
static int grow_fields(reader *r)
{
    size_t cap = r->fieldcap ? r->fieldcap * 2 : 32;
    int rc = grow_off_len(&r->off, &r->len, cap);
    char **field = r->pipe ? NULL : realloc(r->field, sizeof *field * cap);
    if (field)
        r->field = field;
    if (rc != 0 || (!r->pipe && !field))
        return -1;
    r->fieldcap = cap;
    return 0;
}

/* libcsv field callback: copy the field into the row buffer; a field over the limit
 * marks the row (r->over) and is not kept, nor is any field after it. */
static void on_field(void *s, size_t n, void *data)
{
    reader *r = data;
    if (r->stop || r->oom || r->over)
        return;
    if (n > CSVR_FIELD_MAX) {
        r->over = (long)r->nfields + 1;
        return;
    }
    if (r->nfields == r->fieldcap && grow_fields(r) != 0) {
        r->oom = 1;
        return;
    }
    if (r->used + n + 1 > r->bufcap) {
        size_t cap = r->bufcap ? r->bufcap : 4096;
        while (cap < r->used + n + 1)
            cap *= 2;
        char *b = realloc(r->buf, cap);
        if (!b) {
            r->oom = 1;
            return;
        }
        r->buf = b;
        r->bufcap = cap;
    }
    /* copy the field, counting the line breaks inside it (only a quoted field has
     * any): LF, CRLF and a lone CR each count one */
    const unsigned char *p = s;
    char *dst = r->buf + r->used;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = p[i];
        dst[i] = (char)ch;
        if (ch <= '\r' && (ch == '\n' || (ch == '\r' && (i + 1 == n || p[i + 1] != '\n'))))
            r->embedded++;
    }
    r->off[r->nfields] = r->used;
    r->len[r->nfields] = n;
    r->nfields++;
    r->used += n;
    r->buf[r->used++] = '\0';
}

static int map_header(reader *r)
{
    /* a name given twice is an error: a hash set keeps the check linear in the columns */
    ids_table names = {0};
    for (size_t i = 0; i < r->nfields; i++) {
        int added = 0;
        const char *name = r->buf + r->off[i];
        int32_t k = ids_intern(&names, name, r->len[i], &added);
        if (k < 0 || !added) {
            char shown[80];
            fld_escape(name, r->len[i] > 60 ? 60 : r->len[i], shown, sizeof shown);
            if (k < 0) {
                snprintf(r->err, r->errlen, "%s:1: out of memory reading the header", r->row.path);
                r->internal = 1;
            } else
                snprintf(r->err, r->errlen, "%s:1: column %s appears twice in the header", r->row.path, shown);
            ids_free(&names);
            return -1;
        }
    }
    ids_free(&names);
    for (int c = 0; c < r->ncols; c++) {
        r->colmap[c] = -1;
        for (size_t i = 0; i < r->nfields; i++)
            if (strlen(r->cols[c].name) == r->len[i] && memcmp(r->cols[c].name, r->buf + r->off[i], r->len[i]) == 0)
                r->colmap[c] = (int)i;
        if (r->colmap[c] < 0 && r->cols[c].required) {
            snprintf(r->err, r->errlen, "%s:1: missing required column %s", r->row.path, r->cols[c].name);
            return -1;
        }
    }
    r->row.nheader = r->nfields;
    return 0;
}

/* A quoting error: strict parsing refuses a file whose rows cannot be told apart
 * safely (text after a closing quote, a quote inside an unquoted field, a quote never
 * closed) rather than guess where the rows are. */
static int quote_error(reader *r)
{
    snprintf(r->err, r->errlen, "%s:%ld: CSV quoting error near this row (a quote inside an unquoted field, "
             "text after a closing quote, or a quote never closed): the rows cannot be read safely",
             r->row.path, r->line + r->embedded);
    return CSVR_ERROR;
}

static int parse_error(reader *r, struct csv_parser *p)
{
    if (csv_error(p) == CSV_EPARSE)
        return quote_error(r);
    snprintf(r->err, r->errlen, "%s: CSV parser: %s", r->row.path, csv_strerror(csv_error(p)));
    return CSVR_ERROR;
}

/* Follows the quote characters (") of s[0..k), the next bytes of the current row, in r->inq,
 * r->qpend and r->qlast. With strict (bytes skipped, which libcsv does not check), a
 * quote outside a quoted field that does not start a field, or text after a closing
 * quote, is a quoting error as libcsv's strict mode has it: returns CSVR_ERROR.
 * Returns 0 otherwise. One memchr when the bytes hold no quote. */
static int ends_field(int c) { return c == ',' || c == '\n' || c == '\r'; }

static int track_quotes(reader *r, const unsigned char *s, size_t k, int strict)
{
    size_t j = 0;
    if (r->qpend) {
        r->qpend = 0;
        if (s[0] == '"') {
            j = 1;                      /* a doubled quote: still inside */
        } else {
            r->inq = 0;                 /* it was the closing quote */
            if (strict && !ends_field(s[0]))
                return quote_error(r);
        }
    }
    const unsigned char *q;
    while (j < k && (q = memchr(s + j, '"', k - j)) != NULL) {
        size_t at = (size_t)(q - s);
        if (!r->inq) {
            int prev = at > 0 ? s[at - 1] : r->qlast;
            if (strict && prev != ',' && prev != -1)
                return quote_error(r);
            r->inq = 1;
            j = at + 1;
        } else if (at + 1 == k) {
            r->qpend = 1;
            j = k;
        } else if (s[at + 1] == '"') {
            j = at + 2;
        } else {
            r->inq = 0;
            if (strict && !ends_field(s[at + 1]))
                return quote_error(r);
            j = at + 1;
        }
    }
    r->qlast = s[k - 1];
    return 0;
}

/* What limit a data row broke (over: OVER_ROW or 1 + the field's position), in words,
 * naming the field's column when it is one of the wanted ones. */
static void over_text(const reader *r, long over, char *buf, size_t n)
{
    if (over == OVER_ROW) {
        snprintf(buf, n, "row is longer than 1 MiB");
        return;
    }
    for (int c = 0; c < r->ncols; c++)
        if (r->colmap[c] == over - 1) {
            snprintf(buf, n, "field %ld (%s) is longer than 64 KiB", over, r->cols[c].name);
            return;
        }
    snprintf(buf, n, "field %ld is longer than 64 KiB", over);
}

/* The error of a header row over a limit, starting on line start. Returns CSVR_ERROR. */
static int header_error(reader *r, long start)
{
    if (r->over == OVER_ROW)
        snprintf(r->err, r->errlen, "%s:%ld: the header row is longer than 1 MiB", r->row.path, start);
    else
        snprintf(r->err, r->errlen, "%s:%ld: field %ld of the header is longer than 64 KiB", r->row.path, start,
                 r->over);
    return CSVR_ERROR;
}

/* Hands the assembled row, starting on line start, on: the header is mapped; a data
 * row goes to fn (or to the batch, with a reader thread), with its oversize text when
 * r->over is set. Sets r->stop to fn's nonzero return or CSVR_ERROR. */
static void deliver(reader *r, long start)
{
    r->row.line = start;
    if (!r->header_done) {
        r->header_done = 1;
        if (map_header(r) != 0)
            r->stop = CSVR_ERROR;
        return;
    }
    if (r->pipe) {
        batch_row_done(r);
        return;
    }
    for (size_t i = 0; i < r->nfields; i++)
        r->field[i] = r->buf + r->off[i];
    char text[OVER_TEXT];
    if (r->over)
        over_text(r, r->over, text, sizeof text);
    r->row.oversize = r->over ? text : NULL;
    r->row.bytes_read = *r->bytes;
    r->row.nfields = r->nfields;
    r->row.field = r->field;
    r->row.len = r->len;
    r->row.prepared = NULL;
    if (r->prepare) {
        r->prepare(r->ctx, &r->row, r->prepared);
        r->row.prepared = r->prepared;
    }
    r->rows++;
    r->stop = r->fn(r->ctx, &r->row);
    r->row.oversize = NULL;
}

/* The row starting on line start broke a limit (r->over): the header, or any row of
 * a file read with limits_fatal, is an error; any other row is delivered cut short.
 * Returns 0, CSVR_ERROR with the message in r->err, or fn's nonzero return. */
static int limit_broken(reader *r, long start)
{
    if (!r->header_done)
        return header_error(r, start);
    if (r->limits_fatal) {
        char text[OVER_TEXT];
        over_text(r, r->over, text, sizeof text);
        snprintf(r->err, r->errlen, "%s:%ld: %s", r->row.path, start, text);
        return CSVR_ERROR;
    }
    deliver(r, start);
    return r->stop;
}

/* libcsv row callback: a row ended (c = its terminator, -1 at end of file), or, with
 * CSV_REPALL_NL, a line break outside any row (a blank line, the LF of a CRLF). The
 * line of the next row is set by the caller of csv_parse (parse_piece). */
static void on_row(int c, void *data)
{
    reader *r = data;
    if (c != -1)
        r->ended = 1;
    if (r->nfields == 0 && !r->over)
        return;
    long start = r->line;
    r->line += 1 + r->embedded;     /* at the end of the file; parse_piece sets it otherwise */
    r->embedded = 0;
    if (!r->stop && !r->oom) {
        if (r->over)
            r->stop = limit_broken(r, start);
        else
            deliver(r, start);
    }
    r->over = 0;
    r->nfields = 0;
    r->used = 0;
}

/* Counts the piece s[0..k) that was just consumed (parsed or skipped): bytes, line
 * ends (a piece holds at most one, as its last byte; the LF of a CRLF, a piece of its
 * own after the CR's, is not one more). Returns 0, or CSVR_ERROR when the first
 * 16 MiB hold no line end. */
static int account(reader *r, const unsigned char *s, size_t k)
{
    unsigned char last = s[k - 1];
    if (last == '\r' || (last == '\n' && !(k == 1 && r->prev_cr)))
        r->phys++;
    if (last == '\r' || last == '\n')
        r->eol_seen = 1;
    r->prev_cr = last == '\r';
    r->pos += k;
    if (!r->eol_seen && r->pos >= CSVR_SNIFF_MAX) {
        snprintf(r->err, r->errlen, "%s: not a CSV file: no line end in the first 16 MiB", r->row.path);
        return CSVR_ERROR;
    }
    return 0;
}

/* The current row broke a limit before its end: a header row waits for its line end
 * when none was seen yet (16 MiB without one is another error), any other row is
 * handled by limit_broken; then the parser restarts and the rest of the row is
 * skipped. Returns 0, CSVR_ERROR, or fn's nonzero return. */
static int cut_row(reader *r, struct csv_parser *p)
{
    if (!r->header_done && !r->eol_seen) {
        r->skipping = SKIP_HEADER;
        return 0;
    }
    int rc = limit_broken(r, r->line);
    if (rc != 0)
        return rc;
    csv_free(p);
    parser_start(p);
    r->over = 0;
    r->nfields = r->used = 0;
    r->embedded = 0;
    r->row_bytes = 0;
    r->skipping = SKIP_ROW;     /* (a piece ending at a line end ended inside quotes: the row goes on) */
    return 0;
}

/* Skips the piece s[0..k) of a cut row; at its end (a line end outside quotes) the
 * next line starts a row; for a header, the error is reported at the next line end.
 * Returns 0 or CSVR_ERROR. */
static int skip_piece(reader *r, const unsigned char *s, size_t k)
{
    if (r->skipping == SKIP_ROW && track_quotes(r, s, k, 1) != 0)
        return CSVR_ERROR;
    if (account(r, s, k) != 0)
        return CSVR_ERROR;
    if (s[k - 1] != '\n' && s[k - 1] != '\r')
        return 0;
    if (r->skipping == SKIP_HEADER)
        return header_error(r, r->line);
    if (r->inq)
        return 0;               /* a line break inside a quoted field of the cut row */
    r->skipping = SKIP_NONE;
    r->line = r->phys + 1;
    r->qlast = -1;
    return 0;
}

/* Parses the piece s[0..k): a line through its line end, or a part of a line (at most
 * what the row's limit leaves). Checks the limits of the row it leaves unfinished.
 * Returns 0, CSVR_ERROR with the message in r->err, or fn's nonzero return. */
static int parse_piece(reader *r, struct csv_parser *p, const unsigned char *s, size_t k)
{
    r->ended = 0;
    if (csv_parse(p, s, k, on_field, on_row, r) != k)
        return parse_error(r, p);
    if (r->oom) {
        snprintf(r->err, r->errlen, "%s:%ld: out of memory reading a row", r->row.path, r->line);
        r->internal = 1;
        return CSVR_ERROR;
    }
    if (r->stop)
        return r->stop;
    if (account(r, s, k) != 0)
        return CSVR_ERROR;
    if (r->ended) {                 /* a row (or a blank line) ended with this piece */
        r->line = r->phys + 1;
        r->row_bytes = 0;
        r->inq = r->qpend = 0;
        r->qlast = -1;
        return 0;
    }
    track_quotes(r, s, k, 0);       /* libcsv checked these bytes */
    r->row_bytes += k;
    if (!r->over && p->entry_pos > CSVR_FIELD_MAX)    /* the field being read (libcsv's public state) */
        r->over = (long)r->nfields + 1;
    if (!r->over && r->row_bytes > CSVR_ROW_MAX)
        r->over = OVER_ROW;
    return r->over ? cut_row(r, p) : 0;
}

/* Offset of the first byte c in s[from..end), or end. */
static size_t find(const unsigned char *s, size_t from, size_t end, int c)
{
    const unsigned char *q = memchr(s + from, c, end - from);
    return q ? (size_t)(q - s) : end;
}

/* Feeds a block of the file's content to the parser a line at a time (so that the
 * limits are checked with bounded memory and every row's extent is known), skipping
 * what a cut row leaves of its line. Returns 0, CSVR_ERROR with the message in r->err
 * (a NUL byte, a quoting error, a limit of the header or of a master file), or fn's
 * nonzero return. */
static int feed(reader *r, struct csv_parser *p, const unsigned char *s, size_t n)
{
    size_t i = 0;
    if (!r->started && n > 0) {
        r->started = 1;
        if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {     /* a UTF-8 byte order mark is not data */
            i = 3;
            r->pos = 3;
        }
    }
    const unsigned char *nul = memchr(s, '\0', n);
    size_t end = nul ? (size_t)(nul - s) : n;
    size_t lf = find(s, i, end, '\n'), cr = find(s, i, end, '\r');
    while (i < end) {
        if (lf < i)
            lf = find(s, i, end, '\n');
        if (cr < i)
            cr = find(s, i, end, '\r');
        size_t eol = lf < cr ? lf : cr;
        size_t k = (eol < end ? eol + 1 : end) - i;
        if (!r->skipping && k > CSVR_ROW_MAX + 1 - r->row_bytes)
            k = CSVR_ROW_MAX + 1 - r->row_bytes;
        if (!r->eol_seen && k > CSVR_SNIFF_MAX - r->pos)
            k = (size_t)(CSVR_SNIFF_MAX - r->pos);
        int rc = r->skipping ? skip_piece(r, s + i, k) : parse_piece(r, p, s + i, k);
        if (rc != 0)
            return rc;
        i += k;
    }
    if (nul) {
        snprintf(r->err, r->errlen, "%s:%ld: not a CSV file: NUL byte", r->row.path, r->phys + 1);
        return CSVR_ERROR;
    }
    return 0;
}
/* ---- the byte source: read(2), inflated when the file starts with the gzip magic ---- */

typedef struct {
    const char *path;
    int fd;
    unsigned char *in;      /* raw bytes of a gzip file */
    z_stream z;
    int zinit, zend, first, eof;
    uint64_t bytes;         /* raw bytes read */
    uint32_t crc;           /* their CRC-32 */
    digest_ctx sha;         /* their SHA-256 */
    int (*tee)(void *, const void *, size_t);
    void *tee_ctx;
    char *err;
    size_t errlen;
} source;

static int source_error(source *s, const char *what, const char *detail)
{
    snprintf(s->err, s->errlen, "%s: %s%s%s", s->path, what, detail ? ": " : "", detail ? detail : "");
    return CSVR_ERROR;
}

/* Reads cap raw bytes into buf, fewer only at the end of the file (*got = 0 there):
 * a pipe's short reads are joined, so that the gzip magic and a byte order mark are
 * seen whole. Returns 0, or CSVR_ERROR with the message in s->err. */
static int source_read(source *s, unsigned char *buf, size_t cap, size_t *got)
{
    size_t n = 0;
    while (n < cap) {
        ssize_t k = read(s->fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return source_error(s, "read error", strerror(errno));
        if (k == 0)
            break;
        n += (size_t)k;
    }
    *got = n;
    s->bytes += (uint64_t)n;
    s->crc = (uint32_t)crc32(s->crc, buf, (uInt)n);
    digest_update(&s->sha, buf, n);
    int e = s->tee && n ? s->tee(s->tee_ctx, buf, n) : 0;
    return e ? source_error(s, "cannot keep a copy", strerror(e)) : 0;
}

/* Reads more gzip input when the inflater has used it all. */
static int source_refill(source *s)
{
    size_t got;
    if (source_read(s, s->in, BLOCK, &got) != 0)
        return CSVR_ERROR;
    if (got == 0)
        s->eof = 1;
    s->z.next_in = s->in;
    s->z.avail_in = (uInt)got;
    return 0;
}

/* The next bytes of the file's content into out[0..BLOCK): *n of them, 0 at the end.
 * Returns 0, or CSVR_ERROR with the message in s->err (unreadable, bad or truncated gzip). */
static int source_next(source *s, unsigned char *out, size_t *n)
{
    *n = 0;
    if (s->first) {
        s->first = 0;
        size_t got;
        if (source_read(s, s->in, BLOCK, &got) != 0)
            return CSVR_ERROR;
        if (got < 2 || s->in[0] != 0x1f || s->in[1] != 0x8b) {
            memcpy(out, s->in, got);        /* plain: the first block as it is */
            *n = got;
            return 0;
        }
        if (inflateInit2(&s->z, 15 + 16) != Z_OK)
            return source_error(s, "cannot start gzip decompression", NULL);
        s->zinit = 1;
        s->z.next_in = s->in;
        s->z.avail_in = (uInt)got;
    }
    if (!s->zinit)
        return source_read(s, out, BLOCK, n);
    s->z.next_out = out;
    s->z.avail_out = BLOCK;
    while (s->z.avail_out > 0) {
        if (s->zend) {
            if (s->z.avail_in == 0 && !s->eof) {
                if (source_refill(s) != 0)
                    return CSVR_ERROR;
                continue;
            }
            if (s->z.avail_in == 0)
                break;                      /* the end of the last gzip member */
            inflateReset(&s->z);            /* another gzip member follows */
            s->zend = 0;
        }
        if (s->z.avail_in == 0 && !s->eof) {
            if (source_refill(s) != 0)
                return CSVR_ERROR;
            continue;
        }
        uInt before = s->z.avail_out;
        int zr = inflate(&s->z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            s->zend = 1;
            continue;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR)
            return source_error(s, "bad gzip data", s->z.msg ? s->z.msg : "inflate failed");
        if (s->z.avail_in == 0 && s->eof && s->z.avail_out == before)
            return source_error(s, "gzip data is truncated (unexpected end of file)", NULL);
    }
    *n = BLOCK - s->z.avail_out;
    return 0;
}

/* ---- an optional reader thread: the source and libcsv run on the second core ----
 *
 * The thread reads, inflates and parses; the rows cross to the calling thread in
 * batches (field bytes with a NUL after each, their offsets and lengths, and each
 * row's line), where the callback runs in file order. The last batch carries the
 * parse's result, so errors come after the rows before them, as on one thread. */

static int reader_thread_on;

void csvr_use_reader_thread(int on) { reader_thread_on = on; }

#define NBATCH 4
#define BATCH_ROWS 1024
#define BATCH_BYTES (256 * 1024)
/* A row of more fields than this (up to a million in a 1 MiB row of commas) crosses
 * alone, in arrays moved (not copied) from the reader to the batch; the reader waits
 * until it was used and the batch's arrays are freed then, so that its per-field
 * arrays exist once, not once per batch. */
#ifndef BIG_FIELDS                       /* overridable to fuzz the big-row path with small rows */
#define BIG_FIELDS (32 * BATCH_ROWS)
#endif

typedef struct {
    long line;
    size_t first, nfields;      /* fields first .. first + nfields of the batch */
    uint64_t bytes_read;
    long over;                  /* the limit the row broke (reader.over), 0 none */
} batch_row;

typedef struct {
    char *buf;
    size_t used, cap;
    size_t *off, *len;
    size_t nf, fcap;
    char **ptr;                 /* the field pointers, made when the batch is handed over */
    size_t pcap;
    batch_row *rows;
    size_t nrows, rcap;
    unsigned char *prep;        /* rcap areas of the prepare hook's size */
    int big;                    /* holds a big row (alone): its arrays are freed after use */
    int end;                    /* the last batch: rc is the parse's result */
    int rc;
} batch;

typedef struct pipe_s {
    reader *r;
    struct csv_parser *p;
    source *src;
    unsigned char *out;
    uint64_t *seen;
    batch b[NBATCH];
    int head, count, fill, stop;
    char err[1024];
    pthread_mutex_t mu;
    pthread_cond_t changed;
} pipe_t;

/* Makes room in b for one more row's record and prepared data. Returns 0 or -1. */
static int batch_room(batch *b, const reader *r)
{
    if (b->nrows < b->rcap)
        return 0;
    size_t cap = b->rcap ? b->rcap * 2 : BATCH_ROWS;
    batch_row *v = realloc(b->rows, cap * sizeof *v);
    if (!v)
        return -1;
    b->rows = v;
    if (r->prepare) {
        unsigned char *pv = realloc(b->prep, cap * r->prepared_size);
        if (!pv)
            return -1;
        b->prep = pv;
    }
    b->rcap = cap;
    return 0;
}

/* Copies r's current fields after b's. Returns 0 or -1 out of memory. */
static int batch_copy(batch *b, const reader *r)
{
    if (b->nf + r->nfields > b->fcap) {
        size_t cap = b->fcap ? b->fcap : 32 * BATCH_ROWS;
        while (cap < b->nf + r->nfields)
            cap *= 2;
        if (grow_off_len(&b->off, &b->len, cap) != 0)
            return -1;
        b->fcap = cap;
    }
    if (b->used + r->used > b->cap) {
        size_t cap = b->cap ? b->cap : 2 * BATCH_BYTES;
        while (cap < b->used + r->used)
            cap *= 2;
        char *buf = realloc(b->buf, cap);
        if (!buf)
            return -1;
        b->buf = buf;
        b->cap = cap;
    }
    memcpy(b->buf + b->used, r->buf, r->used);
    for (size_t i = 0; i < r->nfields; i++) {
        b->off[b->nf + i] = b->used + r->off[i];
        b->len[b->nf + i] = r->len[i];
    }
    return 0;
}

/* A big row into the empty batch b: r's field arrays and bytes change places with b's,
 * without a copy (r goes on with b's old ones). */
static void batch_swap(batch *b, reader *r)
{
    size_t *off = b->off, *len = b->len, fcap = b->fcap, cap = b->cap;
    char *buf = b->buf;
    b->off = r->off;
    b->len = r->len;
    b->fcap = r->fieldcap;
    b->buf = r->buf;
    b->cap = r->bufcap;
    r->off = off;
    r->len = len;
    r->fieldcap = fcap;
    r->buf = buf;
    r->bufcap = cap;
}

/* Makes the field pointers of a batch about to be handed over (its bytes no longer
 * move: a later row could grow the buffer until then) and runs the prepare hook on
 * every row, so what prepare keeps pointing into the rows stays valid. Returns 0, or
 * -1 out of memory. */
static int batch_seal(reader *r, batch *b)
{
    if (b->nf > b->pcap) {
        char **v = realloc(b->ptr, b->fcap * sizeof *v);
        if (!v)
            return -1;
        b->ptr = v;
        b->pcap = b->fcap;
    }
    for (size_t i = 0; i < b->nf; i++)
        b->ptr[i] = b->buf + b->off[i];
    for (size_t k = 0; r->prepare && k < b->nrows; k++) {
        const batch_row *br = &b->rows[k];
        char text[OVER_TEXT];
        if (br->over)
            over_text(r, br->over, text, sizeof text);
        csvr_row row = {.path = r->row.path, .line = br->line, .nfields = br->nfields, .nheader = r->row.nheader,
                        .field = b->ptr + br->first, .len = b->len + br->first, .col = r->colmap,
                        .bytes_read = br->bytes_read, .oversize = br->over ? text : NULL};
        r->prepare(r->ctx, &row, b->prep + k * r->prepared_size);
    }
    return 0;
}

/* Hands the filling batch to the calling thread (as the last one when end) and waits
 * for a free one (with drain, until the calling thread used every batch). Returns 0,
 * or 1 when the calling thread stopped reading. */
static int batch_publish(pipe_t *q, int end, int rc, int drain)
{
    if (batch_seal(q->r, &q->b[q->fill]) != 0) {
        /* out of memory: this batch's rows are not passed on and the parse stops
         * with an error at its next step */
        q->b[q->fill].nrows = 0;
        q->r->oom = 1;
        if (end && rc == 0) {
            snprintf(q->err, sizeof q->err, "%s:%ld: out of memory reading a row", q->r->row.path, q->r->line);
            q->r->internal = 1;
            rc = CSVR_ERROR;
        }
    }
    pthread_mutex_lock(&q->mu);
    q->b[q->fill].end = end;
    q->b[q->fill].rc = rc;
    q->count++;
    q->fill = (q->fill + 1) % NBATCH;
    pthread_cond_broadcast(&q->changed);
    while (!end && (q->count == NBATCH || (drain && q->count > 0)) && !q->stop)
        pthread_cond_wait(&q->changed, &q->mu);
    int stop = q->stop;
    pthread_mutex_unlock(&q->mu);
    if (!end && !stop) {
        batch *b = &q->b[q->fill];  /* free now: the calling thread is done with it */
        b->used = b->nf = b->nrows = 0;
    }
    return stop;
}

/* deliver's hand-off on the reader thread: the row joins the batch (a big row crosses
 * alone, and the reader waits until it was used). Sets r->oom, or r->stop when the
 * calling thread stopped reading. */
static void batch_row_done(reader *r)
{
    pipe_t *q = r->pipe;
    int big = r->nfields > BIG_FIELDS;
    if (big && q->b[q->fill].nrows > 0 && batch_publish(q, 0, 0, 0)) {
        r->stop = 1;
        return;
    }
    batch *b = &q->b[q->fill];
    if (batch_room(b, r) != 0 || (!big && batch_copy(b, r) != 0)) {
        r->oom = 1;
        return;
    }
    if (big) {
        batch_swap(b, r);
        b->big = 1;
    }
    batch_row *row = &b->rows[b->nrows++];
    row->line = r->row.line;
    row->first = b->nf;
    row->nfields = r->nfields;
    row->bytes_read = *r->bytes;
    row->over = r->over;
    b->nf += r->nfields;
    b->used += r->used;
    if ((big || b->nrows >= BATCH_ROWS || b->used >= BATCH_BYTES) && batch_publish(q, 0, 0, big))
        r->stop = 1;            /* the calling thread stopped: its own result stands */
}

static int parse_all(reader *r, struct csv_parser *p, source *src, unsigned char *out, uint64_t *seen);

static void *parse_thread(void *arg)
{
    pipe_t *q = arg;
    int rc = parse_all(q->r, q->p, q->src, q->out, q->seen);
    batch_publish(q, 1, rc, 0);     /* the last batch; not read when the calling thread stopped */
    return NULL;
}

/* Points row at row k of the batch, its oversize text (if any) in text[OVER_TEXT]. */
static void batch_row_at(const reader *r, const batch *b, size_t k, csvr_row *row, char *text)
{
    const batch_row *br = &b->rows[k];
    row->line = br->line;
    row->nfields = br->nfields;
    row->field = b->ptr + br->first;
    row->len = b->len + br->first;
    row->bytes_read = br->bytes_read;
    row->prepared = b->prep ? b->prep + k * r->prepared_size : NULL;
    if (br->over)
        over_text(r, br->over, text, OVER_TEXT);
    row->oversize = br->over ? text : NULL;
}

/* After the calling thread used batch b: frees the arrays of a big row (the reader
 * thread refills b after the hand-back). */
static void release_big(batch *b)
{
    if (!b->big)
        return;
    free(b->off);
    free(b->len);
    free(b->ptr);
    free(b->buf);
    b->off = b->len = NULL;
    b->ptr = NULL;
    b->buf = NULL;
    b->fcap = b->pcap = b->cap = 0;
    b->big = 0;
}

/* Runs parse_all on a reader thread and fn here, batch by batch. Returns what
 * parse_all or fn returned. */
static int read_threaded(reader *r, struct csv_parser *p, source *src, unsigned char *out, uint64_t *seen)
{
    pipe_t q = {.r = r, .p = p, .src = src, .out = out, .seen = seen};
    char *user_err = r->err;
    size_t user_errlen = r->errlen;
    r->pipe = &q;
    r->err = src->err = q.err;
    r->errlen = src->errlen = sizeof q.err;
    pthread_t tid;
    if (pthread_mutex_init(&q.mu, NULL) != 0 || pthread_cond_init(&q.changed, NULL) != 0 ||
        pthread_create(&tid, NULL, parse_thread, &q) != 0) {
        snprintf(user_err, user_errlen, "%s: cannot start the reader thread", r->row.path);
        r->internal = 1;
        return CSVR_ERROR;
    }
    int rc = 0;
    char text[2][OVER_TEXT];            /* the oversize texts of this row and the next */
    for (int end = 0; !end && rc == 0;) {
        pthread_mutex_lock(&q.mu);
        while (q.count == 0)
            pthread_cond_wait(&q.changed, &q.mu);
        pthread_mutex_unlock(&q.mu);
        batch *b = &q.b[q.head];
        /* r->row.line is the reader thread's; path, the column map and the header
         * width are fixed before the first batch */
        csvr_row row[2] = {{.path = r->row.path, .col = r->colmap, .nheader = r->row.nheader},
                           {.path = r->row.path, .col = r->colmap, .nheader = r->row.nheader}};
        int cur = 0;
        for (size_t i = 0; i < b->nrows && rc == 0; i++) {
            /* row i is built already when it was the look-ahead of row i - 1 */
            int more = r->ahead && i + 1 < b->nrows;
            if (i == 0 || !r->ahead)
                batch_row_at(r, b, i, &row[cur], text[cur]);
            if (more) {
                batch_row_at(r, b, i + 1, &row[!cur], text[!cur]);
                r->ahead(r->ctx, &row[!cur]);
            }
            r->rows++;
            rc = r->fn(r->ctx, &row[cur]);
            if (r->ahead)
                cur = !cur;
        }
        if (rc == 0 && b->end) {
            end = 1;
            rc = b->rc;
            if (rc == CSVR_ERROR)
                snprintf(user_err, user_errlen, "%s", q.err);
        }
        release_big(b);
        pthread_mutex_lock(&q.mu);
        q.head = (q.head + 1) % NBATCH;
        q.count--;
        if (rc != 0)
            q.stop = 1;
        pthread_cond_broadcast(&q.changed);
        pthread_mutex_unlock(&q.mu);
    }
    pthread_mutex_lock(&q.mu);
    q.stop = 1;
    pthread_cond_broadcast(&q.changed);
    pthread_mutex_unlock(&q.mu);
    pthread_join(tid, NULL);
    pthread_mutex_destroy(&q.mu);
    pthread_cond_destroy(&q.changed);
    r->err = src->err = user_err;
    r->errlen = src->errlen = user_errlen;
    for (int i = 0; i < NBATCH; i++) {
        free(q.b[i].buf);
        free(q.b[i].off);
        free(q.b[i].len);
        free(q.b[i].ptr);
        free(q.b[i].rows);
        free(q.b[i].prep);
    }
    return rc;
}

/* Reads, parses and checks the whole file, rows to fn (or to batches with a reader
 * thread). Returns 0, CSVR_ERROR with the message in r->err, or fn's result. */
static int parse_all(reader *r, struct csv_parser *p, source *src, unsigned char *out, uint64_t *seen)
{
    int rc = 0;
    for (;;) {
        size_t n;
        if (source_next(src, out, &n) != 0)
            return CSVR_ERROR;
        *seen = src->bytes;
        if (n == 0)
            break;
        rc = feed(r, p, out, n);
        if (rc != 0)
            return rc;
    }
    if (r->skipping == SKIP_HEADER)         /* a header over a limit, and no line end before the end */
        return header_error(r, r->line);
    if (r->skipping == SKIP_ROW && r->inq && !r->qpend)
        return quote_error(r);              /* a cut row's quote never closed */
    if (csv_fini(p, on_field, on_row, r) != 0)
        return parse_error(r, p);
    if (r->stop)
        return r->stop;
    if (r->oom) {
        snprintf(r->err, r->errlen, "%s:%ld: out of memory reading a row", r->row.path, r->line);
        r->internal = 1;
        return CSVR_ERROR;
    }
    if (!r->header_done) {
        snprintf(r->err, r->errlen, "%s: empty file (no header row)", r->row.path);
        return CSVR_ERROR;
    }
    return 0;
}

int csvr_read(const char *path, const csvr_column *cols, int ncols, csvr_row_fn fn, void *ctx, csvr_info *info,
              char *err, size_t errlen)
{
    csvr_hooks h = {.fn = fn, .ctx = ctx};
    return csvr_read_hooks(path, cols, ncols, &h, info, err, errlen);
}

int csvr_read_hooks(const char *path, const csvr_column *cols, int ncols, const csvr_hooks *hooks, csvr_info *info,
                    char *err, size_t errlen)
{
    reader r = {.cols = cols, .ncols = ncols, .fn = hooks->fn, .ahead = hooks->ahead, .prepare = hooks->prepare,
                .prepared_size = hooks->prepare ? hooks->prepared_size : 0, .ctx = hooks->ctx, .line = 1, .err = err,
                .errlen = errlen, .limits_fatal = hooks->limits_fatal, .qlast = -1};
    csvr_info local = {0};
    uint64_t seen = 0;
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    if (ncols > MAX_COLS) {
        snprintf(err, errlen, "%s: too many columns requested", path);
        return CSVR_ERROR;
    }
    r.row.path = path;
    r.row.col = r.colmap;
    r.bytes = &seen;

    int is_stdin = strcmp(path, "-") == 0;
    source src = {.path = path, .first = 1, .err = err, .errlen = errlen, .crc = (uint32_t)crc32(0L, Z_NULL, 0),
                  .tee = hooks->tee, .tee_ctx = hooks->tee_ctx};
    digest_init(&src.sha);
    src.fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (src.fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return CSVR_ERROR;
    }
    struct csv_parser p;
    parser_start(&p);
    unsigned char *out = malloc(BLOCK);
    src.in = malloc(BLOCK);
    if (r.prepare && !reader_thread_on)
        r.prepared = malloc(r.prepared_size ? r.prepared_size : 1);
    int rc;
    if (!src.in || !out || (r.prepare && !reader_thread_on && !r.prepared)) {
        snprintf(err, errlen, "%s: out of memory", path);
        r.internal = 1;
        rc = CSVR_ERROR;
    } else if (reader_thread_on) {
        rc = read_threaded(&r, &p, &src, out, &seen);
    } else {
        rc = parse_all(&r, &p, &src, out, &seen);
    }
    info->bytes = src.bytes;
    info->crc32 = src.crc;
    info->gzip = src.zinit;
    info->rows = r.rows;
    info->internal_error = rc == CSVR_ERROR && r.internal;
    if (rc == 0)
        digest_final(&src.sha, info->sha256);
    if (src.zinit)
        inflateEnd(&src.z);
    csv_free(&p);
    if (!is_stdin)
        close(src.fd);
    free(src.in);
    free(out);
    free(r.buf);
    free(r.off);
    free(r.len);
    free(r.field);
    free(r.prepared);
    return rc;
}
