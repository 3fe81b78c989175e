/* state.h — the ledger on disk: numbered generations, a lock, crash recovery (docs/state.md). */
#ifndef PAYRUN_STATE_H
#define PAYRUN_STATE_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "digest.h"
#include "ledger.h"
#include "out.h"
#include "rules.h"

/* Result codes besides 0 (the command layer maps them to exit codes: exits.h). */
enum {
    STATE_ERROR = -1,           /* I/O error: exit 4 */
    STATE_DAMAGED = -2,         /* a file fails its checksum or does not parse: exit 2 */
    STATE_LOCKED = -3,          /* another run holds the lock: exit 3 */
    STATE_NO_MEMORY = -4,       /* exit 4, "out of memory" */
    STATE_NOT_A_STATE = -5,     /* no payrun state there: exit 2 */
    STATE_NO_GENERATION = -6,   /* the generation asked for does not exist: exit 1 */
    STATE_AFTER_COMMIT = -7,    /* an I/O error after the commit point: exit 4, committed */
    STATE_NOT_FOUND = -8,       /* no counters for that provider or recipient: exit 2 */
};

/* How a command uses the state: read committed generations only (no lock, nothing
 * written: list, show, whatif, explain, a reprocess without --commit), or commit
 * (the exclusive lock, and recovery of a stopped run). */
typedef enum { STATE_READ, STATE_COMMIT } state_access;

/* The id lists a ledger's records index, in this order wherever a file lists them:
 * providers, recipients, overpayments (the keys' who, a workweek's first recipient) and
 * the counties of the W-2 sums (ledger.counties: ledger_provider_w2.county). */
enum { IDS_PROVIDERS, IDS_RECIPIENTS, IDS_OVERPAYMENTS, IDS_COUNTIES, IDS_LISTS };

/* The id lists of a generation as read: file index -> ledger index, per list (IDS_*
 * order); n[k] ids in list k. */
typedef struct {
    int32_t *map[IDS_LISTS];
    int64_t n[IDS_LISTS];
} state_idmaps;

/* The ledger's list k (IDS_* order). */
static inline ledger_ids *state_ids_list(ledger *lg, int k)
{
    return k == IDS_PROVIDERS ? &lg->providers : k == IDS_RECIPIENTS ? &lg->recipients
         : k == IDS_OVERPAYMENTS ? &lg->overpayments : &lg->counties;
}
static inline const ledger_ids *state_ids_list_c(const ledger *lg, int k)
{
    return state_ids_list((ledger *)(uintptr_t)lg, k);
}

typedef struct {
    char dir[4096];
    int dfd;                /* the state directory; every file is opened relative to it */
    int lock_fd;            /* -1 when not locked */
    int newest;             /* newest committed generation, 0 = none */
    /* the generation state_load read last: its id lists, and the checkpoint its chain
     * starts from */
    state_idmaps loaded;
    int loaded_gen, chain_start;
    /* the generation being written (state_begin): .gen-N.tmp, open */
    int begun, begun_dfd;
    struct state_early *early;  /* its ledger file being written on a thread (state_write_early) */
} state_dir;

/* `payrun state init`: makes dir a payrun state (the marker file payrun-state and
 * the lock file). A missing or empty directory becomes an empty state; one holding
 * generations written before the marker existed (and nothing else) has every
 * generation verified (manifest and ledger checksum) before the marker is added.
 * *verified receives how many generations were verified (-1: it was a state already,
 * nothing done). Returns 0; STATE_NOT_A_STATE when dir holds anything else (err names
 * it); STATE_DAMAGED naming a generation that fails; STATE_LOCKED; STATE_ERROR. */
int state_init(const char *dir, int *verified, char *err, size_t errlen);

/* Opens the state directory dir, which must hold the marker of state_init
 * (STATE_NOT_A_STATE otherwise, with the command that creates one in err). With
 * STATE_COMMIT it takes the lock (STATE_LOCKED when another live process holds it:
 * err names its pid) and finishes what a stopped run left: publishes the outputs
 * of committed generations not yet published, and removes uncommitted temporary
 * generations. With STATE_READ nothing is locked or written, and a read-only state
 * works. Returns 0 or a STATE_* code with err set. */
int state_open(state_dir *s, const char *dir, state_access access, char *err, size_t errlen);

/* Fills lg (initialized from the masters) with generation gen (0 = empty state): the
 * newest checkpoint at or before gen, then the delta of each generation after it, in
 * order; then ledger_begin_night, so what the run changes can be saved as the next
 * delta. Binary segments (ledger.bin and delta.bin version 3, or 2) are opened, not read:
 * their id lists are read, and their records become lg's source, read a person at a
 * time as the night wants them (chain.h), unless the chain's indexes are not the
 * ledger's (the masters changed order): then they are read whole. Files of older
 * payruns (ledger.txt, delta.txt, ledger.bin versions 1 and 2) are read whole. Records in
 * s->loaded what was read. Returns 0; STATE_DAMAGED when a file is truncated, fails
 * its checksum or does not parse, or a generation of the chain has no file (err says
 * where); STATE_NO_MEMORY; STATE_ERROR when it cannot be read. */
