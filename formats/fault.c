/* fault.c — PAYRUN_CRASH_AT fault injection (tests only; inert when the variable is unset). */
#include "fault.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fault_point(const char *name)
{
    const char *at = getenv("PAYRUN_CRASH_AT");
    if (at && strcmp(at, name) == 0)
        _exit(99);
}
