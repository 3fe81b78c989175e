/* archive.c — what each generation keeps of its night for corrections: its input files (by SHA-256) and its paychecks. */
#include "archive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "csvw.h"
#include "fsafe.h"

#define errf fsafe_errf
#define COPY_BLOCK ((size_t)1 << 20)

/* ---- inputs ---- */

int arch_inputs_open(int gen_dfd)
{
    if (mkdirat(gen_dfd, ARCH_INPUTS, 0700) != 0 && errno != EEXIST)
        return -1;
    return fsafe_open_subdir(gen_dfd, ARCH_INPUTS);
}

int arch_copy_begin(arch_copy *c, int dfd, int state_dfd, int newest, int k)
{
    memset(c, 0, sizeof *c);
    c->dfd = dfd;
    c->state_dfd = state_dfd;
    c->newest = newest;
    snprintf(c->tmp, sizeof c->tmp, ".copy-%d.tmp", k);
    c->fd = fsafe_create(dfd, c->tmp);
    return c->fd < 0 ? -1 : 0;
}

/* write(2) of all n bytes. Returns 0 or an errno. */
static int write_all(int fd, const void *p, size_t n)
{
    const char *b = p;
    while (n > 0) {
        ssize_t k = write(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return errno ? errno : EIO;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

int arch_copy_tee(void *copy, const void *bytes, size_t n)
{
    arch_copy *c = copy;
    if (c->err)
        return c->err;
    if ((c->err = write_all(c->fd, bytes, n)) != 0)
        return c->err;
    c->bytes += n;
    fsafe_writeback(c->fd, c->bytes, &c->writeback);
    return 0;
}

/* Links hex (a SHA-256) into the inputs directory dfd from the newest generation of
 * the state that has it, when one does (or dfd has it already). Returns 1 linked or
 * there, 0 none has it, or -1 with err. */
static int link_earlier(int dfd, int state_dfd, int newest, const char *hex, char *err, size_t errlen)
{
    char from[128];
    struct stat st;
    if (fstatat(dfd, hex, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return 1;
    for (int g = newest; g >= 1; g--) {
        snprintf(from, sizeof from, "gen-%06d/%s/%s", g, ARCH_INPUTS, hex);
        if (fstatat(state_dfd, from, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            return linkat(state_dfd, from, dfd, hex, 0) == 0 || errno == EEXIST
                       ? 1
                       : errf(err, errlen, -1, "%s: cannot link it into this generation's inputs: %s", from,
                              fsafe_strerror(errno));
    }
    return 0;
}

int arch_copy_end(arch_copy *c, int ok, const uint8_t sha[DIGEST_SIZE], char *err, size_t errlen)
{
    char hex[DIGEST_HEX];
    int rc = 0, linked = 0;
    if (c->fd < 0)
        return 0;
    if (ok && !c->err) {
        digest_hex(sha, hex);
        /* a file an earlier night kept already (the same timesheets run again) is not kept twice */
        if ((linked = link_earlier(c->dfd, c->state_dfd, c->newest, hex, err, errlen)) < 0)
            rc = -1;
        else if (linked)
            ;
        else if (!c->sync_later && fsafe_fsync(c->fd, "fsync-state") != 0)
            rc = errf(err, errlen, -1, "%s: cannot write the copy of an input: %s", ARCH_INPUTS, fsafe_strerror(errno));
        else if (fsafe_rename(c->dfd, c->tmp, c->dfd, hex, "fsync-state") != 0 && errno != EEXIST)
            rc = errf(err, errlen, -1, "%s/%s: cannot name the copy of an input: %s", ARCH_INPUTS, hex,
                      fsafe_strerror(errno));
    } else if (ok) {
        rc = errf(err, errlen, -1, "%s: cannot write the copy of an input: %s", ARCH_INPUTS, fsafe_strerror(c->err));
    }
    close(c->fd);
    c->fd = -1;
    unlinkat(c->dfd, c->tmp, 0);    /* gone when it was renamed */
    return rc;
}

int arch_inputs_sync(int dfd)
{
    int d = dup(dfd);
    DIR *dir = d >= 0 ? fdopendir(d) : NULL;
    if (!dir) {
        if (d >= 0)
            close(d);
        return -1;
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (errno = 0, de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;   /* ., .. and temporary copies (removed) */
        int fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fsafe_fsync(fd, "fsync-state") != 0)
            rc = -1;
        if (fd >= 0) {
            int e = errno;
            close(fd);
            errno = e;
        }
    }
    if (rc == 0 && errno != 0)
        rc = -1;    /* readdir failed */
    int e = errno;
    closedir(dir);
    errno = e;
    return rc == 0 ? fsafe_fsync(dfd, "fsync-state-dir") : -1;
}

/* Copies path into the new file tmp of dfd, hashing what it copies into got. Returns
 * 0, or an errno. */
static int copy_hashing(int dfd, const char *tmp, const char *path, uint8_t got[DIGEST_SIZE])
{
    int in = open(path, O_RDONLY | O_CLOEXEC), out = in < 0 ? -1 : fsafe_create(dfd, tmp);
    unsigned char *buf = out < 0 ? NULL : malloc(COPY_BLOCK);
    int e = in < 0 || out < 0 ? errno : buf ? 0 : ENOMEM;
    digest_ctx d;
    digest_init(&d);
    while (!e) {
        ssize_t k = read(in, buf, COPY_BLOCK);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            e = k < 0 ? errno : 0;
            break;
        }
        digest_update(&d, buf, (size_t)k);
        e = write_all(out, buf, (size_t)k);
    }
    digest_final(&d, got);
    if (!e && fsafe_fsync(out, "fsync-state") != 0)
        e = errno ? errno : EIO;
    free(buf);
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return e;
}

int arch_keep_file(int dfd, int state_dfd, int newest, const char *path, const uint8_t sha[DIGEST_SIZE], char *err,
                   size_t errlen)
{
    char hex[DIGEST_HEX];
    digest_hex(sha, hex);
    int linked = link_earlier(dfd, state_dfd, newest, hex, err, errlen);
    if (linked != 0)
        return linked > 0 ? 0 : -1;
    uint8_t got[DIGEST_SIZE];
    const char *tmp = ".keep.tmp";
    unlinkat(dfd, tmp, 0);
    int e = copy_hashing(dfd, tmp, path, got);
    if (!e && memcmp(got, sha, DIGEST_SIZE) != 0) {
        unlinkat(dfd, tmp, 0);
        return errf(err, errlen, -1, "%s changed while the night ran (it was paid from other bytes than it now "
                    "holds): run the night again", path);
    }
    if (!e && fsafe_rename(dfd, tmp, dfd, hex, "fsync-state") != 0 && errno != EEXIST)
        e = errno ? errno : EIO;
    unlinkat(dfd, tmp, 0);
    return e ? errf(err, errlen, -1, "%s: cannot keep a copy in the state: %s", path, fsafe_strerror(e)) : 0;
}

struct arch_keeper {
    int dfd, state_dfd, newest, n;
    const char *const *paths;
    const uint8_t (*sha)[DIGEST_SIZE];
    int rc, thread;
    pthread_t tid;
    char err[1024];
};

static void *keep_all(void *arg)
{
    arch_keeper *k = arg;
    for (int i = 0; k->rc == 0 && i < k->n; i++)
        k->rc = arch_keep_file(k->dfd, k->state_dfd, k->newest, k->paths[i], k->sha[i], k->err, sizeof k->err);
    return NULL;
}

arch_keeper *arch_keep_begin(int dfd, int state_dfd, int newest, int n, const char *const *paths,
                             const uint8_t (*sha)[DIGEST_SIZE])
{
    arch_keeper *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    *k = (arch_keeper){.dfd = dfd, .state_dfd = state_dfd, .newest = newest, .n = n, .paths = paths, .sha = sha};
    k->thread = pthread_create(&k->tid, NULL, keep_all, k) == 0;
    return k;
}

int arch_keep_end(arch_keeper *k, char *err, size_t errlen)
{
    if (!k)
        return errf(err, errlen, -1, "cannot keep the masters in the state: out of memory");
    if (k->thread)
        pthread_join(k->tid, NULL);
    else
        keep_all(k);    /* no thread could be started: the copies are made now */
    int rc = k->rc;
    if (rc != 0)
        snprintf(err, errlen, "%s", k->err);
    free(k);
    return rc;
}

int arch_verify_inputs(int state_dfd, int gen, char *err, size_t errlen)
{
    char dir[64];
    snprintf(dir, sizeof dir, "gen-%06d/%s", gen, ARCH_INPUTS);
    int dfd = fsafe_open_subdir(state_dfd, dir);
    if (dfd < 0)
        return errno == ENOENT ? 0 : errf(err, errlen, -1, "%s: cannot open: %s", dir, fsafe_strerror(errno));
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return errf(err, errlen, -1, "%s: cannot read: %s", dir, fsafe_strerror(errno));
    }
    int n = 0, rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        uint8_t want[DIGEST_SIZE], got[DIGEST_SIZE];
        uint64_t bytes;
        int fd = -1;
        if (digest_parse(e->d_name, strlen(e->d_name), want) != 0)
            rc = errf(err, errlen, -1, "%s/%s: not an archived input (its name is not a SHA-256)", dir, e->d_name);
        else if ((fd = fsafe_open_read(dirfd(d), e->d_name)) < 0 || digest_fd(fd, got, &bytes) != 0)
            rc = errf(err, errlen, -1, "%s/%s: cannot read: %s", dir, e->d_name, fsafe_strerror(errno));
        else if (memcmp(want, got, DIGEST_SIZE) != 0)
            rc = errf(err, errlen, -1, "%s/%s: its bytes are not those its name says (damaged)", dir, e->d_name);
        else
            n++;
        if (fd >= 0)
            close(fd);
    }
    closedir(d);
    return rc ? rc : n;
}

/* ---- paychecks ---- */

/* paychecks.bin, version 2: a header line "payrun-paychecks 2 PREFIX PAY_DATE\n", then
 * blocks, each [bytes u32][count u32][crc32 u32][records], then the trailer
 * [0 u32]["PAYRUNPC"][paychecks u64][the CRC-32 of the header and every block's CRC
 * u32]. A record: seq, the timesheet id, provider, recipient, county, period start,
 * kind, minutes, rates, amounts (AMT_COUNT; version 1, before income-tax withholding,
 * has 11: no federal_income_tax and state_income_tax, read as 0), sr_number; numbers as
 * zigzag varints, text as a varint length and its bytes. The machine's byte order (the
 * file is read where it was written). */
#define PAY_MAGIC "PAYRUNPC"
#define PAY_VERSION 2   /* 2: the 13 money columns with federal_income_tax and state_income_tax; 1: the 11 before */
#define PAY_BLOCK 65536u

struct arch_writer {
    csvw out;       /* the file: its writer thread (when on) does the write(2)s, not the engine's */
    int err;        /* EOVERFLOW: a record did not fit (cannot happen within csvr's limits) */
    uint64_t count;     /* paychecks */
    uint32_t block_count, crcs;
    size_t used;
    unsigned char buf[12 + PAY_BLOCK + 4096];
};

static size_t put_varint(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static size_t put_int(unsigned char *p, int64_t v) { return put_varint(p, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }

static size_t put_text(unsigned char *p, const char *s, size_t n)
{
    size_t k = put_varint(p, n);
    memcpy(p + k, s, n);
    return k + n;
}

static void flush_block(arch_writer *w)
{
    if (w->block_count == 0)
        return;
    uint32_t bytes = (uint32_t)(w->used - 12), crc = (uint32_t)crc32(0L, w->buf + 12, bytes);
    memcpy(w->buf, &bytes, 4);
    memcpy(w->buf + 4, &w->block_count, 4);
    memcpy(w->buf + 8, &crc, 4);
    w->crcs = (uint32_t)crc32(w->crcs, (const unsigned char *)&crc, 4);
    csvw_raw(&w->out, (const char *)w->buf, w->used);
    w->used = 12;
    w->block_count = 0;
}

arch_writer *arch_pay_open(int dfd, const char *name, const char *prefix, const char *pay_date)
{
    arch_writer *w = calloc(1, sizeof *w);
    int fd = -1;
    if (!w || (fd = fsafe_create(dfd, name)) < 0 || csvw_open_fd(&w->out, fd, 0) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        free(w);
        errno = e;
        return NULL;
    }
    csvw_without_crc(&w->out);  /* the file checksums its blocks */
    w->out.sync_point = "fsync-state";
    char head[128];
    int n = snprintf(head, sizeof head, "payrun-paychecks %d %s %s\n", PAY_VERSION, prefix, pay_date);
    w->crcs = (uint32_t)crc32(0L, (const unsigned char *)head, (uInt)n);
    csvw_raw(&w->out, head, (size_t)n);
    w->used = 12;
    return w;
}

void arch_pay_put(arch_writer *w, const arch_paycheck *p)
{
    size_t texts = p->timesheet_id_len + strlen(p->provider) + strlen(p->recipient) + strlen(p->county) +
                   strlen(p->sr_number);
    if (w->used + texts + 400 > sizeof w->buf || w->used - 12 >= PAY_BLOCK)
        flush_block(w);
    if (w->used + texts + 400 > sizeof w->buf) {
        w->err = w->err ? w->err : EOVERFLOW;     /* ids far over csvr's limits: cannot happen */
        return;
    }
    unsigned char *b = w->buf + w->used, *at = b;
    at += put_int(at, p->seq);
    at += put_text(at, p->timesheet_id, p->timesheet_id_len);
    at += put_text(at, p->provider, strlen(p->provider));
    at += put_text(at, p->recipient, strlen(p->recipient));
    at += put_text(at, p->county, strlen(p->county));
    at += put_int(at, p->period_start);
    at += put_int(at, p->kind);
    at += put_int(at, p->regular_minutes);
    at += put_int(at, p->overtime_minutes);
    at += put_int(at, p->regular_rate);
    at += put_int(at, p->overtime_rate);
    for (int a = 0; a < AMT_COUNT; a++)
        at += put_int(at, p->amount[a]);
    at += put_text(at, p->sr_number, strlen(p->sr_number));
    w->used += (size_t)(at - b);
    w->block_count++;
    w->count++;
}

int arch_pay_close(arch_writer *w)
{
    flush_block(w);
    unsigned char t[4 + 8 + 8 + 4];
    uint32_t zero = 0;
    memcpy(t, &zero, 4);
    memcpy(t + 4, PAY_MAGIC, 8);
    memcpy(t + 12, &w->count, 8);
    memcpy(t + 20, &w->crcs, 4);
    csvw_raw(&w->out, (const char *)t, sizeof t);
    int e = 0;
    if (w->err) {
        csvw_abort(&w->out);
        e = w->err;
    } else if (csvw_close(&w->out) != 0) {     /* flushes, fsyncs ("fsync-state") and closes */
        e = errno ? errno : EIO;
    }
    free(w);
    errno = e;
    return e ? -1 : 0;
}

void arch_pay_abandon(arch_writer *w)
{
    if (!w)
        return;
    csvw_abort(&w->out);
    free(w);
}

/* ---- reading paychecks.bin ---- */

typedef struct {
    const unsigned char *p, *end;
    int bad;
} cursor;

static uint64_t get_varint(cursor *c)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (c->p >= c->end) {
            c->bad = 1;
            return 0;
        }
        unsigned char b = *c->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    c->bad = 1;
    return 0;
}

static int64_t get_int(cursor *c)
{
    uint64_t u = get_varint(c);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* A text of the record into the scratch s (NUL-terminated); returns it. */
static const char *get_text(cursor *c, char *s, size_t cap, size_t *len)
{
    uint64_t n = get_varint(c);
    if (c->bad || n >= cap || n > (uint64_t)(c->end - c->p)) {
        c->bad = 1;
        s[0] = '\0';
        return s;
    }
    memcpy(s, c->p, (size_t)n);
    s[n] = '\0';
    c->p += n;
    if (len)
        *len = (size_t)n;
    return s;
}

/* One record at c into p (its texts in t), of a file of version `version` (1: no income
 * tax columns, read as 0.00). Returns 0, or -1 when it does not parse. */
static int get_record(cursor *c, arch_paycheck *p, char t[5][65536], int version)
{
    memset(p, 0, sizeof *p);
    p->seq = get_int(c);
    p->timesheet_id = get_text(c, t[0], sizeof t[0], &p->timesheet_id_len);
    p->provider = get_text(c, t[1], sizeof t[1], NULL);
    p->recipient = get_text(c, t[2], sizeof t[2], NULL);
    p->county = get_text(c, t[3], sizeof t[3], NULL);
    p->period_start = (cal_date)get_int(c);
    p->kind = (int)get_int(c);
    p->regular_minutes = get_int(c);
    p->overtime_minutes = get_int(c);
    p->regular_rate = get_int(c);
    p->overtime_rate = get_int(c);
    for (int a = 0; a < AMT_COUNT; a++)
        if (version > 1 || (a != AMT_FEDERAL_INCOME_TAX && a != AMT_STATE_INCOME_TAX))
            p->amount[a] = get_int(c);
    p->sr_number = get_text(c, t[4], sizeof t[4], NULL);
    return c->bad ? -1 : 0;
}

/* The header line of f: version (1 or PAY_VERSION), prefix and pay date. Returns 0, or -1. */
static int read_head(FILE *f, int *version, char prefix[32], char pay_date[16], uint32_t *crcs)
{
    char line[160];
    if (!fgets(line, sizeof line, f) || sscanf(line, "payrun-paychecks %d %31s %15s", version, prefix, pay_date) != 3 ||
        *version < 1 || *version > PAY_VERSION)
        return -1;
    *crcs = (uint32_t)crc32(0L, (const unsigned char *)line, (uInt)strlen(line));
    return 0;
}

int arch_pay_read(int dfd, const char *name, arch_pay_fn fn, void *ctx, char *err, size_t errlen)
{
    int fd = fsafe_open_read(dfd, name);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "rb");
    if (!f) {
        if (fd >= 0)
            close(fd);
        return errf(err, errlen, -1, "%s: cannot open: %s", name, fsafe_strerror(errno));
    }
    char prefix[32], pay_date[16];
    int version = 0;
    char(*texts)[65536] = malloc(5 * sizeof *texts);
    unsigned char *block = malloc(PAY_BLOCK + 4096);
    uint32_t crcs = 0;
    uint64_t count = 0;
    int rc = 0, more = 0;
    if (!texts || !block)
        rc = errf(err, errlen, -1, "%s: out of memory", name);
    else if (read_head(f, &version, prefix, pay_date, &crcs) != 0)
        rc = errf(err, errlen, -1, "%s: not a paychecks archive", name);
    else
        more = 1;
    while (more && rc == 0) {
        uint32_t h[3], total;
        unsigned char magic[8];
        uint64_t n;
        if (fread(h, 4, 1, f) != 1) {
            rc = errf(err, errlen, -1, "%s: truncated", name);
        } else if (h[0] == 0) {
            more = 0;
            if (!(fread(magic, 8, 1, f) == 1 && memcmp(magic, PAY_MAGIC, 8) == 0 && fread(&n, 8, 1, f) == 1 &&
                  fread(&total, 4, 1, f) == 1 && n == count && total == crcs && fgetc(f) == EOF))
                rc = errf(err, errlen, -1, "%s: its trailer does not match its blocks (truncated or damaged)", name);
        } else if (h[0] > PAY_BLOCK + 4096 || fread(h + 1, 4, 2, f) != 2 || fread(block, 1, h[0], f) != h[0] ||
                   (uint32_t)crc32(0L, block, h[0]) != h[2]) {
            rc = errf(err, errlen, -1, "%s: a block fails its checksum (damaged)", name);
        } else {
            crcs = (uint32_t)crc32(crcs, (const unsigned char *)&h[2], 4);
            cursor c = {block, block + h[0], 0};
            arch_paycheck p;
            for (uint32_t i = 0; rc == 0 && i < h[1]; i++) {
                if (get_record(&c, &p, texts, version) != 0)
                    rc = errf(err, errlen, -1, "%s: a paycheck does not parse (damaged)", name);
                else if ((rc = fn(ctx, prefix, pay_date, &p)) == 0)
                    count++;
            }
            if (rc == 0 && c.p != c.end)
                rc = errf(err, errlen, -1, "%s: a block holds more than its paychecks (damaged)", name);
        }
    }
    free(texts);
    free(block);
    fclose(f);
    return rc;
}
