/* listen_api.c: td_listen(): options and defaults, the --like diagnosis, the per-client judge
 * and the summary. Glue only: serving lives in listen/, judging in diagnose/, rendering in
 * report/. */
#include "diagnose/diagnose.h"
#include "listen/listen.h"
#include "util/td_util.h"

#include <string.h>

struct glue {
    const td_listen_options_t *caller;
    td_listen_client_cb cb;
    void *user;
    td_listen_summary_t *sum;
};

static void on_ready(const char *line, void *user)
{
    struct glue *g = user;
    if (g->sum->listening[0] == '\0') {
        td_strlcpy(g->sum->listening, line, sizeof(g->sum->listening));
    }
    if (g->caller->on_ready != NULL) {
        g->caller->on_ready(line, g->user);
    }
}

static void on_client(td_listen_client_t *c, void *user)
{
    struct glue *g = user;
    td_listen_summary_t *s = g->sum;
    char key[64];
    int failed = 0;
    s->clients++;
    td__pcap_top_add(&s->reactions, c->reaction != NULL ? c->reaction : "?");
    for (int i = 0; i < c->n_findings; i++) {
        td__pcap_top_add(&s->findings, c->f[i].id);
        failed |= c->f[i].severity == TD_SEV_FAIL;
    }
    s->failures += (uint64_t)failed;
    td_fmt(key, sizeof(key), "%s %s", c->ja4[0] ? c->ja4 : c->first.proto,
           c->reaction != NULL ? c->reaction : "?");
    td__pcap_top_add(&s->fingerprints, key);
    if (c->first.hello.has_hello) {
        td__pcap_top_add(&s->sni, c->first.hello.has_sni ? c->first.hello.sni : "(none)");
    }
    if (g->cb != NULL) {
        g->cb(c, g->user);
    }
}

static int check(const td_listen_options_t *in, td_listen_options_t *o, td_errinfo_t *err)
{
    *o = *in;
    if (o->addr == NULL || o->addr[0] == '\0') {
        o->addr = "127.0.0.1";
    }
    if (o->name == NULL || o->name[0] == '\0') {
        o->name = "localhost";
    }
    if (o->max_clients <= 0) {
        o->max_clients = 16;
    }
    if (o->client_timeout_s <= 0) {
        o->client_timeout_s = 10;
    }
    if (o->max_bytes == 0) {
        o->max_bytes = 65536;
    }
    if ((o->cert_file == NULL) != (o->key_file == NULL)) {
        td_errinfo_set(err, TD_E_USAGE, "--cert and --key go together");
        return TD_E_USAGE;
    }
    if (o->like != NULL && (o->cert_file != NULL || o->save_cert != NULL)) {
        td_errinfo_set(err, TD_E_USAGE,
                       "--like presents the real server's chain: no --cert, "
                       "--key or --save-cert with it");
        return TD_E_USAGE;
    }
    if (o->max_clients > 256 || o->client_timeout_s > 3600 || o->max_bytes < 1024 ||
        o->max_bytes > 16u << 20 || o->mss < 0 || (o->mss > 0 && (o->mss < 88 || o->mss > 65535))) {
        td_errinfo_set(err, TD_E_USAGE, "a listen option is out of range");
        return TD_E_USAGE;
    }
    return 0;
}

/* --like: the diagnosis with the matrix, its root cause said, then its facts copied. */
static int like_setup(const td_listen_options_t *o, struct glue *g, td_listen_like_t *like,
                      td_errinfo_t *err)
{
    td_target_t t;
    td_options_t d;
    td_report_t *rep = NULL;
    char line[400];
    TD_TRY(td_target_parse(o->like, &t, err));
    td_options_init(&d);
    d.host = t.host;
    d.port = t.port;
    d.ca_file = o->ca_file;
    d.connect_to = o->connect_to;
    d.matrix = 1;
    TD_TRY(td_diagnose(&d, &rep, err));
    const td_finding_t *root = td_report_root_cause(rep);
    /* The chain is fetched with one more handshake under the diagnosis' default step time. */
    int rc = td__listen_like_init(like, &rep->obs, 8.0, err);
    td_fmt(line, sizeof(line), "like %s:%u: %s%s", like->host, like->port,
           root != NULL ? "root cause " : "healthy", root != NULL ? root->id : "");
    td_strlcpy(g->sum->like, line, sizeof(g->sum->like));
    if (root != NULL) {
        td_strlcpy(like->root_cause, root->id, sizeof(like->root_cause));
    }
    td_report_free(rep);
    if (rc == 0) {
        static const char *const names[] = { "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3" };
        td_fmt_append(line, sizeof(line), "; answering with its versions:");
        for (size_t i = 0; i < TD_ARRAY_LEN(names); i++) {
            if ((like->versions & (1u << i)) != 0) {
                td_fmt_append(line, sizeof(line), " %s", names[i]);
            }
        }
        td_fmt_append(line, sizeof(line),
                      ", its suites, groups and chain (without its key: "
                      "handshakes stop after the certificate)%s%s",
                      like->notes[0] ? "; " : "", like->notes);
    }
    if (g->caller->on_ready != NULL) {
        g->caller->on_ready(line, g->user);
    }
    return rc;
}

int td_listen(const td_listen_options_t *opt, td_listen_client_cb cb, void *user,
              td_listen_summary_t **out, td_errinfo_t *err)
{
    td_listen_options_t o;
    td_listen_like_t like;
    struct glue g = { .caller = opt, .cb = cb, .user = user, .sum = NULL };
    int rc = 0;
    double t0 = td_now_ms();
    *out = NULL;
    memset(&like, 0, sizeof(like));
    TD_TRY(check(opt, &o, err));
    g.sum = td_calloc(1, sizeof(*g.sum));
    if (g.sum == NULL) {
        td_errinfo_set(err, TD_E_NOMEM, "out of memory");
        return TD_E_NOMEM;
    }
    o.on_ready = on_ready;
    if (o.like != NULL) {
        TD_TRY_OUT(like_setup(&o, &g, &like, err));
    }
    TD_TRY_OUT(td__listen_run(&o, o.like != NULL ? &like : NULL, on_client, &g, err));
    g.sum->ms = td_now_ms() - t0;
    *out = g.sum;
    g.sum = NULL;
out:
    td__listen_like_dispose(&like);
    td_free(g.sum);
    return rc;
}

uint64_t td_listen_summary_failures(const td_listen_summary_t *s)
{
    return s != NULL ? s->failures : 0;
}

void td_listen_summary_free(td_listen_summary_t *s)
{
    td_free(s);
}
