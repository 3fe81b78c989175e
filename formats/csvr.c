/* csvr.c — streaming CSV reader: read(2) or zlib inflate in big blocks, libcsv, line tracking. */
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
    const uint64_t *bytes;  /* raw bytes read so far (as of the block being parsed) */
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

/* ---- the byte source: read(2), inflated when the file starts with the gzip magic ---- */

typedef struct {
    const char *path;
    int fd;
    unsigned char *in;      /* raw bytes of a gzip file */
    z_stream z;
    int zinit, zend, first, eof;
    uint64_t bytes;         /* raw bytes read */
    uint32_t crc;           /* their CRC-32 */
    char *err;
    size_t errlen;
} source;

static int source_error(source *s, const char *what, const char *detail)
{
    snprintf(s->err, s->errlen, "%s: %s%s%s", s->path, what, detail ? ": " : "", detail ? detail : "");
    return CSVR_ERROR;
}

/* Reads up to cap raw bytes into buf (*got = 0 at the end of the file). */
static int source_read(source *s, unsigned char *buf, size_t cap, size_t *got)
{
    for (;;) {
        ssize_t k = read(s->fd, buf, cap);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return source_error(s, "read error", strerror(errno));
        *got = (size_t)k;
        s->bytes += (uint64_t)k;
        s->crc = (uint32_t)crc32(s->crc, buf, (uInt)k);
        return 0;
    }
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

/* ---- an optional reader thread: the source runs on the second core ---- */

static int reader_thread_on;

void csvr_use_reader_thread(int on) { reader_thread_on = on; }

#define NSLOTS 4

typedef struct {
    source *src;
    unsigned char *buf[NSLOTS];
    size_t len[NSLOTS];
    uint64_t raw[NSLOTS];   /* raw bytes read when the slot was filled */
    int failed[NSLOTS];
    int head, count, stop;
    pthread_mutex_t mu;
    pthread_cond_t changed;
} pipe_t;

static void *produce(void *arg)
{
    pipe_t *q = arg;
    int slot = 0;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        while (q->count == NSLOTS && !q->stop)
            pthread_cond_wait(&q->changed, &q->mu);
        int stop = q->stop;
        pthread_mutex_unlock(&q->mu);
        if (stop)
            return NULL;
        size_t n = 0;
        int failed = source_next(q->src, q->buf[slot], &n) != 0;
        pthread_mutex_lock(&q->mu);
        q->len[slot] = n;
        q->raw[slot] = q->src->bytes;
        q->failed[slot] = failed;
        q->count++;
        pthread_cond_broadcast(&q->changed);
        pthread_mutex_unlock(&q->mu);
        if (failed || n == 0)
            return NULL;                    /* the end, or an error the consumer reports */
        slot = (slot + 1) % NSLOTS;
    }
}

/* Feeds the whole source to the parser, on this thread or with a reader thread.
 * Returns 0, feed's result, or CSVR_ERROR with the source's message. */
static int feed_all(reader *r, struct csv_parser *p, source *src, unsigned char *out, uint64_t *seen)
{
    if (!reader_thread_on) {
        for (;;) {
            size_t n;
            if (source_next(src, out, &n) != 0)
                return CSVR_ERROR;
            *seen = src->bytes;
            if (n == 0)
                return 0;
            int rc = feed(r, p, out, n);
            if (rc != 0)
                return rc;
        }
    }
    pipe_t q = {.src = src};
    int rc = 0;
    for (int i = 0; i < NSLOTS; i++)
        if (!(q.buf[i] = malloc(BLOCK)))
            rc = CSVR_ERROR;
    pthread_t tid;
    if (rc != 0 || pthread_mutex_init(&q.mu, NULL) != 0 || pthread_cond_init(&q.changed, NULL) != 0 ||
        pthread_create(&tid, NULL, produce, &q) != 0) {
        for (int i = 0; i < NSLOTS; i++)
            free(q.buf[i]);
        snprintf(r->err, r->errlen, "%s: cannot start the reader thread", r->row.path);
        return CSVR_ERROR;
    }
    for (;;) {
        pthread_mutex_lock(&q.mu);
        while (q.count == 0)
            pthread_cond_wait(&q.changed, &q.mu);
        int slot = q.head;
        pthread_mutex_unlock(&q.mu);
        if (q.failed[slot]) {
            rc = CSVR_ERROR;
            break;
        }
        if (q.len[slot] == 0)
            break;
        *seen = q.raw[slot];
        rc = feed(r, p, q.buf[slot], q.len[slot]);
        pthread_mutex_lock(&q.mu);
        q.head = (q.head + 1) % NSLOTS;
        q.count--;
        pthread_cond_broadcast(&q.changed);
        pthread_mutex_unlock(&q.mu);
        if (rc != 0)
            break;
    }
    pthread_mutex_lock(&q.mu);
    q.stop = 1;
    pthread_cond_broadcast(&q.changed);
    pthread_mutex_unlock(&q.mu);
    pthread_join(tid, NULL);
    pthread_mutex_destroy(&q.mu);
    pthread_cond_destroy(&q.changed);
    for (int i = 0; i < NSLOTS; i++)
        free(q.buf[i]);
    return rc;
}

int csvr_read(const char *path, const csvr_column *cols, int ncols, csvr_row_fn fn, void *ctx, csvr_info *info,
              char *err, size_t errlen)
{
    reader r = {.cols = cols, .ncols = ncols, .fn = fn, .ctx = ctx, .line = 1, .err = err, .errlen = errlen};
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

    source src = {.path = path, .first = 1, .err = err, .errlen = errlen, .crc = (uint32_t)crc32(0L, Z_NULL, 0)};
    src.fd = open(path, O_RDONLY);
    if (src.fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return CSVR_ERROR;
    }
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL);
    csv_set_space_func(&p, no_space);   /* values are exact: never trim spaces (SPEC §1) */
    csv_set_blk_size(&p, BLOCK);        /* a long field grows libcsv's buffer in big steps, not 128 bytes */
    unsigned char *out = malloc(BLOCK);
    src.in = malloc(BLOCK);
    int rc;
    if (!src.in || !out) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = CSVR_ERROR;
    } else {
        rc = feed_all(&r, &p, &src, out, &seen);
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
    info->bytes = src.bytes;
    info->crc32 = src.crc;
    info->gzip = src.zinit;
    info->rows = r.rows;
    if (src.zinit)
        inflateEnd(&src.z);
    csv_free(&p);
    close(src.fd);
    free(src.in);
    free(out);
    free(r.buf);
    free(r.off);
    free(r.len);
    free(r.field);
    return rc;
}
