/* fault.h — fault injection for crash-safety tests: stop the process at a named point. */
#ifndef PAYRUN_FAULT_H
#define PAYRUN_FAULT_H

/* When the environment variable PAYRUN_CRASH_AT equals name, the process ends at
 * once with _exit(99), as a kill -9 would leave it (no flush, no cleanup). Points:
 * "outputs-written", "state-written", "committed", "mid-publish", "published". */
void fault_point(const char *name);

#endif
