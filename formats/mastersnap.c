/* mastersnap.c — the masters snapshot (masters/<key>.bin version 2): raw arrays, block-checksummed, checked and mapped on load (docs/snapshot.md). */
#define _GNU_SOURCE    /* madvise, CLOCK_REALTIME_COARSE, sync_file_range */
#include "mastersnap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "digest.h"
#include "fsafe.h"
#include "state.h"

#define MSNAP_MAGIC "PAYRUNMS"
#define MSNAP_VERSION 3u    /* 3: withholding.csv (its file entry, rows and wh_first), and param_scale's
                               threshold and rate (tax and allowance tables) */
#define BLOCK ((size_t)1 << 20)     /* the data is checksummed in blocks of 1 MiB */
#define PAGE 4096u                  /* the data starts on a page of its own */
#define ALIGN 64u                   /* each section starts on a cache line */
#define MAX_SECTIONS 48
#define NAME_LEN (2 * DIGEST_SIZE + 4)  /* "<64 hex>.bin" */

#define errf fsafe_errf

/* ---- the file: a header with its tables, then the sections ---- */

/* What a master file was when the snapshot was made: what csvr_info says of it. */
typedef struct {
    uint8_t present, gzip, pad[6];
    uint64_t bytes, rows;
    uint32_t crc32, pad2;
    uint8_t sha256[DIGEST_SIZE];
} disk_file;

typedef struct {
    char magic[8];
    uint32_t version;
    uint32_t header_bytes;          /* the header and its tables, padded to a page: the data start there */
    uint64_t file_bytes;            /* the whole file */
    uint8_t key[DIGEST_SIZE];       /* the file is named by it: see snapshot_key */
    uint8_t layout[DIGEST_SIZE];    /* the build's struct layout: see layout_digest */
    uint32_t nscalars, nsections, nblocks, block_bytes;
    disk_file files[LOAD_NFILES];
} disk_head;

/* A section: where its bytes are in the file; isnull when the array was NULL. */
typedef struct {
    uint64_t offset, bytes, isnull;
} disk_section;

_Static_assert(sizeof(disk_file) == 64, "disk_file is 64 bytes");
_Static_assert(sizeof(disk_head) % 8 == 0, "the header tables are 8-aligned");

/* The header in memory: the fixed part, then scalars[nscalars], sections[nsections],
 * block_crc[nblocks] and the CRC-32 of every header byte before it. */
typedef struct {
    unsigned char *buf;
    size_t bytes;                   /* header_bytes */
    disk_head *h;
    uint64_t *scalar;
    disk_section *sec;
    uint32_t *block_crc;
    uint32_t *crc;
} header;

/* ---- what of the masters is saved ---- */

/* The non-pointer members of masters the arrays' sizes and lookups depend on, saved
 * as their bytes in a uint64 each. */
#define SCALAR(f) {offsetof(masters, f), sizeof(((masters *)0)->f)}
#define IDS_SCALARS(t) SCALAR(t.pool.len), SCALAR(t.pool.cap), SCALAR(t.n), SCALAR(t.cap), SCALAR(t.mask)
#define VEC_SCALARS(v) SCALAR(v.n), SCALAR(v.cap)
static const struct {
    size_t offset, size;
} scalars[] = {
    SCALAR(params.n), SCALAR(params.cap), SCALAR(params.nscales), SCALAR(params.scales_cap), SCALAR(params.sorted),
    SCALAR(params.text.len), SCALAR(params.text.cap), IDS_SCALARS(params.counties), IDS_SCALARS(provider_ids),
    IDS_SCALARS(recipient_ids), IDS_SCALARS(overpayment_ids), IDS_SCALARS(writ_ids), VEC_SCALARS(providers),
    VEC_SCALARS(recipients), VEC_SCALARS(authorizations), VEC_SCALARS(assignments), VEC_SCALARS(overpayments),
    VEC_SCALARS(writs), VEC_SCALARS(holiday_dates), VEC_SCALARS(esp_changes), VEC_SCALARS(withholding),
    SCALAR(holidays.n), SCALAR(text.len), SCALAR(text.cap),
};
#define NSCALARS (sizeof scalars / sizeof *scalars)

/* The layout of every struct the file holds raw: a snapshot of another build whose
 * layout differs has another key and is never read. */
