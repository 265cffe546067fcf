/* td_alloc.c: the one place that calls malloc/free, so tests can fail allocations in turn.
 * It must never be bypassed by other files (scripts/checksrc enforces it). */
#include "td_util.h"

#include <stdlib.h>
#include <string.h>

static td_malloc_fn g_malloc = NULL;

void td__set_allocator(td_malloc_fn fn)
{
    g_malloc = fn;
}

void *td_malloc(size_t n)
{
    if (g_malloc != NULL) {
        return g_malloc(n);
    }
    return malloc(n);
}

void *td_calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        return NULL;
    }
    void *p = td_malloc(n * size);
    if (p != NULL) {
        memset(p, 0, n * size);
    }
    return p;
}

void td_free(void *p)
{
    free(p);
}
