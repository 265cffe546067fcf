/* td_file.c: writing output files atomically (a temporary file in the same directory, synced,
 * then renamed), so a reader never sees half a report and a failure leaves no partial file. */
#define _POSIX_C_SOURCE 200809L
#include "td_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int td_write_file_atomic(const char *path, int (*fn)(const void *obj, FILE *f), const void *obj,
                         td_errinfo_t *err)
{
    char tmp[4096];
    if (path == NULL || path[0] == '\0' || fn == NULL) {
        td_errinfo_set(err, TD_E_USAGE, "no file name given");
        return TD_E_USAGE;
    }
    if (td_fmt(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp)) {
        td_errinfo_set(err, TD_E_USAGE, "file name too long");
        return TD_E_USAGE;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        td_errinfo_set(err, TD_E_IO,
                       "cannot create %s: %s (check that the directory exists and is writable)",
                       path, strerror(errno));
        return TD_E_IO;
    }
    /* mkstemp creates 0600: give the file the mode an ordinary create would. */
    mode_t um = umask(0);
    umask(um);
    (void)fchmod(fd, 0666 & ~um);
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        int e = errno;
        close(fd);
        unlink(tmp);
        td_errinfo_set(err, TD_E_IO, "cannot write %s: %s", path, strerror(e));
        return TD_E_IO;
    }
    int rc = fn(obj, f);
    int e = 0;
    if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0)) {
        e = errno;
        rc = TD_E_IO;
    }
    if (fclose(f) != 0 && rc == 0) {
        e = errno;
        rc = TD_E_IO;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        e = errno;
        rc = TD_E_IO;
    }
    if (rc != 0) {
        unlink(tmp);
        td_errinfo_set(err, rc, "cannot write %s: %s", path,
                       e != 0 ? strerror(e) : "the output could not be written");
        return rc;
    }
    return 0;
}
