/* fixes.h: the fix for a finding in the server software in use (nginx, Apache httpd, HAProxy,
 * lighttpd, IIS, Caddy, Traefik, Envoy). Data only. */
#ifndef TD_KB_FIXES_H
#define TD_KB_FIXES_H

#include "../util/td_util.h"

/* Servers with fixes of their own, for tests and documentation. */
#define TD_FIX_SERVERS "nginx", "apache", "haproxy", "lighttpd", "iis", "caddy", "traefik", "envoy"

/* Fix text for finding id on server ("nginx", "apache", ...): the server's own row, or when
 * the server is known but has none, the finding's fix without any server's commands; NULL
 * when server is NULL or the table has neither, and the finding's generic fix applies (which
 * then names no server). HOST and PORT are placeholders. */
const char *td_fix_for(const char *id, const char *server);

#endif
