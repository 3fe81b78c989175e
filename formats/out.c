/* out.c — writes paychecks, exceptions and the JSON summary under temporary names, then renames them into place. */
#include "out.h"

#include "digits.h"
#include "field.h"
#include "fault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const paycheck_header[] = {
    "paycheck_id", "timesheet_id", "provider_id", "recipient_id", "county", "period_start", "kind", "pay_date",
    "regular_hours", "overtime_hours", "regular_rate", "overtime_rate", "regular_pay", "overtime_pay",
    "differential_pay", "gross", "fica_ss", "fica_medicare", "sdi", "share_of_cost", "union_dues",
    "overpayment_recovery", "net", "sr_number"};
static const char *const exception_header[] = {"timesheet_id", "source", "code", "severity", "minutes", "message"};

static const char *const kind_names[] = {"regular", "catch_up", "special", "writ"};

int out_mkdirs(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        path[i] = c;
    }
    struct stat st;
    if (stat(dir, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int out_open(out_set *o, const char *dir, int gzip, cal_date run_date, int generation, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    if (strlen(dir) >= sizeof o->dir - 64) {
        snprintf(err, errlen, "%s: output directory path too long", dir);
        return -1;
    }
    snprintf(o->dir, sizeof o->dir, "%s", dir);
    o->gzip = gzip;
    o->run_date = run_date;
    o->generation = generation;
    cal_format(run_date, o->pay_date);
    o->id_prefix_len = (size_t)snprintf(o->id_prefix, sizeof o->id_prefix, "%.4s%.2s%.2s-%d-", o->pay_date,
                                        o->pay_date + 5, o->pay_date + 8, generation);
    o->last_period = CAL_NONE;
    if (out_mkdirs(dir) != 0) {
        snprintf(err, errlen, "%s: cannot create output directory: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(o->tmp_paychecks, sizeof o->tmp_paychecks, "%s/.paychecks.csv.tmp", dir);
    snprintf(o->tmp_exceptions, sizeof o->tmp_exceptions, "%s/.exceptions.csv.tmp", dir);
    snprintf(o->tmp_summary, sizeof o->tmp_summary, "%s/.summary.json.tmp", dir);
    if (csvw_open(&o->paychecks, o->tmp_paychecks, gzip) != 0) {
        snprintf(err, errlen, "%s: cannot create: %s", o->tmp_paychecks, strerror(errno));
        return -1;
    }
    if (csvw_open(&o->exceptions, o->tmp_exceptions, gzip) != 0) {
        snprintf(err, errlen, "%s: cannot create: %s", o->tmp_exceptions, strerror(errno));
        csvw_abort(&o->paychecks);
        unlink(o->tmp_paychecks);
        return -1;
    }
    o->open = 1;
    for (size_t i = 0; i < sizeof paycheck_header / sizeof *paycheck_header; i++)
        csvw_str(&o->paychecks, paycheck_header[i]);
    csvw_end_row(&o->paychecks);
    for (size_t i = 0; i < sizeof exception_header / sizeof *exception_header; i++)
        csvw_str(&o->exceptions, exception_header[i]);
    csvw_end_row(&o->exceptions);
    return 0;
}

/* YYYYMMDD-G-NNNNNNN: run date, state generation, sequence of at least 7 digits (SPEC §6). */
static void write_paycheck_id(out_set *o, int64_t seq)
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
    memcpy(b, o->id_prefix, o->id_prefix_len);
    size_t len = o->id_prefix_len;
    while (n)
        b[len++] = digits[--n];
    csvw_field(&o->paychecks, b, len);
}

void out_write(out_set *o, const masters *m, const sheet *s, const rules_result *r)
{
    if (r->paid) {
        const rules_paycheck *pc = &r->paycheck;
        csvw *w = &o->paychecks;
        write_paycheck_id(o, pc->seq);
        csvw_field(w, s->timesheet_id, s->timesheet_id_len);
        csvw_str(w, ids_name(&m->provider_ids, pc->provider));
        csvw_str(w, ids_name(&m->recipient_ids, pc->recipient));
        csvw_str(w, ids_name(&m->params.counties, pc->county));
        if (pc->period_start != o->last_period) {
            o->last_period = pc->period_start;
            cal_format(pc->period_start, o->last_period_text);
        }
        csvw_field(w, o->last_period_text, 10);
        csvw_str(w, kind_names[pc->kind]);
        csvw_field(w, o->pay_date, 10);
        csvw_minutes_hm(w, pc->regular_minutes);
        csvw_minutes_hm(w, pc->overtime_minutes);
        csvw_rate(w, pc->regular_rate);
        csvw_rate(w, pc->overtime_rate);
        for (int a = 0; a < AMT_COUNT; a++)
            csvw_cents(w, pc->amount[a]);
        csvw_text(w, pc->sr_number, strlen(pc->sr_number));
        csvw_end_row(w);
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
static void json_str(csvw *w, const char *s)
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

static void write_summary(csvw *w, const out_set *o, const rules_totals *t, const out_input *in, int nin)
{
    char d[11], hm[24], money[32];
    cal_format(o->run_date, d);
    csvw_printf(w, "{\n  \"run_id\": \"%.4s%.2s%.2s-%d\",\n  \"run_date\": \"%s\",\n  \"generation\": %d,\n", d, d + 5,
            d + 8, o->generation, d, o->generation);
    csvw_printf(w, "  \"inputs\": [\n");
    for (int i = 0; i < nin; i++) {
        csvw_printf(w, "    {\"role\": ");
        json_str(w, in[i].role);
        csvw_printf(w, ", \"file\": ");
        json_str(w, in[i].path);
        csvw_printf(w, ", \"bytes\": %llu, \"crc32\": \"%08x\"}%s\n", (unsigned long long)in[i].info.bytes,
                (unsigned)in[i].info.crc32, i + 1 < nin ? "," : "");
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
    csvw_printf(w, "%s}\n  },\n  \"minutes\": {", first ? "" : "\n    ");
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

void out_abort(out_set *o)
{
    if (!o->open)
        return;
    csvw_abort(&o->paychecks);
    csvw_abort(&o->exceptions);
    unlink(o->tmp_paychecks);
    unlink(o->tmp_exceptions);
    unlink(o->tmp_summary);
    o->open = 0;
}

static int fail(out_set *o, char *err, size_t errlen, const char *what, const char *path)
{
    snprintf(err, errlen, "%s: %s: %s", path, what, strerror(errno));
    unlink(o->tmp_paychecks);
    unlink(o->tmp_exceptions);
    unlink(o->tmp_summary);
    o->open = 0;
    return -1;
}

int out_prepare(out_set *o, const rules_totals *t, const out_input *inputs, int ninputs, char *err, size_t errlen)
{
    int pe = csvw_close(&o->paychecks);
    int pe_errno = errno;
    int ee = csvw_close(&o->exceptions);
    if (pe != 0) {
        errno = pe_errno;
        return fail(o, err, errlen, "write failed", o->tmp_paychecks);
    }
    if (ee != 0)
        return fail(o, err, errlen, "write failed", o->tmp_exceptions);
    csvw s;
    if (csvw_open(&s, o->tmp_summary, 0) != 0)
        return fail(o, err, errlen, "cannot create", o->tmp_summary);
    write_summary(&s, o, t, inputs, ninputs);
    if (csvw_close(&s) != 0)
        return fail(o, err, errlen, "write failed", o->tmp_summary);
    o->open = 0;
    o->prepared = 1;
    return 0;
}

/* Renames tmp to final when tmp exists (a missing tmp was moved already). */
static int move_if_there(const char *tmp, const char *final, char *err, size_t errlen)
{
    if (rename(tmp, final) == 0 || errno == ENOENT)
        return 0;
    snprintf(err, errlen, "%s: cannot rename into place: %s", final, strerror(errno));
    return -1;
}

int out_publish_dir(const char *dir, int gzip, char *err, size_t errlen)
{
    char tmp[4300], path[4300];
    const char *gz = gzip ? ".gz" : "";
    snprintf(tmp, sizeof tmp, "%s/.summary.json.tmp", dir);
    if (access(tmp, F_OK) == 0) {
        /* the old summary goes first: a directory without summary.json holds no complete run */
        snprintf(path, sizeof path, "%s/summary.json", dir);
        if (unlink(path) != 0 && errno != ENOENT) {
            snprintf(err, errlen, "%s: cannot remove the old summary: %s", path, strerror(errno));
            return -1;
        }
        /* the other format's outputs of an older run would contradict this one */
        snprintf(path, sizeof path, "%s/paychecks.csv%s", dir, gzip ? "" : ".gz");
        unlink(path);
        snprintf(path, sizeof path, "%s/exceptions.csv%s", dir, gzip ? "" : ".gz");
        unlink(path);
    }
    static const char *const names[] = {"paychecks.csv", "exceptions.csv"};
    for (int i = 0; i < 2; i++) {
        snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, names[i]);
        snprintf(path, sizeof path, "%s/%s%s", dir, names[i], gz);
        if (move_if_there(tmp, path, err, errlen) != 0)
            return -1;
        fault_point("mid-publish");
    }
    snprintf(tmp, sizeof tmp, "%s/.summary.json.tmp", dir);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    if (move_if_there(tmp, path, err, errlen) != 0)
        return -1;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd < 0 || fsync(dfd) != 0) {
        snprintf(err, errlen, "%s: cannot sync the directory: %s", dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        return -1;
    }
    close(dfd);
    return 0;
}

int out_commit(out_set *o, const rules_totals *t, const out_input *inputs, int ninputs, char *err, size_t errlen)
{
    if (out_prepare(o, t, inputs, ninputs, err, errlen) != 0)
        return -1;
    if (out_publish_dir(o->dir, o->gzip, err, errlen) != 0) {
        out_discard(o);
        return -1;
    }
    o->prepared = 0;
    return 0;
}

void out_discard(out_set *o)
{
    out_abort(o);
    unlink(o->tmp_paychecks);
    unlink(o->tmp_exceptions);
    unlink(o->tmp_summary);
    o->prepared = 0;
}
