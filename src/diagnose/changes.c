/* changes.c: what changed for one target between two stored results: newly failing, fixed,
 * another root cause, a new certificate, expiry inside a third of the lifetime, clients that
 * newly fail, addresses. Judging only: the rows come from the store, nothing here does I/O. */
#include "changes.h"

#include "../util/td_util.h"

#include <string.h>

const char *td__change_level_name(td_change_level_t l)
{
    switch (l) {
    case TD_CHANGE_INFO:
        return "info";
    case TD_CHANGE_WARN:
        return "warn";
    case TD_CHANGE_FAIL:
        return "fail";
    default:
        return "?";
    }
}

int td__csv_has(const char *list, const char *item)
{
    size_t n = strlen(item);
    const char *p = list;
    if (n == 0) {
        return 0;
    }
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        if (len == n && memcmp(p, item, n) == 0) {
            return 1;
        }
        p += len;
        if (*p == ',') {
            p++;
        }
    }
    return 0;
}

/* Appends to dst the items of a that are not in b, comma separated; returns how many. */
static int csv_minus(const char *a, const char *b, char *dst, size_t cap)
{
    char item[256];
    int count = 0;
    dst[0] = '\0';
    while (*a != '\0') {
        size_t len = strcspn(a, ",");
        if (len > 0 && len < sizeof(item)) {
            memcpy(item, a, len);
            item[len] = '\0';
            if (!td__csv_has(b, item)) {
                td_fmt_append(dst, cap, "%s%s", count > 0 ? "," : "", item);
                count++;
            }
        }
        a += len;
        if (*a == ',') {
            a++;
        }
    }
    return count;
}

static const char *verdict_name(const td_hist_row_t *r)
{
    static const char *const names[] = { "ok", "warn", "fail", "unknown" };
    if (!r->diagnosed) {
        return "not diagnosed";
    }
    return r->exit_code >= 0 && r->exit_code <= 3 ? names[r->exit_code] : "?";
}

/* The root cause, or the verdict when there is none. */
static const char *cause_or_verdict(const td_hist_row_t *r)
{
    return r->root_cause[0] != '\0' ? r->root_cause : verdict_name(r);
}

static td_change_t *add(td_change_t *out, size_t cap, size_t *n, const char *kind,
                        td_change_level_t level, const td_hist_row_t *old, const td_hist_row_t *cur)
{
    if (*n >= cap) {
        return NULL;
    }
    td_change_t *c = &out[(*n)++];
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->level = level;
    td_strlcpy(c->target, cur->target, sizeof(c->target));
    c->from_run = old != NULL ? old->run_id : 0;
    c->to_run = cur->run_id;
    return c;
}

static void judge_verdict(const td_hist_row_t *old, const td_hist_row_t *cur, td_change_t *out,
                          size_t cap, size_t *n)
{
    int was_fail = old->diagnosed && old->exit_code == 2;
    int is_fail = cur->exit_code == 2;
    td_change_t *c = NULL;
    if (is_fail && !was_fail) {
        c = add(out, cap, n, "newly_failing", TD_CHANGE_FAIL, old, cur);
        if (c != NULL) {
            td_strlcpy(c->before, cause_or_verdict(old), sizeof(c->before));
            td_strlcpy(c->after, cur->root_cause, sizeof(c->after));
            td_fmt(c->detail, sizeof(c->detail), "now failing: %s (was %s)", cur->root_cause,
                   verdict_name(old));
        }
    } else if (was_fail && !is_fail) {
        c = add(out, cap, n, "fixed", TD_CHANGE_INFO, old, cur);
        if (c != NULL) {
            td_strlcpy(c->before, old->root_cause, sizeof(c->before));
            td_strlcpy(c->after, verdict_name(cur), sizeof(c->after));
            td_fmt(c->detail, sizeof(c->detail), "no longer failing (was %s), now %s",
                   old->root_cause, verdict_name(cur));
        }
    } else if (is_fail && strcmp(old->root_cause, cur->root_cause) != 0) {
        c = add(out, cap, n, "root_cause_changed", TD_CHANGE_WARN, old, cur);
        if (c != NULL) {
            td_strlcpy(c->before, old->root_cause, sizeof(c->before));
            td_strlcpy(c->after, cur->root_cause, sizeof(c->after));
            td_fmt(c->detail, sizeof(c->detail), "still failing, root cause %s (was %s)",
                   cur->root_cause, old->root_cause);
        }
    }
    if (!is_fail && (cur->exit_code == 1 || cur->exit_code == 3) &&
        (!old->diagnosed || old->exit_code == 0)) {
        c = add(out, cap, n, "newly_warning", TD_CHANGE_WARN, old, cur);
        if (c != NULL) {
            char added[512];
            int k = csv_minus(cur->findings, old->findings, added, sizeof(added));
            td_strlcpy(c->before, verdict_name(old), sizeof(c->before));
            td_strlcpy(c->after, k > 0 ? added : verdict_name(cur), sizeof(c->after));
            td_fmt(c->detail, sizeof(c->detail), "verdict %s (was %s)%s%s", verdict_name(cur),
                   verdict_name(old), k > 0 ? ", new findings: " : "", k > 0 ? added : "");
        }
    }
}

