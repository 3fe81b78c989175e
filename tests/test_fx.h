/* test_fx.h — a small data directory, its masters, a ledger and an engine, for the suites
 * that call the rule steps and the deductions directly (test_steps.c, test_nomem.c).
 * Each master file has a default text (test_fx.c says who is who); a test replaces any
 * of them by name. */
#ifndef PAYRUN_TEST_FX_H
#define PAYRUN_TEST_FX_H

#include "deduct.h"
#include "ledger.h"
#include "load.h"
#include "rules.h"

/* One file of the data directory given by a test in place of the default. */
typedef struct {
    const char *name;           /* "parameters.csv", ... */
    const char *text;
} fxt_file;

typedef struct {
    masters m;
    ledger lg;
    rules_engine e;
    int loaded, ledger_ok, engine_ok;
    char err[1024];             /* load_masters' message */
} fxt;

/* The default text of a data file (NULL for a name it does not know, and for
 * withholding.csv: absent unless a test gives it). */
const char *fxt_default(const char *name);

/* Writes the data directory (the defaults, each replaced by over[0..n) when named
 * there) into a fresh temporary directory dir (at least 64 bytes); 0 on success. The
 * caller removes it with tu_rmtree. */
int fxt_write_dir(char *dir, size_t dirlen, const fxt_file *over, int n);

/* Loads masters from dir into f (zeroed first); load_masters' return value, its message
 * in f->err. */
int fxt_load(fxt *f, const char *dir);

/* Writes the directory, loads it, starts a ledger and an engine for pay date run; CUnit
 * fatal assertions on any failure. */
void fxt_open(fxt *f, const fxt_file *over, int n, cal_date run);
void fxt_close(fxt *f);

/* A timesheet of the period starting on `start`, signed and received on `signed_on`,
 * paper, with the minutes of days[0..n) on its first days. */
sheet fxt_sheet(const char *id, const char *prov, const char *rcp, cal_date start, sheet_kind kind,
                cal_date signed_on, const int32_t *days, int n);

/* rules_process on s; CUnit fatal assertion that it did not fail. */
void fxt_process(fxt *f, const sheet *s, rules_result *r);

/* The exception of code c in r, or NULL. */
const rules_exception *fxt_find_ex(const rules_result *r, sheet_code c);

/* deduct_apply on a paycheck of `gross` cents for the pair (prov, rcp), their one
 * assignment, in the period 2026-11-01..15 (service month 2026-11). Returns
 * deduct_apply's value (0 or RULES_FATAL); pc is filled either way. */
int fxt_deduct(fxt *f, const char *prov, const char *rcp, money_cents gross, rules_paycheck *pc);

/* What an engine explained while tracing: the lines, each ended by '\n'. */
typedef struct {
    char text[32768];
    size_t len;
} fxt_trace;

/* Sets the engine tracing into t (emptied). */
void fxt_trace_into(fxt *f, fxt_trace *t);

#define FXT_H(h, m) ((h) * 60 + (m))
#define FXT_D(y, m, d) cal_from_ymd((y), (m), (d))

#endif