#define FIELD(T, f) offsetof(T, f), sizeof(((T *)0)->f)
static const uint32_t layout_words[] = {
    sizeof(masters), sizeof(void *), 0x01020304u,
    sizeof(master_provider), FIELD(master_provider, county), FIELD(master_provider, enrollment_complete),
    FIELD(master_provider, elective_sdi), FIELD(master_provider, union_member),
    FIELD(master_provider, workweek_exemption), FIELD(master_provider, line),
    sizeof(master_recipient), FIELD(master_recipient, county), FIELD(master_recipient, birth_date),
    FIELD(master_recipient, severely_impaired), FIELD(master_recipient, bups_exception),
    FIELD(master_recipient, esp_inactivated_on), FIELD(master_recipient, line),
    sizeof(master_authorization), FIELD(master_authorization, share_of_cost),
    FIELD(master_authorization, soc_met_by_medical), FIELD(master_authorization, recipient),
    FIELD(master_authorization, month), FIELD(master_authorization, authorized_minutes),
    FIELD(master_authorization, line), FIELD(master_authorization, medi_cal_eligible),
    sizeof(master_assignment), FIELD(master_assignment, provider), FIELD(master_assignment, recipient),
    FIELD(master_assignment, relationship), FIELD(master_assignment, bups), FIELD(master_assignment, start),
    FIELD(master_assignment, end), FIELD(master_assignment, line),
    sizeof(master_overpayment), FIELD(master_overpayment, provider), FIELD(master_overpayment, id),
    FIELD(master_overpayment, balance), FIELD(master_overpayment, per_check_max), FIELD(master_overpayment, line),
    sizeof(master_writ), FIELD(master_writ, reason), FIELD(master_writ, reason_text), FIELD(master_writ, sr_number),
    FIELD(master_writ, regular_rate), FIELD(master_writ, overtime_rate), FIELD(master_writ, regular_minutes),
    FIELD(master_writ, overtime_minutes), FIELD(master_writ, line),
    sizeof(master_esp_change), FIELD(master_esp_change, recipient), FIELD(master_esp_change, from),
    FIELD(master_esp_change, line), FIELD(master_esp_change, inactive), FIELD(master_esp_change, from_recipients),
    sizeof(master_withholding), FIELD(master_withholding, provider), FIELD(master_withholding, from),
    FIELD(master_withholding, fed_status), FIELD(master_withholding, fed_pre2020),
    FIELD(master_withholding, fed_multiple_jobs), FIELD(master_withholding, ca_status),
    FIELD(master_withholding, fed_dependents), FIELD(master_withholding, fed_other_income),
    FIELD(master_withholding, fed_deductions), FIELD(master_withholding, fed_extra),
    FIELD(master_withholding, fed_allowances), FIELD(master_withholding, ca_allowances),
    FIELD(master_withholding, ca_additional_allowances), FIELD(master_withholding, ca_extra),
    FIELD(master_withholding, line),
    sizeof(param_row), FIELD(param_row, id), FIELD(param_row, county), FIELD(param_row, from), FIELD(param_row, value),
    FIELD(param_row, present), FIELD(param_row, scale), FIELD(param_row, reference), FIELD(param_row, line),
    sizeof(param_scale), FIELD(param_scale, n), FIELD(param_scale, from_minutes), FIELD(param_scale, amount),
    FIELD(param_scale, threshold), FIELD(param_scale, rate),
    sizeof(ids_slot), FIELD(ids_slot, code), FIELD(ids_slot, hash), FIELD(ids_slot, idx),
    sizeof(cal_date), sizeof(money_rate), sizeof(size_t), P_COUNT,
};

static void layout_digest(uint8_t out[DIGEST_SIZE])
{
    digest_ctx c;
    digest_init(&c);
    digest_update(&c, layout_words, sizeof layout_words);
    for (size_t i = 0; i < NSCALARS; i++) {
        uint32_t w[2] = {(uint32_t)scalars[i].offset, (uint32_t)scalars[i].size};
        digest_update(&c, w, sizeof w);
    }
    digest_final(&c, out);
}

/* What a snapshot is of: the format version, the layout, and each master file's name,
 * presence and SHA-256 (an absent optional file counts as absent). */
static void snapshot_key(const load_file files[LOAD_NFILES], uint8_t key[DIGEST_SIZE])
{
    uint8_t layout[DIGEST_SIZE];
    uint32_t version = MSNAP_VERSION;
    digest_ctx c;
    layout_digest(layout);
    digest_init(&c);
    digest_update(&c, MSNAP_MAGIC, 8);
    digest_update(&c, &version, sizeof version);
    digest_update(&c, layout, sizeof layout);
    for (int f = 0; f < LOAD_NFILES; f++) {
        const char *name = load_file_name(f);
        uint8_t present = (uint8_t)files[f].present;
        digest_update(&c, name, strlen(name) + 1);
        digest_update(&c, &present, 1);
        if (present)
            digest_update(&c, files[f].info.sha256, DIGEST_SIZE);
    }
    digest_final(&c, key);
}

/* An array of the masters: the address of its pointer member, and its size in bytes. */
typedef struct {
    void *field;
    uint64_t bytes;
} section;

typedef struct {
    section s[MAX_SECTIONS];
    size_t n;
    int overflow;
} section_list;

/* Adds the array at the pointer member field holding count elements of size bytes. */
static void add(section_list *l, void *field, uint64_t count, size_t size)
{
    uint64_t bytes;
    if (__builtin_mul_overflow(count, (uint64_t)size, &bytes) || l->n == MAX_SECTIONS) {
        l->overflow = 1;
        return;
    }
    l->s[l->n++] = (section){field, bytes};
}

static void add_ids(section_list *l, ids_table *t)
{
    add(l, &t->pool.buf, t->pool.len, 1);
    add(l, &t->off, (uint64_t)(int64_t)t->n, sizeof *t->off);
    add(l, &t->slot, t->slot ? (uint64_t)t->mask + 1 : 0, sizeof *t->slot);
}

