/* out.c — writes paychecks, exceptions and the JSON summary under temporary names, then renames them into place. */
#include "out.h"

#include "digits.h"
#include "field.h"
#include "fault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "digest.h"
#include "fsafe.h"

static const char *const paycheck_header[] = {
    "paycheck_id", "timesheet_id", "provider_id", "recipient_id", "county", "period_start", "kind", "pay_date",
    "regular_hours", "overtime_hours", "regular_rate", "overtime_rate", "regular_pay", "overtime_pay",
    "differential_pay", "gross", "fica_ss", "fica_medicare", "sdi", "share_of_cost", "union_dues",
    "overpayment_recovery", "federal_income_tax", "state_income_tax", "net", "sr_number"};
static const char *const exception_header[] = {"timesheet_id", "source", "code", "severity", "minutes", "message"};

static const char *const kind_names[] = {"regular", "catch_up", "special", "writ", "adjustment"};

/* payrun's own temporary files in an output directory (summary.json last: it is published last), and the commit
 * record. The adjustments and overpayments are written by payrun correct only. */
enum { T_PAYCHECKS, T_EXCEPTIONS, T_ADJUSTMENTS, T_OVERPAYMENTS, T_SUMMARY, NTMP };
static const char *const tmp_names[NTMP] = {".paychecks.csv.tmp", ".exceptions.csv.tmp", ".adjustments.csv.tmp",
                                            ".overpayments.csv.tmp", ".summary.json.tmp"};
#define COMMIT_NAME ".payrun-commit"

static int is_tmp_name(const char *name)
{
    for (size_t i = 0; i < NTMP; i++)
        if (strcmp(name, tmp_names[i]) == 0)
            return 1;
    return 0;
}

#define errfmt fsafe_errf

/* Reads .payrun-commit of dfd: the state path and generation that own the
 * temporary files. Returns 1 when read; 0 when there is none, or one never finished
 * (empty, or short of its two lines: the run that wrote it stopped before its fsync
 * returned, so before its commit, and its files are debris); -1 when unreadable. */
static int read_commit_record(int dfd, char *state_path, size_t n, int *gen)
{
    int fd = fsafe_open_read(dfd, COMMIT_NAME);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    char buf[8400];
    ssize_t k = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (k < 0)
        return -1;
    buf[k] = '\0';
    char *first = strchr(buf, '\n');
    if (!first || !strchr(first + 1, '\n'))
        return 0;   /* never finished */
    char *nl = strchr(buf, '\n');
    if (strncmp(buf, "generation ", 11) != 0 || !nl)
        return -1;
    *gen = atoi(buf + 11);
    char *p = nl + 1;
    if (strncmp(p, "state ", 6) != 0)
        return -1;
    p += 6;
    p[strcspn(p, "\n")] = '\0';
    return fld_unescape_path(p, state_path, n) == 0 ? 1 : -1;
}

/* Checks what an existing output directory holds: only payrun's temporary files
 * of a run that did not commit (removed here) may be there. */