static void judge_cert(const td_hist_row_t *old, const td_hist_row_t *cur, td_change_t *out,
                       size_t cap, size_t *n)
{
    if (old->leaf_sha256[0] != '\0' && cur->leaf_sha256[0] != '\0' &&
        strcmp(old->leaf_sha256, cur->leaf_sha256) != 0) {
        td_change_t *c = add(out, cap, n, "cert_new", TD_CHANGE_INFO, old, cur);
        if (c != NULL) {
            int chain = strcmp(old->chain, cur->chain) != 0;
            int key = strcmp(old->key, cur->key) != 0;
            int issuer = strcmp(old->issuer, cur->issuer) != 0;
            td_strlcpy(c->before, old->leaf_sha256, sizeof(c->before));
            td_strlcpy(c->after, cur->leaf_sha256, sizeof(c->after));
            td_fmt(c->detail, sizeof(c->detail), "new certificate; chain %s",
                   chain ? "changed" : "unchanged");
            if (key) {
                td_fmt_append(c->detail, sizeof(c->detail), ", key changed (%s -> %s)", old->key,
                              cur->key);
            } else {
                td_fmt_append(c->detail, sizeof(c->detail), ", key unchanged");
            }
            if (issuer) {
                td_fmt_append(c->detail, sizeof(c->detail), ", issuer changed (was %s)",
                              old->issuer);
            } else {
                td_fmt_append(c->detail, sizeof(c->detail), ", issuer unchanged");
            }
        }
    }
    /* Expiry inside a third of the certificate's lifetime (a 90-day certificate at 30 days
     * left, a 6-day one at 2): the threshold follows the lifetime, not a fixed day count.
     * Reported when the certificate enters that window, not at every run inside it. */
    int64_t life = cur->not_after - cur->not_before;
    if (cur->leaf_sha256[0] == '\0' || cur->not_after == 0 || life <= 0) {
        return;
    }
    int64_t left = cur->not_after - cur->time;
    if (left <= 0 || left > life / 3) {
        return; /* expired: the diagnosis' own failure says so */
    }
    int was_in = strcmp(old->leaf_sha256, cur->leaf_sha256) == 0 &&
                 old->not_after - old->time <= life / 3;
    if (was_in) {
        return;
    }
    td_change_t *c = add(out, cap, n, "cert_expiring", TD_CHANGE_WARN, old, cur);
    if (c != NULL) {
        char when[32];
        td_fmt_utc(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", cur->not_after);
        td_strlcpy(c->after, when, sizeof(c->after));
        td_fmt(c->detail, sizeof(c->detail),
               "certificate expires %s: %.1f days left of a %.1f-day lifetime (inside its last "
               "third)",
               when, (double)left / 86400.0, (double)life / 86400.0);
    }
}

static void judge_lists(const td_hist_row_t *old, const td_hist_row_t *cur, td_change_t *out,
                        size_t cap, size_t *n, int clients)
{
    char list[600];
    /* Clients newly failing: seen connecting before, seen failing now (a client not observed
     * in one of the runs is no change). */
    char item[128];
    const char *p = cur->clients_fail;
    list[0] = '\0';
    int k = 0;
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        if (len > 0 && len < sizeof(item)) {
            memcpy(item, p, len);
            item[len] = '\0';
            if (td__csv_has(old->clients_ok, item)) {
                td_fmt_append(list, sizeof(list), "%s%s", k++ > 0 ? "," : "", item);
            }
        }
        p += len;
        if (*p == ',') {
            p++;
        }
    }
    if (k > 0 && clients) {
        td_change_t *c = add(out, cap, n, "clients_newly_failing", TD_CHANGE_WARN, old, cur);
        if (c != NULL) {
            td_strlcpy(c->after, list, sizeof(c->after));
            td_fmt(c->detail, sizeof(c->detail),
                   "%d client profile%s connected before and fail "
                   "now: %s",
                   k, k == 1 ? "" : "s", list);
        }
    }
    if (old->addrs[0] == '\0' || cur->addrs[0] == '\0') {
        return; /* a run without DNS answers says nothing about addresses */
    }
    if (csv_minus(cur->addrs, old->addrs, list, sizeof(list)) > 0) {
        td_change_t *c = add(out, cap, n, "addrs_appeared", TD_CHANGE_INFO, old, cur);
        if (c != NULL) {
            td_strlcpy(c->after, list, sizeof(c->after));
            td_fmt(c->detail, sizeof(c->detail), "new addresses: %s", list);
        }
    }
    if (csv_minus(old->addrs, cur->addrs, list, sizeof(list)) > 0) {
        td_change_t *c = add(out, cap, n, "addrs_vanished", TD_CHANGE_INFO, old, cur);
        if (c != NULL) {
            td_strlcpy(c->before, list, sizeof(c->before));
            td_fmt(c->detail, sizeof(c->detail), "addresses gone: %s", list);
        }
    }
}

