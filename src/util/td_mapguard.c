/* td_mapguard.c: see td_mapguard.h. The handler uses only this thread's guards (thread-local),
 * mmap and an atomic store: no lock, nothing that allocates. */
#define _GNU_SOURCE
#include "td_mapguard.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static _Thread_local td_mapguard_t *guards[TD_MAPGUARD_PER_THREAD]; /* what this thread reads */
static _Thread_local int n_guards;
static _Thread_local int chaining; /* in the handler that was there before ours */
static long page_size;             /* read before any signal */
static struct sigaction previous;  /* the handler before ours */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    if (chaining) {
        /* The previous handler chained back to us (it took ours as its previous): the
         * default action, when the fault repeats on return. */
        (void)signal(sig, SIG_DFL);
        return;
    }
    const char *at = si->si_addr;
    for (int i = 0; si->si_code == BUS_ADRERR && page_size > 0 && i < n_guards; i++) {
        td_mapguard_t *g = guards[i];
        if (at >= g->lo && at < g->hi) {
            uintptr_t page = (uintptr_t)at & ~(uintptr_t)(page_size - 1);
            if (mmap((void *)page, (size_t)page_size, PROT_READ,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
                atomic_store_explicit(&g->hit, 1, memory_order_relaxed);
                return;
            }
            break;
        }
    }
    /* Not ours: what would have happened without this handler. */
    if ((previous.sa_flags & SA_SIGINFO) != 0 && previous.sa_sigaction != NULL) {
        chaining = 1;
        previous.sa_sigaction(sig, si, uc);
        chaining = 0;
        return;
    }
    if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN &&
        previous.sa_handler != NULL) {
        chaining = 1;
        previous.sa_handler(sig);
        chaining = 0;
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
        /* Ours put back without SA_SIGINFO (signal()) is not a handler to chain to. */
        if (cur.sa_sigaction != on_sigbus) {
            previous = cur;
        }
        rc = sigaction(SIGBUS, &sa, NULL) == 0 ? 0 : -1;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

void *td_mapguard_map(int fd, size_t size, td_mapguard_t *g)
{
    if (size == 0 || td_mapguard_install() != 0) {
        return NULL;
    }
    void *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        return NULL;
    }
    td_mapguard_init(g, m, size);
    if (td_mapguard_enter(g) != 0) {
        (void)munmap(m, size);
        return NULL;
    }
    (void)madvise(m, size, MADV_SEQUENTIAL);
    return m;
}

void td_mapguard_init(td_mapguard_t *g, const void *lo, size_t len)
{
    g->lo = lo;
    g->hi = (const char *)lo + len;
    atomic_store_explicit(&g->hit, 0, memory_order_relaxed);
}

int td_mapguard_enter(td_mapguard_t *g)
{
    if (n_guards == TD_MAPGUARD_PER_THREAD) {
        return -1;
    }
    guards[n_guards] = g;
    n_guards++; /* after the store: a fault in between finds the guard or does not count it */
    return 0;
}

void td_mapguard_leave(td_mapguard_t *g)
{
    for (int i = n_guards - 1; i >= 0; i--) {
        if (guards[i] == g) {
            guards[i] = guards[--n_guards];
            return;
        }
    }
}