static int check_contents(out_set *o, out_owner_fn owner, char *err, size_t errlen)
{
    DIR *d = fsafe_opendir(o->dfd);
    if (!d) {
        return errfmt(err, errlen, OUT_ERROR, "%s: cannot read: %s", o->dir, strerror(errno));
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        int own = is_tmp_name(e->d_name) || strcmp(e->d_name, COMMIT_NAME) == 0;
        if (!own || fstatat(o->dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            rc = errfmt(err, errlen, OUT_NOT_EMPTY, "%s/%s: the output directory is not empty (payrun never writes "
                        "into a directory that holds other files or a run's outputs)", o->dir, e->d_name);
    }
    closedir(d);
    if (rc != 0)
        return rc;
    char state_path[4200];
    int gen;
    int rec = read_commit_record(o->dfd, state_path, sizeof state_path, &gen);
    if (rec < 0)
        return errfmt(err, errlen, OUT_NOT_EMPTY, "%s/%s: unreadable commit record; the directory is not empty", o->dir,
                      COMMIT_NAME);
    int owned = rec > 0 ? (owner ? owner(state_path, gen, o->dir) : -1) : 0;
    if (owned > 0)
        return errfmt(err, errlen, OUT_NOT_EMPTY, "%s holds the unpublished outputs of generation %d of state %s: the "
                      "next payrun run on that state publishes them; choose another output directory", o->dir, gen,
                      state_path);
    if (owned < 0)
        return errfmt(err, errlen, OUT_NOT_EMPTY, "%s holds temporary outputs that %s says belong to generation %d of "
                      "state %s, and that state cannot be read to tell whether it committed them; choose another "
                      "output directory", o->dir, COMMIT_NAME, gen, state_path);
    /* a run that did not commit: its temporary files are debris */
    for (size_t i = 0; i < NTMP; i++)
        if (unlinkat(o->dfd, tmp_names[i], 0) != 0 && errno != ENOENT)
            return errfmt(err, errlen, OUT_ERROR, "%s/%s: cannot remove: %s", o->dir, tmp_names[i], strerror(errno));
    if (unlinkat(o->dfd, COMMIT_NAME, 0) != 0 && errno != ENOENT)
        return errfmt(err, errlen, OUT_ERROR, "%s/%s: cannot remove: %s", o->dir, COMMIT_NAME, strerror(errno));
    return 0;
}

/* Releases a claim that failed, removing the directory when this run made it. */
static void release_made(out_set *o)
{
    out_release(o);
    if (o->created)
        rmdir(o->dir);
}

void out_release(out_set *o)
{
    if (o->dfd >= 0)
        close(o->dfd);      /* closing the descriptor releases the flock */
    o->dfd = -1;
}

int out_claim(out_set *o, const char *dir, out_owner_fn owner, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->dfd = -1;
    if (strlen(dir) >= sizeof o->dir - 64)
        return errfmt(err, errlen, OUT_ERROR, "%s: output directory path too long", dir);
    snprintf(o->dir, sizeof o->dir, "%s", dir);
    struct stat st;
    if (lstat(dir, &st) != 0) {
        int made = errno == ENOENT ? fsafe_mkdirs(dir) : -1;
        if (made < 0)
            return errfmt(err, errlen, OUT_ERROR, "%s: cannot create the output directory: %s", dir, strerror(errno));
        o->created = made;  /* 0: another process made it meanwhile, so its contents are checked */
    }
    o->dfd = fsafe_open_dir(dir);
    if (o->dfd < 0 || fstat(o->dfd, &st) != 0) {
        int e = errno == ENOTDIR && lstat(dir, &st) == 0 && S_ISLNK(st.st_mode) ? ELOOP : errno;
        if (o->dfd >= 0)
            close(o->dfd);
        o->dfd = -1;
        return errfmt(err, errlen, OUT_ERROR, "%s: cannot open the output directory: %s", dir, fsafe_strerror(e));
    }
    if (st.st_uid != geteuid() || (st.st_mode & 022)) {
        release_made(o);
        return errfmt(err, errlen, OUT_NOT_EMPTY, "%s: the output directory is %s; payrun writes pay only into a "
                      "directory of its own", dir, st.st_uid != geteuid() ? "owned by another user"
                                                                         : "writable by other users");
    }
    if (flock(o->dfd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        release_made(o);
        if (e == EWOULDBLOCK)
            return errfmt(err, errlen, OUT_LOCKED, "output directory %s is in use by another run", dir);
        return errfmt(err, errlen, OUT_ERROR, "%s: cannot lock: %s", dir, strerror(e));
    }
    int rc = check_contents(o, owner, err, errlen);    /* under the lock, even when just made */
    if (rc != 0)
        release_made(o);
    return rc;
}

/* Opens one temporary output in the claimed directory. */
static int open_tmp(out_set *o, csvw *w, const char *name, int gzip, char *err, size_t errlen)
{
    int fd = fsafe_create(o->dfd, name);
    if (fd < 0 || csvw_open_fd(w, fd, gzip) != 0) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            unlinkat(o->dfd, name, 0);
        }
        return errfmt(err, errlen, -1, "%s/%s: cannot create: %s", o->dir, name, fsafe_strerror(e));
    }
    w->sync_point = "fsync-output";
    return 0;
}

int out_open_correction(out_set *o, csvw *adjustments, csvw *overpayments, char *err, size_t errlen)
{
    if (open_tmp(o, adjustments, tmp_names[T_ADJUSTMENTS], o->gzip, err, errlen) != 0)
        return -1;
    if (open_tmp(o, overpayments, tmp_names[T_OVERPAYMENTS], o->gzip, err, errlen) != 0) {
        csvw_abort(adjustments);
        unlinkat(o->dfd, tmp_names[T_ADJUSTMENTS], 0);
        return -1;
    }
    return 0;
}

int out_open(out_set *o, int gzip, cal_date run_date, int generation, char *err, size_t errlen)
{
    o->gzip = gzip;
    o->run_date = run_date;
    o->generation = generation;
    cal_format(run_date, o->pay_date);
    o->id_prefix_len = (size_t)snprintf(o->id_prefix, sizeof o->id_prefix, "%.4s%.2s%.2s-%d-", o->pay_date,
                                        o->pay_date + 5, o->pay_date + 8, generation);
    o->last_period = CAL_NONE;
    if (open_tmp(o, &o->paychecks, tmp_names[T_PAYCHECKS], gzip, err, errlen) != 0)
        return -1;
    if (open_tmp(o, &o->exceptions, tmp_names[T_EXCEPTIONS], gzip, err, errlen) != 0) {
        csvw_abort(&o->paychecks);
        unlinkat(o->dfd, tmp_names[T_PAYCHECKS], 0);
        return -1;
    }
    o->open = 1;
    out_paycheck_header(&o->paychecks);
    for (size_t i = 0; i < sizeof exception_header / sizeof *exception_header; i++)
        csvw_str(&o->exceptions, exception_header[i]);
    csvw_end_row(&o->exceptions);
    return 0;
}

void out_paycheck_header(csvw *w)
{
    for (size_t i = 0; i < sizeof paycheck_header / sizeof *paycheck_header; i++)
        csvw_str(w, paycheck_header[i]);
    csvw_end_row(w);
}

/* YYYYMMDD-G-NNNNNNN: run date, state generation, sequence of at least 7 digits (docs/state.md "Paycheck ids and reprocessing"). */
static void write_paycheck_id(csvw *w, const char *prefix, size_t prefix_len, int64_t seq)
{
    char b[64], digits[24];
    int n = 0;
    uint64_t u = (uint64_t)seq;
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n < 7)
        digits[n++] = '0';
    memcpy(b, prefix, prefix_len);
    size_t len = prefix_len;
    while (n)
        b[len++] = digits[--n];
    csvw_field(w, b, len);
}

