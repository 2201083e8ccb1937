/* bench_cmk.c - customer-managed keys' benchmark (issue 20): artifact reads per second for a tenant
 * under the master key and one under a PKCS#11 key (SoftHSM2, a token made here), with the data key
 * cache warm (the default) and cold (--key-cache-ttl 0s: every read unwraps in the token), in one
 * run. Prints a markdown table with the ratio to master; the aim is warm within 5% of master.
 *
 * OG_BENCH_READS sets the reads per row (default 3000; OG_BENCH_QUICK=1: 300). Needs SoftHSM2 and
 * og_p11_keygen next to this executable; without them the pkcs11 rows say so. */
#include "opsgate/artifacts.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MODULE "/usr/lib/softhsm/libsofthsm2.so"

static void die(const char *what)
{
    fprintf(stderr, "bench_cmk: %s: %s\n", what, og_error_last());
    exit(1);
}

/* Reads per second of tenant's artifact. */
static double reads_per_s(og_ctx *ctx, const char *tenant, int n)
{
    og_artifact_ref ref = {tenant, "p", "doc.md"};
    char buf[1 << 14];
    int64_t t0 = og_time_mono_us();
    for (int i = 0; i < n; i++) {
        og_artifact_reader *rd = NULL;
        size_t got;
        if (og_artifact_get_open(&rd, ctx, &ref, 0, NULL) < 0)
            die("get");
        do {
            if (og_artifact_get_read(rd, buf, sizeof(buf), &got) < 0)
                die("get read");
        } while (got);
        og_artifact_get_close(rd);
    }
    return n / ((double)(og_time_mono_us() - t0) / 1e6);
}

/* A SoftHSM2 token with an AES key in dir; 0 when ready. */
static int make_token(const char *dir, const char *self)
{
    char cmd[9000], conf[4200];
    if (access(MODULE, R_OK) != 0)
        return -1;
    snprintf(conf, sizeof(conf), "%s/softhsm2.conf", dir);
    FILE *f = fopen(conf, "w");
    if (!f)
        return -1;
    fprintf(f, "directories.tokendir = %s/tokens\nobjects.store.backend = file\n", dir);
    fclose(f);
    setenv("SOFTHSM2_CONF", conf, 1);
    snprintf(cmd, sizeof(cmd),
             "mkdir -p %s/tokens && softhsm2-util --init-token --free --label bench --pin 1234 "
             "--so-pin 5678 >/dev/null && %.2000s/og_p11_keygen %s bench kek 1234 && "
             "printf '1234\\n' >%s/pin && chmod 600 %s/pin",
             dir, self, MODULE, dir, dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    int quick = getenv("OG_BENCH_QUICK") && atoi(getenv("OG_BENCH_QUICK"));
    const char *rv = getenv("OG_BENCH_READS");
    int n = rv && *rv ? atoi(rv) : quick ? 300 : 3000;
    char tmpl[] = "/tmp/og-bench-cmk-XXXXXX", data[4200], token[OG_TOKEN_MAX], pin[4200],
         self[4096];
    og_store *store = NULL;
    og_keyring *keys = NULL;
    og_ctx ctx;
    (void)argc;
    snprintf(self, sizeof(self), "%s", argv[0]);
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(self, sizeof(self), ".");
    if (n < 1 || !mkdtemp(tmpl))
        return 1;
    snprintf(data, sizeof(data), "%s/data", tmpl);
    snprintf(pin, sizeof(pin), "%s/pin", tmpl);
    if (og_install_init(data, token) < 0 || og_install_open(data, &store, &keys) < 0)
        die("init");
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = store;
    ctx.keys = keys;
    ctx.data_dir = data;
    og_actor_local(&ctx.actor);
    char doc[8192];
    memset(doc, 'x', sizeof(doc));
    og_artifact_put_opts po = {.kind = "sow", .message = "bench"};
    const char *tenants[] = {"master", "hsm"};
    for (int i = 0; i < 2; i++) {
        og_artifact_ref ref = {tenants[i], "p", "doc.md"};
        if (og_tenant_create(&ctx, tenants[i], NULL) < 0 ||
            og_project_create(&ctx, tenants[i], "p", "bench", NULL) < 0 ||
            og_artifact_put_buffer(&ctx, &ref, &po, doc, sizeof(doc), NULL) < 0)
            die("setup");
    }
    int hsm = make_token(tmpl, self) == 0;
    if (hsm) {
        og_tenant_key_spec spec = {"pkcs11", NULL, "pkcs11:token=bench;object=kek",
                                   MODULE,   pin,  NULL};
        json_t *out = NULL;
        if (og_tenant_key_set(&ctx, "hsm", &spec, &out) < 0)
            die("key set pkcs11");
        json_decref(out);
    }
    double r[2][2] = {{0}};     /* [tenant][warm, cold] */
    for (int i = 0; i < 2; i++) /* settle the database and page cache first */
        if (i == 0 || hsm)
            reads_per_s(&ctx, tenants[i], n / 2 + 1);
    for (int cold = 0; cold < 2; cold++) {
        og_keyring_cache_ttl_set(keys, cold ? 0 : OG_KEYRING_CACHE_TTL_S * 1000000LL);
        int m = cold ? n / 10 + 1 : n; /* a token round trip per read: fewer */
        double secs[2] = {0};
        for (int i = 0; i < 2; i++)
            if (i == 0 || hsm)
                reads_per_s(&ctx, tenants[i], m / 10 + 1); /* warm up */
        /* Alternating blocks, so both tenants see the same load on the machine. */
        for (int b = 0; b < 10; b++)
            for (int i = 0; i < 2; i++)
                if (i == 0 || hsm)
                    secs[i] += (m / 10 + 1) / reads_per_s(&ctx, tenants[i], m / 10 + 1);
        for (int i = 0; i < 2; i++)
            r[i][cold] = secs[i] > 0 ? 10.0 * (m / 10 + 1) / secs[i] : 0;
    }
    printf("| KEK of the tenant | data key cache | artifact reads/s | vs master | aim |\n");
    printf("|---|---|---|---|---|\n");
    for (int cold = 0; cold < 2; cold++) {
        for (int i = 0; i < 2; i++) {
            const char *cache = cold ? "cold (ttl 0: unwrap per read)" : "warm";
            if (i == 1 && !hsm) {
                printf("| pkcs11 (SoftHSM2) | %s | (SoftHSM2 or og_p11_keygen missing) | - | - |\n",
                       cache);
                continue;
            }
            double ratio = r[i][cold] / r[0][cold];
            const char *aim = i == 0 ? "-" : cold ? "(none)" : ratio >= 0.95 ? "PASS" : "FAIL";
            printf("| %s | %s | %.0f | %.3f | %s%s |\n", i ? "pkcs11 (SoftHSM2)" : "master", cache,
                   r[i][cold], ratio, i && !cold ? "within 5%: " : "", aim);
        }
    }
    og_store_close(store);
    og_keyring_free(keys);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_cmk: could not remove %s\n", tmpl);
    return 0;
}
