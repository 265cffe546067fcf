/* fixes.h: the fix for a finding in the server software in use (nginx, Apache httpd, HAProxy,
 * lighttpd, IIS). Data only. */
#ifndef TD_KB_FIXES_H
#define TD_KB_FIXES_H

#include "../util/td_util.h"

/* Fix text for finding id on server ("nginx", "apache", ...); NULL when the table has none
 * and the finding's generic fix applies. HOST and PORT are placeholders. */
const char *td_fix_for(const char *id, const char *server);

#endif
