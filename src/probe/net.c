/* net.c: socket plumbing with explicit deadlines. Every wait is a poll() bounded by the
 * deadline; nothing here blocks without one. */
#define _POSIX_C_SOURCE 200809L
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

bool td__is_ip_literal(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int td__addr_parse(const char *addr, uint16_t port, struct sockaddr_storage *ss, socklen_t *sslen)
{
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        *sslen = sizeof(*s4);
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        *sslen = sizeof(*s6);
        return 0;
    }
    return TD_E_DECODE;
}

static int poll_ms(double deadline_ms)
{
    double left = deadline_ms - td_now_ms();
    if (left <= 0) {
        return 0;
    }
    return left > 60000.0 ? 60000 : (int)left + 1;
}

void td__wait_fd(int fd, short events, double deadline_ms)
{
    int t = poll_ms(deadline_ms);
    if (t > 0 && fd >= 0) {
        struct pollfd p = { .fd = fd, .events = events };
        (void)poll(&p, 1, t);
    }
}

td_tcp_result_t td__connect(const char *addr, uint16_t port, double deadline_ms, int *fd, int *err)
{
    return td__connect_mss(addr, port, deadline_ms, 0, fd, err);
}

td_tcp_result_t td__connect_mss(const char *addr, uint16_t port, double deadline_ms, int mss,
                                int *fd, int *err)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    *fd = -1;
    *err = 0;
    if (td__addr_parse(addr, port, &ss, &sslen) < 0) {
        *err = EINVAL;
        return TD_TCP_ERROR;
    }
    int s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) {
        *err = errno;
        return TD_TCP_ERROR;
    }
    int one = 1;
    (void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (mss > 0) {
        /* Before connect(): the SYN then advertises this MSS (tcp(7) TCP_MAXSEG). */
        (void)setsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss));
    }
    if (connect(s, (struct sockaddr *)&ss, sslen) < 0 && errno != EINPROGRESS) {
        *err = errno;
        close(s);
        goto classify;
    }
    for (;;) {
        struct pollfd p = { .fd = s, .events = POLLOUT };
        int t = poll_ms(deadline_ms);
        if (t == 0) {
            close(s);
            *err = ETIMEDOUT;
            return TD_TCP_TIMEOUT;
        }
        int n = poll(&p, 1, t);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            *err = errno;
            close(s);
            return TD_TCP_ERROR;
        }
        if (n == 0) {
            continue;
        }
        int soerr = 0;
        socklen_t l = sizeof(soerr);
        if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &l) < 0) {
            soerr = errno;
        }
        if (soerr != 0) {
            *err = soerr;
            close(s);
            goto classify;
        }
        *fd = s;
        return TD_TCP_OK;
    }
classify:
    switch (*err) {
    case ECONNREFUSED:
        return TD_TCP_REFUSED;
    case ETIMEDOUT:
        return TD_TCP_TIMEOUT;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case EADDRNOTAVAIL:
    case ENETDOWN:
        return TD_TCP_UNREACHABLE;
    default:
        return TD_TCP_ERROR;
    }
}

int td__send_all(int fd, const void *buf, size_t len, double deadline_ms)
{
    const uint8_t *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t n = send(fd, p + done, len - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            return TD_E_IO;
        }
        struct pollfd pf = { .fd = fd, .events = POLLOUT };
        int t = poll_ms(deadline_ms);
        if (t == 0) {
            return TD_E_TIMEOUT;
        }
        (void)poll(&pf, 1, t);
    }
    return 0;
}

td_read_end_t td__read_until(int fd, uint8_t *buf, size_t cap, double deadline_ms,
                             td_enough_fn enough, void *user, size_t *len, double *first_ms)
{
    size_t got = 0;
    *first_ms = -1;
    for (;;) {
        if (got == cap) {
            *len = got;
            return TD_END_ENOUGH;
        }
        ssize_t n = recv(fd, buf + got, cap - got, 0);
        if (n > 0) {
            if (got == 0) {
                *first_ms = td_now_ms();
            }
            got += (size_t)n;
            if (enough != NULL && enough(buf, got, &deadline_ms, user)) {
                *len = got;
                return TD_END_ENOUGH;
            }
            continue;
        }
        if (n == 0) {
            *len = got;
            return TD_END_EOF;
        }
        if (errno == ECONNRESET) {
            *len = got;
            return TD_END_RESET;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            *len = got;
            return TD_END_ERROR;
        }
        struct pollfd pf = { .fd = fd, .events = POLLIN };
        int t = poll_ms(deadline_ms);
        if (t == 0) {
            *len = got;
            return TD_END_TIMEOUT;
        }
        (void)poll(&pf, 1, t);
    }
}

void td__close(int fd)
{
    if (fd >= 0) {
        close(fd);
    }
}

double td__step_deadline(double overall_deadline_ms, double step_ms)
{
    double d = td_now_ms() + step_ms;
    return d < overall_deadline_ms ? d : overall_deadline_ms;
}

const char *td_read_end_name(td_read_end_t e)
{
    switch (e) {
    case TD_END_NONE:
        return "none";
    case TD_END_ENOUGH:
        return "complete";
    case TD_END_EOF:
        return "closed";
    case TD_END_RESET:
        return "reset";
    case TD_END_TIMEOUT:
        return "timeout";
    case TD_END_ERROR:
        return "error";
    default:
        return "?";
    }
}

const char *td_tcp_result_name(td_tcp_result_t r)
{
    switch (r) {
    case TD_TCP_OK:
        return "connected";
    case TD_TCP_REFUSED:
        return "refused";
    case TD_TCP_TIMEOUT:
        return "timeout";
    case TD_TCP_UNREACHABLE:
        return "unreachable";
    case TD_TCP_ERROR:
        return "error";
    default:
        return "?";
    }
}
