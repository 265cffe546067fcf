/* fuzz_pcap.c: feeds the input as a capture file to td_pcap_scan(): libpcap's file reader,
 * then our link / IP / TCP decoding, reassembly, both TLS flight parsers, the certificate
 * reader and the per-connection judgment and JSON writer (src/passive/pcap.c and friends). */
#include "tlsdoctor.h"

#include <stdio.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sink(const td_pcap_conn_t *c, void *user)
{
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
    td_pcap_summary_t *s = NULL;
    td_errinfo_t err;
    if (td_pcap_scan(NULL, files, 1, out != NULL ? sink : NULL, out, &s, &err) == 0) {
        if (out != NULL) {
            int w = td_pcap_summary_write_json(s, out);
            w |= td_pcap_summary_write_text(s, out, 0);
            (void)w;
        }
        td_pcap_summary_free(s);
    }
    if (out != NULL) {
        fclose(out);
    }
    unlink(path);
    return 0;
}
