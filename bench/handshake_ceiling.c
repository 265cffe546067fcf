/* bench/handshake_ceiling.c: the bare handshake rate this machine reaches against the scan
 * benchmark's listeners, the ceiling for `tlsdoctor scan --profile quick`. THREADS threads
 * share one SSL_CTX (no session tickets, no resumption) and loop over the targets round-robin:
 * TCP connect, SSL_connect with SNI, chain and name verification (SSL_VERIFY_NONE, the result
 * read with SSL_get_verify_result, as tlsdoctor judges a broken chain instead of aborting),
 * free, close. Prints "handshakes seconds per_second failed".
 * Build: cc -O2 -o handshake_ceiling bench/handshake_ceiling.c -lssl -lcrypto -lpthread
 * Usage: handshake_ceiling TARGETS_FILE(ADDR:PORT lines) SNI CAFILE THREADS SECONDS */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in addrs[4096];
static int n_addrs;
static SSL_CTX *ctx;
static const char *sni;
static double stop_at;
static atomic_long done, failed;
static int n_threads;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg)
{
    long t = (long)arg;
    for (long i = t; now() < stop_at; i += n_threads) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        const struct sockaddr_in *a = &addrs[i % n_addrs];
        SSL *ssl = NULL;
        int ok = 0;
        if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) == 0) {
            ssl = SSL_new(ctx);
            SSL_set_fd(ssl, fd);
            SSL_set_tlsext_host_name(ssl, sni);
            SSL_set1_host(ssl, sni);
            ok = SSL_connect(ssl) == 1;
            (void)SSL_get_verify_result(ssl); /* judged, not required: broken chains count */
        }
        atomic_fetch_add(ok ? &done : &failed, 1);
        SSL_free(ssl);
        close(fd);
        ERR_clear_error();
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s TARGETS SNI CAFILE THREADS SECONDS\n", argv[0]);
        return 3;
    }
    FILE *f = fopen(argv[1], "r");
    char line[256];
    while (f != NULL && n_addrs < 4096 && fgets(line, sizeof(line), f) != NULL) {
        char *colon = strrchr(line, ':');
        if (colon == NULL) {
            continue;
        }
        *colon = '\0';
        addrs[n_addrs].sin_family = AF_INET;
        addrs[n_addrs].sin_port = htons((unsigned short)atoi(colon + 1));
        if (inet_pton(AF_INET, line, &addrs[n_addrs].sin_addr) == 1) {
            n_addrs++;
        }
    }
    if (n_addrs == 0) {
        fprintf(stderr, "no ADDR:PORT in %s\n", argv[1]);
        return 3;
    }
    sni = argv[2];
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx, argv[3], NULL);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    n_threads = atoi(argv[4]);
    double secs = atof(argv[5]);
    pthread_t th[64];
    n_threads = n_threads < 1 ? 1 : n_threads > 64 ? 64 : n_threads;
    double t0 = now();
    stop_at = t0 + secs;
    for (long i = 0; i < n_threads; i++) {
        pthread_create(&th[i], NULL, run, (void *)i);
    }
    for (int i = 0; i < n_threads; i++) {
        pthread_join(th[i], NULL);
    }
    double el = now() - t0;
    printf("%ld %.2f %.0f %ld\n", (long)done, el, (double)done / el, (long)failed);
    SSL_CTX_free(ctx);
    return 0;
}
