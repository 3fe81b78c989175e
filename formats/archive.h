/* archive.h — what each generation keeps of its night for corrections: its input files (by SHA-256) and its paychecks. */
#ifndef PAYRUN_ARCHIVE_H
#define PAYRUN_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "cal.h"
#include "digest.h"
#include "rules.h"

/* A generation's archive lives in its directory (docs/state.md "The archive"):
 *   gen-N/inputs/<sha256>   each input file of the night, its bytes as read, named by
 *                           their SHA-256; a file an earlier generation kept already
 *                           is a hard link to that one, so each distinct file is
 *                           stored once and pruning a generation drops what only it used
 *   gen-N/paychecks.bin     the paychecks the night paid, every column (below) */
#define ARCH_INPUTS "inputs"
#define ARCH_PAYCHECKS "paychecks.bin"

/* ---- inputs ---- */

/* A copy of one input file being written into a generation's inputs directory. */
typedef struct {
    int dfd;                /* the inputs directory */
    int state_dfd, newest;  /* the state, and its newest generation: where earlier copies are */
    int fd;                 /* the copy, -1 when none */
    char tmp[32];           /* its temporary name */
    uint64_t bytes, writeback;      /* bytes copied; of them, written back (fsafe_writeback) */
    int err;                /* the errno of the first failed write, 0 none */
    int sync_later;         /* set by the caller: arch_copy_end does not fsync; arch_inputs_sync will */
} arch_copy;

/* Creates the directory inputs in the generation directory gen_dfd (being written)
 * and opens it. Returns its descriptor, or -1 with errno set. */
int arch_inputs_open(int gen_dfd);

/* Starts a copy, number k of the night, in the inputs directory dfd of the state
 * state_dfd whose newest generation is newest. Returns 0, or -1 with errno set. */
int arch_copy_begin(arch_copy *c, int dfd, int state_dfd, int newest, int k);

/* The csvr tee (csvr_hooks.tee): appends n bytes to the copy. Returns 0 or an errno. */
int arch_copy_tee(void *copy, const void *bytes, size_t n);

/* Ends the copy whose bytes have SHA-256 sha: when an earlier generation keeps that
 * file (or this one does: the same file given twice), links it from there and removes
 * the copy; else fsyncs the copy (fault point fsync-state; not with sync_later) and
 * names it by its hex. With ok 0 (the reading failed) only removes it. Returns 0, or -1
 * with err. */
int arch_copy_end(arch_copy *c, int ok, const uint8_t sha[DIGEST_SIZE], char *err, size_t errlen);

/* fsyncs every file of the inputs directory dfd (fault point fsync-state), then the
 * directory (fsync-state-dir): the copies ended with sync_later, once the night has
 * other work to overlap with their writeback. Returns 0, or -1 with errno set. */
int arch_inputs_sync(int dfd);

/* Keeps the file at path, whose SHA-256 the night found to be sha, in the inputs
 * directory dfd: a hard link to the copy of an earlier generation of the state
 * (state_dfd, generations newest down to 1) when one has it, else a copy read from
 * path and hashed again, refused when the bytes are no longer those (the file changed
 * since the night read it). Returns 0, or -1 with err. */
int arch_keep_file(int dfd, int state_dfd, int newest, const char *path, const uint8_t sha[DIGEST_SIZE], char *err,
                   size_t errlen);

/* The masters kept (arch_keep_file each) on a thread of their own, so that their
 * reading, hashing and writing overlap the night's timesheets rather than follow them. */
typedef struct arch_keeper arch_keeper;

/* Starts keeping the n files paths[i] (SHA-256 sha[i]) in dfd as arch_keep_file does;
 * paths and sha must stay as they are until arch_keep_end. Never fails: without
 * memory or a thread, arch_keep_end keeps them itself. */
arch_keeper *arch_keep_begin(int dfd, int state_dfd, int newest, int n, const char *const *paths,
                             const uint8_t (*sha)[DIGEST_SIZE]);

/* Waits for the keeper k and frees it. Returns 0 when every file is kept, or -1 with err
 * (the first file that could not be kept, as arch_keep_file says). */
int arch_keep_end(arch_keeper *k, char *err, size_t errlen);

/* Checks every file of the inputs directory gen-N/inputs of state_dfd: its SHA-256
 * against its name. Returns the number of files checked, or -1 with err naming the
 * first that is not what its name says; 0 when there is no inputs directory. */
int arch_verify_inputs(int state_dfd, int gen, char *err, size_t errlen);

/* ---- paychecks ---- */

/* A paycheck as the archive holds it, with its ids as text (the masters' indexes
 * change from night to night). */
typedef struct arch_paycheck {
    int64_t seq;
    const char *timesheet_id;
    size_t timesheet_id_len;
    const char *provider, *recipient, *county, *sr_number;
    cal_date period_start;
    int kind;
    int64_t regular_minutes, overtime_minutes;
    int64_t regular_rate, overtime_rate;
    int64_t amount[AMT_COUNT];
} arch_paycheck;

typedef struct arch_writer arch_writer;

/* Creates name (ARCH_PAYCHECKS) in the generation directory dfd for the paychecks of
 * a night paid on pay_date with paycheck ids "prefix" + sequence. Returns the writer,
 * or NULL with errno set. */
arch_writer *arch_pay_open(int dfd, const char *name, const char *prefix, const char *pay_date);

/* Appends one paycheck (a write error is kept and reported by arch_pay_close). */
void arch_pay_put(arch_writer *w, const arch_paycheck *p);

/* Writes the rest and the trailer, fsyncs (fault point fsync-state) and frees w.
 * Returns 0, or -1 with errno set. */
int arch_pay_close(arch_writer *w);

/* Frees w, its file left as it is (the caller removes the generation being written). */
void arch_pay_abandon(arch_writer *w);

/* Reads name in dfd, checking every block against its CRC-32 and the trailer's
 * count: calls fn for each paycheck in order with the prefix and pay date. fn's
 * nonzero return stops the reading and is returned. Returns 0, fn's return, or -1
 * with err (unreadable or damaged, naming what). */
typedef int (*arch_pay_fn)(void *ctx, const char *prefix, const char *pay_date, const arch_paycheck *p);
int arch_pay_read(int dfd, const char *name, arch_pay_fn fn, void *ctx, char *err, size_t errlen);

#endif
