/* fuzz_http_head.c: covers td_http_head_parse() in src/wire/http_codec.c and the td_text
 * cursor in src/wire/td_reader.c. */
#include "wire/http_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    td_http_head_t h;
    int rc = td_http_head_parse(data, size, &h);
    (void)rc;
    return 0;
}
