/* diagnose.c: runs the rule table over observations and orders the findings so the root
 * cause (the earliest failing layer's first finding) comes first. Never does I/O. */
#include "diagnose.h"

#include <string.h>

static int rank(const td_finding_store_t *f)
{
    /* Failures before warnings; within a severity, by layer, then table order (stable). */
    return (f->pub.severity == TD_SEV_FAIL ? 0 : 1) * 100 + (int)f->pub.layer;
}

static bool layer_failed(const td_report_t *r, td_layer_t layer)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->f[i].pub.layer == layer && r->f[i].pub.severity == TD_SEV_FAIL) {
            return true;
        }
    }
    return false;
}

void td__diagnose(td_report_t *r)
{
    size_t n = 0;
    const td_rule_t *rules = td__rules(&n);
    r->n = 0;
    r->has_root = 0;
    for (size_t i = 0; i < n && r->n < TD_MAX_FINDINGS; i++) {
        td_finding_store_t *f = &r->f[r->n];
        memset(f, 0, sizeof(*f));
        td_strlcpy(f->cause, rules[i].cause, sizeof(f->cause));
        td_strlcpy(f->fix, rules[i].fix, sizeof(f->fix));
        td_rule_out_t out = { f->cause, sizeof(f->cause), f->evidence, sizeof(f->evidence),
                              f->fix,   sizeof(f->fix) };
        if (rules[i].fallback && layer_failed(r, rules[i].layer)) {
            continue;
        }
        if (!rules[i].match(&r->obs, &out)) {
            continue;
        }
        f->pub.id = rules[i].id;
        f->pub.severity = rules[i].severity;
        f->pub.layer = rules[i].layer;
        f->pub.title = rules[i].title;
        r->n++;
    }
    /* Stable insertion sort by rank: n is small. */
    for (size_t i = 1; i < r->n; i++) {
        td_finding_store_t tmp = r->f[i];
        size_t j = i;
        while (j > 0 && rank(&r->f[j - 1]) > rank(&tmp)) {
            r->f[j] = r->f[j - 1];
            j--;
        }
        r->f[j] = tmp;
    }
    for (size_t i = 0; i < r->n; i++) {
        r->f[i].pub.cause = r->f[i].cause;
        r->f[i].pub.evidence = r->f[i].evidence;
        r->f[i].pub.fix = r->f[i].fix;
    }
    r->has_root = r->n > 0;
}
