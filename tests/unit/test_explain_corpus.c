/* Recognition of real error strings: every line of tests/fixtures/explain/corpus.tsv (text
 * posted in a public thread, where, and the cause the thread established) is explained, and
 * the first explanation must name that cause. Prints the rate and every miss; fails under
 * 95%. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose/explain.h"
#include "fixture.h"
#include "tlsdoctor.h"

/* id is one of the comma-separated ids of list. */
static int in_list(const char *list, const char *id)
{
    size_t l = strlen(id);
    for (const char *p = strstr(list, id); p != NULL; p = strstr(p + 1, id)) {
        if ((p == list || p[-1] == ',') && (p[l] == ',' || p[l] == '\0')) {
            return 1;
        }
    }
    return 0;
}

static void corpus(void **state)
{
    (void)state;
    FILE *f = fopen(TD_FIXTURES_DIR "/explain/corpus.tsv", "r");
    assert_non_null(f);
    static char line[8192];
    unsigned total = 0, ok = 0;
    char *col[3];
    while (next_tsv_row(f, line, sizeof(line), col, 3)) {
        const char *want = col[0], *src = col[1], *text = col[2];
        td_explain_t *x = NULL;
        assert_int_equal(td_explain(text, strlen(text), &x), 0);
        total++;
        int hit = td_explain_match_count(x) > 0 &&
                  ((x->from_log && strcmp(x->log_cause, want) == 0) ||
                   (x->n > 0 && in_list(x->m[0].entry->findings, want)));
        if (hit) {
            ok++;
        } else {
            printf("miss: want %s, got %s%s%s (%s)\n  %s\n", want,
                   x->n > 0 ? x->m[0].entry->name : "(no entry)", x->from_log ? ", log " : "",
                   x->from_log ? x->log_cause : "", src, text);
        }
        td_explain_free(x);
    }
    fclose(f);
    printf("explain corpus: %u of %u recognised with the right meaning (%.1f%%)\n", ok, total,
           total ? 100.0 * ok / total : 0.0);
    assert_true(total >= 300);
    assert_true(ok * 100 >= total * 95);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