void out_paycheck_row(csvw *w, const char *prefix, size_t prefix_len, const char *pay_date, const char period[10],
                      const arch_paycheck *p)
{
    write_paycheck_id(w, prefix, prefix_len, p->seq);
    csvw_field(w, p->timesheet_id, p->timesheet_id_len);
    csvw_str(w, p->provider);
    csvw_str(w, p->recipient);
    csvw_str(w, p->county);
    csvw_field(w, period, 10);
    csvw_str(w, kind_names[p->kind]);
    csvw_field(w, pay_date, 10);
    csvw_minutes_hm(w, p->regular_minutes);
    csvw_minutes_hm(w, p->overtime_minutes);
    csvw_rate(w, p->regular_rate);
    csvw_rate(w, p->overtime_rate);
    for (int a = 0; a < AMT_COUNT; a++)
        csvw_cents(w, p->amount[a]);
    csvw_text(w, p->sr_number, strlen(p->sr_number));
    csvw_end_row(w);
}

int out_archive(out_set *o, int gen_dfd, char *err, size_t errlen)
{
    o->archive = arch_pay_open(gen_dfd, ARCH_PAYCHECKS, o->id_prefix, o->pay_date);
    if (!o->archive)
        return fsafe_errf(err, errlen, OUT_ERROR, "the state's copy of the paychecks (%s): cannot create: %s",
                          ARCH_PAYCHECKS, fsafe_strerror(errno));
    return 0;
}

void out_write(out_set *o, const masters *m, const sheet *s, const rules_result *r)
{
    if (r->paid) {
        const rules_paycheck *pc = &r->paycheck;
        arch_paycheck p = {.seq = pc->seq, .timesheet_id = s->timesheet_id, .timesheet_id_len = s->timesheet_id_len,
                           .provider = ids_name(&m->provider_ids, pc->provider),
                           .recipient = ids_name(&m->recipient_ids, pc->recipient),
                           .county = ids_name(&m->params.counties, pc->county), .sr_number = pc->sr_number,
                           .period_start = pc->period_start, .kind = (int)pc->kind,
                           .regular_minutes = pc->regular_minutes, .overtime_minutes = pc->overtime_minutes,
                           .regular_rate = pc->regular_rate, .overtime_rate = pc->overtime_rate};
        memcpy(p.amount, pc->amount, sizeof p.amount);
        if (pc->period_start != o->last_period) {
            o->last_period = pc->period_start;
            cal_format(pc->period_start, o->last_period_text);
        }
        out_paycheck_row(&o->paychecks, o->id_prefix, o->id_prefix_len, o->pay_date, o->last_period_text, &p);
        if (o->archive)
            arch_pay_put(o->archive, &p);
    }
    for (int i = 0; i < r->nex; i++) {
        const rules_exception *x = &r->ex[i];
        csvw *w = &o->exceptions;
        char src[4200];
        size_t n = strlen(s->source_file);
        if (n > sizeof src - 24)
            n = sizeof src - 24;
        memcpy(src, s->source_file, n);
        src[n++] = ':';
        n += (size_t)digits_u64((uint64_t)(s->source_line > 0 ? s->source_line : 0), src + n);
        csvw_text(w, s->timesheet_id, s->timesheet_id_len);
        csvw_text(w, src, n);
        csvw_str(w, sheet_code_name(x->code));
        csvw_str(w, sheet_severity_name(sheet_code_severity(x->code)));
        csvw_int(w, x->minutes);
        csvw_text(w, x->message, strlen(x->message));
        csvw_end_row(w);
    }
}

