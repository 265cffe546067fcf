/* changes.h: judges what changed for one target between two stored diagnoses (the history of
 * src/store/). Pure: fed rows the store read, never does I/O. */
#ifndef TD_CHANGES_H
#define TD_CHANGES_H

#include "tlsdoctor.h"

#include <stddef.h>
#include <stdint.h>

/* One target's stored result, as the store reads it back (docs/store.md). Plain data. */
typedef struct td_hist_row {
    int64_t run_id;
    int64_t time;          /* Unix seconds the result was stored */
    char target[512];      /* the target line, as scanned */
    int diagnosed;         /* 0: the tool could not diagnose the target (error says why) */
    char error[256];       /* when not diagnosed */
    int exit_code;         /* the verdict's exit status: 0 ok, 1 warn, 2 fail, 3 unknown */
    char root_cause[64];   /* finding id, "" when healthy */
    char findings[1024];   /* every finding id, comma separated, in report order */
    char version[16];      /* negotiated TLS version, "" none */
    char cipher[64];       /* negotiated suite, "" none */
    char leaf_sha256[100]; /* the leaf certificate's SHA-256, "" none */
    char issuer[256];      /* the leaf's issuer DN */
    char key[32];          /* the leaf's key: "EC 256", "RSA 2048" */
    char chain[900];       /* SHA-256 of each certificate sent after the leaf, comma separated */
    int64_t not_before;    /* the leaf's validity, Unix seconds; 0 none */
    int64_t not_after;
    char clients_fail[600]; /* ids of the client profiles observed failing, comma separated */
    char clients_ok[600];   /* ... observed connecting */
    char addrs[1200];       /* the addresses the name resolved to, sorted, comma separated */
    double seconds;         /* how long the diagnosis took */
} td_hist_row_t;

/* How much a change matters: the exit status of `tlsdoctor changes` is the highest. */
typedef enum td_change_level {
    TD_CHANGE_INFO = 0,
    TD_CHANGE_WARN = 1,
    TD_CHANGE_FAIL = 2,
} td_change_level_t;

/* One change. kind is a static id from the list in docs/store.md (public contract, append
 * only): new_target, newly_failing, newly_warning, fixed, root_cause_changed, not_diagnosed,
 * cert_new, cert_expiring, clients_newly_failing, addrs_appeared, addrs_vanished. */
typedef struct td_change {
    const char *kind;
    td_change_level_t level;
    char target[512];
    int64_t from_run; /* 0 for new_target */
    int64_t to_run;
    char before[256]; /* the old value, "" when it does not apply */
    char after[256];  /* the new value */
    char detail[600]; /* one sentence */
} td_change_t;

/* Static name of a level: "info", "warn", "fail". */
const char *td__change_level_name(td_change_level_t l);

/* Compares old (NULL: the target was not seen before) with cur and writes up to cap changes
 * into out; returns how many it wrote (at most TD_CHANGES_PER_TARGET are ever needed). */
#define TD_CHANGES_PER_TARGET 12
size_t td__changes_judge(const td_hist_row_t *old, const td_hist_row_t *cur, td_change_t *out,
                         size_t cap);

/* The changes between runs of a whole history (td_changes()): filled by the store, judged here,
 * rendered by report/changes.c. */
struct td_changes {
    td_change_t *v; /* owned: td_free */
    size_t n, cap;
    size_t targets;     /* targets compared */
    int64_t latest_run; /* the newest run in the history, 0 none */
    int64_t since_run;  /* the baseline asked for, 0 none */
    int64_t since_time; /* ... as a time, 0 none */
};

/* Whether the comma-separated list holds item (whole items only). */
int td__csv_has(const char *list, const char *item);

#endif
