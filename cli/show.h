/* show.h — `payrun state list` and `payrun state show`: what a state holds, printed for people. */
#ifndef PAYRUN_SHOW_H
#define PAYRUN_SHOW_H

#include <stddef.h>

#include "ledger.h"
#include "state.h"

/* `payrun state list`: one block per generation on stdout (its manifest, and whether
 * its outputs were published). Returns 0 or a STATE_* code with err set. */
int show_generations(const state_dir *s, char *err, size_t errlen);

/* `payrun state show`: the counters of one provider or recipient in generation gen,
 * loaded whole in lg (state_load_all). Returns 0, STATE_NOT_FOUND when the id has
 * none, or STATE_ERROR (out of memory) with err set. */
int show_counters(int gen, ledger *lg, const char *provider, const char *recipient, char *err, size_t errlen);

/* `payrun state paychecks`: the paychecks generation gen paid, from its archive
 * (gen-N/paychecks.bin), as paychecks.csv on stdout. Returns 0; STATE_NO_GENERATION
 * when the generation kept none (written by an older payrun); STATE_DAMAGED or
 * STATE_ERROR with err set. */
int show_paychecks(const state_dir *s, int gen, char *err, size_t errlen);

#endif
