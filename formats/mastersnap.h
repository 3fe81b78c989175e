/* mastersnap.h — a mapped binary snapshot of the loaded masters in the state, keyed by the SHA-256 of the master files (docs/snapshot.md). */
#ifndef PAYRUN_MASTERSNAP_H
#define PAYRUN_MASTERSNAP_H

#include <stddef.h>

#include "load.h"
#include "master.h"

#define MSNAP_DIR "masters"     /* in the state directory: <key>.bin */
#define MSNAP_KEEP 2            /* snapshots kept: the newest written */

/* Looks in the state directory state_dfd for a snapshot of the master files that
 * load_locate found in files. When one matches (same format version and struct
 * layout, same file names and SHA-256 of every file, its header and every block intact),
 * maps it read-only, points m's arrays into the mapping (m->borrowed: master_free
 * unmaps it) and fills each present files[f].info as parsing would have (bytes,
 * CRC-32, rows, gzip, SHA-256; the SHA-256 from hashing the files now). Returns 1 on
 * a hit; 0 when no snapshot is usable, m left zeroed and the caller parses the CSVs
 * (a snapshot is never trusted over them). note gets what happened, for --verbose
 * ("" when there is nothing to say). Never writes. */
int msnap_load(int state_dfd, load_file files[LOAD_NFILES], masters *m, char *note, size_t notelen);

/* A snapshot being written while the night runs (msnap_begin ... msnap_end). */
typedef struct msnap_writer msnap_writer;

/* Starts writing the snapshot of m, just loaded from the CSVs of files (their
 * info.sha256 as read by the parse), into MSNAP_DIR of the state (which the caller
 * holds the lock of) on a thread of its own: a temporary file (0600, as every state
 * file), its writeback started. m and files must stay unchanged and alive until
 * msnap_end. Returns the writer for msnap_end (NULL out of memory; msnap_end takes
 * that too). */
msnap_writer *msnap_begin(int state_dfd, const masters *m, const load_file files[LOAD_NFILES]);

/* Waits for the write; then with keep (the night committed) fsyncs the file and
 * renames it into place (no fsync of the night's own happens on the thread, so the
 * night's syscalls keep their order), removes leftover temporary files and keeps only
 * the MSNAP_KEEP newest snapshots; without keep removes the temporary file. A cache,
 * not part of the commit: a crash leaves no snapshot or a whole one. Returns 0 with
 * note naming the file, or -1 with note saying what failed (the state is unharmed
 * either way). Frees w. */
int msnap_end(msnap_writer *w, int keep, char *note, size_t notelen);

/* `payrun state verify`: reads every snapshot of the state directory dir (state_dfd)
 * whole: header, size, name, and the CRC-32 of every block. A snapshot of another
 * format version or build is skipped (runs ignore it too). Returns 0, or
 * STATE_DAMAGED with err naming the file and what is wrong; STATE_ERROR when it cannot
 * be read; STATE_NO_MEMORY. */
int msnap_verify_dir(int state_dfd, const char *dir, char *err, size_t errlen);

/* Gives back the pages of a mapped snapshot that the run touched (they stay in the
 * page cache, and come back on the next touch): a small night calls it now and then,
 * so that the pages the kernel maps around each touch do not add up to the whole
 * file in its resident set. Nothing when m was parsed. Never fails. */
void msnap_give_back(const masters *m);

#endif
