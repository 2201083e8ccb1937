/* conn_fixture.h - the fake vendor the pull engine's tests share (test_connector_sync.c makes it
 * a PSA, test_connector_devices.c an RMM; included by each, not a test itself): a test
 * environment with the tenant "acme", a connector opened with og_conn_open whose vendor is the
 * test's fake_vendor, its connectors row made by hand with the company C1 mapped to acme, a
 * companies call listing C1 "Client One" and C2 "Other Co", and counts over the store. */
#ifndef OG_TEST_CONN_FIXTURE_H
#define OG_TEST_CONN_FIXTURE_H

#include "og_test.h"
#include "conn_rows.h"
#include "connector/connector_internal.h"
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"

#include <stdio.h>

typedef struct fx {
    og_test_env env;
    og_tenant t;
    og_conn *c;
} fx;

/* The test's vendor: a copy of a real one with the test's calls in place (set by setup). */
static og_conn_vendor fake_vendor;

static int fake_companies(og_conn *c, og_conn_company_fn fn, void *arg)
{
    og_conn_company a = {"C1", "Client One"}, b = {"C2", "Other Co"};
    int rc;
    c->requests++;
    if ((rc = fn(arg, &a)) < 0)
        return rc;
    return fn(arg, &b);
}

/* f->c (just opened) becomes the connector `name` of the tenant acme, on fake_vendor. */
static void fx_conn_name(fx *f, const char *name)
{
    conn_fake(f->c, &fake_vendor, name, f->t.id);
}

/* The connector's row (kind connectwise, at base_url) and C1 mapped to acme. */
static void fx_conn_rows(fx *f, const char *base_url)
{
    conn_rows(f->env.store, f->c, "connectwise", base_url, "C1", "Client One");
}

/* The first column of the first row of sql (one text parameter arg, or none); -1 for no row. */
static int64_t count(fx *f, const char *sql, const char *arg)
{
    og_stmt *st = NULL;
    int64_t n = -1;
    OG_ASSERT_OK(og_stmt_prepare_args(&st, f->env.store, sql, arg ? "t" : "", arg));
    if (og_stmt_step(st) == OG_ROW)
        n = og_stmt_col_int(st, 0);
    og_stmt_free(st);
    return n;
}

static int64_t events(fx *f, const char *type)
{
    return count(f, "SELECT COUNT(*) FROM events WHERE type = ?", type);
}

#endif
