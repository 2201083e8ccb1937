/* test_keyhold.c - a request's hold on its tenant's data-key row (og_crypto_scope_key_hold): the
 * row is read once for the request's uses outside a transaction, and a revocation, withdrawal or
 * rotation still refuses every new request and every transaction at once. */
#include "crypto_fixture.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

static const char secret[] = "tenant data";

/* Another node: its own keyring and its own connection to the same database. */
typedef struct node {
    og_keyring *k;
    og_store *s;
} node;

static void node_open(fx *f, node *n)
{
    assert_ok(og_keyring_open(&n->k, f->dir));
    assert_ok(og_store_open(&n->s, f->url, 0));
}

static void node_close(node *n)
{
    og_store_close(n->s);
    og_keyring_free(n->k);
}

/* What the other node does, on a thread of its own (a hold is the calling thread's). */
typedef struct job {
    node *n;
    int rotate; /* 0: revoke tenant A's key; 1: rotate its data key */
    int rc;
    int64_t version;
} job;

static void *job_run(void *arg)
{
    job *j = arg;
    j->rc = j->rotate ? og_crypto_datakey_rotate(j->n->k, j->n->s, TENANT_A, &j->version)
                      : og_crypto_scope_key_revoke(j->n->k, j->n->s, TENANT_A);
    if (j->rc < 0)
        print_error("the other node: %s\n", og_error_last());
    return NULL;
}

static job elsewhere(node *n, int rotate)
{
    pthread_t t;
    job j = {n, rotate, -1, 0};
    assert_int_equal(pthread_create(&t, NULL, job_run, &j), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(j.rc, 0);
    return j;
}

static int open_secret(fx *f, const char *scope, const uint8_t *sealed, size_t len)
{
    uint8_t *pt = NULL;
    size_t n = 0;
    int rc = og_crypto_open(f->k, f->s, scope, "obj", sealed, len, &pt, &n);
    if (rc == 0) {
        assert_int_equal(n, sizeof(secret));
        assert_memory_equal(pt, secret, n);
    }
    free(pt);
    return rc;
}

/* The same, inside a transaction of f->s (which reads the row itself). */
static int open_in_tx(fx *f, const char *scope, const uint8_t *sealed, size_t len)
{
    assert_ok(og_store_tx_begin(f->s));
    int rc = open_secret(f, scope, sealed, len);
    og_store_tx_rollback(f->s);
    return rc;
}

static void test_keyhold__a_revocation_elsewhere_refuses_transactions_and_new_requests(void **state)
{
    fx *f = *state;
    node other;
    uint8_t *sa = NULL, *sb = NULL;
    size_t la = 0, lb = 0;
    node_open(f, &other);
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_B));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, "obj", secret, sizeof(secret), &sa, &la));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_B, "obj", secret, sizeof(secret), &sb, &lb));

    /* A request of tenant A begins: checked, the row held. */
    assert_ok(og_crypto_scope_key_hold(f->s, TENANT_A));
    assert_ok(open_secret(f, TENANT_A, sa, la));
    /* Another node revokes A's key meanwhile. */
    elsewhere(&other, 0);
    /* The request's reads outside a transaction use the row it checked (read once, at its
     * start: this is what saves the reads) ... */
    assert_ok(open_secret(f, TENANT_A, sa, la));
    /* ... but no transaction trusts it: a write refuses the revoked key at once. */
    assert_int_equal(open_in_tx(f, TENANT_A, sa, la), OG_ELOCKED);
    assert_string_equal(og_error_detail(), OG_CRYPTO_DETAIL_KEY_REVOKED);
    /* The hold is for A only: B is read as before. */
    assert_ok(open_secret(f, TENANT_B, sb, lb));
    /* The request ends; every later use and every new request is refused. */
    og_crypto_scope_key_release();
    assert_int_equal(open_secret(f, TENANT_A, sa, la), OG_ELOCKED);
    assert_int_equal(og_crypto_scope_key_hold(f->s, TENANT_A), OG_ELOCKED);
    assert_msg_contains("was revoked at");
    assert_int_equal(open_secret(f, TENANT_A, sa, la),
                     OG_ELOCKED); /* a refused hold holds nothing */
    assert_ok(og_crypto_scope_key_hold(f->s, TENANT_B));
    og_crypto_scope_key_release();
    og_crypto_scope_key_release(); /* a no-op without a hold */
    /* A scope without a key passes the check and holds nothing. */
    uint8_t *x = NULL;
    size_t xl = 0;
    assert_ok(og_crypto_scope_key_hold(f->s, "0c9e7f3a-6b28-4d4e-9ea3-7f2b5c8d3e03"));
    assert_int_equal(og_crypto_seal(f->k, f->s, "0c9e7f3a-6b28-4d4e-9ea3-7f2b5c8d3e03", "obj",
                                    secret, sizeof(secret), &x, &xl),
                     OG_ENOTFOUND);
    og_crypto_scope_key_release();
    node_close(&other);
    free(sa);
    free(sb);
}

