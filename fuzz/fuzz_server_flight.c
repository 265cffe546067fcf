/* fuzz_server_flight.c: covers td_server_flight_parse() (record layer, ServerHello /
 * HelloRetryRequest, Alert, Certificate, ServerKeyExchange curve / DH size, SSLv2 detection) in
 * src/wire/tls_codec.c. */
#include "wire/tls_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t scratch[17 * 1024];
    td_server_flight_t f;
    td_server_flight_parse(data, size, scratch, sizeof(scratch), &f);
    if (f.has_server_hello) {
        (void)td_version_name(f.version);
        (void)td_cipher_name(f.cipher);
        (void)td_group_name(f.ske_group);
        if (f.dh_bits < 0 || f.dh_bits > 65535 * 8) {
            __builtin_trap();
        }
    }
    return 0;
}
