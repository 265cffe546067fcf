/* fuzz_client_first.c: covers td_client_first_classify() in src/wire/client_first.c (the
 * PROXY v1 / v2 header, HTTP request lines, other protocols' openings, and the ClientHello
 * through td_client_flight_parse, with its key_share entries) and td_ja4_string(). */
#include "wire/client_first.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t scratch[64 * 1024];
    static td_client_first_t f;
    char ja4[40], ja4_r[1600];
    td_client_first_classify(data, size, scratch, sizeof(scratch), &f);
    if (f.hello.has_hello && td_ja4_string(&f.hello, ja4, sizeof(ja4), ja4_r, sizeof(ja4_r)) < 0) {
        return 0;
    }
    return 0;
}
