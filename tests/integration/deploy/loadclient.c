/* loadclient.c - continuous HTTPS load for the zero-downtime tests: THREADS threads open a fresh
 * TLS connection per request (SNI set), note the served leaf's SHA-256 fingerprint, send a GET
 * and read the answer to the end. One line per request, written at exit:
 *   START_US END_US OK FINGERPRINT ERROR
 * (CLOCK_REALTIME microseconds; OK 1 when the answer was HTTP 200). Bounded: stops when STOPFILE
 * exists, after MAX_SECONDS, or after MAX_REQUESTS requests per thread.
 *
 * usage: loadclient HOST PORT SNI THREADS STOPFILE MAX_SECONDS OUTFILE
 * The request path is $LOADCLIENT_PATH (default "/"; opsgate's listener answers 200 on /healthz).
 * Built by the test with: cc -O2 -o loadclient loadclient.c -lssl -lcrypto -lpthread */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS  16
#define MAX_REQUESTS 100000
#define LINE         200

static const char *req_path = "/";

static const char *host, *sni, *stopfile;
static int port, max_seconds;
static int64_t t_end;

typedef struct worker {
    pthread_t th;
    char *out;
    size_t len, cap;
    long n;
} worker;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void add_line(worker *w, int64_t a, int64_t b, int ok, const char *fp, const char *err)
{
    if (w->len + LINE + 1 > w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 1 << 16;
        char *p = realloc(w->out, nc);
        if (!p)
            return;
        w->out = p;
        w->cap = nc;
    }
    int n = snprintf(w->out + w->len, LINE, "%lld %lld %d %s %s\n", (long long)a, (long long)b, ok,
                     fp[0] ? fp : "-", err);
    if (n > 0)
        w->len += (size_t)(n < LINE ? n : LINE - 1);
}

/* One request; err describes a failure (no spaces). */
static int one(SSL_CTX *ctx, char fp[65], char *err, size_t errsize)
{
    int fd = -1, ok = 0;
    SSL *ssl = NULL;
    X509 *x = NULL;
    struct sockaddr_in sa;
    struct timeval tv = {10, 0};
    char buf[4096];
    size_t got = 0;
    fp[0] = '\0';
    snprintf(err, errsize, "-");
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, host, &sa.sin_addr);
    if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
        snprintf(err, errsize, "socket:%d", errno);
        goto done;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        snprintf(err, errsize, "connect:%s", strerror(errno));
        for (char *p = err; *p; p++)
            if (*p == ' ')
                *p = '_';
        goto done;
    }
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, sni);
    if (SSL_connect(ssl) != 1) {
        snprintf(err, errsize, "handshake:%lu", ERR_get_error());
        goto done;
    }
    if ((x = SSL_get1_peer_certificate(ssl))) {
        unsigned char md[32];
        unsigned int mdlen = 0;
        X509_digest(x, EVP_sha256(), md, &mdlen);
        for (unsigned i = 0; i < mdlen && i < 32; i++)
            sprintf(fp + 2 * i, "%02x", md[i]);
    }
    int n = snprintf(buf, sizeof(buf), "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
                     req_path, sni);
    if (SSL_write(ssl, buf, n) != n) {
        snprintf(err, errsize, "write");
        goto done;
    }
    for (int rounds = 0; rounds < 1000 && got < sizeof(buf) - 1; rounds++) {
        int r = SSL_read(ssl, buf + got, (int)(sizeof(buf) - 1 - got));
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    buf[got] = '\0';
    if (strncmp(buf, "HTTP/1.1 200", 12) == 0 || strncmp(buf, "HTTP/1.0 200", 12) == 0)
        ok = 1;
    else
        snprintf(err, errsize, "answer:%.20s", got ? buf : "none");
    for (char *p = err; *p; p++)
        if (*p == ' ' || *p == '\r' || *p == '\n')
            *p = '_';
done:
    ERR_clear_error();
    X509_free(x);
    if (ssl) {
        SSL_shutdown(ssl);
        SSL_free(ssl);
    }
    if (fd >= 0)
        close(fd);
    return ok;
}

static void *run(void *arg)
{
    worker *w = arg;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    char fp[65], err[64];
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    /* No session reuse: every request is a full handshake that shows the served certificate. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    while (w->n < MAX_REQUESTS && now_us() < t_end && access(stopfile, F_OK) != 0) {
        int64_t a = now_us();
        int ok = one(ctx, fp, err, sizeof(err));
        add_line(w, a, now_us(), ok, fp, err);
        w->n++;
        usleep(2000);
    }
    SSL_CTX_free(ctx);
    return NULL;
}

int main(int argc, char **argv)
{
    worker ws[MAX_THREADS];
    int threads;
    FILE *f;
    if (argc != 8) {
        fprintf(stderr, "usage: loadclient HOST PORT SNI THREADS STOPFILE MAX_SECONDS OUTFILE\n");
        return 2;
    }
    if (getenv("LOADCLIENT_PATH") && getenv("LOADCLIENT_PATH")[0] == '/')
        req_path = getenv("LOADCLIENT_PATH");
    host = argv[1];
    port = atoi(argv[2]);
    sni = argv[3];
    threads = atoi(argv[4]);
    stopfile = argv[5];
    max_seconds = atoi(argv[6]);
    if (threads < 1 || threads > MAX_THREADS || port < 1 || max_seconds < 1 || max_seconds > 600) {
        fprintf(stderr, "loadclient: bad arguments\n");
        return 2;
    }
    t_end = now_us() + (int64_t)max_seconds * 1000000;
    memset(ws, 0, sizeof(ws));
    for (int i = 0; i < threads; i++)
        pthread_create(&ws[i].th, NULL, run, &ws[i]);
    for (int i = 0; i < threads; i++)
        pthread_join(ws[i].th, NULL);
    if (!(f = fopen(argv[7], "w")))
        return 1;
    for (int i = 0; i < threads; i++) {
        if (ws[i].out)
            fwrite(ws[i].out, 1, ws[i].len, f);
        free(ws[i].out);
    }
    fclose(f);
    return 0;
}
