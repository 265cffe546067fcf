/* td_mapguard.h: reading a mapped file that may shrink under the reader. A file truncated while
 * it is mapped (logrotate's copytruncate, a capture rewritten in place) raises SIGBUS on the
 * pages past its new end. A thread that reads a mapping enters its guard: a SIGBUS inside the
 * guarded range then gets a page of zeros mapped where the file's page was, the access goes on,
 * and the guard's hit flag tells the reader to stop and report the file as cut short. */
#ifndef TD_MAPGUARD_H
#define TD_MAPGUARD_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct td_mapguard {
    const char *lo, *hi; /* the mapping */
    atomic_int hit;      /* a page of it vanished (read as zeros) */
} td_mapguard_t;

/* Installs the SIGBUS handler unless it is the one in place (call it before each mapping); a
 * SIGBUS outside every guarded range goes to the handler that was there before (or the default
 * action). 0, or -1 when it cannot: then the caller must not map (read() instead). */
int td_mapguard_install(void);

/* The guard of the mapping [lo, lo + len), not hit yet. */
void td_mapguard_init(td_mapguard_t *g, const void *lo, size_t len);
/* This thread reads g's mapping until td_mapguard_leave(g). A thread may hold up to
 * TD_MAPGUARD_PER_THREAD guards at once (a capture and a log open together), and several
 * threads may enter the same guard. 0, or -1 when this thread holds as many already: then
 * the caller must not read the mapping (read() instead). */
#define TD_MAPGUARD_PER_THREAD 16
int td_mapguard_enter(td_mapguard_t *g);
/* Leaves g (nothing when this thread did not enter it). */
void td_mapguard_leave(td_mapguard_t *g);

/* The whole regular file fd (size bytes) mapped for sequential reading with g guarding it and
 * entered by this thread (td_mapguard_install, mmap, td_mapguard_init, td_mapguard_enter);
 * NULL when it cannot be (the caller reads with read() instead). Undo with
 * td_mapguard_leave(g) and munmap. */
void *td_mapguard_map(int fd, size_t size, td_mapguard_t *g);

/* Whether a page of the guarded mapping vanished. */
static inline int td_mapguard_hit(td_mapguard_t *g)
{
    return atomic_load_explicit(&g->hit, memory_order_relaxed);
}

#endif
