/* diff.h — `payrun diff`: two runs' outputs joined by timesheet id, with the impact summary. */
#ifndef PAYRUN_DIFF_H
#define PAYRUN_DIFF_H

/* Compares the outputs in dir_a (baseline) and dir_b; lists changed paychecks on
 * stdout, then the impact summary; writes the deltas to csv_path when given.
 * Returns 0 identical, 1 different, 2 trouble (diff(1) conventions). */
int diff_outputs(const char *dir_a, const char *dir_b, const char *csv_path, int quiet);

#endif
