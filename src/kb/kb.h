/* kb.h: the knowledge base: static facts (alert names, finding catalogue) shared by
 * probes, diagnosis and reports. Data only. */
#ifndef TD_KB_H
#define TD_KB_H

#include "../util/td_util.h"

/* Static IANA name of a TLS alert description ("handshake_failure"), "unknown" otherwise. */
const char *td_alert_name(int desc);

/* The TLS-inspecting product whose default CA name appears in a certificate name, or NULL. */
const char *td_interception_product(const char *name);

#endif
