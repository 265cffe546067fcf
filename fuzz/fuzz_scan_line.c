/* fuzz_scan_line.c: covers td__scan_parse_line() in src/scan/targets.c (one line of a fleet
 * scan's target list: any bytes, no NUL terminator) and the shard hash. */
#include "scan/scan.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static td_scan_target_t t; /* large: not on the stack */
    char why[256];
    /* An exact-size heap copy: ASan sees any read past the line's end. */
    char *line = malloc(size != 0 ? size : 1);
    if (line == NULL) {
        return 0;
    }
    memcpy(line, data, size);
    int rc = td__scan_parse_line(line, size, &t, why, sizeof(why));
    if (rc == 1 && (t.host[0] == '\0' || t.port == 0 || strlen(t.line) == 0)) {
        abort(); /* a target always has a host, a port and a line */
    }
    free(line);
    return 0;
}
