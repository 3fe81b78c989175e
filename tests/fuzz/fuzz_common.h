/* fuzz_common.h — what the libFuzzer harnesses share: property checks, UBSan options, the input as a file. */
#ifndef PAYRUN_FUZZ_COMMON_H
#define PAYRUN_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* FUZZ_NAME is defined by each harness before including this header. */
#define CHECK(cond)                                                                                              \
    do {                                                                                                         \
        if (!(cond)) {                                                                                           \
            fprintf(stderr, FUZZ_NAME ": property failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
            __builtin_trap();                                                                                    \
        }                                                                                                        \
    } while (0)

/* UBSan stops at its first report (the harnesses are built with recoverable UBSan so
 * that `make fuzz` can suppress known reports, see tests/fuzz/known-bugs.supp). */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) { return "halt_on_error=1:print_stacktrace=1"; }

/* The file the input is put in for csvr_read: a memfd (or a /tmp file without one). */
static int fuzz_fd = -1;
static char fuzz_path[64];

static inline void fuzz_file_setup(void)
{
    fuzz_fd = memfd_create("payrun-fuzz-" FUZZ_NAME, 0);
    if (fuzz_fd >= 0)
        snprintf(fuzz_path, sizeof fuzz_path, "/proc/self/fd/%d", fuzz_fd);
    else
        snprintf(fuzz_path, sizeof fuzz_path, "/tmp/payrun-%s-%ld.csv", FUZZ_NAME, (long)getpid());
}

/* Puts the input into fuzz_path; 0, or -1 when it cannot be written. */
static inline int fuzz_file_put(const uint8_t *data, size_t size)
{
    if (fuzz_fd >= 0) {
        if (ftruncate(fuzz_fd, 0) != 0)
            return -1;
        size_t off = 0;
        while (off < size) {
            ssize_t w = pwrite(fuzz_fd, data + off, size - off, (off_t)off);
            if (w <= 0)
                return -1;
            off += (size_t)w;
        }
        return 0;
    }
    FILE *f = fopen(fuzz_path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, size, f);
    return fclose(f) == 0 && w == size ? 0 : -1;
}

#endif
