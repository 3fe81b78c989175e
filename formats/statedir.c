/* statedir.c — the state directory: marker, lock, generations, manifests, the commit point and recovery (docs/state.md). */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "csvw.h"
#include "digest.h"
#include "fault.h"
#include "field.h"
#include "fsafe.h"
#include "chain.h"
#include "ledgerbin.h"
#include "mastersnap.h"
#include "segment.h"

#define MARKER_NAME "payrun-state"
#define MARKER_TEXT "payrun-state 1\n"
#define LOCK_NAME "lock"
#define MANIFEST_MAGIC_V1 "payrun-manifest 1"
#define MANIFEST_MAGIC "payrun-manifest 2"

#define errf fsafe_errf

static void gen_name(int gen, const char *file, char *out, size_t n)
{
    if (file)
        snprintf(out, n, "gen-%06d/%s", gen, file);
    else
        snprintf(out, n, "gen-%06d", gen);
}

/* ---- lock ---- */

/* When process pid started (field 22 of /proc/PID/stat, in clock ticks after boot,
 * plus the boot time of /proc/stat), or 0 when it cannot be told. */
static time_t process_start(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');   /* the command name may hold spaces */
    unsigned long long ticks = 0, btime = 0;
    for (int field = 2; p && field < 22; field++)
        p = strchr(p + 1, ' ');
    if (!p || sscanf(p + 1, "%llu", &ticks) != 1)
        return 0;
    f = fopen("/proc/stat", "r");
    while (f && fgets(buf, sizeof buf, f))
        if (sscanf(buf, "btime %llu", &btime) == 1)
            break;
    if (f)
        fclose(f);
    long hz = sysconf(_SC_CLK_TCK);
    return btime && hz > 0 ? (time_t)(btime + ticks / (unsigned long long)hz) : 0;
}

/* Takes the exclusive lock (fcntl, released by the kernel when the process dies).
 * Nothing is written: the holder's pid comes from F_GETLK and its start time from
 * /proc, so a night that turns out to be committed already touches no file. */
static int take_lock(state_dir *s, char *err, size_t errlen)
{
    int fd = openat(s->dfd, LOCK_NAME, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errf(err, errlen, STATE_ERROR, "%s/%s: cannot open the lock: %s", s->dir, LOCK_NAME,
                    fsafe_strerror(errno));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        struct flock who = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        char holder[128] = "holder unknown";
        if (fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK) {
            struct tm tm;
            time_t started = process_start(who.l_pid);
            int n = snprintf(holder, sizeof holder, "pid %ld", (long)who.l_pid);
            if (started && localtime_r(&started, &tm))
                snprintf(holder + n, sizeof holder - (size_t)n, ", started %04d-%02d-%02d %02d:%02d:%02d",
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        }
        close(fd);
        return errf(err, errlen, STATE_LOCKED, "state %s is locked by another run (%s)", s->dir, holder);
    }
    s->lock_fd = fd;
    return 0;
}

void state_close(state_dir *s)
{
    state_abandon(s);       /* a generation begun and not committed */
    state_idmaps_free(&s->loaded);
    if (s->lock_fd >= 0)
        close(s->lock_fd);      /* closing the descriptor releases the lock */
    if (s->dfd >= 0)
        close(s->dfd);
    s->lock_fd = s->dfd = -1;
}

/* ---- manifest ---- */

int state_read_manifest(const state_dir *s, int gen, state_manifest *m, char *err, size_t errlen)
{
    char name[64], line[8400];
    gen_name(gen, "manifest.txt", name, sizeof name);
    FILE *f = fsafe_fopen_read(s->dfd, name);
    if (!f)
        return errf(err, errlen, STATE_ERROR, "%s/%s: cannot read: %s", s->dir, name, fsafe_strerror(errno));
    memset(m, 0, sizeof *m);
    m->run_date = CAL_NONE;
    int ok = fgets(line, sizeof line, f) != NULL;
    if (ok && strncmp(line, MANIFEST_MAGIC, strlen(MANIFEST_MAGIC)) == 0)
        m->version = 2;
    else if (ok && strncmp(line, MANIFEST_MAGIC_V1, strlen(MANIFEST_MAGIC_V1)) == 0)
        m->version = 1;
    else
        ok = 0;
    while (ok && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "generation ", 11) == 0)
            m->generation = atoi(line + 11);
        else if (strncmp(line, "base ", 5) == 0)
            m->base = atoi(line + 5);
        else if (strncmp(line, "gzip ", 5) == 0)
            m->gzip = atoi(line + 5);
        else if (strncmp(line, "reprocess ", 10) == 0)
            m->reprocess = atoi(line + 10);
        else if (strncmp(line, "correct_from ", 13) == 0) {
            m->correction = 1;
            m->correct_from = atoi(line + 13);
        }
        else if (strncmp(line, "run_date ", 9) == 0)
            ok = fld_date(line + 9, strlen(line + 9), &m->run_date) == NULL;
        else if (strncmp(line, "out_dir ", 8) == 0)
            ok = m->version == 1 ? snprintf(m->out_dir, sizeof m->out_dir, "%s", line + 8) < (int)sizeof m->out_dir
                                 : fld_unescape_path(line + 8, m->out_dir, sizeof m->out_dir) == 0;
    }
    fclose(f);
    if (!ok || m->generation != gen || m->run_date == CAL_NONE)
        return errf(err, errlen, STATE_DAMAGED, "%s/%s: not a payrun manifest of generation %d", s->dir, name, gen);
    return 0;
}

