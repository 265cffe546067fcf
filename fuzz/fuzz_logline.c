/* fuzz_logline.c: covers td_logline_parse() for every format (the first byte picks it),
 * td_logline_flush() and td_logline_detect() in src/passive/logline.c, and the cause tables
 * in src/kb/causes.c. Lines are split at '\n' as the scanner does. */
#include "tlsdoctor.h"

#include "passive/logline.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    td_logline_state_t st;
    td_log_event_t ev[2];
    if (size < 1) {
        return 0;
    }
    td_log_format_t fmt = (td_log_format_t)(1 + data[0] % (TD_LOG__COUNT - 1));
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    (void)td_logline_detect(p, n);
    td_logline_state_init(&st, 2026);
    uint64_t line = 0;
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t len = nl != NULL ? (size_t)(nl - p) : n;
        (void)td_logline_parse(fmt, &st, p, len, ++line, ev);
        if (nl == NULL) {
            break;
        }
        p = nl + 1;
        n -= len + 1;
    }
    (void)td_logline_flush(&st, ev);
    return 0;
}
