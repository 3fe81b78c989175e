/* fault.h — fault injection for crash-safety tests: stop the process, or fail an I/O call, at a named point. */
#ifndef PAYRUN_FAULT_H
#define PAYRUN_FAULT_H

/* When the environment variable PAYRUN_CRASH_AT equals name, the process ends at
 * once with _exit(99), as a kill -9 would leave it (no flush, no cleanup). Points:
 * "outputs-written", "state-written", "committed", "mid-publish", "published". */
void fault_point(const char *name);

/* When the environment variable PAYRUN_FAIL_AT equals name, returns -1 with errno
 * set to EIO, as a failing disk would make the I/O call at that point fail; else 0.
 * Each fsync and rename of the commit protocol has a point (docs/state.md lists
 * them; `PAYRUN_FAIL_AT=list` makes payrun print each point it passes on stderr). */
int fault_error(const char *name);

#endif
