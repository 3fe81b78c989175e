/* exits.h — payrun's exit codes (README, "Exit codes") and the one mapping of module results to them. */
#ifndef PAYRUN_EXITS_H
#define PAYRUN_EXITS_H

#include "out.h"
#include "state.h"

enum {
    EXIT_OK = 0,        /* the run completed (exceptions are normal business results) */
    EXIT_USAGE = 1,     /* a usage error: nothing read or written */
    EXIT_DATA = 2,      /* bad input data, a damaged or missing state, an output directory in use by results */
    EXIT_LOCKED = 3,    /* the state or the output directory is locked by another run */
    EXIT_INTERNAL = 4,  /* an internal or I/O error, or out of memory: nothing committed unless it says so */
};

/* The exit code of a state_* result (state.h). */
static inline int exit_of_state(int rc)
{
    switch (rc) {
    case 0: return EXIT_OK;
    case STATE_DAMAGED: case STATE_NOT_A_STATE: case STATE_NOT_FOUND: return EXIT_DATA;
    case STATE_LOCKED: return EXIT_LOCKED;
    case STATE_NO_GENERATION: return EXIT_USAGE;
    default: return EXIT_INTERNAL;     /* STATE_ERROR, STATE_NO_MEMORY, STATE_AFTER_COMMIT */
    }
}

/* The exit code of an out_claim result (out.h). */
static inline int exit_of_out(int rc)
{
    return rc == 0 ? EXIT_OK : rc == OUT_LOCKED ? EXIT_LOCKED : rc == OUT_NOT_EMPTY ? EXIT_DATA : EXIT_INTERNAL;
}

#endif