static void test_keyhold__a_change_by_the_request_itself_drops_the_hold(void **state)
{
    fx *f = *state;
    uint8_t *sa = NULL;
    size_t la = 0;
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, "obj", secret, sizeof(secret), &sa, &la));
    assert_ok(og_crypto_scope_key_hold(f->s, TENANT_A));
    /* A tenant-admin's request revoking its own tenant's key: its next use is refused. */
    assert_ok(og_crypto_scope_key_revoke(f->k, f->s, TENANT_A));
    assert_int_equal(open_secret(f, TENANT_A, sa, la), OG_ELOCKED);
    og_crypto_scope_key_release();
    free(sa);
}

static void test_keyhold__a_withdrawn_key_file_refuses_at_the_next_use(void **state)
{
    fx *f = *state;
    char path[400];
    uint8_t key[32];
    uint8_t *sa = NULL;
    size_t la = 0;
    snprintf(path, sizeof(path), "%s/client.key", f->dir);
    assert_ok(og_crypto_random(key, 32));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, key, 32), 32);
    close(fd);
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_scope_key_rewrap(f->k, f->s, TENANT_A, "file", path));
    assert_ok(og_crypto_seal(f->k, f->s, TENANT_A, "obj", secret, sizeof(secret), &sa, &la));
    assert_ok(og_crypto_scope_key_hold(f->s, TENANT_A));
    assert_ok(open_secret(f, TENANT_A, sa, la));
    /* The client takes its key away mid-request: the held row does not keep the key. */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(open_secret(f, TENANT_A, sa, la), OG_ELOCKED);
    assert_string_equal(og_error_detail(), OG_CRYPTO_DETAIL_KEY_WITHDRAWN);
    og_crypto_scope_key_release();
    assert_int_equal(og_crypto_scope_key_hold(f->s, TENANT_A), OG_ELOCKED);
    free(sa);
}

static int sink_null(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return 0;
}

static void
test_keyhold__a_stream_sealed_across_a_rotation_is_refused_by_its_transaction(void **state)
{
    fx *f = *state;
    node other;
    og_crypto_stream *st = NULL;
    node_open(f, &other);
    assert_ok(og_crypto_scope_key_create(f->k, f->s, TENANT_A));
    assert_ok(og_crypto_scope_key_hold(f->s, TENANT_A));
    /* Another node rotates the data key after the request's check. */
    assert_int_equal(elsewhere(&other, 1).version, 2);
    /* The request seals under the version it checked ... */
    assert_ok(og_crypto_stream_seal_begin(&st, f->k, f->s, TENANT_A, "obj", sink_null, NULL));
    assert_ok(og_crypto_stream_seal_update(st, secret, sizeof(secret)));
    assert_ok(og_crypto_stream_seal_finish(st, f->s));
    /* ... and the transaction storing it refuses it: write it again. */
    assert_ok(og_store_tx_begin(f->s));
    assert_int_equal(og_crypto_stream_check_current(st, f->s), OG_EBUSY);
    assert_msg_contains("write it again");
    og_store_tx_rollback(f->s);
    og_crypto_stream_free(st);
    og_crypto_scope_key_release();
    /* A new request seals under the new version. */
    st = NULL;
    assert_ok(og_crypto_scope_key_hold(f->s, TENANT_A));
    assert_ok(og_crypto_stream_seal_begin(&st, f->k, f->s, TENANT_A, "obj", sink_null, NULL));
    assert_ok(og_crypto_stream_seal_finish(st, f->s));
    assert_ok(og_store_tx_begin(f->s));
    assert_ok(og_crypto_stream_check_current(st, f->s));
    og_store_tx_rollback(f->s);
    og_crypto_stream_free(st);
    og_crypto_scope_key_release();
    node_close(&other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
        T(test_keyhold__a_revocation_elsewhere_refuses_transactions_and_new_requests),
        T(test_keyhold__a_change_by_the_request_itself_drops_the_hold),
        T(test_keyhold__a_withdrawn_key_file_refuses_at_the_next_use),
        T(test_keyhold__a_stream_sealed_across_a_rotation_is_refused_by_its_transaction),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