#define ADD_VEC(l, vec) add(l, &(vec).v, (vec).n, sizeof *(vec).v)

/* Every array of m, sized by m's scalars (which a reader has restored first).
 * Returns 0, or -1 when a size overflows (a damaged header). */
static int list_sections(masters *m, section_list *l)
{
    memset(l, 0, sizeof *l);
    param_table *p = &m->params;
    add(l, &p->rows, p->n, sizeof *p->rows);
    add(l, &p->scales, p->nscales, sizeof *p->scales);
    add_ids(l, &p->counties);
    add(l, &p->county_known, p->county_known ? (uint64_t)(int64_t)p->counties.n + 1 : 0, 1);
    add(l, &p->text.buf, p->text.len, 1);
    add_ids(l, &m->provider_ids);
    add_ids(l, &m->recipient_ids);
    add_ids(l, &m->overpayment_ids);
    add_ids(l, &m->writ_ids);
    ADD_VEC(l, m->providers);
    ADD_VEC(l, m->recipients);
    ADD_VEC(l, m->authorizations);
    ADD_VEC(l, m->assignments);
    ADD_VEC(l, m->overpayments);
    ADD_VEC(l, m->writs);
    ADD_VEC(l, m->holiday_dates);
    ADD_VEC(l, m->esp_changes);
    ADD_VEC(l, m->withholding);
    add(l, &m->holiday_weekdays, m->holidays.n, sizeof *m->holiday_weekdays);
    add(l, &m->auth_first, m->auth_first ? (uint64_t)m->recipients.n + 1 : 0, sizeof *m->auth_first);
    add(l, &m->asg_first, m->asg_first ? (uint64_t)m->providers.n + 1 : 0, sizeof *m->asg_first);
    add(l, &m->esp_first, m->esp_first ? (uint64_t)m->recipients.n + 1 : 0, sizeof *m->esp_first);
    add(l, &m->wh_first, m->wh_first ? (uint64_t)m->providers.n + 1 : 0, sizeof *m->wh_first);
    add(l, &m->first_overpayment, m->providers.n, sizeof *m->first_overpayment);
    add(l, &m->next_overpayment, m->overpayments.n, sizeof *m->next_overpayment);
    add(l, &m->text.buf, m->text.len, 1);
    return l->overflow ? -1 : 0;
}

static void *pointer_at(const section *s)
{
    void *p;
    memcpy(&p, s->field, sizeof p);
    return p;
}

static void set_pointer(const section *s, void *p) { memcpy(s->field, &p, sizeof p); }

static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

/* ---- the header ---- */

static size_t header_size(uint32_t nsections, uint32_t nblocks)
{
    size_t raw = sizeof(disk_head) + 8 * NSCALARS + sizeof(disk_section) * nsections + 4 * (size_t)nblocks + 4;
    return (size_t)align_up(raw, PAGE);
}

/* Points hd's tables into buf (bytes long, its disk_head read). Returns 0, or -1 when
 * the counts do not fit this build. */
static int header_view(header *hd, unsigned char *buf, size_t bytes)
{
    disk_head *h = (disk_head *)(void *)buf;
    if (bytes < sizeof *h || h->nscalars != NSCALARS || h->nsections > MAX_SECTIONS || h->block_bytes != BLOCK ||
        h->header_bytes != header_size(h->nsections, h->nblocks) || h->header_bytes > bytes)
        return -1;
    hd->buf = buf;
    hd->bytes = h->header_bytes;
    hd->h = h;
    hd->scalar = (uint64_t *)(void *)(buf + sizeof *h);
    hd->sec = (disk_section *)(void *)(hd->scalar + NSCALARS);
    hd->block_crc = (uint32_t *)(void *)(hd->sec + h->nsections);
    hd->crc = hd->block_crc + h->nblocks;
    return 0;
}

static uint32_t crc_of(const void *p, size_t n) { return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n); }

static uint32_t header_crc(const header *hd) { return crc_of(hd->buf, (size_t)((unsigned char *)hd->crc - hd->buf)); }

/* ---- writing ---- */

/* Writes the data of a snapshot, block by block, keeping each block's CRC-32. */
typedef struct {
    int fd;
    uint64_t pos;                   /* data bytes written */
    uint32_t *block_crc;
    int failed;                     /* errno of the first failure, 0 none */
} emitter;

static void emit(emitter *e, const void *p, uint64_t n)
{
    const unsigned char *s = p;
    while (n > 0 && !e->failed) {
        uint64_t room = BLOCK - e->pos % BLOCK, k = n < room ? n : room;
        ssize_t w = write(e->fd, s, (size_t)k);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            e->failed = w < 0 ? errno : EIO;
            return;
        }
        uint32_t *crc = &e->block_crc[e->pos / BLOCK];    /* of what was written: a short write counts once */
        *crc = (uint32_t)crc32(*crc, s, (uInt)w);
        e->pos += (uint64_t)w;
        s += w;
        n -= (uint64_t)w;
    }
}

static void emit_zeros(emitter *e, uint64_t n)
{
    static const unsigned char zero[ALIGN];
    while (n > 0) {
        uint64_t k = n < ALIGN ? n : ALIGN;
        emit(e, zero, k);
        n -= k;
    }
}

