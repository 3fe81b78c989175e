/* csvw.c — buffered CSV writer with RFC 4180 quoting and optional gzip. */
#include "csvw.h"
#include "fsafe.h"
#include "field.h"
#include "digits.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WBLOCK CSVW_BLOCK

static void write_all(csvw *w, const unsigned char *p, size_t n)
{
    if (!w->no_crc)
        w->crc32 = (uint32_t)crc32(w->crc32, p, (uInt)n);
    w->bytes += n;
    while (n > 0 && !w->failed) {
        ssize_t k = write(w->fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            w->failed = errno;
            return;
        }
        p += k;
        n -= (size_t)k;
    }
    fsafe_writeback(w->fd, w->bytes, &w->writeback);
}

/* Writes n bytes of content to the file, through deflate when gzip; finish ends the
 * stream. */
static void emit(csvw *w, const unsigned char *buf, size_t n, int finish)
{
    if (!w->gzip) {
        write_all(w, buf, n);
        return;
    }
    w->z.next_in = (unsigned char *)(uintptr_t)buf;
    w->z.avail_in = (uInt)n;
    int zr;
    do {
        w->z.next_out = w->zbuf;
        w->z.avail_out = WBLOCK;
        zr = deflate(&w->z, finish ? Z_FINISH : Z_NO_FLUSH);
        write_all(w, w->zbuf, WBLOCK - w->z.avail_out);
    } while (!w->failed && (w->z.avail_out == 0 || (finish && zr != Z_STREAM_END)));
}

/* ---- an optional writer thread: deflate, CRC-32 and write(2) on the second core ----
 *
 * Full buffers are queued to the writer's own thread and the caller goes on filling
 * a free one. The thread alone touches the file, the gzip stream, bytes, crc32 and
 * failed until csvw_close, csvw_abort or csvw_content_crc wait for the queue to
 * empty. */

#define NBUF 4

struct csvw_async {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t changed;
    unsigned char *free_buf[NBUF];
    int nfree;
    struct {
        unsigned char *buf;
        size_t n;
        int finish;
    } q[NBUF];
    int head, count, busy, quit;
};

static int writer_thread_on;

void csvw_use_writer_thread(int on) { writer_thread_on = on; }

static void *write_thread(void *arg)
{
    csvw *w = arg;
    struct csvw_async *a = w->async;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (a->count == 0 && !a->quit)
            pthread_cond_wait(&a->changed, &a->mu);
        if (a->count == 0)
            break;
        unsigned char *buf = a->q[a->head].buf;
        size_t n = a->q[a->head].n;
        int finish = a->q[a->head].finish;
        a->head = (a->head + 1) % NBUF;
        a->count--;
        a->busy = 1;
        pthread_mutex_unlock(&a->mu);
        emit(w, buf, n, finish);
        pthread_mutex_lock(&a->mu);
        a->free_buf[a->nfree++] = buf;
        a->busy = 0;
        pthread_cond_broadcast(&a->changed);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* Waits until the writer thread has written everything queued. */
static void drain(csvw *w)
{
    struct csvw_async *a = w->async;
    pthread_mutex_lock(&a->mu);
    while (a->count > 0 || a->busy)
        pthread_cond_wait(&a->changed, &a->mu);
    pthread_mutex_unlock(&a->mu);
}

/* Frees the writer thread's spare buffers and state; `made` says how far start_writer
 * got (0 buffers only, 1 + the mutex, 2 + the condition). */
static void free_writer(struct csvw_async *a, int made)
{
    if (made >= 2)
        pthread_cond_destroy(&a->changed);
    if (made >= 1)
        pthread_mutex_destroy(&a->mu);
    for (int i = 0; i < a->nfree; i++)
        free(a->free_buf[i]);
    free(a);
}

/* Drains and stops the writer thread and frees its buffers. */
static void stop_writer(csvw *w)
{
    struct csvw_async *a = w->async;
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->quit = 1;
    pthread_cond_broadcast(&a->changed);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->tid, NULL);
    free_writer(a, 2);
    w->async = NULL;
}

/* Starts the writer thread with NBUF - 1 spare buffers. Returns 0, or -1 (the
 * writer then writes on the calling thread). */