/* Writes the manifest of generation gen (version 2): paths escaped one a line. */
static void write_manifest(csvw *w, int gen, const state_run *run)
{
    char d[11], esc[8400], hex[DIGEST_HEX];
    const rules_totals *t = run->totals;
    cal_format(run->run_date, d);
    csvw_printf(w, "%s\ngeneration %d\nbase %d\nrun_date %s\nreprocess %d\ngzip %d\n", MANIFEST_MAGIC, gen, run->base,
                d, run->reprocess, run->gzip);
    if (run->correction)
        csvw_printf(w, "correct_from %d\n", run->correct_from);
    fld_escape_path(run->out_dir, esc, sizeof esc);
    csvw_raw(w, "out_dir ", 8);
    csvw_raw(w, esc, strlen(esc));
    csvw_printf(w, "\nrows %lld\npaid %lld\nrejected %lld\nheld %lld\n", (long long)t->rows, (long long)t->paid,
                (long long)t->rejected, (long long)t->held);
    for (int i = 0; i < run->ninputs; i++) {
        const out_input *in = &run->inputs[i];
        digest_hex(in->sha256, hex);
        csvw_printf(w, "input %s %llu %08x %s ", in->role, (unsigned long long)in->info.bytes, (unsigned)in->info.crc32,
                    hex);
        fld_escape_path(in->path, esc, sizeof esc);
        csvw_raw(w, esc, strlen(esc));
        csvw_raw(w, "\n", 1);
    }
}

/* Ensures in->sha256 (hashing the file once). Returns 0, or -1 when it cannot be hashed. */
static int input_digest(state_input *in)
{
    if (in->have_sha256)
        return 0;
    if (strcmp(in->path, "-") == 0)
        return -1;
    uint64_t bytes;
    if (digest_file(in->path, in->sha256, &bytes) != 0 || bytes != in->bytes)
        return -1;
    in->have_sha256 = 1;
    return 0;
}

/* Whether the manifest of gen (version 2) lists exactly the inputs in, in order. */
static int manifest_inputs_match(const state_dir *s, int gen, state_input *in, int nin)
{
    char name[64], line[8400];
    gen_name(gen, "manifest.txt", name, sizeof name);
    FILE *f = fsafe_fopen_read(s->dfd, name);
    if (!f)
        return 0;
    /* two passes: roles and sizes first (cheap), then the SHA-256 of each file */
    int match = 1, k;
    for (int pass = 0; pass < 2 && match; pass++) {
        rewind(f);
        k = 0;
        while (match && fgets(line, sizeof line, f)) {
            char role[64], hex[80];
            unsigned long long bytes;
            unsigned crc;
            uint8_t sha[DIGEST_SIZE];
            if (strncmp(line, "input ", 6) != 0)
                continue;
            if (sscanf(line + 6, "%63s %llu %8x %79s", role, &bytes, &crc, hex) != 4 || k >= nin ||
                strcmp(role, in[k].role) != 0 || !in[k].have_size || bytes != in[k].bytes)
                match = 0;
            else if (pass == 1 && (digest_parse(hex, strlen(hex), sha) != 0 || input_digest(&in[k]) != 0 ||
                                   memcmp(sha, in[k].sha256, DIGEST_SIZE) != 0))
                match = 0;
            k++;
        }
        if (k != nin)
            match = 0;
    }
    fclose(f);
    return match;
}

