/* fuzz_sniff.c: covers td_sniff_classify() in src/wire/sniff.c, and checks the one-pass page
 * sign search against a memmem per sign. */
#define _GNU_SOURCE /* memmem */
#include "wire/sniff.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    td_sniff_t s;
    td_sniff_classify(data, size, &s);
    uint32_t want = 0;
    const char *sign;
    for (size_t i = 0; (sign = td__sniff_page_sign(i)) != NULL; i++) {
        if (memmem(data, size, sign, strlen(sign)) != NULL) {
            want |= 1u << i;
        }
    }
    if (td__sniff_page_signs(data, size) != want) {
        abort();
    }
    return 0;
}
