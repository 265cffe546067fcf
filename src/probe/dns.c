/* dns.c: resolves every A and AAAA address of a name with c-ares, bounded by a deadline
 * (getaddrinfo cannot be bounded). Records facts only. */
#define _POSIX_C_SOURCE 200809L
#include "dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>

struct dns_ctx {
    td_obs_dns_t *obs;
    int done;
};

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    struct dns_ctx *ctx = arg;
    (void)timeouts;
    ctx->done = 1;
    if (status == ARES_EDESTRUCTION) {
        return; /* our own deadline: already recorded */
    }
    if (status != ARES_SUCCESS) {
        ctx->obs->nxdomain = status == ARES_ENOTFOUND;
        ctx->obs->timed_out = status == ARES_ETIMEOUT;
        td_strlcpy(ctx->obs->error, ares_strerror(status), sizeof(ctx->obs->error));
        if (res != NULL) {
            ares_freeaddrinfo(res);
        }
        return;
    }
    for (struct ares_addrinfo_cname *cn = res->cnames; cn != NULL; cn = cn->next) {
        if (ctx->obs->n_cnames >= (int)TD_ARRAY_LEN(ctx->obs->cnames)) {
            ctx->obs->cnames_dropped++;
            continue;
        }
        /* alias -> name: record each target of the chain. */
        if (cn->name != NULL) {
            td_escape(ctx->obs->cnames[ctx->obs->n_cnames++], sizeof(ctx->obs->cnames[0]),
                      (const uint8_t *)cn->name, strlen(cn->name));
        }
    }
    for (struct ares_addrinfo_node *n = res->nodes; n != NULL; n = n->ai_next) {
        char buf[64];
        const void *src = NULL;
        if (n->ai_family == AF_INET) {
            src = &((const struct sockaddr_in *)(const void *)n->ai_addr)->sin_addr;
        } else if (n->ai_family == AF_INET6) {
            src = &((const struct sockaddr_in6 *)(const void *)n->ai_addr)->sin6_addr;
        } else {
            continue;
        }
        if (inet_ntop(n->ai_family, src, buf, sizeof(buf)) == NULL) {
            continue;
        }
        int dup = 0;
        for (int i = 0; i < ctx->obs->n_addrs; i++) {
            dup |= strcmp(ctx->obs->addrs[i], buf) == 0;
        }
        if (dup) {
            continue;
        }
        if (ctx->obs->n_addrs >= TD_MAX_ADDRS) {
            ctx->obs->addrs_dropped++;
            continue;
        }
        td_strlcpy(ctx->obs->addrs[ctx->obs->n_addrs], buf, sizeof(ctx->obs->addrs[0]));
        ctx->obs->families[ctx->obs->n_addrs] = n->ai_family;
        ctx->obs->n_addrs++;
    }
    ctx->obs->ok = ctx->obs->n_addrs > 0;
    if (!ctx->obs->ok) {
        td_strlcpy(ctx->obs->error, "no A or AAAA records", sizeof(ctx->obs->error));
    }
    ares_freeaddrinfo(res);
}

static pthread_once_t ares_once = PTHREAD_ONCE_INIT;
static int ares_ready = -1;

static void ares_init_once(void)
{
    ares_ready = ares_library_init(ARES_LIB_INIT_ALL);
}

int td__dns_resolve(const char *host, const char *servers, double deadline_ms, td_obs_dns_t *obs)
{
    ares_channel ch;
    struct ares_options ao;
    struct dns_ctx ctx = { obs, 0 };
    double t0 = td_now_ms();

    obs->step = TD_STEP_DONE;
    (void)pthread_once(&ares_once, ares_init_once);
    if (ares_ready != ARES_SUCCESS) {
        return TD_E_INTERNAL;
    }
    memset(&ao, 0, sizeof(ao));
    ao.timeout = 2000; /* per try, ms */
    ao.tries = 2;
    if (ares_init_options(&ch, &ao, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) != ARES_SUCCESS) {
        return TD_E_NOMEM;
    }
    if (servers != NULL) {
        /* "ADDR[:PORT],..." as curl's --dns-servers; IPv6 with a port as [ADDR]:PORT. */
        if (ares_set_servers_ports_csv(ch, servers) != ARES_SUCCESS) {
            ares_destroy(ch);
            return TD_E_USAGE;
        }
        td_strlcpy(obs->servers, servers, sizeof(obs->servers));
    }
    struct ares_addrinfo_hints hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    ares_getaddrinfo(ch, host, NULL, &hints, on_addrinfo, &ctx);
    while (!ctx.done) {
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        struct pollfd pfd[ARES_GETSOCK_MAXNUM];
        int bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
        nfds_t n = 0;
        for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
            short ev = 0;
            /* c-ares's ARES_GETSOCK_WRITABLE shifts a signed 1 into the sign bit for i = 15
             * (undefined behaviour): test the bits as unsigned. */
            unsigned ubits = (unsigned)bits;
            if (ubits & (1u << i)) {
                ev |= POLLIN;
            }
            if (ubits & (1u << (i + ARES_GETSOCK_MAXNUM))) {
                ev |= POLLOUT;
            }
            if (ev != 0) {
                pfd[n].fd = socks[i];
                pfd[n].events = ev;
                pfd[n].revents = 0;
                n++;
            }
        }
        double left = deadline_ms - td_now_ms();
        if (left <= 0) {
            obs->timed_out = 1;
            td_strlcpy(obs->error, "resolver deadline reached", sizeof(obs->error));
            break;
        }
        struct timeval tv,
                maxtv = { (time_t)(left / 1000), (suseconds_t)((long)left % 1000) * 1000 };
        struct timeval *tvp = ares_timeout(ch, &maxtv, &tv);
        int wait = (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000) + 1;
        (void)poll(pfd, n, wait);
        for (nfds_t i = 0; i < n; i++) {
            ares_socket_t r =
                    (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) ? pfd[i].fd : ARES_SOCKET_BAD;
            ares_socket_t w = (pfd[i].revents & POLLOUT) ? pfd[i].fd : ARES_SOCKET_BAD;
            ares_process_fd(ch, r, w);
        }
        if (n == 0) {
            ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        }
    }
    ares_destroy(ch); /* calls the callback with ARES_EDESTRUCTION when still pending */
    obs->ms = td_now_ms() - t0;
    return 0;
}
