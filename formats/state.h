/* state.h — the ledger on disk: numbered generations, a lock, crash recovery (SPEC §7, docs/state.md). */
#ifndef PAYRUN_STATE_H
#define PAYRUN_STATE_H

#include <stddef.h>

#include "ledger.h"
#include "out.h"
#include "rules.h"

/* Result codes besides 0. */
enum { STATE_ERROR = -1, STATE_DAMAGED = -2, STATE_LOCKED = -3 };

typedef struct {
    char dir[4096];
    int lock_fd;            /* -1 when not locked */
    int newest;             /* newest committed generation, 0 = none */
} state_dir;

/* Opens (creating it, mode 0700, when missing) and locks the state directory, then
 * finishes what a stopped run left: publishes the outputs of committed generations
 * not yet published, and removes uncommitted generation directories. Returns 0;
 * STATE_LOCKED when another live process holds the lock (err names its pid and start
 * time); STATE_ERROR for an I/O failure. */
int state_open(state_dir *s, const char *dir, char *err, size_t errlen);

/* Opens the state directory to read committed generations only: no lock, no
 * recovery, nothing written (committed generations never change). Returns 0, or
 * STATE_ERROR when dir is not a readable state directory. */
int state_open_readonly(state_dir *s, const char *dir, char *err, size_t errlen);

/* Fills lg (initialized from the masters) with generation gen (0 = empty state).
 * Returns 0; STATE_DAMAGED when the file is truncated, fails its checksum or does not
 * parse (err says where); STATE_ERROR when gen does not exist or cannot be read. */
int state_load(const state_dir *s, int gen, ledger *lg, char *err, size_t errlen);

/* What a generation records about the run that made it. */
typedef struct {
    int base;               /* the generation the run stood on */
    cal_date run_date;
    const char *out_dir;    /* absolute path of the run's output directory */
    int gzip;
    const rules_totals *totals;
    const out_input *inputs;
    int ninputs;
} state_run;

/* Writes lg as generation newest + 1 under a temporary name, fsyncs it, and renames
 * it into place: the commit point of the run. The generation is marked unpublished
 * until state_mark_published. Returns the new generation number, or STATE_ERROR with
 * err set (nothing committed; the temporary directory removed). */
int state_commit(state_dir *s, const ledger *lg, const state_run *run, char *err, size_t errlen);

/* Records that generation gen's outputs are in place. Returns 0 or STATE_ERROR. */
int state_mark_published(const state_dir *s, int gen, char *err, size_t errlen);

/* Unlocks. */
void state_close(state_dir *s);

/* `payrun state list`: one block per generation on stdout. Returns 0 or STATE_ERROR. */
int state_list(const state_dir *s, char *err, size_t errlen);

/* `payrun state show`: the counters of one provider or recipient in generation gen. */
int state_show(const state_dir *s, int gen, const ledger *lg, const char *provider, const char *recipient, char *err,
               size_t errlen);

#endif