int state_load(state_dir *s, int gen, ledger *lg, char *err, size_t errlen);
/* state_load with every record read into memory (dump, show, checkpoints). */
int state_load_all(state_dir *s, int gen, ledger *lg, char *err, size_t errlen);
void state_idmaps_free(state_idmaps *m);

/* Whether generation gen is saved as a checkpoint (ledger.bin, or ledger.txt of an older payrun). */
int state_is_checkpoint(const state_dir *s, int gen);

/* Whether generation gen is in the state (1..newest, not pruned). */
int state_has_generation(const state_dir *s, int gen);

/* What a generation's manifest records about the run that made it. */
typedef struct {
    int generation, base, gzip, reprocess;
    int correction, correct_from;   /* made by payrun correct --from-generation correct_from */
    cal_date run_date;
    char out_dir[4096];     /* absolute, unescaped */
    int version;            /* 1: written before inputs had their SHA-256 */
} state_manifest;

/* Reads the manifest of generation gen. Returns 0, STATE_DAMAGED or STATE_ERROR. */
int state_read_manifest(const state_dir *s, int gen, state_manifest *m, char *err, size_t errlen);

/* An input of the night for the idempotence check: its role and path, and its
 * size and SHA-256 once known (have_sha256 0: hash path when needed; path "-" can
 * never be hashed again). */
typedef struct {
    const char *role;
    const char *path;
    uint64_t bytes;
    int have_size, have_sha256;
    uint8_t sha256[32];
} state_input;

/* The newest committed generation whose run date is run_date and whose inputs are
 * these, in this order (role, size and SHA-256 equal; paths do not matter), made by a
 * run (correct_from -1) or by a correction from generation correct_from: its number,
 * or 0 when none. Files are hashed only when their sizes match one. Returns the
 * generation, 0, or a STATE_* code (err set). */
int state_find_night(const state_dir *s, cal_date run_date, int correct_from, state_input *in, int nin, char *err,
                     size_t errlen);

/* What a new generation records about the run that made it. */
typedef struct {
    int base;               /* the generation the run stood on */
    int reprocess;          /* made by --from-generation N --commit */
    int correction;         /* made by payrun correct --from-generation correct_from */
    int correct_from;
    cal_date run_date;
    const char *out_dir;    /* absolute path of the run's output directory */
    int gzip;
    const rules_totals *totals;
    const out_input *inputs;
    int ninputs;
} state_run;

/* One input of a generation's night as its manifest lists it: its role ("providers.csv",
 * "timesheets", ...), size and SHA-256 (hex), and where the archive keeps it
 * (docs/state.md "The archive"): path (the state directory's path, then gen-N/inputs/HEX). */
typedef struct {
    char role[32];
    uint64_t bytes;
    char hex[DIGEST_HEX];
    char path[4096 + 128];
    char given[4096];       /* the path the night was given (for messages) */
} state_archived;

/* The inputs of generation gen, in the order its night read them, into *in (malloc'd,
 * the caller frees it) and *n. Returns 0; STATE_DAMAGED when the manifest does not
 * parse; STATE_NO_GENERATION when gen has no archive (pruned, or written by a payrun
 * before the archive existed: err says which); STATE_NO_MEMORY; STATE_ERROR. */
int state_archived_inputs(const state_dir *s, int gen, state_archived **in, int *n, char *err, size_t errlen);

/* The overpayments corrections created (docs/corrections.md "Paying and recovering")
 * are kept, all of them up to that correction, in the generation of the newest one. */
#define STATE_CORRECTION_OVERPAYMENTS "correction-overpayments.csv"

/* Where the overpayments created by the corrections up to generation gen are: the
 * file of the newest correction at or before gen, its path (absolute) into path.
 * Returns 1 found, 0 when no correction made any. */
int state_correction_overpayments(const state_dir *s, int gen, char *path, size_t n);

/* Makes dir (new or empty) a state holding generations 1..upto of s: their ledger
 * files and manifests, hard links where the file system allows (else copies), marked
 * published, without their archive. payrun correct replays nights in it (a scratch
 * state: docs/corrections.md). Returns 0 or a STATE_* code with err set. */
int state_fork(const state_dir *s, int upto, const char *dir, char *err, size_t errlen);

/* Writes lg as generation newest + 1 under a temporary name, fsyncs it, and renames
 * it into place: the commit point of the run. Returns the new generation number;
 * STATE_ERROR or STATE_NO_MEMORY with err set when nothing was committed (the
 * temporary generation removed); STATE_AFTER_COMMIT when an I/O error came after the
 * rename (the generation is committed: s->newest is it; err says what failed). */
int state_commit(state_dir *s, ledger *lg, const state_run *run, char *err, size_t errlen);

/* Starts generation newest + 1 of a locked state: creates .gen-N.tmp (removing one a
 * stopped run left) and opens it, so that the night's archive (docs/state.md "The
 * archive") is written into it while the night runs; state_commit adds the ledger and
 * the manifest and renames it, state_abandon removes it. Returns its descriptor (s
 * keeps it), or STATE_ERROR with err. */
