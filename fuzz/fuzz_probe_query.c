/* fuzz_probe_query.c: the exporter's /probe query check (src/serve/query.c):
 * td__probe_query_arg over every key=value of the input split at '&' (as libmicrohttpd splits
 * a query string; bytes kept as they are, NULs included), td__probe_query_finish (which runs
 * td_target_parse on the target) and td__probe_deadline on the input as a scrape-timeout
 * header. Deterministic: no clock, network or randomness. */
#include "serve/query.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    td_probe_query_t q;
    td_target_t t;
    const char *p = (const char *)data;
    size_t left = size;
    memset(&q, 0, sizeof(q));
    while (left > 0) {
        const char *amp = memchr(p, '&', left);
        size_t len = amp != NULL ? (size_t)(amp - p) : left;
        const char *eq = memchr(p, '=', len);
        if (eq != NULL) {
            td__probe_query_arg(&q, p, (size_t)(eq - p), eq + 1, len - (size_t)(eq - p) - 1);
        } else {
            td__probe_query_arg(&q, p, len, NULL, 0);
        }
        p += len;
        left -= len;
        if (left > 0) {
            p++;
            left--;
        }
    }
    (void)td__probe_query_finish(&q, &t);
    char *h = malloc(size + 1);
    if (h != NULL) {
        memcpy(h, data, size);
        h[size] = '\0';
        double d = td__probe_deadline(h, 20.0);
        if (!(d > 0 && d <= 20.0)) {
            abort();
        }
        free(h);
    }
    return 0;
}
