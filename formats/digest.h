/* digest.h — SHA-256 of input files (nettle), for the manifest and idempotent nights (docs/state.md). */
#ifndef PAYRUN_DIGEST_H
#define PAYRUN_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#define DIGEST_SIZE SHA256_DIGEST_SIZE          /* 32 bytes */
#define DIGEST_HEX (2 * DIGEST_SIZE + 1)        /* 64 hex digits and a NUL */

typedef struct sha256_ctx digest_ctx;

static inline void digest_init(digest_ctx *c) { sha256_init(c); }
static inline void digest_update(digest_ctx *c, const void *p, size_t n) { sha256_update(c, n, p); }
static inline void digest_final(digest_ctx *c, uint8_t out[DIGEST_SIZE]) { sha256_digest(c, DIGEST_SIZE, out); }

/* SHA-256 of the whole file at path ("-" is not allowed: standard input cannot be
 * read twice) and its size in bytes. Returns 0, or -1 with errno set. */
int digest_file(const char *path, uint8_t out[DIGEST_SIZE], uint64_t *bytes);

/* The same for the open descriptor fd, read from where it stands to its end. */
int digest_fd(int fd, uint8_t out[DIGEST_SIZE], uint64_t *bytes);

/* A file to hash with digest_files: path in; sha256, bytes and err (0 or an errno) out. */
typedef struct {
    const char *path;
    uint8_t sha256[DIGEST_SIZE];
    uint64_t bytes;
    int err;
} digest_job;

/* digest_file on each of the n jobs, on two threads (the calling one and one more;
 * one when the thread cannot be started), each taking the next item; and when also is
 * given, also(arg) as the second item taken (put the largest file first: the other
 * thread runs also while it is hashed; also reports its own result through arg).
 * Returns 0 when every file was hashed, or -1 (each job's err says which failed). */
int digest_files(digest_job *jobs, int n, void (*also)(void *), void *arg);

/* Lowercase hex of a digest into hex[DIGEST_HEX]. */
void digest_hex(const uint8_t d[DIGEST_SIZE], char hex[DIGEST_HEX]);

/* Parses 64 hex digits; returns 0, or -1 when s is not exactly that. */
int digest_parse(const char *s, size_t n, uint8_t out[DIGEST_SIZE]);

#endif
