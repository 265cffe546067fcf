/* fuzz_target.c: covers td_target_parse() in src/wire/target.c (the text the user types). */
#include "tlsdoctor.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[1024];
    td_target_t t;
    if (size >= sizeof(buf)) {
        return 0;
    }
    memcpy(buf, data, size);
    buf[size] = '\0';
    int rc = td_target_parse(buf, &t, NULL);
    (void)rc;
    return 0;
}