size_t td__changes_judge(const td_hist_row_t *old, const td_hist_row_t *cur, td_change_t *out,
                         size_t cap)
{
    size_t n = 0;
    if (old == NULL) {
        /* A target added to the list already failing is as urgent as one that broke. */
        td_change_level_t lv = !cur->diagnosed || cur->exit_code == 1 || cur->exit_code == 3
                                       ? TD_CHANGE_WARN
                               : cur->exit_code == 2 ? TD_CHANGE_FAIL
                                                     : TD_CHANGE_INFO;
        td_change_t *c = add(out, cap, &n, "new_target", lv, NULL, cur);
        if (c != NULL) {
            td_strlcpy(c->after, cause_or_verdict(cur), sizeof(c->after));
            td_fmt(c->detail, sizeof(c->detail), "first result: %s", cause_or_verdict(cur));
        }
        return n;
    }
    if (!cur->diagnosed) {
        if (old->diagnosed) {
            td_change_t *c = add(out, cap, &n, "not_diagnosed", TD_CHANGE_WARN, old, cur);
            if (c != NULL) {
                td_strlcpy(c->before, cause_or_verdict(old), sizeof(c->before));
                td_fmt(c->detail, sizeof(c->detail), "could not be diagnosed: %s", cur->error);
            }
        }
        return n; /* nothing else was observed */
    }
    size_t before = n;
    judge_verdict(old, cur, out, cap, &n);
    /* When the target newly fails its root cause says why every client fails: the clients'
     * list is for a server that still works for some. */
    int newly_failing = n > before && strcmp(out[before].kind, "newly_failing") == 0;
    judge_cert(old, cur, out, cap, &n);
    judge_lists(old, cur, out, cap, &n, !newly_failing);
    return n;
}
