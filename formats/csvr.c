/* csvr.c — streaming CSV reader: read(2) or zlib inflate in big blocks, libcsv, line tracking. */
#include "csvr.h"
#include "field.h"
#include "ids.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define BLOCK (256 * 1024)
#define MAX_COLS 64

typedef struct {
    const csvr_column *cols;
    int ncols;
    int colmap[MAX_COLS];
    csvr_row_fn fn;
    void *ctx;
    csvr_row row;
    /* the row being assembled: field bytes in buf, one NUL after each */
    char *buf;
    size_t used, bufcap;
    size_t *off, *len;
    char **field;
    size_t nfields, fieldcap;
    long line;              /* line where the next row starts */
    long embedded;          /* line breaks inside the current row's quoted fields */
    int prev_term;          /* terminator that ended the last row or blank line */
    int header_done;
    int started;            /* bytes were fed: a byte order mark can only come first */
    int stop;               /* fn's nonzero return, or CSVR_ERROR */
    int oom;
    char *err;
    size_t errlen;
    uint64_t rows;
    const uint64_t *bytes;  /* raw bytes read so far */
} reader;

static int no_space(unsigned char c) { (void)c; return 0; }

static int grow_fields(reader *r)
{
    size_t cap = r->fieldcap ? r->fieldcap * 2 : 32;
    size_t *off = realloc(r->off, sizeof *off * cap);
    if (off)
        r->off = off;
    size_t *len = realloc(r->len, sizeof *len * cap);
    if (len)
        r->len = len;
    char **field = realloc(r->field, sizeof *field * cap);
    if (field)
        r->field = field;
    if (!off || !len || !field)
        return -1;
    r->fieldcap = cap;
    return 0;
}

