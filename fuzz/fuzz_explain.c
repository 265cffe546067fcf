/* fuzz_explain.c: covers td_explain() in src/diagnose/explain.c (all matchers, the log-line
 * path through src/passive/logline.c, edit distance) and its renderers. */
#include "tlsdoctor.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    td_explain_t *x = NULL;
    if (td_explain((const char *)data, size, &x) == 0) {
        FILE *f = fopen("/dev/null", "w");
        if (f != NULL) {
            int rc = td_explain_write_text(x, f, 0);
            rc |= td_explain_write_json(x, f);
            (void)rc;
            fclose(f);
        }
        td_explain_free(x);
    }
    return 0;
}