/* Fills the header of m's snapshot (hd->buf zeroed, header_bytes long) and places its
 * sections; the block CRCs come from write_data. */
static void fill_header(header *hd, const section_list *l, uint64_t data_bytes, const load_file files[LOAD_NFILES],
                        const masters *m)
{
    disk_head *h = hd->h;
    memcpy(h->magic, MSNAP_MAGIC, 8);
    h->version = MSNAP_VERSION;
    h->header_bytes = (uint32_t)hd->bytes;
    h->file_bytes = hd->bytes + data_bytes;
    snapshot_key(files, h->key);
    layout_digest(h->layout);
    h->nscalars = NSCALARS;
    h->block_bytes = BLOCK;
    for (int f = 0; f < LOAD_NFILES; f++) {
        const csvr_info *in = &files[f].info;
        h->files[f] = (disk_file){.present = (uint8_t)files[f].present, .gzip = (uint8_t)in->gzip,
                                  .bytes = in->bytes, .rows = in->rows, .crc32 = in->crc32};
        memcpy(h->files[f].sha256, in->sha256, DIGEST_SIZE);
    }
    for (size_t i = 0; i < NSCALARS; i++)
        memcpy(&hd->scalar[i], (const char *)m + scalars[i].offset, scalars[i].size);
    uint64_t at = hd->bytes;
    for (size_t i = 0; i < l->n; i++) {
        hd->sec[i] = (disk_section){.offset = at, .bytes = l->s[i].bytes, .isnull = pointer_at(&l->s[i]) == NULL};
        at = align_up(at + l->s[i].bytes, ALIGN);
    }
}

/* The sections' bytes after the header, each padded to ALIGN. */
static uint64_t data_size(const section_list *l)
{
    uint64_t at = 0;
    for (size_t i = 0; i < l->n; i++)
        at = align_up(at + l->s[i].bytes, ALIGN);
    return at;
}

/* Writes the whole snapshot of m to fd (new and empty). Returns 0, or an errno. */
static int write_snapshot(int fd, const masters *m, const load_file files[LOAD_NFILES])
{
    section_list l;
    if (list_sections((masters *)(uintptr_t)m, &l) != 0)
        return EOVERFLOW;
    uint64_t data_bytes = data_size(&l);
    uint32_t nblocks = (uint32_t)((data_bytes + BLOCK - 1) / BLOCK);
    size_t hbytes = header_size((uint32_t)l.n, nblocks);
    header hd;
    unsigned char *buf = calloc(1, hbytes);
    if (!buf)
        return ENOMEM;
    disk_head *h = (disk_head *)(void *)buf;
    *h = (disk_head){.nscalars = NSCALARS, .nsections = (uint32_t)l.n, .nblocks = nblocks, .block_bytes = BLOCK,
                     .header_bytes = (uint32_t)hbytes};
    header_view(&hd, buf, hbytes);
    fill_header(&hd, &l, data_bytes, files, m);
    emitter e = {.fd = fd, .block_crc = hd.block_crc};
    if (lseek(fd, (off_t)hbytes, SEEK_SET) < 0)
        e.failed = errno;
    for (size_t i = 0; i < l.n && !e.failed; i++) {
        emit(&e, pointer_at(&l.s[i]), l.s[i].bytes);
        emit_zeros(&e, align_up(e.pos, ALIGN) - e.pos);
    }
    *hd.crc = header_crc(&hd);
    if (!e.failed && pwrite(fd, buf, hbytes, 0) != (ssize_t)hbytes)
        e.failed = errno ? errno : EIO;
    free(buf);
    return e.failed;
}


/* Whether name is "<64 lowercase hex>" followed by suffix. */
static int snapshot_name(const char *name, const char *suffix)
{
    uint8_t d[DIGEST_SIZE];
    size_t n = strlen(name), k = strlen(suffix);
    return n == 2 * DIGEST_SIZE + k && strcmp(name + 2 * DIGEST_SIZE, suffix) == 0 &&
           digest_parse(name, 2 * DIGEST_SIZE, d) == 0;
}

/* A snapshot on disk, for keeping the newest. */
typedef struct {
    char name[NAME_LEN + 1];
    struct timespec written;
} kept;

static int newest_first(const void *a, const void *b)
{
    const kept *x = a, *y = b;
    if (x->written.tv_sec != y->written.tv_sec)
        return x->written.tv_sec > y->written.tv_sec ? -1 : 1;
    if (x->written.tv_nsec != y->written.tv_nsec)
        return x->written.tv_nsec > y->written.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Removes leftover temporary files (and the seal files earlier payrun builds wrote),
 * and every snapshot but the MSNAP_KEEP newest written, just_written counting as the
 * newest. Best effort: a cache; called under the state's lock only. */
static void tidy(int dfd, const char *just_written)
{
    DIR *d = fsafe_opendir(dfd);
    kept k[64];
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        struct stat st;
        if (strncmp(e->d_name, ".tmp-", 5) == 0 || snapshot_name(e->d_name, ".seal"))
            unlinkat(dfd, e->d_name, 0);    /* a leftover of a stopped write */
        else if (snapshot_name(e->d_name, ".bin") && n < sizeof k / sizeof *k &&
                 fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            snprintf(k[n].name, sizeof k[n].name, "%.*s", NAME_LEN, e->d_name);
            k[n++].written = strcmp(e->d_name, just_written) == 0 ? (struct timespec){INT64_MAX, 0} : st.st_mtim;
        }
    }
    if (d)
        closedir(d);
    qsort(k, n, sizeof *k, newest_first);
    for (size_t i = MSNAP_KEEP; i < n; i++)
        unlinkat(dfd, k[i].name, 0);
}

