/* matrix.h: the handshake matrix probe (versions, suites, groups, ALPN, SNI, tolerance and
 * real clients' hellos). Facts only. */
#ifndef TD_MATRIX_H
#define TD_MATRIX_H

#include "endpoint.h"
#include "observe.h"

/* Probes ep's address and port with at most `parallel` connections open at once, each under
 * step_ms and all under deadline_ms (absolute, td_now_ms() scale). ep->sni is the right name
 * (NULL for none), ep->host what certificates are checked against. obs is the diagnosis so
 * far. Always fills m. */
void td__matrix_run(const td_endpoint_t *ep, int parallel, double deadline_ms, double step_ms,
                    const td_obs_t *obs, td_obs_matrix_t *m);

/* Sends, once each, the ClientHellos of the client profiles marked default_run (a few, so
 * that every run says what those clients get) with at most `parallel` connections open. */
void td__clients_run(const td_endpoint_t *ep, int parallel, double deadline_ms, double step_ms,
                     const td_obs_t *obs, td_obs_clients_t *out);

#endif
