/* out.h — the output set of a run: paychecks.csv, exceptions.csv, summary.json, written atomically. */
#ifndef PAYRUN_OUT_H
#define PAYRUN_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "csvr.h"
#include "csvw.h"
#include "load.h"
#include "rules.h"

/* Results of out_claim besides 0. */
enum { OUT_ERROR = -1, OUT_NOT_EMPTY = -2, OUT_LOCKED = -3 };

typedef struct {
    char dir[4096];         /* the path as given */
    int dfd;                /* the directory, flock'ed from out_claim to out_release; -1 when not */
    int created;            /* this run created it */
    int gzip;
    cal_date run_date;
    int generation;         /* the generation in paycheck ids: the one the run stands on */
    csvw paychecks, exceptions;
    int open;               /* the CSV writers are open */
    int prepared;           /* closed and summary written, not yet published */
    int published;          /* some output was renamed into place: nothing may be removed */
    char id_prefix[32];     /* "YYYYMMDD-G-" of every paycheck_id */
    size_t id_prefix_len;
    char pay_date[11];      /* the run date, formatted once */
    cal_date last_period;   /* the last period_start formatted, and its text */
    char last_period_text[11];
    struct arch_writer *archive;    /* the state's copy of the paychecks (out_archive), or NULL */
} out_set;

/* An input file for the summary and the manifest: role, path, size, CRC-32, SHA-256. */
typedef struct {
    const char *role;
    const char *path;
    const char *shown;      /* what summary.json says instead of path (a file in the state), or NULL */
    csvr_info info;
    uint8_t sha256[32];
} out_input;

/* What summary.json says about the run besides its totals (docs/formats.md "summary.json"). */
typedef struct {
    int base_generation;        /* the generation the run stood on (0: none) */
    int committed_generation;   /* the generation it commits, -1 when none (null) */
    int reprocess;              /* --from-generation was given */
    /* payrun correct: writes summary.json instead (docs/corrections.md), when set */
    void (*summary)(csvw *w, const void *ctx);
    const void *summary_ctx;
} out_run_info;

/* The kind column of an adjustment paycheck (payrun correct), after the sheet kinds. */
#define OUT_KIND_ADJUSTMENT 4

/* Tells whether generation gen of the state at state_path committed the outputs in
 * out_dir (a .payrun-commit names them): 1 yes, 0 no (the generation does not exist,
 * or its manifest names another directory), -1 when the state cannot be read to tell. */
typedef int (*out_owner_fn)(const char *state_path, int gen, const char *out_dir);

/* Claims dir for a run's outputs (docs/formats.md "Outputs"): creates it (0700, and missing parents)
 * or opens it, never through a symbolic link; locks it (flock) until out_release;
 * then, under the lock, removes payrun's own temporary files of a run that did not
 * commit (owner says whether a .payrun-commit's generation committed them; NULL: it
 * cannot be told). Refuses a directory that is not owned by this user or is writable
 * by others, and one that holds anything else. Returns 0; OUT_LOCKED when another run
 * holds it; OUT_NOT_EMPTY (err names the file) when it holds anything else, among
 * them the unpublished outputs of a committed generation (or of one that cannot be
 * ruled out); OUT_ERROR for an I/O error (err says which). A directory this call made
 * is removed again when it fails. */
int out_claim(out_set *o, const char *dir, out_owner_fn owner, char *err, size_t errlen);

/* Opens the outputs of a claimed directory under temporary names
 * (".paychecks.csv.tmp", ...; O_EXCL, never through a link) and writes the header
 * rows. Returns 0, or -1 with a message in err (nothing is left behind). */
int out_open(out_set *o, int gzip, cal_date run_date, int generation, char *err, size_t errlen);

/* payrun correct: opens adjustments.csv and overpayments.csv of an opened output set
 * under temporary names (published with the rest by out_publish; the caller writes,
 * and closes them before out_prepare). Returns 0, or -1 with err (nothing left). */
int out_open_correction(out_set *o, csvw *adjustments, csvw *overpayments, char *err, size_t errlen);

/* Also writes every paycheck into gen_dfd/paychecks.bin, the state's archive of the
 * night (docs/state.md "The archive"); closed and synced by out_prepare. Call after
 * out_open. Returns 0, or OUT_ERROR with err. */
int out_archive(out_set *o, int gen_dfd, char *err, size_t errlen);

/* The row of paychecks.csv of paycheck p, paid on pay_date with paycheck id prefix +
 * p->seq; period its period_start formatted (YYYY-MM-DD). For out_write and for
 * `payrun state paychecks`, which writes an archived night's paychecks again. */
struct arch_paycheck;
void out_paycheck_row(csvw *w, const char *prefix, size_t prefix_len, const char *pay_date, const char period[10],
                      const struct arch_paycheck *p);

/* A JSON string (summary.json): quoted, with quote, backslash and control bytes escaped. */
void out_json_str(csvw *w, const char *s);

/* The header line of paychecks.csv. */
void out_paycheck_header(csvw *w);

/* Writes what one timesheet became: its paycheck row and its exception rows. */
void out_write(out_set *o, const masters *m, const sheet *s, const rules_result *r);

/* Finishes the files of the run: flushes and fsyncs both CSV files, writes and
 * fsyncs summary.json (totals, inputs, the outputs' CRC-32), all still under their
 * temporary names, then fsyncs the directory. Returns 0, or -1 with a message in err
 * after removing them. */
int out_prepare(out_set *o, const rules_totals *t, const out_input *inputs, int ninputs, const out_run_info *ri,
                char *err, size_t errlen);

/* Records in the directory, before the state commits, that generation gen of the
 * state at state_path (absolute) will own these outputs (.payrun-commit, fsynced):
 * a later run into the directory then knows they are not debris to remove.
 * Returns 0, or -1 with a message in err. */
int out_mark_commit(out_set *o, const char *state_path, int gen, char *err, size_t errlen);

/* Moves the prepared outputs into place: paychecks, exceptions, then summary.json
 * last, each renamed without replacing anything (a published file is never
 * overwritten), then fsyncs the directory. Returns 0, or -1 with a message in err. */
int out_publish(out_set *o, char *err, size_t errlen);

/* The same for a committed generation whose run stopped before it finished: the
 * directory at path is opened (not through a link), its .payrun-commit must name
 * generation owner_gen of the state at owner_state (absolute), and a temporary file
 * that is gone was moved already when its final name is there. Returns 0; OUT_LOCKED
 * when a run holds the directory; OUT_ERROR with a message in err (among them: the
 * directory no longer holds that generation's outputs). */
int out_publish_dir(const char *dir, int gzip, const char *owner_state, int owner_gen, char *err, size_t errlen);

/* Abandons the run before it committed: closes and removes the temporary files
 * (and the directory when this run created it and it is empty), and releases it. */
void out_discard(out_set *o);

/* Releases the directory's lock (after a publish, or after a commit whose publish
 * is left to the next start). */
void out_release(out_set *o);

#endif