/* Opens (creating it when missing) the snapshot directory of the state. Returns a descriptor or -1. */
static int open_snapshot_dir(int state_dfd, int create, int *made)
{
    int dfd = fsafe_open_subdir(state_dfd, MSNAP_DIR);
    if (dfd < 0 && errno == ENOENT && create && mkdirat(state_dfd, MSNAP_DIR, 0700) == 0) {
        dfd = fsafe_open_subdir(state_dfd, MSNAP_DIR);    /* not fsynced: a cache lost in a crash is written again */
        *made = 1;
    }
    return dfd;
}

struct msnap_writer {
    int state_dfd, made_dir;    /* the state, and whether this night made masters/ */
    int dfd, fd, rc;            /* rc: 0 or the errno that stopped the write */
    int thread;                 /* the write runs on tid */
    int idle;                   /* ... at idle priority (never the calling thread) */
    pthread_t tid;
    const masters *m;
    const load_file *files;
    char name[NAME_LEN + 1], tmp[NAME_LEN + 8];
};

/* The write itself: the whole file, then its writeback started (the fsync in
 * msnap_end then mostly waits for what is already on its way). */
static void *write_thread(void *arg)
{
    msnap_writer *w = arg;
#ifdef SCHED_IDLE
    /* the night first: this thread runs only on a core nothing else wants (Linux: the
     * calling thread's policy); msnap_end waits for it when the night is done */
    struct sched_param idle = {0};
    if (w->idle)
        sched_setscheduler(0, SCHED_IDLE, &idle);
#endif
    w->rc = write_snapshot(w->fd, w->m, w->files);
#ifdef SYNC_FILE_RANGE_WRITE
    if (w->rc == 0)
        sync_file_range(w->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
    return NULL;
}

msnap_writer *msnap_begin(int state_dfd, const masters *m, const load_file files[LOAD_NFILES])
{
    msnap_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    uint8_t key[DIGEST_SIZE];
    char hex[DIGEST_HEX];
    snapshot_key(files, key);
    digest_hex(key, hex);
    snprintf(w->name, sizeof w->name, "%s.bin", hex);
    snprintf(w->tmp, sizeof w->tmp, ".tmp-%s", w->name);
    w->m = m;
    w->files = files;
    w->fd = -1;
    w->state_dfd = state_dfd;
    w->dfd = open_snapshot_dir(state_dfd, 1, &w->made_dir);
    if (w->dfd < 0) {
        w->rc = errno ? errno : EIO;
        return w;
    }
    tidy(w->dfd, "");
    w->fd = fsafe_create(w->dfd, w->tmp);
    if (w->fd < 0)
        w->rc = errno ? errno : EIO;
    else {
        w->idle = 1;        /* set before the thread starts: it reads it */
        w->thread = pthread_create(&w->tid, NULL, write_thread, w) == 0;
        if (!w->thread)
            w->idle = 0;    /* msnap_end writes on its own thread */
    }
    return w;
}

int msnap_end(msnap_writer *w, int keep, char *note, size_t notelen)
{
    if (!w)
        return errf(note, notelen, -1, "masters snapshot not written: out of memory");
    if (w->thread)
        pthread_join(w->tid, NULL);
    else if (w->fd >= 0 && keep)
        write_thread(w);    /* no thread could be started: the write happens now */
    int rc = w->rc;
    if (w->fd >= 0 && keep && rc == 0 && fsync(w->fd) != 0)
        rc = errno;
    if (w->fd >= 0)
        close(w->fd);
    if (w->fd >= 0 && keep && rc == 0 && renameat(w->dfd, w->tmp, w->dfd, w->name) != 0)
        rc = errno;
    if (w->fd >= 0 && keep && rc == 0 && fsync(w->dfd) != 0)
        rc = errno;
    if (w->fd >= 0 && (!keep || rc != 0))
        unlinkat(w->dfd, w->tmp, 0);
    else if (w->fd >= 0)
        tidy(w->dfd, w->name);
    if (w->dfd >= 0)
        close(w->dfd);
    if (w->made_dir && (!keep || rc != 0))
        unlinkat(w->state_dfd, MSNAP_DIR, AT_REMOVEDIR);    /* a night that did not commit leaves nothing */
    char name[NAME_LEN + 1];
    memcpy(name, w->name, sizeof name);
    free(w);
    if (!keep)
        return errf(note, notelen, 0, "masters snapshot %s/%s not kept: the night did not commit", MSNAP_DIR, name);
    if (rc != 0)
        return errf(note, notelen, -1, "masters snapshot not written: %s/%s: %s", MSNAP_DIR, name, strerror(rc));
    return errf(note, notelen, 0, "masters snapshot %s/%s written", MSNAP_DIR, name);
}

/* ---- reading ---- */

/* Reads the fixed part of the header of fd. Returns 0, or -1 when the file is shorter. */
static int read_head(int fd, disk_head *h)
{
    return pread(fd, h, sizeof *h, 0) == (ssize_t)sizeof *h ? 0 : -1;
}

/* Reads and checks the header of the snapshot open on fd (st: its fstat): magic,
 * format version, layout, table counts, size and the header's CRC-32. Returns 0 with
 * hd (hd->buf to free); 1 when the file is another format version or build (why says
 * which; not damage); -1 when it is damaged (why says how). */
static int read_header(int fd, const struct stat *st, header *hd, char *why, size_t whylen)
{
    disk_head h;
    uint8_t layout[DIGEST_SIZE];
    layout_digest(layout);
    if (read_head(fd, &h) != 0 || memcmp(h.magic, MSNAP_MAGIC, 8) != 0)
        return errf(why, whylen, -1, "not a masters snapshot (truncated, or no PAYRUNMS header)");
    if (h.version != MSNAP_VERSION)
        return errf(why, whylen, 1, "format version %u (this payrun reads version %u)", h.version, MSNAP_VERSION);
    if (memcmp(h.layout, layout, DIGEST_SIZE) != 0)
        return errf(why, whylen, 1, "written by a payrun build with another struct layout");
    if ((uint64_t)st->st_size != h.file_bytes)
        return errf(why, whylen, -1, "%lld bytes, its header says %llu: truncated or grown", (long long)st->st_size,
                    (unsigned long long)h.file_bytes);
    uint64_t data = h.file_bytes > h.header_bytes ? h.file_bytes - h.header_bytes : 0;
    if (h.header_bytes > h.file_bytes || h.header_bytes > (64u << 20) || h.nblocks != (data + BLOCK - 1) / BLOCK)
        return errf(why, whylen, -1, "header tables do not fit the file");
    unsigned char *buf = malloc(h.header_bytes);
    if (!buf)
        return errf(why, whylen, -1, "out of memory");
    if (pread(fd, buf, h.header_bytes, 0) != (ssize_t)h.header_bytes || header_view(hd, buf, h.header_bytes) != 0 ||
        header_crc(hd) != *hd->crc) {
        free(buf);
        return errf(why, whylen, -1, "header checksum fails");
    }
    return 0;
}

/* Restores m from the header: its scalars, then each array pointed into base (the
 * file, mapped, or NULL to check only). Returns 0, or -1 when the sections do not
 * match the scalars or the file (a damaged header that passed its checksum). */
static int restore(masters *m, const header *hd, char *base, char *why, size_t whylen)
{
    section_list l;
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < NSCALARS; i++)
        memcpy((char *)m + scalars[i].offset, &hd->scalar[i], scalars[i].size);
    /* the pointers decide some sizes (a NULL array has none): list, point, list again */
    if (list_sections(m, &l) != 0 || l.n != hd->h->nsections)
        return errf(why, whylen, -1, "sections do not match the header");
    for (size_t i = 0; i < l.n; i++)
        set_pointer(&l.s[i], hd->sec[i].isnull ? NULL : base + hd->sec[i].offset);
    if (list_sections(m, &l) != 0)
        return errf(why, whylen, -1, "sections do not match the header");
    for (size_t i = 0; i < l.n; i++) {
        const disk_section *d = &hd->sec[i];
        if (d->bytes != l.s[i].bytes || d->offset < hd->bytes || d->offset % ALIGN || d->offset > hd->h->file_bytes ||
            d->bytes > hd->h->file_bytes - d->offset || (d->isnull && d->bytes))
            return errf(why, whylen, -1, "section %zu does not fit the file", i);
    }
    m->holidays.days = m->holiday_weekdays;
    return 0;
}

