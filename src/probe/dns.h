/* dns.h: bounded name resolution (A and AAAA). */
#ifndef TD_DNS_H
#define TD_DNS_H

#include "observe.h"

/* Resolves host before the deadline into obs. Returns 0, or TD_E_NOMEM / TD_E_INTERNAL when the
 * resolver cannot be set up; resolution failures are facts in obs. */
TD_MUST_USE int td__dns_resolve(const char *host, const char *servers, double deadline_ms,
                                td_obs_dns_t *obs);

#endif
