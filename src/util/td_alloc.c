/* td_alloc.c: the one place that calls malloc/free, so tests can fail allocations in turn.
 * It must never be bypassed by other files (scripts/checksrc enforces it). */
#include "td_util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
    if (g_malloc == NULL) {
        /* calloc knows when its memory is fresh zero pages (a large block is mmapped): the
         * untouched parts of big tables (logs: 5 MB of client slots) are then never written. */
        return calloc(n, size);
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

void *td_zalloc_pages(size_t size, bool *pages)
{
    *pages = false;
    if (g_malloc != NULL || size < 64 * 1024) {
        return td_calloc(1, size); /* the tests' failing allocator sees it */
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        return td_calloc(1, size);
    }
    *pages = true;
    return p;
}

void td_free_pages(void *p, size_t size, bool pages)
{
    if (pages) {
        (void)munmap(p, size);
    } else {
        td_free(p);
    }
}
