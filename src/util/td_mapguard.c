/* td_mapguard.c: see td_mapguard.h. The handler uses only this thread's guard (thread-local),
 * mmap and an atomic store: no lock, nothing that allocates. */
#define _GNU_SOURCE
#include "td_mapguard.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static _Thread_local td_mapguard_t *guard; /* the mapping this thread reads */
static long page_size;                     /* read before any signal */
static struct sigaction previous;          /* the handler before ours */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    td_mapguard_t *g = guard;
    const char *at = si->si_addr;
    if (g != NULL && at >= g->lo && at < g->hi && page_size > 0) {
        uintptr_t page = (uintptr_t)at & ~(uintptr_t)(page_size - 1);
        if (mmap((void *)page, (size_t)page_size, PROT_READ,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
            atomic_store_explicit(&g->hit, 1, memory_order_relaxed);
            return;
        }
    }
    /* Not ours: what would have happened without this handler. */
    if ((previous.sa_flags & SA_SIGINFO) != 0 && previous.sa_sigaction != NULL) {
        previous.sa_sigaction(sig, si, uc);
        return;
    }
    if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN &&
        previous.sa_handler != NULL) {
        previous.sa_handler(sig);
        return;
    }
    (void)signal(sig, SIG_DFL);
    (void)raise(sig);
}

static void page_size_once(void)
{
    page_size = sysconf(_SC_PAGESIZE);
}

int td_mapguard_install(void)
{
    (void)pthread_once(&once, page_size_once);
    if (page_size <= 0) {
        return -1;
    }
    /* Checked on every mapped open, not once: a program (or a test harness) that sets its own
     * SIGBUS handler later would otherwise take over the mapped reads' faults. */
    int rc = 0;
    pthread_mutex_lock(&lock);
    struct sigaction cur;
    if (sigaction(SIGBUS, NULL, &cur) != 0) {
        rc = -1;
    } else if (!((cur.sa_flags & SA_SIGINFO) != 0 && cur.sa_sigaction == on_sigbus)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        previous = cur;
        rc = sigaction(SIGBUS, &sa, NULL) == 0 ? 0 : -1;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void td_mapguard_init(td_mapguard_t *g, const void *lo, size_t len)
{
    g->lo = lo;
    g->hi = (const char *)lo + len;
    atomic_store_explicit(&g->hit, 0, memory_order_relaxed);
}

void td_mapguard_enter(td_mapguard_t *g)
{
    guard = g;
}

void td_mapguard_leave(void)
{
    guard = NULL;
}