int state_begin(state_dir *s, char *err, size_t errlen);

/* Starts writing the ledger file of the generation state_begin started (its checkpoint
 * or its delta of base, the generation the night stands on, as state_commit would) on
 * a thread of its own, so that it is written while the caller closes the night's
 * outputs and archive. lg must not change until state_commit, which waits for the
 * thread and reports its failure, or state_abandon. Returns 0 (also when no thread
 * could start: state_commit then writes the file itself); a STATE_* code with err
 * when the records still in the segments cannot be read in for a checkpoint. */
int state_write_early(state_dir *s, ledger *lg, int base, char *err, size_t errlen);

/* Removes the generation state_begin started (a night that does not commit). */
void state_abandon(state_dir *s);

/* Records that generation gen's outputs are in place. Returns 0 or STATE_ERROR. */
int state_mark_published(const state_dir *s, int gen, char *err, size_t errlen);

/* Whether generation gen's outputs were published. */
int state_is_published(const state_dir *s, int gen);

/* `payrun state verify`: every generation's manifest reads, its ledger passes its
 * checksum and parses whole, and its base comes before it. *checked gets how many
 * generations were verified. Returns 0, or STATE_DAMAGED naming the file and the
 * generation (STATE_ERROR, STATE_NO_MEMORY). */
int state_verify(state_dir *s, int *checked, char *err, size_t errlen);

/* Reads every block of generation gen's own binary segment (ledger.bin or delta.bin,
 * version 3 or 2) and checks it against its CRC, and the order of its keys (state verify;
 * a load reads only the blocks a night wants). Returns 0 (also for files of older
 * payruns, which a load reads whole) or a STATE_* code with err set. */
int state_verify_segment(const state_dir *s, int gen, char *err, size_t errlen);

/* `payrun state dump`: the ledger of generation gen in its text form (ledger.txt:
 * version 1 while the withholding tables are empty, else 2; state_write_ledger) on
 * descriptor fd. Returns 0 or a STATE_* code with err set. */
int state_dump(state_dir *s, int gen, int fd, char *err, size_t errlen);

/* Whether generation gen of the state at state_path committed the outputs in out_dir
 * (out_owner_fn, out.h): 1 yes; 0 no (no such generation, or it committed into
 * another directory); -1 when that cannot be told (no readable state there). */
int state_owns_outputs(const char *state_path, int gen, const char *out_dir);

/* Saves generation gen as a checkpoint (a whole ledger.txt beside its delta.txt), so
 * loading it no longer reads the generations before it (`payrun state compact` on the
 * newest; `state prune` before it removes what a kept delta stands on). A checkpoint
 * takes no generation number. Returns 0 (also when gen is one already) or a STATE_*
 * code with err set. */
int state_checkpoint(state_dir *s, int gen, char *err, size_t errlen);

/* `payrun state prune`: what to remove. */
#define STATE_RETENTION_YEARS 4     /* IRS: keep employment tax records at least four years */
typedef struct {
    int keep;               /* keep the newest keep generations (0: no such limit) */
    cal_date before;        /* prune generations whose run date is before this (CAL_NONE: none) */
    int force;              /* prune generations less than four years old too */
    cal_date today;
} state_prune_opts;

/* Removes the generations p asks for from a state opened with STATE_COMMIT (locked):
 * never the newest, never one whose outputs are not published, and never one whose
 * run date is less than four years before p->today unless p->force (counted in
 * *kept_retained instead). A kept generation saved as a delta of a removed one is
 * made a checkpoint first. Each is renamed away in one step, then removed, so a crash
 * leaves it whole or gone (the next start removes the rest). *pruned counts them.
 * Returns 0 or a STATE_* code with err set. */
int state_prune(state_dir *s, const state_prune_opts *p, int *pruned, int *kept_retained, char *err, size_t errlen);

/* Unlocks and closes. */
void state_close(state_dir *s);

/* The manifest of generation gen, open for reading (relative to the state's
 * descriptor, never through a link), or NULL with errno. */
FILE *state_manifest_open(const state_dir *s, int gen);

/* The ledger text (ledger.txt) of lg as generation gen: version 1, byte for byte what
 * payrun wrote before the withholding tables, while they are empty; version 2 (the
 * same, then provider_periods and provider_w2) once either holds a record. Returns 0,
 * or -1 out of memory. */
int state_write_ledger(csvw *w, const ledger *lg, int gen);

/* The delta text (delta.txt) of generation gen: the ids added to the lists of the
 * generation before (base, as read by state_load), the timesheets it paid, and every
 * record it touched; version 2 when it touched a withholding record, else 1 (as
 * state_write_ledger). Returns 0, or -1 out of memory. */
int state_write_delta(csvw *w, const ledger *lg, int gen, const state_idmaps *base);

/* Whether lg's id lists are base's with ids added at their ends (a delta can say so). */
int state_delta_possible(const ledger *lg, const state_idmaps *base);


#endif