/* Checks every block of the open snapshot against its CRC-32, read by pread into a
 * buffer of one block (the page cache, not the run's resident set, holds the file).
 * Returns 0, or -1 with why. */
static int check_blocks(int fd, const header *hd, char *why, size_t whylen)
{
    unsigned char *buf = malloc(BLOCK);
    int rc = buf ? 0 : errf(why, whylen, -1, "out of memory");
    for (uint32_t b = 0; rc == 0 && b < hd->h->nblocks; b++) {
        uint64_t at = hd->bytes + (uint64_t)b * BLOCK, left = hd->h->file_bytes - at;
        size_t k = (size_t)(left < BLOCK ? left : BLOCK);
        if (pread(fd, buf, k, (off_t)at) != (ssize_t)k)
            rc = errf(why, whylen, -1, "cannot read block %u: %s", b, strerror(errno ? errno : EIO));
        else if (crc_of(buf, k) != hd->block_crc[b])
            rc = errf(why, whylen, -1, "block %u (bytes %llu to %llu) fails its checksum", b, (unsigned long long)at,
                      (unsigned long long)(at + k - 1));
    }
    free(buf);
    return rc;
}

static void release_mapping(void *block, size_t size) { munmap(block, size); }

/* A snapshot opened by name, its header read; its blocks checked or not yet. */
typedef struct {
    char name[NAME_LEN + 1];
    int fd;                 /* -1: not open */
    header hd;
    int checked;            /* 0 not yet, 1 every block holds, -1 one fails (why) */
    char why[256];
} opened;