/* ---- summary.json ---- */

/* A JSON string: quote, backslash and control bytes escaped; a byte that is not
 * UTF-8 (a file name in another encoding) is written as \u00XX, its Latin-1 reading. */
void out_json_str(csvw *w, const char *s)
{
    size_t n = strlen(s);
    csvw_raw(w, "\"", 1);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = fld_utf8_seq(s + i, n - i);
        if (c == '"' || c == '\\') {
            char b[2] = {'\\', (char)c};
            csvw_raw(w, b, 2);
            i++;
        } else if (c < 0x20 || k == 0) {
            char b[8];
            int m = snprintf(b, sizeof b, "\\u%04x", c);
            csvw_raw(w, b, (size_t)m);
            i++;
        } else {
            csvw_raw(w, s + i, k);
            i += k;
        }
    }
    csvw_raw(w, "\"", 1);
}

static void write_summary(csvw *w, const out_set *o, const rules_totals *t, const out_input *in, int nin,
                          const out_run_info *ri)
{
    char d[11], hm[24], money[32], committed[16] = "null";
    cal_format(o->run_date, d);
    csvw_printf(w, "{\n  \"run_id\": \"%.4s%.2s%.2s-%d\",\n  \"run_date\": \"%s\",\n  \"generation\": %d,\n", d, d + 5,
            d + 8, o->generation, d, o->generation);
    if (ri->committed_generation >= 0)
        snprintf(committed, sizeof committed, "%d", ri->committed_generation);
    csvw_printf(w, "  \"payrun_version\": \"%s\",\n  \"base_generation\": %d,\n  \"committed_generation\": %s,\n"
                "  \"reprocess\": %s,\n", PAYRUN_VERSION, ri->base_generation, committed, ri->reprocess ? "true" : "false");
    csvw_printf(w, "  \"inputs\": [\n");
    for (int i = 0; i < nin; i++) {
        csvw_printf(w, "    {\"role\": ");
        out_json_str(w, in[i].role);
        csvw_printf(w, ", \"file\": ");
        out_json_str(w, in[i].shown ? in[i].shown : in[i].path);
        char hex[DIGEST_HEX];
        digest_hex(in[i].sha256, hex);
        csvw_printf(w, ", \"bytes\": %llu, \"crc32\": \"%08x\", \"sha256\": \"%s\"}%s\n",
                    (unsigned long long)in[i].info.bytes, (unsigned)in[i].info.crc32, hex, i + 1 < nin ? "," : "");
    }
    csvw_printf(w, "  ],\n  \"counts\": {\n    \"rows_read\": %lld,\n    \"paid\": %lld,\n    \"rejected\": %lld,\n"
               "    \"held\": %lld,\n    \"exceptions\": {",
            (long long)t->rows, (long long)t->paid, (long long)t->rejected, (long long)t->held);
    int first = 1;
    for (int c = 0; c < EX_COUNT; c++) {
        if (!t->by_code[c])
            continue;
        csvw_printf(w, "%s\n      \"%s\": %lld", first ? "" : ",", sheet_code_name((sheet_code)c), (long long)t->by_code[c]);
        first = 0;
    }
    int64_t sev[4] = {0};
    for (int c = 0; c < EX_COUNT; c++)
        sev[sheet_code_severity((sheet_code)c)] += t->by_code[c];
    csvw_printf(w, "%s},\n    \"by_severity\": {", first ? "" : "\n    ");
    for (int v = SEV_REJECT; v <= SEV_WARNING; v++)
        csvw_printf(w, "%s\"%s\": %lld", v ? ", " : "", sheet_severity_name((sheet_severity)v), (long long)sev[v]);
    csvw_printf(w, "}\n  },\n  \"minutes\": {");
    const int64_t mins[3] = {t->minutes_claimed, t->minutes_paid, t->minutes_cut};
    const char *const mname[3] = {"claimed", "paid", "cut"};
    for (int i = 0; i < 3; i++) {
        cal_format_hm(mins[i], hm);
        csvw_printf(w, "%s\n    \"%s\": %lld", i ? "," : "", mname[i], (long long)mins[i]);
    }
    csvw_printf(w, "\n  },\n  \"hours\": {");
    for (int i = 0; i < 3; i++) {
        cal_format_hm(mins[i], hm);
        csvw_printf(w, "%s\n    \"%s\": \"%s\"", i ? "," : "", mname[i], hm);
    }
    csvw_printf(w, "\n  },\n  \"totals\": {");
    for (int a = 0; a < AMT_COUNT; a++) {
        money_format_cents(t->amount[a], money);
        csvw_printf(w, "%s\n    \"%s\": \"%s\"", a ? "," : "", rules_amount_name((rules_amount)a), money);
    }
    csvw_printf(w, "\n  },\n  \"outputs\": {\n");
    csvw_printf(w, "    \"paychecks.csv%s\": {\"bytes\": %llu, \"crc32\": \"%08x\"},\n", o->gzip ? ".gz" : "",
            (unsigned long long)o->paychecks.bytes, (unsigned)o->paychecks.crc32);
    csvw_printf(w, "    \"exceptions.csv%s\": {\"bytes\": %llu, \"crc32\": \"%08x\"}\n  }\n}\n", o->gzip ? ".gz" : "",
            (unsigned long long)o->exceptions.bytes, (unsigned)o->exceptions.crc32);
}

