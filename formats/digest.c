/* digest.c — SHA-256 of a file in 1 MiB blocks, and its hex form. */
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define DIGEST_BLOCK (1 << 20)

int digest_fd(int fd, uint8_t out[DIGEST_SIZE], uint64_t *bytes)
{
    unsigned char *buf = malloc(DIGEST_BLOCK);
    if (!buf) {
        errno = ENOMEM;
        return -1;
    }
    digest_ctx c;
    digest_init(&c);
    uint64_t total = 0;
    ssize_t k;
    while ((k = read(fd, buf, DIGEST_BLOCK)) != 0) {
        if (k < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            errno = e;
            return -1;
        }
        digest_update(&c, buf, (size_t)k);
        total += (uint64_t)k;
    }
    free(buf);
    digest_final(&c, out);
    *bytes = total;
    return 0;
}

int digest_file(const char *path, uint8_t out[DIGEST_SIZE], uint64_t *bytes)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = digest_fd(fd, out, bytes), e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* The work shared by the two threads: the files to hash, and perhaps one more task taken
 * second (while the first, largest file is hashed); each thread takes the next item. */
typedef struct {
    digest_job *jobs;
    int n, next;
    void (*also)(void *);
    void *also_arg;
    pthread_mutex_t mu;
} job_list;

static void hash_one(digest_job *j)
{
    j->err = digest_file(j->path, j->sha256, &j->bytes) == 0 ? 0 : (errno ? errno : EIO);
}

/* Item i of l: the task when it is the second item (or the only one), else a file. */
static void run_item(job_list *l, int i)
{
    if (l->also && i == (l->n > 0)) {
        l->also(l->also_arg);
        return;
    }
    hash_one(&l->jobs[l->also && i > 1 ? i - 1 : i]);
}

static void *hash_jobs(void *arg)
{
    job_list *l = arg;
    int items = l->n + (l->also != NULL);
    for (;;) {
        pthread_mutex_lock(&l->mu);
        int i = l->next++;
        pthread_mutex_unlock(&l->mu);
        if (i >= items)
            return NULL;
        run_item(l, i);
    }
}

int digest_files(digest_job *jobs, int n, void (*also)(void *), void *arg)
{
    job_list l = {.jobs = jobs, .n = n, .also = also, .also_arg = arg};
    int items = n + (also != NULL);
    if (pthread_mutex_init(&l.mu, NULL) != 0) {
        for (int i = 0; i < items; i++)
            run_item(&l, i);
    } else {
        pthread_t tid;
        int two = items > 1 && pthread_create(&tid, NULL, hash_jobs, &l) == 0;
        hash_jobs(&l);
        if (two)
            pthread_join(tid, NULL);
        pthread_mutex_destroy(&l.mu);
    }
    for (int i = 0; i < n; i++)
        if (jobs[i].err)
            return -1;
    return 0;
}

void digest_hex(const uint8_t d[DIGEST_SIZE], char hex[DIGEST_HEX])
{
    static const char x[] = "0123456789abcdef";
    for (int i = 0; i < DIGEST_SIZE; i++) {
        hex[2 * i] = x[d[i] >> 4];
        hex[2 * i + 1] = x[d[i] & 15];
    }
    hex[2 * DIGEST_SIZE] = '\0';
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int digest_parse(const char *s, size_t n, uint8_t out[DIGEST_SIZE])
{
    if (n != 2 * DIGEST_SIZE)
        return -1;
    for (int i = 0; i < DIGEST_SIZE; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}
