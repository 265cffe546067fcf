/* td_atomic.c: a file written completely or not at all (temporary file + rename). Never leaves
 * a partial target behind; on failure the temporary file is removed too. */
#define _POSIX_C_SOURCE 200809L
#include "td_util.h"

#include "td_atomic.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int td_atomic_open(td_atomic_file_t *a, const char *path, char *why, size_t cap)
{
    struct stat st;
    memset(a, 0, sizeof(*a));
    if (path[0] == '\0' || strlen(path) + 16 > sizeof(a->tmp)) {
        td_fmt(why, cap, "invalid file name");
        return TD_E_IO;
    }
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            td_fmt(why, cap, "not a regular file");
            return TD_E_IO;
        }
        if (access(path, W_OK) != 0) {
            td_fmt(why, cap, "%s", strerror(errno));
            return TD_E_IO;
        }
    }
    td_strlcpy(a->path, path, sizeof(a->path));
    td_fmt(a->tmp, sizeof(a->tmp), "%s.XXXXXX", path);
    int fd = mkstemp(a->tmp);
    if (fd < 0) {
        /* ENOENT: the directory is missing; EACCES: it is not writable. */
        td_fmt(why, cap, "%s%s", strerror(errno),
               errno == ENOENT ? " (does its directory exist?)" : "");
        a->tmp[0] = '\0';
        return TD_E_IO;
    }
    /* mkstemp makes 0600; a report is an ordinary file: 0666 less the umask. */
    mode_t um = umask(0);
    (void)umask(um);
    (void)fchmod(fd, (mode_t)(0666 & ~um));
    a->f = fdopen(fd, "w");
    if (a->f == NULL) {
        td_fmt(why, cap, "%s", strerror(errno));
        (void)close(fd);
        (void)unlink(a->tmp);
        a->tmp[0] = '\0';
        return TD_E_IO;
    }
    return 0;
}

int td_atomic_commit(td_atomic_file_t *a, char *why, size_t cap)
{
    int failed = a->f == NULL || fflush(a->f) != 0 || ferror(a->f) || fsync(fileno(a->f)) != 0;
    int e = errno;
    if (a->f != NULL && fclose(a->f) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    a->f = NULL;
    if (!failed && rename(a->tmp, a->path) != 0) {
        failed = 1;
        e = errno;
    }
    if (failed) {
        td_fmt(why, cap, "%s", strerror(e != 0 ? e : EIO));
        td_atomic_abort(a);
        return TD_E_IO;
    }
    a->tmp[0] = '\0';
    return 0;
}

void td_atomic_abort(td_atomic_file_t *a)
{
    if (a->f != NULL) {
        (void)fclose(a->f);
        a->f = NULL;
    }
    if (a->tmp[0] != '\0') {
        (void)unlink(a->tmp);
        a->tmp[0] = '\0';
    }
}