/* Removes the temporary files (never a published one). */
static void remove_tmp(out_set *o)
{
    for (size_t i = 0; i < NTMP; i++)
        unlinkat(o->dfd, tmp_names[i], 0);
    unlinkat(o->dfd, COMMIT_NAME, 0);
}

static int fail(out_set *o, char *err, size_t errlen, const char *what, const char *name, int e)
{
    snprintf(err, errlen, "%s/%s: %s: %s", o->dir, name, what, fsafe_strerror(e));
    remove_tmp(o);
    o->open = 0;
    return -1;
}

int out_prepare(out_set *o, const rules_totals *t, const out_input *inputs, int ninputs, const out_run_info *ri,
                char *err, size_t errlen)
{
    int pe = csvw_close(&o->paychecks);
    int pe_errno = errno;
    int ee = csvw_close(&o->exceptions);
    int ee_errno = errno;
    o->open = 0;
    if (pe != 0)
        return fail(o, err, errlen, "write failed", tmp_names[T_PAYCHECKS], pe_errno);
    if (o->archive) {
        int ae = arch_pay_close(o->archive);
        o->archive = NULL;
        if (ae != 0)
            return fsafe_errf(err, errlen, OUT_ERROR, "the state's copy of the paychecks (%s): write failed: %s",
                              ARCH_PAYCHECKS, fsafe_strerror(errno));
    }
    if (ee != 0)
        return fail(o, err, errlen, "write failed", tmp_names[T_EXCEPTIONS], ee_errno);
    csvw s;
    int fd = fsafe_create(o->dfd, tmp_names[T_SUMMARY]);
    if (fd < 0 || csvw_open_fd(&s, fd, 0) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return fail(o, err, errlen, "cannot create", tmp_names[T_SUMMARY], e);
    }
    s.sync_point = "fsync-output";
    if (ri->summary)
        ri->summary(&s, ri->summary_ctx);
    else
        write_summary(&s, o, t, inputs, ninputs, ri);
    if (csvw_close(&s) != 0)
        return fail(o, err, errlen, "write failed", tmp_names[T_SUMMARY], errno);
    if (fsafe_fsync(o->dfd, "fsync-output-dir") != 0)
        return fail(o, err, errlen, "cannot sync the directory", ".", errno);
    o->prepared = 1;
    return 0;
}

