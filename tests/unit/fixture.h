/* fixture.h: loads hex fixtures (tests/fixtures/NAME.hex) recorded from real servers, and reads
 * the rows of the tab-separated corpora (tests/fixtures/explain, tests/fixtures/logs/real). */
#ifndef TD_TEST_FIXTURE_H
#define TD_TEST_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A new temporary file made from tmpl ("/tmp/nameXXXXXX", rewritten to its name), open for
 * writing; NULL when it cannot be made. */
static inline FILE *temp_file(char *tmpl)
{
    int fd = mkstemp(tmpl);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL && fd >= 0) {
        close(fd);
    }
    return f;
}

static inline size_t load_hex(const char *name, uint8_t *buf, size_t cap)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s.hex", TD_FIXTURES_DIR, name);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "missing fixture %s\n", path);
        abort();
    }
    size_t n = 0;
    int hi = -1, c;
    while ((c = fgetc(f)) != EOF) {
        int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (v < 0) {
            continue;
        }
        if (hi < 0) {
            hi = v;
        } else {
            if (n == cap) {
                abort();
            }
            buf[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    fclose(f);
    return n;
}

/* The next row of a tab-separated corpus with exactly ncols columns (the last one takes the rest
 * of the line), read into line and split in place; blank lines and '#' comments skipped.
 * Returns 0 at the end of the file, aborts on a short row. */
static inline int next_tsv_row(FILE *f, char *line, int cap, char **cols, int ncols)
{
    while (fgets(line, cap, f) != NULL) {
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
            line[--n] = '\0';
        }
        if (n == 0 || line[0] == '#') {
            continue;
        }
        cols[0] = line;
        for (int i = 1; i < ncols; i++) {
            char *tab = strchr(cols[i - 1], '\t');
            if (tab == NULL) {
                fprintf(stderr, "short corpus row: %s\n", line);
                abort();
            }
            *tab = '\0';
            cols[i] = tab + 1;
        }
        return 1;
    }
    return 0;
}

#endif
