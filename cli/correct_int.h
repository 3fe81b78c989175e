/* correct_int.h — what the parts of payrun correct share: the correction's state, the nights, the settlement. */
#ifndef PAYRUN_CORRECT_INT_H
#define PAYRUN_CORRECT_INT_H

#include "changeset.h"
#include "correct.h"
#include "csvr.h"
#include "csvw.h"
#include "ids.h"
#include "load.h"
#include "out.h"
#include "rules.h"
#include "state.h"

/* ---- what was paid: a night's paychecks, kept by timesheet id ---- */

typedef struct {
    size_t provider, recipient, county;     /* offsets in the corrector's text pool */
    int64_t seq;                            /* 0: not paid by the night, only by an earlier correction */
    cal_date period_start;
    int64_t minutes[2];                     /* regular, overtime */
    money_rate rate[2];
    money_cents amount[AMT_COUNT];
} kept_paycheck;

typedef struct {
    ids_table ids;          /* timesheet id -> index in v (the first paycheck of that id) */
    kept_paycheck *v;
    int32_t n, cap;
    char prefix[32];        /* of the night's paycheck ids ("YYYYMMDD-G-") */
} paid_night;

/* One night to replay: the generation that paid it, its manifest and archived inputs,
 * what it paid and what the replay pays. */
typedef struct {
    int gen;
    state_manifest m;
    state_archived *in;
    int nin;
    paid_night orig, again;
    int correction;         /* an earlier correction: not replayed, its change set applied to the nights after
                             * its own from-generation, its overpayments open from its place on */
    changeset cs;           /* that correction's change set */
    int nts;                /* its timesheet files, in order */
    char **ts_path;         /* what the replay reads: the archived file or a corrected copy */
    unsigned char *ts_copy; /* ts_path[t] is a corrected copy's path, malloc'd */
    const char **ts_given;  /* the path the night was given (into in[]) */
} night_plan;

/* A corrected timesheet row of --timesheets and the archived row it corrects. */
typedef struct {
    size_t id;              /* offset in the text pool */
    size_t vals;            /* offset in the corrector's fix values: TS_NCOLS runs of [uint32 length][bytes] */
    uint32_t present;       /* bit c: column c was in the corrections file */
    long line;              /* in the corrections file */
    int night, file;        /* the night (index) and file it corrects, -1 none */
    long at_line;           /* the line of the row it corrects */
    int paid_in;            /* the night that paid that id, -1 none */
    int source;             /* 0: this correction's --timesheets; else 1 + the earlier correction's night index */
} fix_row;

/* One row of adjustments.csv: replayed minus paid. */
typedef struct {
    size_t ts, original_id, provider, recipient, county;   /* text pool; original_id (size_t)-1 when not paid */
    cal_date period_start;
    int64_t minutes[2];
    money_rate rate[2];
    money_cents amount[AMT_COUNT];
    money_cents recovered;  /* what step 14.6 took from its adjustment paycheck */
} adjustment;

typedef struct {
    const correct_options *o;
    state_dir st;
    int newest;                 /* M: the generation the correction stands on */
    state_manifest m_newest;
    night_plan *night;
    int nnights;
    changeset cs;
    ids_pool text;
    fix_row *fix;
    int nfix, fix_cap;
    ids_table fix_ids;          /* timesheet id -> index in fix */
    char *fix_vals;
    size_t fix_used, fix_cap_bytes;
    adjustment *adj;
    size_t nadj, adj_cap;
    money_cents total[AMT_COUNT];       /* of adjustments.csv */
    int64_t total_minutes[2];
    char scratch[4096];         /* the replay's directory, removed at the end */
    char scratch_state[4200];
    out_set out;
    csvw adjustments, overpayments;
    int extra_open;
    int fix_source;             /* the file take_fix reads: fix_row.source */
    csvr_info fix_info;         /* of the --timesheets file as read */
    int nomem;
} corrector;

static inline const char *corr_text(const corrector *k, size_t off) { return ids_pool_str(&k->text, off); }

/* The masters of the correction's run date: the data directory, and the overpayments
 * of corrections in extra (NULL: none), with a ledger and an engine over them. */
typedef struct {
    masters m;
    load_file files[LOAD_NFILES], extra;
    ledger lg;
    rules_engine e;
    int m_ready, lg_ready, e_ready;
} settlement;

/* ---- replay.c: the nights replayed and compared ---- */

/* Keeps s[0..n) in the corrector's text pool: its offset (0 and k->nomem set when out of memory). */
size_t replay_keep_text(corrector *k, const char *s, size_t n);
/* The archived file of role in night p (NULL when the night had none). */
const char *replay_archived(const night_plan *p, const char *role);
/* The nights N+1 ... M: their manifests, archives and paychecks; an earlier correction's change set. Returns 0 or an exit code. */
int replay_plan_nights(corrector *k);
/* Folds the adjustments of every earlier correction among the nights into what was paid. Returns 0 or an exit code. */
int replay_fold_earlier(corrector *k);
/* The change set: what o->data changes against the masters M archived (m_in), with --params rows on a dry run. */
int replay_change_set(corrector *k, const night_plan *m_night, state_archived *m_in, int m_nin);
/* Reads the corrected rows (earlier corrections' and --timesheets) and finds the row each corrects. */
int replay_read_fixes(corrector *k);
/* Makes the scratch state, replays and compares every night (over earlier corrections too), then the
 * CORRECTION_UNMATCHED rows. Returns 0 or an exit code. */
int replay_all(corrector *k);
/* Removes the scratch directory (unless PAYRUN_KEEP_REPLAY is set). */
void replay_remove_scratch(corrector *k);

/* ---- correct.c: the settlement ---- */

/* Loads the masters of data with the corrections' overpayments at extra_path (or none) and starts an engine for
 * run_date over an empty ledger. Returns 0 or an exit code. */
int corr_settlement_open(settlement *s, const char *data, cal_date run_date, const char *extra_path);
void corr_settlement_free(settlement *s);

#endif