int out_mark_commit(out_set *o, const char *state_path, int gen, char *err, size_t errlen)
{
    char esc[8400];
    fld_escape_path(state_path, esc, sizeof esc);
    char buf[8500];
    int n = snprintf(buf, sizeof buf, "generation %d\nstate %s\n", gen, esc);
    int fd = fsafe_create(o->dfd, COMMIT_NAME);
    if (fd < 0 || write(fd, buf, (size_t)n) != n || fsafe_fsync(fd, "fsync-commit-record") != 0 ||
        fsafe_fsync(o->dfd, "fsync-output-dir") != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return fail(o, err, errlen, "cannot write", COMMIT_NAME, e);
    }
    close(fd);
    return 0;
}

/* Publishes the temporary files of dfd (named dir in messages). A temporary file
 * that is gone while its final name is there was moved already. */
static int publish_in(int dfd, const char *dir, int gzip, int *published, char *err, size_t errlen)
{
    static const char *const finals[2][NTMP] = {
        {"paychecks.csv", "exceptions.csv", "adjustments.csv", "overpayments.csv", "summary.json"},
        {"paychecks.csv.gz", "exceptions.csv.gz", "adjustments.csv.gz", "overpayments.csv.gz", "summary.json"}};
    for (size_t i = 0; i < NTMP; i++) {
        const char *final = finals[gzip ? 1 : 0][i];
        if (fsafe_rename(dfd, tmp_names[i], dfd, final, "rename-output") == 0) {
            *published = 1;
            if (i == 0)
                fault_point("mid-publish");
            continue;
        }
        int e = errno;
        struct stat st, tst;
        if (e == ENOENT && fstatat(dfd, final, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            continue;   /* moved by the run that stopped */
        if (e == ENOENT && (i == T_ADJUSTMENTS || i == T_OVERPAYMENTS))
            continue;   /* a run's outputs have none */
        if (e == EEXIST && fstatat(dfd, final, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            fstatat(dfd, tmp_names[i], &tst, AT_SYMLINK_NOFOLLOW) == 0 && st.st_ino == tst.st_ino &&
            st.st_dev == tst.st_dev && unlinkat(dfd, tmp_names[i], 0) == 0)
            continue;   /* stopped between the link and the unlink of a rename without RENAME_NOREPLACE */
        return errfmt(err, errlen, -1, "%s/%s: cannot rename into place: %s", dir, final,
                      e == EEXIST ? "a file of that name is already there (payrun never replaces a published file)"
                                  : fsafe_strerror(e));
    }
    if (fsafe_fsync(dfd, "fsync-published-dir") != 0)
        return errfmt(err, errlen, -1, "%s: cannot sync the directory: %s", dir, strerror(errno));
    return 0;
}

int out_publish(out_set *o, char *err, size_t errlen)
{
    int rc = publish_in(o->dfd, o->dir, o->gzip, &o->published, err, errlen);
    if (rc == 0)
        o->prepared = 0;
    return rc;
}

int out_publish_dir(const char *dir, int gzip, const char *owner_state, int owner_gen, char *err, size_t errlen)
{
    int dfd = fsafe_open_dir(dir);
    if (dfd < 0)
        return errfmt(err, errlen, OUT_ERROR, "%s: cannot open the output directory: %s", dir, fsafe_strerror(errno));
    if (flock(dfd, LOCK_EX | LOCK_NB) != 0) {
        close(dfd);
        return errfmt(err, errlen, OUT_LOCKED, "output directory %s is in use by another run", dir);
    }
    char state_path[4200];
    int gen, rec = read_commit_record(dfd, state_path, sizeof state_path, &gen);
    if (rec <= 0 || gen != owner_gen || strcmp(state_path, owner_state) != 0) {
        close(dfd);
        return errfmt(err, errlen, OUT_ERROR, "%s: no longer holds the outputs of generation %d (its %s %s); they "
                      "must be made again (docs/state.md, \"When a committed night's outputs are gone\")", dir, owner_gen,
                      COMMIT_NAME, rec <= 0 ? "is missing" : "names another generation or state");
    }
    int published = 0;
    int rc = publish_in(dfd, dir, gzip, &published, err, errlen);
    close(dfd);
    return rc == 0 ? 0 : OUT_ERROR;
}

void out_discard(out_set *o)
{
    if (o->dfd < 0)
        return;
    if (o->open) {
        csvw_abort(&o->paychecks);
        csvw_abort(&o->exceptions);
        o->open = 0;
    }
    arch_pay_abandon(o->archive);   /* in the generation being written, removed with it */
    o->archive = NULL;
    if (!o->published) {
        remove_tmp(o);
        if (o->created)
            rmdir(o->dir);  /* only when empty: the directory this run made */
    }
    o->prepared = 0;
    out_release(o);
}