int state_has_generation(const state_dir *s, int gen)
{
    char name[64];
    struct stat st;
    gen_name(gen, NULL, name, sizeof name);
    return gen >= 1 && fstatat(s->dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

int state_find_night(const state_dir *s, cal_date run_date, int correct_from, state_input *in, int nin, char *err,
                     size_t errlen)
{
    for (int i = 0; i < nin; i++) {
        struct stat st;
        if (!in[i].have_size && strcmp(in[i].path, "-") != 0 && stat(in[i].path, &st) == 0 && S_ISREG(st.st_mode)) {
            in[i].bytes = (uint64_t)st.st_size;
            in[i].have_size = 1;
        }
    }
    for (int g = s->newest; g >= 1; g--) {
        state_manifest m;
        if (!state_has_generation(s, g))
            continue;   /* pruned */
        int rc = state_read_manifest(s, g, &m, err, errlen);
        if (rc != 0)
            return rc;
        if (m.version >= 2 && m.run_date == run_date && m.correction == (correct_from >= 0) &&
            (correct_from < 0 || m.correct_from == correct_from) && manifest_inputs_match(s, g, in, nin))
            return g;
    }
    return 0;
}

/* ---- open, recover, init ---- */

/* Finds the newest committed generation; with clean, removes uncommitted ones.
 * A generation name that is not a directory (a planted symlink) is an error. */
static int scan_generations(state_dir *s, int clean, char *err, size_t errlen)
{
    DIR *d = fsafe_opendir(s->dfd);
    if (!d)
        return errf(err, errlen, STATE_ERROR, "%s: cannot read: %s", s->dir, strerror(errno));
    struct dirent *e;
    int rc = 0;
    s->newest = 0;
    while (rc == 0 && (e = readdir(d))) {
        int g;
        char extra;
        struct stat st = {0};
        if (sscanf(e->d_name, "gen-%6d%c", &g, &extra) == 1) {
            if (fstatat(s->dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
                rc = errf(err, errlen, STATE_DAMAGED, "%s/%s: not a generation directory (%s)", s->dir, e->d_name,
                          S_ISLNK(st.st_mode) ? "a symbolic link" : "not a directory");
            else if (g > s->newest)
                s->newest = g;
        } else if (clean && strncmp(e->d_name, ".gen-", 5) == 0) {
            /* a generation being written when its run stopped: never committed */
            if (fsafe_remove_tree(s->dfd, e->d_name) != 0)
                rc = errf(err, errlen, STATE_ERROR, "%s/%s: cannot remove an uncommitted generation: %s", s->dir,
                          e->d_name, fsafe_strerror(errno));
        }
    }
    closedir(d);
    return rc;
}

int state_is_published(const state_dir *s, int gen)
{
    char name[64];
    struct stat st;
    gen_name(gen, "published", name, sizeof name);
    return fstatat(s->dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Publishes the outputs of committed generations whose run stopped before it did. */
static int publish_pending(state_dir *s, char *err, size_t errlen)
{
    for (int g = 1; g <= s->newest; g++) {
        char name[64];
        struct stat st;
        gen_name(g, NULL, name, sizeof name);
        if (fstatat(s->dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || state_is_published(s, g))
            continue;
        state_manifest m;
        int rc = state_read_manifest(s, g, &m, err, errlen);
        if (rc != 0)
            return rc;
        if (m.out_dir[0]) {
            char why[4400], abs_state[4096];
            if (!realpath(s->dir, abs_state))
                return errf(err, errlen, STATE_ERROR, "%s: %s", s->dir, strerror(errno));
            rc = out_publish_dir(m.out_dir, m.gzip, abs_state, g, why, sizeof why);
            if (rc != 0)
                return errf(err, errlen, rc == OUT_LOCKED ? STATE_LOCKED : STATE_ERROR, "generation %d is committed "
                            "but its outputs could not be published: %s", g, why);
        }
        if ((rc = state_mark_published(s, g, err, errlen)) != 0)
            return rc;
        fprintf(stderr, "payrun: finished publishing the outputs of generation %d into %s\n", g, m.out_dir);
    }
    return 0;
}

int state_owns_outputs(const char *state_path, int gen, const char *out_dir)
{
    state_dir s = {.lock_fd = -1};
    char err[512], abs_out[4096], name[64];
    struct stat st;
    if (state_open(&s, state_path, STATE_READ, err, sizeof err) != 0)
        return -1;
    gen_name(gen, NULL, name, sizeof name);
    int rc;
    if (fstatat(s.dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        rc = errno == ENOENT ? 0 : -1;      /* never committed: debris of a stopped run */
    } else {
        state_manifest m;
        rc = state_read_manifest(&s, gen, &m, err, sizeof err) != 0 || !realpath(out_dir, abs_out)
                 ? -1
                 : strcmp(m.out_dir, abs_out) == 0;   /* gen committed into another directory: a stale record */
    }
    state_close(&s);
    return rc;
}

/* Whether dfd holds the marker of a payrun state. */
static int has_marker(int dfd)
{
    char text[64];
    int fd = fsafe_open_read(dfd, MARKER_NAME);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    return n == (ssize_t)strlen(MARKER_TEXT) && memcmp(text, MARKER_TEXT, (size_t)n) == 0;
}

static int not_a_state(const char *dir, char *err, size_t errlen)
{
    return errf(err, errlen, STATE_NOT_A_STATE, "no payrun state at %s (create one with: payrun state init --state %s)",
                dir, dir);
}

static int open_dir(state_dir *s, const char *dir, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->lock_fd = s->dfd = -1;
    if (strlen(dir) >= sizeof s->dir - 64)
        return errf(err, errlen, STATE_ERROR, "%s: state path too long", dir);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    s->dfd = fsafe_open_dir(dir);
    if (s->dfd < 0) {
        int e = errno;
        struct stat st;
        if (e == ENOENT || e == ENOTDIR || e == ELOOP) {
            int link = lstat(dir, &st) == 0 && S_ISLNK(st.st_mode);
            if (!link)
                return not_a_state(dir, err, errlen);
            return errf(err, errlen, STATE_NOT_A_STATE, "%s: the state directory %s", dir, fsafe_strerror(ELOOP));
        }
        return errf(err, errlen, STATE_ERROR, "%s: cannot open the state directory: %s", dir, fsafe_strerror(e));
    }
    return 0;
}

int state_open(state_dir *s, const char *dir, state_access access, char *err, size_t errlen)
{
    int rc = open_dir(s, dir, err, errlen);
    if (rc == 0 && !has_marker(s->dfd))
        rc = not_a_state(dir, err, errlen);
    if (rc == 0 && access == STATE_COMMIT)
        rc = take_lock(s, err, errlen);
    if (rc == 0)
        rc = scan_generations(s, access == STATE_COMMIT, err, errlen);
    if (rc == 0 && access == STATE_COMMIT)
        rc = publish_pending(s, err, errlen);
    if (rc != 0)
        state_close(s);
    return rc;
}

static int count_paycheck(void *ctx, const char *prefix, const char *pay_date, const arch_paycheck *p)
{
    (void)prefix, (void)pay_date, (void)p;
    ++*(long long *)ctx;
    return 0;
}

/* The archive of generation g (docs/state.md "The archive"): every input file its
 * manifest lists is in gen-N/inputs, each file there is what its name says, and
 * paychecks.bin reads whole and holds as many paychecks as the manifest says were
 * paid. A generation of an older payrun has no archive: nothing to check. */
static int verify_archive(const state_dir *s, int g, char *err, size_t errlen)
{
    char dir[64], name[128], line[8400];
    gen_name(g, NULL, dir, sizeof dir);
    int gfd = fsafe_open_subdir(s->dfd, dir);
    if (gfd < 0)
        return errf(err, errlen, STATE_ERROR, "%s/%s: cannot open: %s", s->dir, dir, fsafe_strerror(errno));
    int has_inputs = faccessat(gfd, ARCH_INPUTS, F_OK, AT_SYMLINK_NOFOLLOW) == 0,
        has_pay = faccessat(gfd, ARCH_PAYCHECKS, F_OK, AT_SYMLINK_NOFOLLOW) == 0, rc = 0;
    if (has_inputs != has_pay)
        rc = errf(err, errlen, STATE_DAMAGED, "%s/%s: %s is missing (a generation keeps both its inputs and its "
                  "paychecks)", s->dir, dir, has_inputs ? ARCH_PAYCHECKS : ARCH_INPUTS);
    char why[1024];
    if (rc == 0 && has_inputs && arch_verify_inputs(s->dfd, g, why, sizeof why) < 0)
        rc = errf(err, errlen, STATE_DAMAGED, "%s/%s", s->dir, why);
    long long paid = -1, kept = 0;
    gen_name(g, "manifest.txt", name, sizeof name);
    FILE *f = rc == 0 && has_inputs ? fsafe_fopen_read(s->dfd, name) : NULL;
    while (f && rc == 0 && fgets(line, sizeof line, f)) {
        char role[64], hex[80], at[200];
        unsigned long long bytes;
        unsigned crc;
        struct stat st;
        if (sscanf(line, "paid %lld", &paid) == 1 || strncmp(line, "input ", 6) != 0)
            continue;
        if (sscanf(line + 6, "%63s %llu %8x %79s", role, &bytes, &crc, hex) == 4) {
            snprintf(at, sizeof at, "%s/%s", ARCH_INPUTS, hex);
            if (fstatat(gfd, at, &st, AT_SYMLINK_NOFOLLOW) != 0 || (unsigned long long)st.st_size != bytes)
                rc = errf(err, errlen, STATE_DAMAGED, "%s/%s/%s: the %s input of this night is missing from the "
                          "archive", s->dir, dir, at, role);
        }
    }
    if (f)
        fclose(f);
    if (rc == 0 && has_pay && arch_pay_read(gfd, ARCH_PAYCHECKS, count_paycheck, &kept, why, sizeof why) != 0)
        rc = errf(err, errlen, STATE_DAMAGED, "%s/%s/%s", s->dir, dir, why);
    if (rc == 0 && has_pay && kept != paid)
        rc = errf(err, errlen, STATE_DAMAGED, "%s/%s/%s: %lld paychecks, its manifest says %lld were paid", s->dir, dir,
                  ARCH_PAYCHECKS, kept, paid);
    close(gfd);
    return rc;
}

int state_verify(state_dir *s, int *checked, char *err, size_t errlen)
{
    *checked = 0;
    for (int g = 1; g <= s->newest; g++) {
        char name[64];
        struct stat st;
        gen_name(g, NULL, name, sizeof name);
        if (fstatat(s->dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        state_manifest m;
        ids_table none = {0};
        ledger lg;
        int rc = state_read_manifest(s, g, &m, err, errlen);
        if (rc != 0)
            return rc;
        if (ledger_init(&lg, &none, &none, &none) != 0)
            return errf(err, errlen, STATE_NO_MEMORY, "out of memory");
        rc = state_load(s, g, &lg, err, errlen);
        ledger_free(&lg);
        if (rc == 0)
            rc = state_verify_segment(s, g, err, errlen);
        if (rc == 0)
            rc = verify_archive(s, g, err, errlen);
        if (rc != 0)
            return rc;
        if (m.base >= g)
            return errf(err, errlen, STATE_DAMAGED, "%s/gen-%06d/manifest.txt: base generation %d is not before "
                        "generation %d", s->dir, g, m.base, g);
        ++*checked;
    }
    return msnap_verify_dir(s->dfd, s->dir, err, errlen);
}

int state_dump(state_dir *s, int gen, int fd, char *err, size_t errlen)
{
    ids_table none = {0};
    ledger lg;
    csvw w;
    if (ledger_init(&lg, &none, &none, &none) != 0)
        return errf(err, errlen, STATE_NO_MEMORY, "out of memory");
    int rc = state_load_all(s, gen, &lg, err, errlen);
    if (rc == 0 && csvw_open_fd(&w, fd, 0) != 0)
        rc = errf(err, errlen, STATE_NO_MEMORY, "out of memory");
    else if (rc == 0) {
        w.sync_point = NULL;
        if (state_write_ledger(&w, &lg, gen) != 0) {
            csvw_abort(&w);
            rc = errf(err, errlen, STATE_NO_MEMORY, "out of memory");
        } else if (csvw_finish_stream(&w) != 0) {
            rc = errf(err, errlen, STATE_ERROR, "standard output: write failed: %s", strerror(errno));
        }
    }
    ledger_free(&lg);
    return rc;
}

/* What may be in a directory that state init upgrades: the lock, generations. */
static int upgradable(state_dir *s, char *err, size_t errlen)
{
    DIR *d = fsafe_opendir(s->dfd);
    if (!d)
        return errf(err, errlen, STATE_ERROR, "%s: cannot read: %s", s->dir, strerror(errno));
    struct dirent *e;
    int rc = 0, g;
    char extra;
    while (rc == 0 && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, LOCK_NAME) && strcmp(e->d_name, MSNAP_DIR) &&
            sscanf(e->d_name, "gen-%6d%c", &g, &extra) != 1 && strncmp(e->d_name, ".gen-", 5) != 0)
            rc = errf(err, errlen, STATE_NOT_A_STATE, "%s is not empty and holds no payrun state (%s); state init "
                      "takes a new or empty directory, or a state written before the marker existed", s->dir,
                      e->d_name);
    closedir(d);
    return rc;
}

int state_init(const char *dir, int *verified, char *err, size_t errlen)
{
    state_dir s;
    struct stat st;
    *verified = -1;
    if (lstat(dir, &st) != 0 && (errno != ENOENT || fsafe_mkdirs(dir) < 0))
        return errf(err, errlen, STATE_ERROR, "%s: cannot create the state directory: %s", dir, strerror(errno));
    int rc = open_dir(&s, dir, err, errlen);
    if (rc == STATE_NOT_A_STATE && !strstr(err, "symbolic link"))
        rc = errf(err, errlen, STATE_NOT_A_STATE, "%s: not a directory", dir);
    if (rc != 0)
        return rc;
    if (has_marker(s.dfd)) {
        state_close(&s);
        return 0;
    }
    if ((rc = upgradable(&s, err, errlen)) != 0) {
        state_close(&s);
        return rc;
    }
    int checked;
    int fd = openat(s.dfd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = errf(err, errlen, STATE_ERROR, "%s/%s: cannot create the lock: %s", dir, LOCK_NAME, fsafe_strerror(errno));
        state_close(&s);
        return rc;
    }
    close(fd);
    if ((rc = take_lock(&s, err, errlen)) == 0 && (rc = scan_generations(&s, 0, err, errlen)) == 0 &&
        (rc = state_verify(&s, &checked, err, errlen)) == 0) {
        /* the marker: written whole under a temporary name, then renamed */
        unlinkat(s.dfd, ".payrun-state.tmp", 0);
        fd = fsafe_create(s.dfd, ".payrun-state.tmp");
        size_t n = strlen(MARKER_TEXT);
        if (fd < 0 || write(fd, MARKER_TEXT, n) != (ssize_t)n || fsafe_fsync(fd, "fsync-state") != 0 ||
            fsafe_rename(s.dfd, ".payrun-state.tmp", s.dfd, MARKER_NAME, "rename-state") != 0 ||
            fsafe_fsync(s.dfd, "fsync-state-dir") != 0)
            rc = errf(err, errlen, STATE_ERROR, "%s/%s: cannot write: %s", dir, MARKER_NAME, fsafe_strerror(errno));
        if (fd >= 0)
            close(fd);
        if (rc == 0)
            *verified = s.newest;
    }
    state_close(&s);
    return rc;
}

/* ---- commit ---- */

/* Writes one file of a new generation (gfd) by fn. */
static int write_gen_file(int gfd, const char *name, int (*fn)(csvw *, const void *, int), const void *arg, int gen)
{
    csvw w;
    int fd = fsafe_create(gfd, name);
    if (fd < 0)
        return -1;
    if (csvw_open_fd(&w, fd, 0) != 0) {
        close(fd);
        return -1;
    }
    w.sync_point = "fsync-state";
    if (fn(&w, arg, gen) != 0) {
        csvw_abort(&w);
        errno = ENOMEM;
        return -1;
    }
    return csvw_close(&w);
}

static int put_ledger(csvw *w, const void *lg, int gen) { return state_write_ledger(w, lg, gen); }
static int put_binary(csvw *w, const void *lg, int gen) { return seg_write(w, lg, gen, SEG_CHECKPOINT, NULL); }
static int put_binary_v1(csvw *w, const void *lg, int gen) { return lbin_write(w, lg, gen); }

/* The files a generation is written as: binary segments (ledger.bin and delta.bin
 * version 3); with PAYRUN_LEDGER_FORMAT=text the text files ledger.txt and delta.txt,
 * and with =v1 ledger.bin and delta.txt, as older payruns wrote them (for comparisons,
 * and to test that their states load). Each of these is the version an older payrun
 * wrote while the withholding tables are empty (docs/state.md). */
typedef enum { FORMAT_SEGMENTS, FORMAT_TEXT, FORMAT_V1 } ledger_format;
static ledger_format format_of_env(void)
{
    const char *v = getenv("PAYRUN_LEDGER_FORMAT");
    return !v ? FORMAT_SEGMENTS : strcmp(v, "text") == 0 ? FORMAT_TEXT : strcmp(v, "v1") == 0 ? FORMAT_V1
                                                                                            : FORMAT_SEGMENTS;
}

/* Writes the checkpoint of generation gen into gfd under name (checkpoint_name). */
static int write_checkpoint(int gfd, const char *name, const ledger *lg, int gen)
{
    ledger_format f = format_of_env();
    return write_gen_file(gfd, name, f == FORMAT_TEXT ? put_ledger : f == FORMAT_V1 ? put_binary_v1 : put_binary, lg,
                          gen);
}
static const char *checkpoint_name(void) { return format_of_env() == FORMAT_TEXT ? "ledger.txt" : "ledger.bin"; }

/* A delta needs the base generation's id lists, as state_load read them. */
typedef struct {
    const ledger *lg;
    const state_idmaps *base;
} delta_arg;
static int put_delta(csvw *w, const void *arg, int gen)
{
    const delta_arg *a = arg;
    return format_of_env() != FORMAT_SEGMENTS ? state_write_delta(w, a->lg, gen, a->base)
                                              : seg_write(w, a->lg, gen, SEG_DELTA, a->base->n);
}
static const char *delta_name(void) { return format_of_env() != FORMAT_SEGMENTS ? "delta.txt" : "delta.bin"; }

/* How many generations a chain may span before a checkpoint: 16, or
 * PAYRUN_CHECKPOINT_EVERY (1 writes a whole ledger every night, as before deltas). */
static int checkpoint_every(void)
{
    const char *v = getenv("PAYRUN_CHECKPOINT_EVERY");
    int n = v ? atoi(v) : 0;
    return n >= 1 ? n : 16;
}

/* Whether the new generation gen is saved as a delta of gen - 1 (docs/state.md): it
 * stands on the generation state_load read, that one is the newest, the chain since
 * the last checkpoint is shorter than checkpoint_every, and the id lists only grew at
 * their ends. */
static int save_as_delta(const state_dir *s, const ledger *lg, int base, int gen)
{
    return base >= 1 && base == s->newest && s->loaded_gen == base && gen - s->chain_start < checkpoint_every() &&
           state_delta_possible(lg, &s->loaded);
}

/* Whether generation gen's ledger file is a delta (*delta 1) or a checkpoint (0): for a
 * checkpoint the records still in the segments are read in first. Returns 0, or a
 * STATE_* code with err (chain_materialize). */
static int ledger_file_kind(state_dir *s, ledger *lg, int base, int gen, int *delta, char *err, size_t errlen)
{
    *delta = save_as_delta(s, lg, base, gen);
    return *delta ? 0 : chain_materialize(lg, err, errlen);
}

/* Writes generation gen's ledger file (a delta or a checkpoint) into gfd. Returns 0, or
 * -1 with errno. */
static int put_ledger_file(state_dir *s, int gfd, const ledger *lg, int delta, int gen)
{
    delta_arg da = {lg, &s->loaded};
    return delta ? write_gen_file(gfd, delta_name(), put_delta, &da, gen)
                 : write_checkpoint(gfd, checkpoint_name(), lg, gen);
}

/* The ledger file written on a thread (state_write_early). */
struct state_early {
    pthread_t tid;
    state_dir *s;
    const ledger *lg;
    int gfd, delta, gen;
    int rc, err;        /* put_ledger_file's result and errno */
};

static void *write_early(void *arg)
{
    struct state_early *e = arg;
    e->rc = put_ledger_file(e->s, e->gfd, e->lg, e->delta, e->gen);
    e->err = errno;
    return NULL;
}

int state_write_early(state_dir *s, ledger *lg, int base, char *err, size_t errlen)
{
    if (!s->begun || s->early)
        return 0;
    int gen = s->newest + 1, delta, rc = ledger_file_kind(s, lg, base, gen, &delta, err, errlen);
    if (rc != 0)
        return rc;
    struct state_early *e = calloc(1, sizeof *e);
    if (!e)
        return 0;
    *e = (struct state_early){.s = s, .lg = lg, .gfd = s->begun_dfd, .delta = delta, .gen = gen};
    if (pthread_create(&e->tid, NULL, write_early, e) != 0) {
        free(e);
        return 0;
    }
    s->early = e;
    return 0;
}

/* Waits for state_write_early's thread. Returns its result (0, or -1 with errno; *what
 * names its file), or 1 when there was none. */
static int join_early(state_dir *s, const char **what)
{
    struct state_early *e = s->early;
    if (!e)
        return 1;
    pthread_join(e->tid, NULL);
    s->early = NULL;
    int rc = e->rc, er = e->err;
    if (what)
        *what = e->delta ? delta_name() : checkpoint_name();
    free(e);
    errno = er;
    return rc;
}

static int put_manifest(csvw *w, const void *run, int gen)
{
    write_manifest(w, gen, run);
    return 0;
}

int state_begin(state_dir *s, char *err, size_t errlen)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, ".gen-%06d.tmp", s->newest + 1);
    int gfd = -1;
    if (fsafe_remove_tree(s->dfd, tmp) != 0 || mkdirat(s->dfd, tmp, 0700) != 0 ||
        (gfd = fsafe_open_subdir(s->dfd, tmp)) < 0) {
        int e = errno;
        fsafe_remove_tree(s->dfd, tmp);
        return errf(err, errlen, STATE_ERROR, "%s/%s: cannot start the new state generation: %s", s->dir, tmp,
                    fsafe_strerror(e));
    }
    s->begun = 1;
    s->begun_dfd = gfd;
    return gfd;
}

void state_abandon(state_dir *s)
{
    join_early(s, NULL);
    if (!s->begun)
        return;
    char tmp[64];
    snprintf(tmp, sizeof tmp, ".gen-%06d.tmp", s->newest + 1);
    close(s->begun_dfd);
    s->begun = 0;
    fsafe_remove_tree(s->dfd, tmp);
}

int state_commit(state_dir *s, ledger *lg, const state_run *run, char *err, size_t errlen)
{
    int gen = s->newest + 1;
    char tmp[64], final[64];
    snprintf(tmp, sizeof tmp, ".gen-%06d.tmp", gen);
    gen_name(gen, NULL, final, sizeof final);
    const char *what = "";
    int gfd = -1;
    if (s->begun) {
        gfd = s->begun_dfd;     /* holding the night's archive already */
        s->begun = 0;
    } else if (fsafe_remove_tree(s->dfd, tmp) != 0 || mkdirat(s->dfd, tmp, 0700) != 0 ||
               (gfd = fsafe_open_subdir(s->dfd, tmp)) < 0) {
        goto io_error;
    }
    int rc = join_early(s, &what), delta;
    if (rc == 1) {  /* not started early: written here */
        if ((rc = ledger_file_kind(s, lg, run->base, gen, &delta, err, errlen)) != 0) {
            close(gfd);
            fsafe_remove_tree(s->dfd, tmp);
            return rc;  /* err says why */
        }
        what = delta ? delta_name() : checkpoint_name();
        rc = put_ledger_file(s, gfd, lg, delta, gen);
    }
    if (rc != 0)
        goto io_error;
    what = "manifest.txt";
    if (write_gen_file(gfd, "manifest.txt", put_manifest, run, gen) != 0)
        goto io_error;
    what = "";
    if (fsafe_fsync(gfd, "fsync-state-dir") != 0)
        goto io_error;
    close(gfd);
    gfd = -1;
    fault_point("state-written");
    if (fsafe_rename(s->dfd, tmp, s->dfd, final, "rename-state") != 0) {
        struct stat st;
        int e = errno;
        /* a rename that reports an error may still have happened (a retransmitted
         * rename on NFS): then the generation is committed and nothing may be removed */
        if (fstatat(s->dfd, final, &st, AT_SYMLINK_NOFOLLOW) != 0 || fstatat(s->dfd, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            errno = e;
            goto io_error;
        }
        s->newest = gen;
        return errf(err, errlen, STATE_AFTER_COMMIT, "%s/%s: the rename reported %s but took place", s->dir, final,
                    strerror(e));
    }
    /* committed: from here nothing is removed */
    s->newest = gen;
    fault_point("committed");
    if (fsafe_fsync(s->dfd, "fsync-state-committed") != 0)
        return errf(err, errlen, STATE_AFTER_COMMIT, "%s: cannot sync the state directory: %s", s->dir,
                    strerror(errno));
    return gen;
io_error:;
    int e = errno;
    if (gfd >= 0)
        close(gfd);
    errf(err, errlen, e == ENOMEM ? STATE_NO_MEMORY : STATE_ERROR, "%s/%s%s%s: cannot write the new state generation: %s",
         s->dir, tmp, what[0] ? "/" : "", what, fsafe_strerror(e));
    fsafe_remove_tree(s->dfd, tmp);
    return e == ENOMEM ? STATE_NO_MEMORY : STATE_ERROR;
}

int state_mark_published(const state_dir *s, int gen, char *err, size_t errlen)
{
    char name[64], dir[64];
    gen_name(gen, "published", name, sizeof name);
    gen_name(gen, NULL, dir, sizeof dir);
    int fd = fsafe_create(s->dfd, name);
    if (fd < 0 && errno == EEXIST)
        return 0;
    int gfd = fsafe_open_subdir(s->dfd, dir);
    int ok = fd >= 0 && gfd >= 0 && fsafe_fsync(fd, "fsync-published") == 0 && fsafe_fsync(gfd, "fsync-published") == 0;
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (gfd >= 0)
        close(gfd);
    return ok ? 0 : errf(err, errlen, STATE_ERROR, "%s/%s: cannot write: %s", s->dir, name, fsafe_strerror(e));
}

/* ---- checkpoints ---- */

int state_checkpoint(state_dir *s, int gen, char *err, size_t errlen)
{
    if (state_is_checkpoint(s, gen))
        return 0;
    ids_table none = {0};
    ledger lg;
    if (ledger_init(&lg, &none, &none, &none) != 0)
        return errf(err, errlen, STATE_NO_MEMORY, "out of memory");
    int rc = state_load_all(s, gen, &lg, err, errlen);
    char dir[64];
    gen_name(gen, NULL, dir, sizeof dir);
    int gfd = rc == 0 ? fsafe_open_subdir(s->dfd, dir) : -1;
    if (rc == 0 && gfd < 0)
        rc = errf(err, errlen, STATE_ERROR, "%s/%s: %s", s->dir, dir, fsafe_strerror(errno));
    if (rc == 0) {
        /* whole under a temporary name, then renamed: a crash leaves the delta alone in charge */
        unlinkat(gfd, ".checkpoint.tmp", 0);
        if (write_checkpoint(gfd, ".checkpoint.tmp", &lg, gen) != 0 ||
            fsafe_rename(gfd, ".checkpoint.tmp", gfd, checkpoint_name(), "rename-checkpoint") != 0 ||
            fsafe_fsync(gfd, "fsync-checkpoint") != 0 ||
            /* the checkpoint is durable: the delta it replaces would only be read instead */
            (unlinkat(gfd, "delta.txt", 0) != 0 && errno != ENOENT) ||
            (unlinkat(gfd, "delta.bin", 0) != 0 && errno != ENOENT) || fsafe_fsync(gfd, "fsync-checkpoint") != 0)
            rc = errf(err, errlen, errno == ENOMEM ? STATE_NO_MEMORY : STATE_ERROR, "%s/%s/%s: cannot write the "
                      "checkpoint: %s", s->dir, dir, checkpoint_name(), fsafe_strerror(errno));
    }
    if (gfd >= 0)
        close(gfd);
    ledger_free(&lg);
    return rc;
}

/* ---- prune ---- */

int state_prune(state_dir *s, const state_prune_opts *p, int *pruned, int *kept_retained, char *err, size_t errlen)
{
    int y, m, d;
    cal_to_ymd(p->today, &y, &m, &d);
    cal_date retained_from = cal_from_ymd(y - STATE_RETENTION_YEARS, m, m == 2 && d == 29 ? 28 : d);
    uint8_t *drop = calloc((size_t)s->newest + 2, 1);
    if (!drop)
        return errf(err, errlen, STATE_NO_MEMORY, "out of memory");
    int rc = 0, existing = 0;
    /* which to remove: never the newest, never one under the retention period */
    for (int g = s->newest - 1; g >= 1 && rc == 0; g--) {
        if (!state_has_generation(s, g))
            continue;
        existing++;
        state_manifest man;
        if ((rc = state_read_manifest(s, g, &man, err, errlen)) != 0)
            break;
        int wanted = (p->keep > 0 && existing >= p->keep) || (p->before != CAL_NONE && man.run_date < p->before);
        if (wanted && !p->force && man.run_date >= retained_from)
            ++*kept_retained;   /* employment tax records are kept four years (IRS) */
        else if (wanted && !state_is_published(s, g))
            rc = errf(err, errlen, STATE_ERROR, "generation %d: its outputs are not published; not pruned", g);
        else
            drop[g] = (uint8_t)wanted;
    }
    /* a kept generation saved as a delta of one removed becomes a checkpoint first */
    for (int g = 2; g <= s->newest && rc == 0; g++)
        if (state_has_generation(s, g) && !drop[g] && (drop[g - 1] || !state_has_generation(s, g - 1)))
            rc = state_checkpoint(s, g, err, errlen);
    /* each renamed away in one step, then removed: a crash leaves it whole or gone */
    for (int g = 1; g < s->newest && rc == 0; g++) {
        if (!drop[g])
            continue;
        char name[64], away[64];
        gen_name(g, NULL, name, sizeof name);
        snprintf(away, sizeof away, ".gen-%06d.pruned", g);
        if (fsafe_rename(s->dfd, name, s->dfd, away, "rename-prune") != 0 || fsafe_fsync(s->dfd, "fsync-prune") != 0 ||
            fsafe_remove_tree(s->dfd, away) != 0)
            rc = errf(err, errlen, STATE_ERROR, "%s/%s: cannot prune: %s", s->dir, name, fsafe_strerror(errno));
        else
            ++*pruned;
    }
    free(drop);
    return rc;
}

/* ---- manifests for listing ---- */

FILE *state_manifest_open(const state_dir *s, int gen)
{
    char name[64];
    gen_name(gen, "manifest.txt", name, sizeof name);
    return fsafe_fopen_read(s->dfd, name);
}

/* ---- what payrun correct reads of past nights (docs/corrections.md) ---- */

int state_archived_inputs(const state_dir *s, int gen, state_archived **in, int *n, char *err, size_t errlen)
{
    char name[64], line[8400], dir[64];
    *in = NULL;
    *n = 0;
    if (!state_has_generation(s, gen))
        return errf(err, errlen, STATE_NO_GENERATION, "generation %d of %s was pruned", gen, s->dir);
    gen_name(gen, ARCH_INPUTS, dir, sizeof dir);
    if (faccessat(s->dfd, dir, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
        return errf(err, errlen, STATE_NO_GENERATION, "generation %d of %s has no archive of its night (it was "
                    "written by a payrun before the archive existed)", gen, s->dir);
    gen_name(gen, "manifest.txt", name, sizeof name);
    FILE *f = fsafe_fopen_read(s->dfd, name);
    if (!f)
        return errf(err, errlen, STATE_ERROR, "%s/%s: cannot read: %s", s->dir, name, fsafe_strerror(errno));
    int cap = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        state_archived a;
        unsigned crc;
        unsigned long long bytes;
        if (strncmp(line, "input ", 6) != 0)
            continue;
        int at = 0;
        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line + 6, "%31s %llu %8x %64s %n", a.role, &bytes, &crc, a.hex, &at) != 4 || at == 0 ||
            fld_unescape_path(line + 6 + at, a.given, sizeof a.given) != 0) {
            rc = errf(err, errlen, STATE_DAMAGED, "%s/%s: an input line does not parse", s->dir, name);
            break;
        }
        a.bytes = bytes;
        snprintf(a.path, sizeof a.path, "%s/gen-%06d/" ARCH_INPUTS "/%.64s", s->dir, gen, a.hex);
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            state_archived *v = realloc(*in, (size_t)cap * sizeof *v);
            if (!v) {
                rc = errf(err, errlen, STATE_NO_MEMORY, "out of memory");
                break;
            }
            *in = v;
        }
        (*in)[(*n)++] = a;
    }
    fclose(f);
    return rc;
}

/* Copies the file name of from_dfd to a new file of the same name in to_dfd. Returns 0 or -1 with errno. */
static int copy_file_at(int from_dfd, int to_dfd, const char *name)
{
    int in = fsafe_open_read(from_dfd, name);
    if (in < 0)
        return -1;
    int out = fsafe_create(to_dfd, name), rc = out < 0 ? -1 : 0;
    char buf[1 << 16];
    ssize_t got;
    while (rc == 0 && (got = read(in, buf, sizeof buf)) != 0)
        if (got < 0 || write(out, buf, (size_t)got) != got)
            rc = -1;
    int e = errno;
    close(in);
    if (out >= 0 && close(out) != 0 && rc == 0)
        rc = -1, e = errno;
    errno = e;
    return rc;
}

/* Links (or copies) generation g's files of s, but its archive, into the state dfd. */
static int fork_generation(const state_dir *s, int g, int dfd, char *err, size_t errlen)
{
    char name[64];
    gen_name(g, NULL, name, sizeof name);
    int from = fsafe_open_subdir(s->dfd, name);
    if (from < 0)
        return errf(err, errlen, STATE_ERROR, "%s/%s: cannot open: %s", s->dir, name, fsafe_strerror(errno));
    int to = mkdirat(dfd, name, 0700) == 0 ? fsafe_open_subdir(dfd, name) : -1, rc = 0;
    DIR *d = to >= 0 ? fsafe_opendir(from) : NULL;
    if (!d)
        rc = errf(err, errlen, STATE_ERROR, "%s: cannot start the replay's copy: %s", name, fsafe_strerror(errno));
    struct dirent *e;
    while (rc == 0 && d && (e = readdir(d))) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, ARCH_INPUTS) == 0 || strcmp(e->d_name, ARCH_PAYCHECKS) == 0)
            continue;
        if (linkat(from, e->d_name, to, e->d_name, 0) != 0 && copy_file_at(from, to, e->d_name) != 0)
            rc = errf(err, errlen, STATE_ERROR, "%s/%s/%s: cannot copy for the replay: %s", s->dir, name, e->d_name,
                      fsafe_strerror(errno));
    }
    if (d)
        closedir(d);
    /* published: the replay has no outputs of these nights to move into place */
    int pfd = rc == 0 ? fsafe_create(to, "published") : -1;
    if (rc == 0 && pfd < 0 && errno != EEXIST)
        rc = errf(err, errlen, STATE_ERROR, "%s: cannot mark published: %s", name, fsafe_strerror(errno));
    if (pfd >= 0)
        close(pfd);
    if (to >= 0)
        close(to);
    close(from);
    return rc;
}

int state_fork(const state_dir *s, int upto, const char *dir, char *err, size_t errlen)
{
    int verified;
    int rc = state_init(dir, &verified, err, errlen);
    if (rc != 0)
        return rc;
    int dfd = fsafe_open_dir(dir);
    if (dfd < 0)
        return errf(err, errlen, STATE_ERROR, "%s: cannot open: %s", dir, fsafe_strerror(errno));
    for (int g = 1; rc == 0 && g <= upto; g++)
        if (state_has_generation(s, g))
            rc = fork_generation(s, g, dfd, err, errlen);
    if (rc == 0 && fsync(dfd) != 0)
        rc = errf(err, errlen, STATE_ERROR, "%s: cannot sync: %s", dir, fsafe_strerror(errno));
    close(dfd);
    return rc;
}

int state_correction_overpayments(const state_dir *s, int gen, char *path, size_t n)
{
    for (int g = gen; g >= 1; g--) {
        char name[96];
        gen_name(g, STATE_CORRECTION_OVERPAYMENTS, name, sizeof name);
        if (faccessat(s->dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
            return snprintf(path, n, "%s/%s", s->dir, name) < (int)n;
    }
    return 0;
}
