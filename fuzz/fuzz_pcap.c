/* fuzz_pcap.c: feeds the input as a capture file to td_pcap_scan(): the capture file reader,
 * then our link / IP / TCP decoding, reassembly, both TLS flight parsers, the certificate
 * reader and the per-connection judgment and JSON writer (src/passive/pcap.c and friends).
 * Then again with two threads and spans of 64 bytes (TD_PCAP_SPAN_BYTES): the span reader's
 * guessed record boundaries (capfile.c, td_capfile_sync) and their check. Whatever the bytes,
 * the two runs must read the same packets and stop at the same damage, and each connection's
 * JSON line written directly must be jansson's: abort() otherwise. */
#include "tlsdoctor.h"

#include "passive/pcap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each connection's JSON line, written directly, must be what jansson writes. */
static int sink(const td_pcap_conn_t *c, void *user)
{
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    FILE *fa = open_memstream(&a, &na), *fb = open_memstream(&b, &nb);
    if (fa != NULL && fb != NULL) {
        int ra = td_pcap_conn_write_json(c, fa), rb = td__pcap_conn_write_json_jansson(c, fb);
        fclose(fa);
        fclose(fb);
        fa = fb = NULL;
        if (ra == 0 && rb == 0 && (na != nb || memcmp(a, b, na) != 0)) {
            abort();
        }
    }
    if (fa != NULL) {
        fclose(fa);
    }
    if (fb != NULL) {
        fclose(fb);
    }
    free(a);
    free(b);
    return td_pcap_conn_write_json(c, (FILE *)user);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/td-fuzz-pcap-%d", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return 0;
    }
    fwrite(data, 1, size, f);
    fclose(f);
    FILE *out = fopen("/dev/null", "w");
    const char *files[1] = { path };
    td_pcap_summary_t *s = NULL, *s2 = NULL;
    td_errinfo_t err, err2;
    int rc = td_pcap_scan(NULL, files, 1, out != NULL ? sink : NULL, out, &s, &err);
    if (rc == 0 && out != NULL) {
        int w = td_pcap_summary_write_json(s, out);
        w |= td_pcap_summary_write_text(s, out, 0);
        (void)w;
    }
    setenv("TD_PCAP_SPAN_BYTES", "64", 1);
    td_pcap_options_t two = { .threads = 2 };
    int rc2 = td_pcap_scan(&two, files, 1, NULL, NULL, &s2, &err2);
    if (rc2 != rc || (rc < 0 && strcmp(err.message, err2.message) != 0)) {
        abort();
    }
    if (rc == 0 &&
        (s->packets != s2->packets || s->bytes != s2->bytes || s->non_ip != s2->non_ip ||
         s->non_tcp != s2->non_tcp || s->fragments != s2->fragments ||
         s->truncated_packets != s2->truncated_packets || s->decode_errors != s2->decode_errors ||
         strcmp(s->first_error, s2->first_error) != 0 ||
         strcmp(s->link_types, s2->link_types) != 0)) {
        abort();
    }
    td_pcap_summary_free(s);
    td_pcap_summary_free(s2);
    if (out != NULL) {
        fclose(out);
    }
    unlink(path);
    return 0;
}
