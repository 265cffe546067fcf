/* fuzz_sniff.c: covers td_sniff_classify() in src/wire/sniff.c. */
#include "wire/sniff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    td_sniff_t s;
    td_sniff_classify(data, size, &s);
    return 0;
}
