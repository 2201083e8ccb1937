/* pipe.c - a bounded hand-off to a thread of its own (bk_pipe): a backup's archive writes and a
 * restore's file writes run there while the calling thread reads, hashes and (de)compresses, so
 * that the two halves use two CPUs, as `tar | zstd` does with its two processes. Items go in
 * order, each copied into one of BK_PIPE_SLOTS buffers (aligned to BK_ALIGN, so that the archive
 * can be written with O_DIRECT): memory stays bounded whatever the size. */
#include "backup/backup_internal.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BK_PIPE_SLOTS 8

typedef struct slot {
    int kind;
    int64_t size;
    char *name;
    uint8_t *buf;
    size_t len, cap;
} slot;

struct bk_pipe {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t more, room;
    slot slots[BK_PIPE_SLOTS];
    size_t head, count; /* the oldest item, and how many wait */
    int closing;        /* no more items: the thread ends once they are done */
    int error;          /* the thread's first error (then it takes no more), and its message */
    char msg[1024];
    bk_pipe_fn fn;
    void *arg;
};

static void *pipe_run(void *arg)
{
    bk_pipe *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->count == 0 && !p->closing)
            pthread_cond_wait(&p->more, &p->mu);
        if (p->count == 0)
            break;
        slot *s = &p->slots[p->head];
        pthread_mutex_unlock(&p->mu);
        int error = p->error < 0 ? 0 : p->fn(p->arg, s->kind, s->name, s->size, s->buf, s->len);
        pthread_mutex_lock(&p->mu);
        if (error < 0 && p->error == 0) {
            p->error = error;
            og_strlcpy(p->msg, og_error_last(), sizeof(p->msg));
        }
        free(s->name);
        s->name = NULL;
        p->head = (p->head + 1) % BK_PIPE_SLOTS;
        p->count--;
        pthread_cond_signal(&p->room);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int og_backup__pipe_start(bk_pipe **out, bk_pipe_fn fn, void *arg)
{
    bk_pipe *p = calloc(1, sizeof(*p));
    int rc;
    if (!p)
        return og_error_set(OG_ERROR, "out of memory");
    p->fn = fn;
    p->arg = arg;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->more, NULL);
    pthread_cond_init(&p->room, NULL);
    if ((rc = pthread_create(&p->thread, NULL, pipe_run, p)) != 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->more);
        pthread_cond_destroy(&p->room);
        free(p);
        return og_error_set(OG_ERROR, "cannot start a thread: %s", strerror(rc));
    }
    *out = p;
    return 0;
}

/* The thread's error set again in the calling thread. */
static int pipe_error(bk_pipe *p)
{
    return og_error_set(p->error, "%s", p->msg);
}

int og_backup__pipe_put(bk_pipe *p, int kind, const char *name, int64_t size, const void *buf,
                        size_t len)
{
    pthread_mutex_lock(&p->mu);
    while (p->count == BK_PIPE_SLOTS && p->error == 0)
        pthread_cond_wait(&p->room, &p->mu);
    if (p->error < 0) {
        pthread_mutex_unlock(&p->mu);
        return pipe_error(p);
    }
    slot *s = &p->slots[(p->head + p->count) % BK_PIPE_SLOTS];
    pthread_mutex_unlock(&p->mu);
    /* the slot is the caller's until counted: the thread never looks past count */
    if (len > s->cap) {
        /* aligned for O_DIRECT (the archive's writes); what it held is not kept */
        void *b = NULL;
        if (posix_memalign(&b, BK_ALIGN, len) != 0)
            return og_error_set(OG_ERROR, "out of memory");
        free(s->buf);
        s->buf = b;
        s->cap = len;
    }
    if (len)
        memcpy(s->buf, buf, len);
    s->len = len;
    s->kind = kind;
    s->size = size;
    if (name && !(s->name = strdup(name)))
        return og_error_set(OG_ERROR, "out of memory");
    pthread_mutex_lock(&p->mu);
    p->count++;
    pthread_cond_signal(&p->more);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

/* Stop taking items, wait for the thread: its error, if any (told when tell). */
static int pipe_end(bk_pipe *p, int tell)
{
    pthread_mutex_lock(&p->mu);
    p->closing = 1;
    pthread_cond_signal(&p->more);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    int error = p->error < 0 ? (tell ? pipe_error(p) : p->error) : 0;
    for (size_t i = 0; i < BK_PIPE_SLOTS; i++) {
        free(p->slots[i].buf);
        free(p->slots[i].name);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->more);
    pthread_cond_destroy(&p->room);
    free(p);
    return error;
}

int og_backup__pipe_finish(bk_pipe *p)
{
    return p ? pipe_end(p, 1) : 0;
}

void og_backup__pipe_abort(bk_pipe *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    if (p->error == 0) {
        p->error = OG_ERROR; /* what still waits is dropped */
        og_strlcpy(p->msg, "stopped", sizeof(p->msg));
    }
    pthread_mutex_unlock(&p->mu);
    pipe_end(p, 0);
}