static int start_writer(csvw *w)
{
    struct csvw_async *a = calloc(1, sizeof *a);
    if (!a)
        return -1;
    for (; a->nfree < NBUF - 1; a->nfree++)
        if (!(a->free_buf[a->nfree] = malloc(WBLOCK)))
            break;
    if (a->nfree < NBUF - 1 || pthread_mutex_init(&a->mu, NULL) != 0) {
        free_writer(a, 0);
        return -1;
    }
    if (pthread_cond_init(&a->changed, NULL) != 0) {
        free_writer(a, 1);
        return -1;
    }
    w->async = a;       /* before the thread starts: it reads it */
    if (pthread_create(&a->tid, NULL, write_thread, w) != 0) {
        w->async = NULL;
        free_writer(a, 2);
        return -1;
    }
    return 0;
}

/* Pushes the buffer to the file (or to the writer thread); finish ends the stream. */
static void flush_buf(csvw *w, int finish)
{
    struct csvw_async *a = w->async;
    if (!a) {
        emit(w, w->buf, w->used, finish);
        w->used = 0;
        return;
    }
    pthread_mutex_lock(&a->mu);
    while (a->nfree == 0)
        pthread_cond_wait(&a->changed, &a->mu);
    unsigned char *next = a->free_buf[--a->nfree];
    int tail = (a->head + a->count) % NBUF;
    a->q[tail].buf = w->buf;
    a->q[tail].n = w->used;
    a->q[tail].finish = finish;
    a->count++;
    pthread_cond_broadcast(&a->changed);
    pthread_mutex_unlock(&a->mu);
    w->buf = next;
    w->used = 0;
}

int csvw_open(csvw *w, const char *path, int gzip)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (csvw_open_fd(w, fd, gzip) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return 0;
}

