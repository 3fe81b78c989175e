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
    int open;
    char tmp_paychecks[4200], tmp_exceptions[4200], tmp_summary[4200];
} out_set;

/* An input file for the summary: role, path, size and CRC-32. */
typedef struct {
    const char *role;
    const char *path;
    csvr_info info;
} out_input;

/* Creates dir (0700) when missing and opens the outputs under temporary names
 * (".paychecks.csv.tmp", ...), writing the header rows. Returns 0, or -1 with a
 * message in err (nothing is left behind). */
int out_open(out_set *o, const char *dir, int gzip, cal_date run_date, int generation, char *err, size_t errlen);

/* Writes what one timesheet became: its paycheck row and its exception rows. */
void out_write(out_set *o, const masters *m, const sheet *s, const rules_result *r);

/* Finishes the run: flushes and fsyncs both CSV files, writes summary.json from the
 * totals, inputs and the outputs' CRC-32, then renames everything into place
 * (summary.json last, after removing any older summary first) and fsyncs the
 * directory. Returns 0, or -1 with a message in err after removing the temporary
 * files (the directory then holds no new output). */
int out_commit(out_set *o, const rules_totals *t, const out_input *inputs, int ninputs, char *err, size_t errlen);

/* Abandons the run: closes and removes the temporary files. */
void out_abort(out_set *o);

#endif