/* Opens dfd/name into o and reads its header. Returns 0, or -1 with o->why ("" when
 * there is no such file). */
static int open_snapshot(int dfd, const char *name, opened *o)
{
    memset(o, 0, sizeof *o);
    memcpy(o->name, name, NAME_LEN + 1);     /* "<64 hex>.bin" */
    struct stat st;
    o->fd = fsafe_open_read(dfd, name);
    if (o->fd < 0 || fstat(o->fd, &st) != 0) {
        int e = errno;
        if (o->fd >= 0)
            close(o->fd);
        o->fd = -1;
        return errf(o->why, sizeof o->why, -1, "%s", e == ENOENT ? "" : fsafe_strerror(e));
    }
    if (read_header(o->fd, &st, &o->hd, o->why, sizeof o->why) != 0) {
        close(o->fd);
        o->fd = -1;
        return -1;
    }
    return 0;
}

static void close_snapshot(opened *o)
{
    if (o->fd >= 0)
        close(o->fd);
    free(o->hd.buf);
    o->fd = -1;
    o->hd.buf = NULL;
}

/* check_blocks of an opened snapshot, as a task beside the hashing (digest_files). */
static void check_task(void *arg)
{
    opened *o = arg;
    o->checked = check_blocks(o->fd, &o->hd, o->why, sizeof o->why) == 0 ? 1 : -1;
}

/* Maps the opened snapshot o (chosen by its key) into m, after checking its blocks
 * (unless done) and that it is of exactly these files. Closes o. Returns 0, or -1
 * with o->why. */
static int map_snapshot(opened *o, load_file files[LOAD_NFILES], masters *m)
{
    header *hd = &o->hd;
    if (o->checked == 0)
        check_task(o);
    int rc = o->checked == 1 ? 0 : -1;
    for (int f = 0; rc == 0 && f < LOAD_NFILES; f++)
        if (hd->h->files[f].present != files[f].present ||
            (files[f].present && memcmp(hd->h->files[f].sha256, files[f].info.sha256, DIGEST_SIZE) != 0))
            rc = errf(o->why, sizeof o->why, -1, "made of other master files than its name says");
    void *base = MAP_FAILED;
    if (rc == 0 && (base = mmap(NULL, hd->h->file_bytes, PROT_READ, MAP_PRIVATE, o->fd, 0)) == MAP_FAILED)
        rc = errf(o->why, sizeof o->why, -1, "cannot map: %s", strerror(errno));
    if (rc == 0 && restore(m, hd, base, o->why, sizeof o->why) != 0) {
        munmap(base, hd->h->file_bytes);
        memset(m, 0, sizeof *m);
        rc = -1;
    }
    if (rc == 0) {
        m->borrowed = base;
        m->borrowed_size = hd->h->file_bytes;
        m->release = release_mapping;
        for (int f = 0; f < LOAD_NFILES; f++) {
            const disk_file *d = &hd->h->files[f];
            files[f].info.crc32 = d->crc32;
            files[f].info.rows = d->rows;
            files[f].info.gzip = d->gzip;
        }
    }
    close_snapshot(o);
    return rc;
}

/* The snapshots of dfd that could be of these files: those whose header lists the same
 * files with the same sizes (or that cannot tell, being of another version). A cheap
 * test before the files are hashed. Returns how many, with the name of the first in
 * first and each file's size in size[]. */
static int candidates(int dfd, const load_file files[LOAD_NFILES], uint64_t size[LOAD_NFILES],
                      char first[NAME_LEN + 1])
{
    first[0] = '\0';
    for (int f = 0; f < LOAD_NFILES; f++) {
        struct stat st;
        if (files[f].present && (stat(files[f].path, &st) != 0 || !S_ISREG(st.st_mode)))
            return 0;       /* a file that cannot be read: the parse says why */
        size[f] = files[f].present ? (uint64_t)st.st_size : 0;
    }
    DIR *d = fsafe_opendir(dfd);
    struct dirent *e;
    int found = 0;
    while (d && (e = readdir(d))) {
        disk_head h;
        int fd = snapshot_name(e->d_name, ".bin") ? fsafe_open_read(dfd, e->d_name) : -1;
        if (fd < 0)
            continue;
        int same = read_head(fd, &h) == 0 && memcmp(h.magic, MSNAP_MAGIC, 8) == 0;
        for (int f = 0; same && h.version == MSNAP_VERSION && f < LOAD_NFILES; f++)
            same = h.files[f].present == files[f].present && h.files[f].bytes == size[f];
        close(fd);
        if (same && found++ == 0)
            memcpy(first, e->d_name, NAME_LEN + 1);     /* snapshot_name: exactly NAME_LEN bytes */
    }
    if (d)
        closedir(d);
    return found;
}

/* Hashes the present master files (the largest first) into files[]; when `guess` is
 * open, checks its blocks on the other thread meanwhile. Returns 0 or -1. */
