/* challenge_http.c - http-01 answers: a small built-in responder that runs for one order, or
 * files in the webroot of an existing web server. */
#include "acme/acme_internal.h"
#include "opsgate/error.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define PREFIX     "/.well-known/acme-challenge/"
#define MAX_TOKENS OG_ACME_MAX_NAMES
#define REQ_CAP    4096
/* how often the accept loop looks at the stop flag: stopping waits at most this long, and an
 * order ends by stopping its responder */
#define STOP_POLL_MS 10

struct og_acme_http01 {
    int fd;
    int stop; /* set under mu; the thread polls with a short timeout */
    pthread_t thread;
    pthread_mutex_t mu;
    char *tokens[MAX_TOKENS];
    char *answers[MAX_TOKENS];
    int n;
};

/* Split "host:port" or "[v6]:port" (host may be empty: all addresses). */
static int split_addr(const char *listen, char *host, size_t hsize, char *port, size_t psize)
{
    const char *colon;
    if (!listen || !*listen)
        return og_error_set(OG_EINVAL, "bad listen address '' (host:port)");
    if (listen[0] == '[') {
        const char *rb = strchr(listen, ']');
        if (!rb || rb[1] != ':' || (size_t)(rb - listen - 1) >= hsize)
            return og_error_set(OG_EINVAL, "bad listen address '%s' ([v6]:port)", listen);
        memcpy(host, listen + 1, (size_t)(rb - listen - 1));
        host[rb - listen - 1] = '\0';
        colon = rb + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= hsize)
            return og_error_set(OG_EINVAL, "bad listen address '%s' (host:port)", listen);
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
    }
    char *end = NULL;
    long p = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || p < 1 || p > 65535)
        return og_error_set(OG_EINVAL, "bad port in listen address '%s' (1 to 65535)", listen);
    og_strlcpy(port, colon + 1, psize);
    return 0;
}

/* One request per connection: read the request line, answer, close. Slow clients get 2 s. */
static void serve_one(og_acme_http01 *s, int cfd)
{
    char req[REQ_CAP + 1], resp[1024];
    size_t len = 0;
    const char *answer = NULL;
    for (int i = 0; i < 20 && len < REQ_CAP; i++) {
        struct pollfd p = {cfd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t k = recv(cfd, req + len, REQ_CAP - len, 0);
        if (k <= 0)
            break;
        len += (size_t)k;
        req[len] = '\0';
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
            break;
    }
    req[len] = '\0';
    char token[256] = "";
    if (strncmp(req, "GET " PREFIX, 4 + strlen(PREFIX)) == 0) {
        const char *t = req + 4 + strlen(PREFIX);
        size_t tl = strcspn(t, " ?\r\n");
        if (tl < sizeof(token)) {
            memcpy(token, t, tl);
            token[tl] = '\0';
        }
    }
    pthread_mutex_lock(&s->mu);
    for (int i = 0; token[0] && i < s->n; i++)
        if (strcmp(s->tokens[i], token) == 0)
            answer = s->answers[i];
    int n = answer ? snprintf(resp, sizeof(resp),
                              "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                              "%zu\r\nConnection: close\r\n\r\n%s",
                              strlen(answer), answer)
                   : snprintf(resp, sizeof(resp),
                              "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: "
                              "close\r\n\r\n");
    pthread_mutex_unlock(&s->mu);
    if (n > 0 && (size_t)n < sizeof(resp))
        (void)send(cfd, resp, (size_t)n, MSG_NOSIGNAL);
}

int og_acme__accept_next(int fd, pthread_mutex_t *mu, const int *stop)
{
    for (;;) {
        pthread_mutex_lock(mu);
        int stopping = *stop;
        pthread_mutex_unlock(mu);
        if (stopping)
            return -1;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, STOP_POLL_MS) <= 0)
            continue;
        int cfd = accept(fd, NULL, NULL);
        if (cfd >= 0)
            return cfd;
    }
}

void og_acme__accept_stop(pthread_t thread, int fd, pthread_mutex_t *mu, int *stop)
{
    pthread_mutex_lock(mu);
    *stop = 1;
    pthread_mutex_unlock(mu);
    pthread_join(thread, NULL);
    close(fd);
}

