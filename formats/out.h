/* out.h — the output set of a run: paychecks.csv, exceptions.csv, summary.json, written atomically. */
#ifndef PAYRUN_OUT_H
#define PAYRUN_OUT_H

#include <stddef.h>

#include "csvr.h"
#include "csvw.h"
#include "load.h"
#include "rules.h"

typedef struct {
    char dir[4096];
    int gzip;
    cal_date run_date;
    int generation;
    csvw paychecks, exceptions;
    int open;               /* the CSV writers are open */
    int prepared;           /* closed and summary written, not yet published */
    char tmp_paychecks[4200], tmp_exceptions[4200], tmp_summary[4200];
    char id_prefix[32];     /* "YYYYMMDD-G-" of every paycheck_id */
    size_t id_prefix_len;
    char pay_date[11];      /* the run date, formatted once */
    cal_date last_period;   /* the last period_start formatted, and its text */
    char last_period_text[11];
} out_set;

/* An input file for the summary: role, path, size and CRC-32. */
typedef struct {
    const char *role;
    const char *path;
    csvr_info info;
} out_input;

/* Creates dir and any missing parents (mode 0700). Returns 0, or -1 with errno set. */
int out_mkdirs(const char *dir);

/* Creates dir (0700) when missing and opens the outputs under temporary names
 * (".paychecks.csv.tmp", ...), writing the header rows. Returns 0, or -1 with a
 * message in err (nothing is left behind). */
int out_open(out_set *o, const char *dir, int gzip, cal_date run_date, int generation, char *err, size_t errlen);

/* Writes what one timesheet became: its paycheck row and its exception rows. */
void out_write(out_set *o, const masters *m, const sheet *s, const rules_result *r);

/* Finishes the files of the run: flushes and fsyncs both CSV files and writes
 * summary.json (totals, inputs, the outputs' CRC-32), all still under their
 * temporary names. Returns 0, or -1 with a message in err after removing them. */
int out_prepare(out_set *o, const rules_totals *t, const out_input *inputs, int ninputs, char *err, size_t errlen);

/* Moves the prepared outputs of dir into place: removes an older summary.json (and
 * the other format's CSV files), renames paychecks, exceptions, then summary.json
 * last, and fsyncs the directory. Idempotent: a temporary file that is gone was moved
 * already, so a run stopped half way through is finished by calling it again.
 * Returns 0, or -1 with a message in err. */
int out_publish_dir(const char *dir, int gzip, char *err, size_t errlen);

/* out_prepare then out_publish_dir (a run without state). Returns 0, or -1 with a
 * message in err after removing the temporary files. */
int out_commit(out_set *o, const rules_totals *t, const out_input *inputs, int ninputs, char *err, size_t errlen);

/* Removes the temporary files of an open or prepared output set. */
void out_discard(out_set *o);

/* Abandons the run: closes and removes the temporary files. */
void out_abort(out_set *o);

#endif