int csvw_open_fd(csvw *w, int fd, int gzip)
{
    memset(w, 0, sizeof *w);
    w->crc32 = (uint32_t)crc32(0L, Z_NULL, 0);
    w->gzip = gzip;
    w->buf = malloc(WBLOCK);
    w->zbuf = gzip ? malloc(WBLOCK) : NULL;
    if (!w->buf || (gzip && !w->zbuf)) {
        free(w->buf);
        free(w->zbuf);
        errno = ENOMEM;
        return -1;
    }
    /* windowBits 15 + 16: a gzip wrapper with no name and mtime 0 */
    if (gzip && deflateInit2(&w->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(w->buf);
        free(w->zbuf);
        errno = ENOMEM;
        return -1;
    }
    w->fd = fd;
    if (writer_thread_on)
        start_writer(w);    /* when it cannot start, this thread writes */
    return 0;
}

void csvw_raw(csvw *w, const char *s, size_t n)
{
    while (n > 0) {
        size_t room = WBLOCK - w->used;
        size_t k = n < room ? n : room;
        memcpy(w->buf + w->used, s, k);
        w->used += k;
        s += k;
        n -= k;
        if (w->used == WBLOCK)
            flush_buf(w, 0);
    }
}

static void put_char(csvw *w, char c)
{
    if (w->used == WBLOCK)
        flush_buf(w, 0);
    w->buf[w->used++] = (unsigned char)c;
}

static void separator(csvw *w)
{
    if (w->row_started)
        put_char(w, ',');
    w->row_started = 1;
}

/* Room for a separator and n more bytes (n < WBLOCK): where the value goes, after
 * the separator when the row has a field already. The caller adds what it wrote to
 * w->used. */
static inline char *field_room(csvw *w, size_t n)
{
    if (WBLOCK - w->used < n + 1)
        flush_buf(w, 0);
    char *p = (char *)w->buf + w->used;
    if (w->row_started) {
        *p++ = ',';
        w->used++;
    }
    w->row_started = 1;
    return p;
}

/* What a byte asks of a field: 1 quoting (comma, quote, CR, LF), 2 escaping in free
 * text (a control byte, DEL or a byte that is not ASCII); 0 nothing. */
static const unsigned char byte_class[256] = {
    [0 ... 9] = 2, ['\n'] = 3, [11 ... 12] = 2, ['\r'] = 3, [14 ... 31] = 2, [','] = 1, ['"'] = 1, [127 ... 255] = 2,
};

/* An unquoted field (the caller knows it needs no quotes). */
static void plain_field(csvw *w, const char *s, size_t n)
{
    if (n < 256) {
        memcpy(field_room(w, n), s, n);
        w->used += n;
    } else {
        separator(w);
        csvw_raw(w, s, n);
    }
}

void csvw_field(csvw *w, const char *s, size_t n)
{
    unsigned quote = 0;
    for (size_t i = 0; i < n; i++)
        quote |= byte_class[(unsigned char)s[i]];
    if (!(quote & 1)) {
        plain_field(w, s, n);
        return;
    }
    separator(w);
    put_char(w, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            put_char(w, '"');
        put_char(w, s[i]);
    }
    put_char(w, '"');
}

void csvw_str(csvw *w, const char *s) { csvw_field(w, s, strlen(s)); }

void csvw_text(csvw *w, const char *s, size_t n)
{
    /* printable UTF-8 only (control bytes and invalid bytes escaped), then the formula
     * guard; the common case, printable ASCII with no formula start, in one pass */
    unsigned cls = 0;
    for (size_t i = 0; i < n; i++)
        cls |= byte_class[(unsigned char)s[i]];
    if (!(cls & 2) && n <= 1000 && (n == 0 || !strchr("=+-@", s[0]))) {
        if (cls & 1)
            csvw_field(w, s, n);
        else
            plain_field(w, s, n);
        return;
    }
    char buf[1024];
    size_t len = fld_escape(s, n, buf + 1, sizeof buf - 1);
    /* a tab or CR was escaped above; what is left that a spreadsheet would run is = + - @ */
    int formula = len > 0 && strchr("=+-@", buf[1]) != NULL;
    if (formula)
        buf[0] = '\'';
    csvw_field(w, buf + !formula, len + (size_t)formula);
}

/* The typed fields are formatted straight into the buffer (each is under 48 bytes). */
void csvw_cents(csvw *w, money_cents c) { w->used += (size_t)money_format_cents(c, field_room(w, 48)); }

void csvw_rate(csvw *w, money_rate r) { w->used += (size_t)money_format_rate(r, field_room(w, 48)); }

void csvw_minutes_hm(csvw *w, int64_t minutes) { w->used += (size_t)cal_format_hm(minutes, field_room(w, 48)); }

void csvw_date(csvw *w, cal_date d) { w->used += (size_t)cal_format(d, field_room(w, 48)); }

char *csvw_reserve_slow(csvw *w, size_t n)
{
    if (WBLOCK - w->used < n)
        flush_buf(w, 0);
    return (char *)w->buf + w->used;
}

void csvw_raw_int(csvw *w, int64_t v)
{
    if (WBLOCK - w->used < 24)
        flush_buf(w, 0);
    char *p = (char *)w->buf + w->used;
    if (v < 0)
        *p++ = '-';
    w->used += (size_t)(v < 0) + (size_t)digits_u64(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, p);
}

void csvw_int(csvw *w, int64_t v)
{
    separator(w);
    csvw_raw_int(w, v);
}

void csvw_printf(csvw *w, const char *fmt, ...)
{
    char b[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (n > 0)
        csvw_raw(w, b, (size_t)(n < (int)sizeof b ? n : (int)sizeof b - 1));
}

void csvw_end_row(csvw *w)
{
    put_char(w, '\n');
    w->row_started = 0;
}

uint32_t csvw_content_crc(csvw *w)
{
    if (w->async)
        drain(w);
    return (uint32_t)crc32(w->crc32, w->buf, (uInt)w->used);
}

/* Flushes everything and stops the writer thread; with sync, fsyncs and closes fd. */
static int finish(csvw *w, int sync)
{
    flush_buf(w, 1);
    stop_writer(w);
    if (w->gzip)
        deflateEnd(&w->z);
    if (sync && !w->failed && fsafe_fsync(w->fd, w->sync_point ? w->sync_point : "fsync-file") != 0)
        w->failed = errno;
    if (sync && close(w->fd) != 0 && !w->failed)
        w->failed = errno;
    free(w->buf);
    free(w->zbuf);
    w->buf = w->zbuf = NULL;
    if (w->failed) {
        errno = w->failed;
        return -1;
    }
    return 0;
}

int csvw_close(csvw *w) { return finish(w, 1); }
int csvw_finish_stream(csvw *w) { return finish(w, 0); }

void csvw_abort(csvw *w)
{
    stop_writer(w);
    if (w->gzip)
        deflateEnd(&w->z);
    close(w->fd);
    free(w->buf);
    free(w->zbuf);
    w->buf = w->zbuf = NULL;
}