/* libcsv field callback: copy the field into the row buffer. */
static void on_field(void *s, size_t n, void *data)
{
    reader *r = data;
    if (r->stop || r->oom)
        return;
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
    /* copy the field, counting the line breaks inside it (only a quoted field has any) */
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
        int added;
        if (ids_intern(&names, r->field[i], r->len[i], &added) < 0 || !added) {
            char shown[80];
            fld_escape(r->field[i], r->len[i] > 60 ? 60 : r->len[i], shown, sizeof shown);
            if (added)
                snprintf(r->err, r->errlen, "%s:1: out of memory reading the header", r->row.path);
            else
                snprintf(r->err, r->errlen, "%s:1: column %s appears twice in the header", r->row.path, shown);
            ids_free(&names);
            return -1;
        }
    }
    ids_free(&names);
    for (int c = 0; c < r->ncols; c++) {
        r->colmap[c] = -1;
        for (size_t i = 0; i < r->nfields; i++)
            if (strlen(r->cols[c].name) == r->len[i] && memcmp(r->cols[c].name, r->field[i], r->len[i]) == 0)
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
static int parse_error(reader *r, struct csv_parser *p)
{
    if (csv_error(p) == CSV_EPARSE)
        snprintf(r->err, r->errlen, "%s:%ld: CSV quoting error near this row (a quote inside an unquoted field, "
                 "text after a closing quote, or a quote never closed): the rows cannot be read safely",
                 r->row.path, r->line + r->embedded);
    else
        snprintf(r->err, r->errlen, "%s: CSV parser: %s", r->row.path, csv_strerror(csv_error(p)));
    return CSVR_ERROR;
}

/* libcsv row callback: a row ended (c = its terminator, -1 at end of file), or, with
 * CSV_REPALL_NL, a line break outside any row. */
static void on_row(int c, void *data)
{
    reader *r = data;
    if (r->nfields == 0) {
        if (c == '\n' && r->prev_term == '\r')
            r->prev_term = 0;          /* the LF of a CRLF */
        else if (c != -1) {
            r->line++;                 /* a blank line */
            r->prev_term = c;
        }
        return;
    }
    long start = r->line;
    r->line += 1 + r->embedded;
    r->embedded = 0;
    r->prev_term = c;
    if (!r->stop && !r->oom) {
        for (size_t i = 0; i < r->nfields; i++)
            r->field[i] = r->buf + r->off[i];
        if (!r->header_done) {
            r->header_done = 1;
            if (map_header(r) != 0)
                r->stop = CSVR_ERROR;
        } else {
            r->row.line = start;
            r->row.bytes_read = *r->bytes;
            r->row.nfields = r->nfields;
            r->row.field = r->field;
            r->row.len = r->len;
            r->rows++;
            r->stop = r->fn(r->ctx, &r->row);
        }
    }
    r->nfields = 0;
    r->used = 0;
}

static int feed(reader *r, struct csv_parser *p, const void *s, size_t n)
{
    if (!r->started && n > 0) {
        r->started = 1;
        if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {   /* a UTF-8 byte order mark is not data */
            s = (const char *)s + 3;
            n -= 3;
        }
    }
    if (csv_parse(p, s, n, on_field, on_row, r) != n)
        return parse_error(r, p);
    if (r->oom) {
        snprintf(r->err, r->errlen, "%s:%ld: out of memory reading a row", r->row.path, r->line);
        return CSVR_ERROR;
    }
    return r->stop;
}

int csvr_read(const char *path, const csvr_column *cols, int ncols, csvr_row_fn fn, void *ctx, csvr_info *info,
              char *err, size_t errlen)
{
    reader r = {.cols = cols, .ncols = ncols, .fn = fn, .ctx = ctx, .line = 1, .err = err, .errlen = errlen};
    csvr_info local = {0};
    if (!info)
        info = &local;
    memset(info, 0, sizeof *info);
    if (ncols > MAX_COLS) {
        snprintf(err, errlen, "%s: too many columns requested", path);
        return CSVR_ERROR;
    }
    r.row.path = path;
    r.row.col = r.colmap;
    r.bytes = &info->bytes;

    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return CSVR_ERROR;
    }
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL);
    csv_set_space_func(&p, no_space);   /* values are exact: never trim spaces (SPEC §1) */
    csv_set_blk_size(&p, BLOCK);        /* a long field grows libcsv's buffer in big steps, not 128 bytes */
    unsigned char *in = malloc(BLOCK), *out = malloc(BLOCK);
    z_stream z;
    memset(&z, 0, sizeof z);
    int zinit = 0, zend = 0, rc = 0, first = 1;
    uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
    if (!in || !out) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = CSVR_ERROR;
        goto done;
    }
    for (;;) {
        ssize_t got = read(fd, in, BLOCK);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
            rc = CSVR_ERROR;
            break;
        }
        if (got == 0)
            break;
        info->bytes += (uint64_t)got;
        crc = (uint32_t)crc32(crc, in, (uInt)got);
        if (first) {
            first = 0;
            if (got >= 2 && in[0] == 0x1f && in[1] == 0x8b) {
                if (inflateInit2(&z, 15 + 16) != Z_OK) {
                    snprintf(err, errlen, "%s: cannot start gzip decompression", path);
                    rc = CSVR_ERROR;
                    break;
                }
                zinit = 1;
                info->gzip = 1;
            }
        }
        if (!zinit) {
            if ((rc = feed(&r, &p, in, (size_t)got)) != 0)
                break;
            continue;
        }
        z.next_in = in;
        z.avail_in = (uInt)got;
        for (;;) {
            if (zend) {
                if (z.avail_in == 0)
                    break;
                inflateReset(&z);             /* another gzip member follows */
                zend = 0;
            }
            z.next_out = out;
            z.avail_out = BLOCK;
            int zr = inflate(&z, Z_NO_FLUSH);
            if (zr == Z_STREAM_END)
                zend = 1;
            else if (zr != Z_OK && zr != Z_BUF_ERROR) {
                snprintf(err, errlen, "%s: bad gzip data: %s", path, z.msg ? z.msg : "inflate failed");
                rc = CSVR_ERROR;
                break;
            }
            size_t have = BLOCK - z.avail_out;
            if (have && (rc = feed(&r, &p, out, have)) != 0)
                break;
            if (!zend && z.avail_out != 0)
                break;                        /* this block is used up: read the next */
        }
        if (rc != 0)
            break;
    }
    if (rc == 0 && zinit && !zend) {
        snprintf(err, errlen, "%s: gzip data is truncated (unexpected end of file)", path);
        rc = CSVR_ERROR;
    }
    if (rc == 0) {
        if (csv_fini(&p, on_field, on_row, &r) != 0)
            rc = parse_error(&r, &p);
        else
            rc = r.stop;
        if (rc == 0 && r.oom) {
            snprintf(err, errlen, "%s:%ld: out of memory reading a row", path, r.line);
            rc = CSVR_ERROR;
        }
    }
    if (rc == 0 && !r.header_done) {
        snprintf(err, errlen, "%s: empty file (no header row)", path);
        rc = CSVR_ERROR;
    }
done:
    info->crc32 = crc;
    info->rows = r.rows;
    if (zinit)
        inflateEnd(&z);
    csv_free(&p);
    close(fd);
    free(in);
    free(out);
    free(r.buf);
    free(r.off);
    free(r.len);
    free(r.field);
    return rc;
}