static int hash_masters(load_file files[LOAD_NFILES], const uint64_t size[LOAD_NFILES], opened *guess)
{
    digest_job jobs[LOAD_NFILES];
    int which[LOAD_NFILES], n = 0;
    for (int f = 0; f < LOAD_NFILES; f++)
        if (files[f].present) {
            int i = n++;
            for (; i > 0 && size[which[i - 1]] < size[f]; i--)
                which[i] = which[i - 1];
            which[i] = f;
        }
    for (int i = 0; i < n; i++)
        jobs[i] = (digest_job){.path = files[which[i]].path};
    if (digest_files(jobs, n, guess->fd >= 0 ? check_task : NULL, guess) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        memcpy(files[which[i]].info.sha256, jobs[i].sha256, DIGEST_SIZE);
        files[which[i]].info.bytes = jobs[i].bytes;
    }
    return 0;
}

int msnap_load(int state_dfd, load_file files[LOAD_NFILES], masters *m, char *note, size_t notelen)
{
    uint8_t key[DIGEST_SIZE];
    uint64_t size[LOAD_NFILES];
    char hex[DIGEST_HEX], name[NAME_LEN + 1], first[NAME_LEN + 1];
    note[0] = '\0';
    memset(m, 0, sizeof *m);
    int made = 0, dfd = open_snapshot_dir(state_dfd, 0, &made);
    if (dfd < 0)
        return 0;
    int found = candidates(dfd, files, size, first);
    /* one candidate (the usual night: the masters of the last one): its blocks are
     * checked while the files are hashed, and used when its name is their key */
    opened guess = {.fd = -1}, o;
    if (found == 1)
        open_snapshot(dfd, first, &guess);
    if (found == 0 || hash_masters(files, size, &guess) != 0) {
        close_snapshot(&guess);
        close(dfd);
        return 0;
    }
    snapshot_key(files, key);
    digest_hex(key, hex);
    snprintf(name, sizeof name, "%s.bin", hex);
    if (guess.fd >= 0 && strcmp(guess.name, name) == 0)
        o = guess;
    else {
        close_snapshot(&guess);
        open_snapshot(dfd, name, &o);
    }
    int rc = o.fd >= 0 ? map_snapshot(&o, files, m) : -1;
    close(dfd);
    if (rc == 0)
        return errf(note, notelen, 1, "masters from snapshot %s/%s", MSNAP_DIR, name);
    if (o.why[0])
        errf(note, notelen, 0, "masters snapshot %s/%s ignored: %s; parsing the master files", MSNAP_DIR, name, o.why);
    else
        errf(note, notelen, 0, "no masters snapshot of these master files; parsing them");
    return 0;
}

void msnap_give_back(const masters *m)
{
    if (m->borrowed && m->release == release_mapping)
        madvise(m->borrowed, m->borrowed_size, MADV_DONTNEED);  /* read-only: the pages stay in the page cache */
}

/* ---- verifying ---- */

/* Checks the snapshot name of dfd whole. Returns 0 (also for another version or
 * build: skipped), or -1 with why. */
static int verify_one(int dfd, const char *name, char *why, size_t whylen)
{
    int fd = fsafe_open_read(dfd, name);
    struct stat st;
    header hd = {0};
    masters scratch;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return errf(why, whylen, -1, "cannot read: %s", fsafe_strerror(e));
    }
    int rc = read_header(fd, &st, &hd, why, whylen);
    char hex[DIGEST_HEX];
    if (rc == 0) {
        digest_hex(hd.h->key, hex);
        if (strncmp(name, hex, 2 * DIGEST_SIZE) != 0)
            rc = errf(why, whylen, -1, "its header is of key %s, not of its name", hex);
    }
    if (rc == 0)
        rc = restore(&scratch, &hd, NULL, why, whylen);
    if (rc == 0)
        rc = check_blocks(fd, &hd, why, whylen);
    close(fd);
    free(hd.buf);
    return rc < 0 ? -1 : 0;
}

int msnap_verify_dir(int state_dfd, const char *dir, char *err, size_t errlen)
{
    int made = 0, dfd = open_snapshot_dir(state_dfd, 0, &made);
    if (dfd < 0)
        return errno == ENOENT ? 0 : errf(err, errlen, STATE_ERROR, "%s/%s: %s", dir, MSNAP_DIR, fsafe_strerror(errno));
    DIR *d = fsafe_opendir(dfd);
    int rc = d ? 0 : errf(err, errlen, STATE_ERROR, "%s/%s: %s", dir, MSNAP_DIR, strerror(errno));
    struct dirent *e;
    char why[256];
    while (rc == 0 && (e = readdir(d)))
        if (snapshot_name(e->d_name, ".bin") && verify_one(dfd, e->d_name, why, sizeof why) != 0)
            rc = errf(err, errlen, STATE_DAMAGED, "%s/%s/%s: damaged masters snapshot: %s (payrun ignores it; "
                      "remove it, the next run writes it again)", dir, MSNAP_DIR, e->d_name, why);
    if (d)
        closedir(d);
    close(dfd);
    return rc;
}
