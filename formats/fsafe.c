/* fsafe.c — openat/mkdirat/renameat2/unlinkat wrappers for the output and state directories (no symlink followed). */
#define _GNU_SOURCE
#include "fsafe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"

/* fsyncs the directory that holds path (its entry for path is then durable). */
static int sync_parent(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsafe_fsync(fd, "fsync-new-dir-parent");
    close(fd);
    return rc;
}

int fsafe_mkdirs(const char *path)
{
    char p[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof p) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(p, path, n + 1);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    int created = 0;
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        created = mkdir(p, 0700) == 0;
        if (!created && errno != EEXIST)
            return -1;
        if (created && sync_parent(p) != 0)
            return -1;      /* the new entry must last as long as what is committed into it */
        p[i] = c;
    }
    return created;
}

int fsafe_open_dir(const char *path)
{
    return open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int fsafe_open_subdir(int dfd, const char *name)
{
    return openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int fsafe_create(int dfd, const char *name)
{
    return openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

int fsafe_open_read(int dfd, const char *name)
{
    return openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
}

int fsafe_fsync(int fd, const char *point)
{
    if (fault_error(point) != 0)
        return -1;
    return fsync(fd);
}

void fsafe_writeback(int fd, uint64_t written, uint64_t *started)
{
    if (written - *started < FSAFE_WRITEBACK_EVERY)
        return;
    (void)sync_file_range(fd, (off_t)*started, (off_t)(written - *started), SYNC_FILE_RANGE_WRITE);
    *started = written;
}

int fsafe_rename(int fromdfd, const char *from, int todfd, const char *to, const char *point)
{
    if (fault_error(point) != 0)
        return -1;
    if (renameat2(fromdfd, from, todfd, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    /* no RENAME_NOREPLACE here: link then unlink keeps "never replace" for a file */
    struct stat st;
    if (fstatat(fromdfd, from, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        if (linkat(fromdfd, from, todfd, to, 0) != 0)
            return -1;
        return unlinkat(fromdfd, from, 0);
    }
    if (fstatat(todfd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        errno = EEXIST;
        return -1;
    }
    return renameat(fromdfd, from, todfd, to);  /* a directory: the caller holds the lock */
}

/* fsafe_remove_tree, with subdirectories down to `depth` more levels. */
static int remove_tree(int dfd, const char *name, int depth)
{
    int fd = fsafe_open_subdir(dfd, name);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        struct stat st = {0};
        if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !(S_ISREG(st.st_mode) || (S_ISDIR(st.st_mode) && depth > 0))) {
            errno = S_ISLNK(st.st_mode) ? ELOOP : ENOTEMPTY;
            rc = -1;
            break;
        }
        if (S_ISDIR(st.st_mode) ? remove_tree(fd, e->d_name, depth - 1) != 0 : unlinkat(fd, e->d_name, 0) != 0) {
            rc = -1;
            break;
        }
    }
    int e2 = errno;
    closedir(d);
    if (rc != 0) {
        errno = e2;
        return -1;
    }
    return unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : -1;
}

int fsafe_remove_tree(int dfd, const char *name) { return remove_tree(dfd, name, 1); }

const char *fsafe_strerror(int e)
{
    if (e == ELOOP)
        return "is a symbolic link (payrun does not follow links here)";
    if (e == ENOMEM)
        return "out of memory";     /* as every other out-of-memory message says (exit 4) */
    return strerror(e);
}

DIR *fsafe_opendir(int dfd)
{
    int fd = dup(dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d && fd >= 0) {
        int e = errno;
        close(fd);
        errno = e;
    }
    if (d)
        rewinddir(d);   /* the duplicate shares dfd's position */
    return d;
}

FILE *fsafe_fopen_read(int dfd, const char *name)
{
    int fd = fsafe_open_read(dfd, name);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f && fd >= 0) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

int fsafe_errf(char *err, size_t errlen, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return code;
}
