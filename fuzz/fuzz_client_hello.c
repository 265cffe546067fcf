/* fuzz_client_hello.c: covers td_client_flight_parse() (TLS records, ClientHello and its
 * extensions, SSLv2-compatible hello), td_tls_find_handshake() and the JA3 / JA4 string
 * builders in src/wire/tls_client.c. */
#include "wire/tls_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t scratch[66 * 1024];
    td_client_flight_t c;
    char ja3[512], a[16], b[800], cc[900];
    td_client_flight_parse(data, size, scratch, sizeof(scratch), &c);
    if (c.has_hello) {
        int rc = td_ja3_string(&c, ja3, sizeof(ja3));
        rc |= td_ja4_parts(&c, a, sizeof(a), b, sizeof(b), cc, sizeof(cc));
        (void)rc;
    }
    (void)td_tls_find_handshake(data, size, TD_HS_CLIENT_HELLO, 4096);
    return 0;
}
