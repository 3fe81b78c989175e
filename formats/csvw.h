/* csvw.h — buffered CSV writer: RFC 4180 quoting, LF line ends, optional gzip, CRC-32 of the file. */
#ifndef PAYRUN_CSVW_H
#define PAYRUN_CSVW_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "cal.h"
#include "money.h"

#define CSVW_BLOCK (256 * 1024)     /* bytes buffered before a write */

typedef struct {
    int fd;
    int gzip;
    int failed;             /* errno of the first failure, 0 if none */
    int row_started;
    unsigned char *buf, *zbuf;
    size_t used;
    z_stream z;
    uint64_t bytes;         /* bytes written to the file */
    uint64_t writeback;     /* of them, those whose writeback was started (fsafe_writeback) */
    uint32_t crc32;         /* CRC-32 of those bytes (unless no_crc) */
    int no_crc;             /* csvw_without_crc: the file checksums its own parts */
    struct csvw_async *async;   /* the writer thread, or NULL */
    const char *sync_point;     /* the fault point of its fsync (fault.h), NULL for "fsync-file" */
} csvw;

/* With on set, writers opened afterwards hand full buffers to a thread of their own
 * that compresses, checksums and writes them (the bytes are the same either way).
 * Off by default. */
void csvw_use_writer_thread(int on);

/* Creates path (mode 0600, truncated) for writing; gzip output carries no file name
 * and a zero timestamp. Returns 0, or -1 with errno set (nothing to close). */
int csvw_open(csvw *w, const char *path, int gzip);
/* The same on a descriptor open for writing (fsafe_create): on success the writer
 * owns fd and csvw_close closes it; on failure the caller still owns it. */
int csvw_open_fd(csvw *w, int fd, int gzip);

/* A field, quoted only when it holds a comma, quote, CR or LF. */
void csvw_field(csvw *w, const char *s, size_t n);
void csvw_str(csvw *w, const char *s);
/* A free-text field (a message, an SR number, an unvalidated id), as printable
 * UTF-8: control bytes (tab and CR included) and bytes that are not UTF-8 are written
 * as \xNN, and when it then begins with '=', '+', '-' or '@' — which a spreadsheet
 * would run as a formula — a single quote is put in front (docs/formats.md). Cut at
 * 1000 bytes. */
void csvw_text(csvw *w, const char *s, size_t n);
/* Typed fields, formatted without printf. */
void csvw_cents(csvw *w, money_cents c);
void csvw_rate(csvw *w, money_rate r);
void csvw_minutes_hm(csvw *w, int64_t minutes);
void csvw_date(csvw *w, cal_date d);
void csvw_int(csvw *w, int64_t v);
void csvw_end_row(csvw *w);
/* Stops keeping the CRC-32 of the whole file (crc32 stays unset): for a file that
 * checksums its own parts (the ledger's segments). Call it before writing anything. */
static inline void csvw_without_crc(csvw *w) { w->no_crc = 1; }
/* Bytes as they are, no separator and no quoting (JSON and other text). */
void csvw_raw(csvw *w, const char *s, size_t n);
/* Room for n more raw bytes (n at most CSVW_BLOCK) straight in the buffer: the caller
 * writes there, then calls csvw_wrote with how many it wrote (at most n). */
char *csvw_reserve_slow(csvw *w, size_t n);
static inline char *csvw_reserve(csvw *w, size_t n)
{
    return CSVW_BLOCK - w->used >= n ? (char *)w->buf + w->used : csvw_reserve_slow(w, n);
}
static inline void csvw_wrote(csvw *w, size_t k) { w->used += k; }
/* A whole number as raw text (no separator). */
void csvw_raw_int(csvw *w, int64_t v);
/* Formatted raw text (no separator), cut at 512 bytes: headers and summaries, not hot paths. */
void csvw_printf(csvw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* CRC-32 of every byte given so far, buffered ones included (plain writers only). */
uint32_t csvw_content_crc(csvw *w);

/* Flushes, finishes the gzip stream, fsyncs and closes. Returns 0, or -1 with errno
 * set when any write so far failed (the file is then incomplete: the caller removes it). */
int csvw_close(csvw *w);
/* The same for a stream that is not a file of its own (standard output): flushes,
 * but neither fsyncs nor closes the descriptor. Returns 0, or -1 with errno. */
int csvw_finish_stream(csvw *w);
/* Closes without flushing (after a failure elsewhere). */
void csvw_abort(csvw *w);

#endif
