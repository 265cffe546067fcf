/* fuzz_logscan.c: covers td_logs_scan() in src/passive/logscan.c on a whole file: plain or
 * gzip input (zlib), chunking and over-long lines, format detection, the candidate search
 * (Hyperscan or memmem), every line parser of src/passive/logline.c, the --since cut, the
 * top-N tables, and the summary renderers of src/report/logs.c (text and JSON) plus the JSON
 * line of each event.
 * Input: one byte (low 3 bits: the format, 0 = auto; bit 3: --since 2026-01-01), then the file.
 * Traps when the JSON summary is not valid JSON. */
#include "tlsdoctor.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_event(const td_log_event_t *ev, void *user)
{
    if (td_log_event_write_json(ev, (FILE *)user) < 0) {
        __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    if (size < 1) {
        return 0;
    }
    snprintf(path, sizeof(path), "%s/td-fuzz-logs-%d",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return 0;
    }
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    td_logs_options_t opt = { 0 };
    opt.format = (td_log_format_t)((data[0] & 7) % TD_LOG__COUNT);
    opt.since = (data[0] & 8) ? 1767225600 : 0;
    opt.map_files = (data[0] & 16) != 0; /* the CLI's mapped read */
    opt.top = 3;
    FILE *null = fopen("/dev/null", "w");
    const char *files[1] = { path };
    td_logs_summary_t *s = NULL;
    td_errinfo_t err;
    if (null != NULL && td_logs_scan(&opt, files, 1, on_event, null, &s, &err) == 0) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (m != NULL) {
            int rc = td_logs_summary_write_json(s, m);
            fclose(m);
            json_error_t e;
            json_t *doc = rc == 0 ? json_loadb(buf, len, JSON_DISABLE_EOF_CHECK, &e) : NULL;
            if (rc == 0 && doc == NULL) {
                __builtin_trap();
            }
            json_decref(doc);
            free(buf);
        }
        int w = td_logs_summary_write_text(s, null, 0);
        (void)w;
        td_logs_summary_free(s);
    }
    if (null != NULL) {
        fclose(null);
    }
    unlink(path);
    return 0;
}