static void *run(void *arg)
{
    og_acme_http01 *s = arg;
    int cfd;
    while ((cfd = og_acme__accept_next(s->fd, &s->mu, &s->stop)) >= 0) {
        serve_one(s, cfd);
        close(cfd);
    }
    return NULL;
}

int og_acme__listen(const char *listen_addr, const char *what, int *fd_out)
{
    char host[256], port[8];
    struct addrinfo hints = {0}, *ai = NULL;
    int error, one = 1, fd = -1;
    *fd_out = -1;
    if ((error = split_addr(listen_addr, host, sizeof(host), port, sizeof(port))) < 0)
        return error;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if (getaddrinfo(host[0] ? host : NULL, port, &hints, &ai) != 0 || !ai)
        return og_error_set(OG_EINVAL, "bad listen address '%s': host does not resolve",
                            listen_addr);
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0) {
        error = og_error_set(OG_ERROR, "cannot listen on %s for %s: %s", listen_addr, what,
                             strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return error;
    }
    freeaddrinfo(ai);
    *fd_out = fd;
    return 0;
}

int og_acme__http01_start(og_acme_http01 **out, const char *listen_addr)
{
    og_acme_http01 *s = NULL;
    int error, fd = -1;
    *out = NULL;
    if ((error = og_acme__listen(listen_addr, "http-01", &fd)) < 0)
        return error;
    if (!(s = calloc(1, sizeof(*s)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    s->fd = fd;
    pthread_mutex_init(&s->mu, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        s = NULL;
        error = og_error_set(OG_ERROR, "cannot start the http-01 responder thread");
        goto cleanup;
    }
    fd = -1;
    *out = s;
    error = 0;
cleanup:
    if (fd >= 0)
        close(fd);
    return error;
}

int og_acme__http01_add(og_acme_http01 *s, const char *token, const char *key_auth)
{
    int error = 0;
    pthread_mutex_lock(&s->mu);
    if (s->n >= MAX_TOKENS)
        error = og_error_set(OG_ETOOBIG, "too many http-01 tokens");
    else if (!(s->tokens[s->n] = strdup(token)) || !(s->answers[s->n] = strdup(key_auth)))
        error = og_error_set(OG_ERROR, "out of memory");
    else
        s->n++;
    pthread_mutex_unlock(&s->mu);
    return error;
}

void og_acme__http01_stop(og_acme_http01 *s)
{
    if (!s)
        return;
    og_acme__accept_stop(s->thread, s->fd, &s->mu, &s->stop);
    for (int i = 0; i < MAX_TOKENS; i++) {
        free(s->tokens[i]);
        free(s->answers[i]);
    }
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Tokens are base64url by RFC 8555 §8.1; anything else could escape the folder. */
static int token_ok(const char *token)
{
    size_t n = strlen(token);
    return n > 0 && n < 200 &&
           strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

int og_acme__webroot_put(const char *dir, const char *token, const char *key_auth)
{
    char path[4096];
    struct stat stbuf;
    int error;
    if (!token_ok(token))
        return og_error_set(OG_ERROR, "the CA sent a token that is not base64url");
    if (!dir || stat(dir, &stbuf) != 0 || !S_ISDIR(stbuf.st_mode))
        return og_acme__bad_setting("webroot", "bad webroot '%s': not a folder", dir ? dir : "");
    if (snprintf(path, sizeof(path), "%s/.well-known/acme-challenge", dir) >= (int)sizeof(path))
        return og_acme__bad_setting("webroot", "webroot '%s' is too long", dir);
    if ((error = og_mkdir_p(path, 0755)) < 0)
        return error;
    snprintf(path, sizeof(path), "%s/.well-known/acme-challenge/%s", dir, token);
    /* the web server must read it: 0644, the key authorization is public by design */
    return og_file_write_atomic(path, key_auth, strlen(key_auth), 0644);
}

void og_acme__webroot_remove(const char *dir, const char *token)
{
    char path[4096];
    if (!dir || !token_ok(token))
        return;
    if (snprintf(path, sizeof(path), "%s/.well-known/acme-challenge/%s", dir, token) <
        (int)sizeof(path))
        (void)unlink(path);
}
