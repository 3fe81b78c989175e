/* fsafe.h — files in the output and state directories: relative to a directory descriptor, never through a symlink. */
#ifndef PAYRUN_FSAFE_H
#define PAYRUN_FSAFE_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Creates path and any missing parents as directories (mode 0700), as mkdir -p
 * does, fsyncing the parent of each directory it creates (fault point
 * "fsync-new-dir-parent"). Returns 1 when this call created path itself, 0 when it
 * existed already, or -1 with errno set. */
int fsafe_mkdirs(const char *path);

/* Opens the directory path for *at calls. The last component is never followed
 * when it is a symbolic link (errno ELOOP or ENOTDIR). Returns the descriptor, or -1
 * with errno set. */
int fsafe_open_dir(const char *path);

/* Opens the directory name inside dfd, not through a symlink. Returns a descriptor or -1. */
int fsafe_open_subdir(int dfd, const char *name);

/* Creates the new file name in dfd for writing (mode 0600): O_EXCL and O_NOFOLLOW,
 * so an existing file or a planted symlink is an error (EEXIST), never followed or
 * truncated. Returns the descriptor, or -1 with errno set. */
int fsafe_create(int dfd, const char *name);

/* Opens the existing regular file name in dfd for reading, not through a symlink.
 * Returns the descriptor, or -1 with errno set. */
int fsafe_open_read(int dfd, const char *name);

/* fsync(fd), failing as PAYRUN_FAIL_AT=point asks (fault.h). Returns 0 or -1 with errno. */
int fsafe_fsync(int fd, const char *point);

/* Once written (the bytes written to fd so far) is FSAFE_WRITEBACK_EVERY past *started,
 * starts the writeback of the bytes between (sync_file_range(2), SYNC_FILE_RANGE_WRITE:
 * no waiting) and moves *started to written, so the fsync before a commit has little
 * left to wait for. Not a durability step (the fsync is); a file that is no regular
 * file (a pipe) is left as it is. Never fails. */
#define FSAFE_WRITEBACK_EVERY ((uint64_t)8 << 20)
void fsafe_writeback(int fd, uint64_t written, uint64_t *started);

/* Renames from (in fromdfd) to to (in todfd) without ever replacing an existing
 * to (renameat2 RENAME_NOREPLACE; where the file system lacks it, link and unlink
 * for a file, or a check under the caller's lock for a directory). Fails as
 * PAYRUN_FAIL_AT=point asks. Returns 0, or -1 with errno set (EEXIST when to exists). */
int fsafe_rename(int fromdfd, const char *from, int todfd, const char *to, const char *point);

/* Removes the directory name in dfd, the regular files in it and its subdirectories
 * of regular files (a generation and its inputs/). A symlink, or an entry that is
 * neither, is not followed and stops it: -1 with errno ELOOP or ENOTEMPTY. Returns 0
 * (also when name is gone). */
int fsafe_remove_tree(int dfd, const char *name);

/* A directory stream over dfd (a duplicate: dfd stays open). Returns NULL with errno. */
DIR *fsafe_opendir(int dfd);

/* Opens the regular file name in dfd as a stdio stream for reading (not through a
 * link). Returns NULL with errno set. */
FILE *fsafe_fopen_read(int dfd, const char *name);

/* Formats a message into err (capacity errlen) and returns code: the error-return
 * idiom of the state and output modules. */
int fsafe_errf(char *err, size_t errlen, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A reason for errno in the messages of these calls: ELOOP reads "is a symbolic
 * link (payrun does not follow links here)", ENOMEM "out of memory". */
const char *fsafe_strerror(int e);

#endif
