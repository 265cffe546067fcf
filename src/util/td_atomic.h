/* td_atomic.h: writing a file all at once or not at all: a temporary file in the same
 * directory, renamed over the target when complete (the CLI's --html). No network, no
 * judging. */
#ifndef TD_ATOMIC_H
#define TD_ATOMIC_H

#include <stddef.h>
#include <stdio.h>

typedef struct td_atomic_file {
    FILE *f; /* write here between td_atomic_open and commit/abort */
    char path[4096];
    char tmp[4096];
} td_atomic_file_t;

/** Creates a temporary file next to path (its directory must exist and be writable; path, when
 * it exists, must be a writable regular file). On failure returns TD_E_IO and writes a
 * sentence into why (nothing is created). */
TD_MUST_USE int td_atomic_open(td_atomic_file_t *a, const char *path, char *why, size_t cap);

/** Flushes, syncs and renames the temporary file over path. On failure the temporary file is
 * removed, path is untouched, and why says what failed; returns TD_E_IO. */
TD_MUST_USE int td_atomic_commit(td_atomic_file_t *a, char *why, size_t cap);

/** Closes and removes the temporary file; path is untouched. Safe after a failed commit. */
void td_atomic_abort(td_atomic_file_t *a);

#endif
