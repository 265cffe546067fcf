/* net.h: non-blocking sockets with deadlines: connect, send, read-until. Facts only. */
#ifndef TD_NET_H
#define TD_NET_H

#include "observe.h"

#include <sys/socket.h>

/* True when s is an IPv4 or IPv6 address literal. */
bool td__is_ip_literal(const char *s);

/* Parses a numeric address + port into ss. Returns 0 or TD_E_DECODE. */
TD_MUST_USE int td__addr_parse(const char *addr, uint16_t port, struct sockaddr_storage *ss,
                               socklen_t *sslen);

/* Connects with a deadline (absolute, td_now_ms() scale). On TD_TCP_OK *fd is a non-blocking
 * connected socket owned by the caller. */
td_tcp_result_t td__connect(const char *addr, uint16_t port, double deadline_ms, int *fd, int *err);

/* The same, clamping our advertised TCP MSS to mss bytes (0: the kernel's choice), so that the
 * peer sends small segments: the way to tell an MTU black hole from a silent server. */
td_tcp_result_t td__connect_mss(const char *addr, uint16_t port, double deadline_ms, int mss,
                                int *fd, int *err);

/* Sends all of buf before the deadline. Returns 0 or TD_E_IO / TD_E_TIMEOUT. */
TD_MUST_USE int td__send_all(int fd, const void *buf, size_t len, double deadline_ms);

/* Called after each read: returns true when the caller has enough. May shorten *deadline. */
typedef bool (*td_enough_fn)(const uint8_t *buf, size_t len, double *deadline_ms, void *user);

/* Reads into buf until enough() says so, the buffer is full, EOF, RST or the deadline.
 * *len gets the byte count; *first_ms the time of the first byte (-1 none). */
td_read_end_t td__read_until(int fd, uint8_t *buf, size_t cap, double deadline_ms,
                             td_enough_fn enough, void *user, size_t *len, double *first_ms);

void td__close(int fd);
/* Waits until fd is ready for events (POLLIN / POLLOUT) or deadline_ms passes (at most a
 * minute per call: callers wait in a loop that checks their deadline). */
void td__wait_fd(int fd, short events, double deadline_ms);

/* Deadline of one step: now + step, but never past the overall deadline. */
double td__step_deadline(double overall_deadline_ms, double step_ms);

#endif
