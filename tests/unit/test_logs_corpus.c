/* Real log lines: every line of tests/fixtures/logs/real/corpus.tsv (a line posted in a public
 * thread or repository, its format, the cause) is read with the format detected from the line
 * alone, and its event must carry that cause; the line must also hold one of the format's
 * anchors, or a file scan would skip it before parsing. Prints the rate and every miss; fails
 * under 95%. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "passive/logline.h"
#include "tlsdoctor.h"

static void corpus(void **state)
{
    (void)state;
    FILE *f = fopen(TD_FIXTURES_DIR "/logs/real/corpus.tsv", "r");
    assert_non_null(f);
    static char line[16384];
    unsigned total = 0, ok = 0;
    char *col[4];
    while (next_tsv_row(f, line, sizeof(line), col, 4)) {
        const char *fmt = col[0], *want = col[1], *src = col[2], *text = col[3];
        total++;
        td_log_format_t d = td_logline_detect(text, strlen(text));
        td_logline_state_t st;
        td_log_event_t ev[2];
        td_logline_state_init(&st, 2026);
        int k = d == TD_LOG_AUTO ? 0 : td_logline_parse(d, &st, text, strlen(text), 1, ev);
        if (k == 0) {
            k = td_logline_flush(&st, &ev[0]);
        }
        const char *got = k > 0 ? ev[0].cause : "(no event)";
        const char *const *anchors = td_logline_anchors(d);
        bool anchored = anchors == NULL;
        for (size_t a = 0; anchors != NULL && anchors[a] != NULL; a++) {
            anchored = anchored || strstr(text, anchors[a]) != NULL;
        }
        if (k > 0 && !anchored) {
            got = "(no anchor: a file scan skips the line)";
        }
        /* Caddy, Traefik and other Go servers write the same net/http message; a line alone
         * does not always say which one wrote it. */
        const char *dn = td_log_format_name(d);
        bool go_family = (d == TD_LOG_CADDY || d == TD_LOG_TRAEFIK || d == TD_LOG_GO) &&
                         (strcmp(fmt, "caddy") == 0 || strcmp(fmt, "traefik") == 0 ||
                          strcmp(fmt, "go") == 0);
        if ((strcmp(dn, fmt) == 0 || go_family) && strcmp(got, want) == 0) {
            ok++;
        } else {
            printf("miss: %s line, read as %s: want %s, got %s (%s)\n  %s\n", fmt,
                   td_log_format_name(d), want, got, src, text);
        }
    }
    fclose(f);
    printf("logs corpus: %u of %u real lines read in their format with the right cause "
           "(%.1f%%)\n",
           ok, total, total ? 100.0 * ok / total : 0.0);
    assert_true(total >= 150);
    assert_true(ok * 100 >= total * 95);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
