/* fault.c — PAYRUN_CRASH_AT and PAYRUN_FAIL_AT fault injection (tests only; inert when the variables are unset). */
#include "fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fault_point(const char *name)
{
    const char *at = getenv("PAYRUN_CRASH_AT");
    if (at && strcmp(at, name) == 0)
        _exit(99);
}

int fault_error(const char *name)
{
    const char *at = getenv("PAYRUN_FAIL_AT");
    if (!at)
        return 0;
    if (strcmp(at, "list") == 0) {
        fprintf(stderr, "payrun: fault point %s\n", name);
        return 0;
    }
    if (strcmp(at, name) != 0)
        return 0;
    errno = EIO;
    return -1;
}
