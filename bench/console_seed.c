/* console_seed.c - bench_console's data: a data folder with 10,000 certificates over five tenants
 * (expiry spread from expired to a year out; a share self-signed, with weak keys, SHA-1 signed or
 * valid too long), 2,000 gate items (open L2 approvals, L1 reviews, L3 tasks and decided ones)
 * and 500 artifacts with versions, written through the library as the local operator. Seeding
 * time is not the measure: the seeder's own connection commits with synchronous=OFF. */
#include "console_seed.h"

#include "opsgate/app.h"
#include "opsgate/artifacts.h"
#include "opsgate/certs.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DAY_S 86400L

static const char *const tenant_names[SEED_TENANTS] = {"acme", "globex", "initech", "umbrella",
                                                       "hooli"};
static const char *const words[] = {
    "firewall", "cutover",  "tenant",   "mailbox", "backup",  "restore", "switch",  "vlan",
    "router",   "license",  "invoice",  "client",  "project", "scope",   "deliver", "review",
    "network",  "server",   "storage",  "cluster", "policy",  "patch",   "monitor", "ticket",
    "identity", "endpoint", "schedule", "alert",   "change",  "accept",  "approve", "publish",
};
#define NWORDS (sizeof(words) / sizeof(words[0]))

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static int fail(const char *what)
{
    fprintf(stderr, "bench_console: seed: %s: %s\n", what, og_error_last());
    return -1;
}

/* ---- certificates ---- */

typedef struct signer {
    EVP_PKEY *ca, *leaf, *weak;
    X509_NAME *ca_name;
} signer;

/* Days left of certificate i: 3% expired, 5% within 7 days, 10% within 30, 20% within 90, the
 * rest up to 398. */
static long days_left_of(void)
{
    uint32_t p = rnd(100);
    if (p < 3)
        return -1 - (long)rnd(60);
    if (p < 8)
        return 1 + (long)rnd(7);
    if (p < 18)
        return 8 + (long)rnd(23);
    if (p < 38)
        return 31 + (long)rnd(60);
    return 91 + (long)rnd(308);
}

/* One certificate as PEM into f: host i of tenant t, with its findings' causes drawn at random. */
static int cert_write(FILE *f, const signer *k, const char *tenant, int i, time_t now)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    char cn[128], san[160];
    uint32_t p = rnd(100);
    int self = p < 5, weak = p >= 5 && p < 8, sha1 = p >= 8 && p < 10, longv = p >= 10 && p < 13;
    long left = days_left_of(), valid = longv ? 825 : (rnd(2) ? 90 : 365);
    int ok = 0;
    snprintf(cn, sizeof(cn), "%s-%05d.%s.example", words[rnd(NWORDS)], i, tenant);
    snprintf(san, sizeof(san), "DNS:%s", cn);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)i * 7 + 1);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)tenant, -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, self ? name : k->ca_name);
    X509_time_adj_ex(X509_getm_notAfter(x), (int)left, 0, &now);
    X509_time_adj_ex(X509_getm_notBefore(x), (int)(left - valid), 0, &now);
    X509_set_pubkey(x, weak ? k->weak : self ? k->ca : k->leaf);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, NULL, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
    if (ext)
        X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    if (X509_sign(x, k->ca, sha1 ? EVP_sha1() : EVP_sha256()) > 0 && PEM_write_X509(f, x) == 1)
        ok = 1;
    X509_NAME_free(name);
    X509_free(x);
    return ok ? 0 : -1;
}

/* Each tenant's certificates as files under dir/TENANT/NN/, then one scan-files per tenant (the
 * files' paths are their sightings). */
static int seed_certs(og_ctx *ctx, const char *dir, int per_tenant)
{
    signer k = {EVP_EC_gen("P-256"), EVP_EC_gen("P-256"), EVP_RSA_gen(1024), X509_NAME_new()};
    time_t now = time(NULL);
    int error = -1;
    if (!k.ca || !k.leaf || !k.weak || !k.ca_name)
        goto cleanup;
    X509_NAME_add_entry_by_txt(k.ca_name, "CN", MBSTRING_ASC,
                               (const unsigned char *)"Bench Issuing CA", -1, -1, 0);
    for (int t = 0; t < SEED_TENANTS; t++) {
        char path[4200];
        snprintf(path, sizeof(path), "%s/%s", dir, tenant_names[t]);
        mkdir(path, 0700);
        for (int i = 0; i < per_tenant; i++) {
            char file[4300];
            snprintf(file, sizeof(file), "%s/%02d", path, i / 100);
            mkdir(file, 0700);
            snprintf(file, sizeof(file), "%s/%02d/host-%05d.pem", path, i / 100, i);
            FILE *f = fopen(file, "w");
            int rc = f ? cert_write(f, &k, tenant_names[t], i, now) : -1;
            if (f)
                fclose(f);
            if (rc < 0) {
                fprintf(stderr, "bench_console: seed: cannot write %s\n", file);
                goto cleanup;
            }
        }
        const char *paths[] = {path};
        og_certs_files_summary sum;
        if (og_certs_scan_files(ctx, tenant_names[t], paths, 1, NULL, NULL, NULL, &sum) < 0) {
            fail("scan-files");
            goto cleanup;
        }
    }
    error = 0;
cleanup:
    EVP_PKEY_free(k.ca);
    EVP_PKEY_free(k.leaf);
    EVP_PKEY_free(k.weak);
    X509_NAME_free(k.ca_name);
    return error;
}

/* ---- artifacts ---- */

/* A markdown document of n lines of words; version v changes every 7th line. */
static char *doc_make(int n, int v, size_t *len)
{
    og_buf b;
    og_buf_init(&b, 1 << 20);
    og_buf_puts(&b, "# Statement of work\n\n");
    uint64_t saved = rng;
    rng = 0x2545f4914f6cdd1dull + (uint64_t)n;
    for (int l = 0; l < n; l++) {
        og_buf_printf(&b, "- %03d", l);
        for (int w = 0; w < 8; w++)
            og_buf_printf(&b, " %s", words[rnd(NWORDS)]);
        if (l % 7 == v % 7 && v > 1)
            og_buf_printf(&b, " (changed in v%d)", v);
        og_buf_puts(&b, "\n");
    }
    rng = saved;
    *len = b.len;
    return b.data;
}

static int seed_artifacts(og_ctx *ctx, int per_tenant, seed_facts *out)
{
    static const char *const kinds[] = {"sow", "runbook", "change-order", "closure"};
    for (int t = 0; t < SEED_TENANTS; t++) {
        const char *tn = tenant_names[t];
        for (int p = 0; p < SEED_PROJECTS; p++) {
            char key[32], pname[64];
            snprintf(key, sizeof(key), "proj%d", p + 1);
            snprintf(pname, sizeof(pname), "%s project %d", tn, p + 1);
            if (og_project_create(ctx, tn, key, pname, NULL) < 0)
                return fail("project create");
        }
        for (int a = 0; a < per_tenant; a++) {
            char name[64], key[32];
            snprintf(key, sizeof(key), "proj%d", a % SEED_PROJECTS + 1);
            snprintf(name, sizeof(name), "%s-%03d.md", words[a % NWORDS], a);
            og_artifact_ref ref = {tn, key, name};
            og_artifact_put_opts po = {.kind = kinds[a % 4], .message = "edit"};
            int nver = a == 0 ? 3 : 1 + (int)rnd(5); /* the diff's artifact has three */
            for (int v = 1; v <= nver; v++) {
                size_t len;
                char *doc = doc_make(40 + a % 160, v, &len);
                int rc = og_artifact_put_buffer(ctx, &ref, &po, doc, len, NULL);
                free(doc);
                if (rc < 0)
                    return fail("artifact put");
            }
            if (t == 0 && a == 0) {
                snprintf(out->project, sizeof(out->project), "%s", key);
                snprintf(out->artifact, sizeof(out->artifact), "%s", name);
                out->versions = nver;
            }
        }
    }
    return 0;
}

/* ---- gate items ---- */

static int note(og_ctx *ctx, const char *tenant, int i, const char *why, og_gate_outcome *o)
{
    char text[160];
    snprintf(text, sizeof(text), "%s: %s %s window for host %d", why, words[rnd(NWORDS)],
             words[rnd(NWORDS)], i);
    json_t *params = json_pack("{s:s}", "text", text);
    json_t *analysis = json_pack("{s:s, s:i}", "recommendation", "approve", "risk", i % 5);
    memset(o, 0, sizeof(*o));
    int rc = og_gate_request(ctx, tenant, "platform.note", "note", "bench", params, analysis, o);
    json_decref(params);
    json_decref(analysis);
    json_decref(o->result);
    o->result = NULL;
    return rc == OG_EPENDING ? (og_error_clear(), 0) : rc;
}

/* A second tenant-admin of each tenant decides: the requester (the operator) may not. */
static int decider(og_ctx *ctx, const char *tenant, og_ctx *out)
{
    og_user u;
    if (og_user_add(ctx, tenant, "bob", OG_ROLE_TENANT_ADMIN, &u) < 0)
        return fail("user add");
    *out = *ctx;
    memset(&out->actor, 0, sizeof(out->actor));
    out->actor.kind = OG_ACTOR_USER;
    out->actor.role = OG_ROLE_TENANT_ADMIN;
    snprintf(out->actor.user_id, sizeof(out->actor.user_id), "%s", u.id);
    snprintf(out->actor.user_name, sizeof(out->actor.user_name), "bob");
    snprintf(out->actor.tenant_id, sizeof(out->actor.tenant_id), "%s", u.tenant_id);
    return 0;
}

/* Per tenant (of 400 items): 120 L2 approvals, 100 L1 reviews, 60 L3 tasks open; 60 approvals
 * decided (approved or rejected) and 60 reviews acknowledged. */
static int seed_gates(og_ctx *ctx, int per_tenant, seed_facts *out)
{
    static const struct {
        og_gate_level level;
        int share; /* of 400 */
        const char *decide;
    } plan[] = {{OG_GATE_L2, 60, "approve"},
                {OG_GATE_L1, 60, "ack"},
                {OG_GATE_L2, 120, NULL},
                {OG_GATE_L1, 100, NULL},
                {OG_GATE_L3, 60, NULL}};
    for (int t = 0; t < SEED_TENANTS; t++) {
        const char *tn = tenant_names[t];
        og_ctx bob;
        if (decider(ctx, tn, &bob) < 0)
            return -1;
        int i = 0;
        for (size_t s = 0; s < sizeof(plan) / sizeof(plan[0]); s++) {
            if (og_gate_policy_set(ctx, tn, "platform.note", plan[s].level) < 0)
                return fail("gate policy");
            int n = plan[s].share * per_tenant / 400;
            if (og_store_tx_begin(ctx->store) < 0)
                return fail("begin");
            for (int k = 0; k < n; k++, i++) {
                og_gate_outcome o;
                if (note(ctx, tn, i, plan[s].decide ? "done" : "open", &o) < 0)
                    return fail("gate request");
                const char *d = plan[s].decide;
                if (d && strcmp(d, "approve") == 0 && k % 3 == 0)
                    d = "reject";
                if (d && og_gate_decide(&bob, o.gate_id, d, "seen") < 0)
                    return fail("gate decide");
                if (t == 0 && !d)
                    snprintf(out->gate_id, sizeof(out->gate_id), "%s", o.gate_id);
            }
            if (og_store_tx_commit(ctx->store) < 0)
                return fail("commit");
        }
    }
    return 0;
}

int seed_console(const char *data_dir, const char *scratch, const seed_sizes *n, seed_facts *out)
{
    og_store *store = NULL;
    og_keyring *keys = NULL;
    og_ctx ctx;
    int error = -1;
    memset(out, 0, sizeof(*out));
    if (og_app_register_all() < 0 || og_install_init(data_dir, out->admin_token) < 0 ||
        og_install_open(data_dir, &store, &keys) < 0)
        return fail("init");
    og_store_exec(store, "PRAGMA synchronous=OFF");
    memset(&ctx, 0, sizeof(ctx));
    ctx.store = store;
    ctx.keys = keys;
    ctx.data_dir = data_dir;
    og_actor_local(&ctx.actor);
    for (int t = 0; t < SEED_TENANTS; t++)
        if (og_tenant_create(&ctx, tenant_names[t], NULL) < 0) {
            fail("tenant create");
            goto cleanup;
        }
    if (seed_certs(&ctx, scratch, n->certs / SEED_TENANTS) < 0 ||
        seed_artifacts(&ctx, n->artifacts / SEED_TENANTS, out) < 0 ||
        seed_gates(&ctx, n->gates / SEED_TENANTS, out) < 0)
        goto cleanup;
    snprintf(out->tenant, sizeof(out->tenant), "%s", tenant_names[0]);
    json_t *list = NULL;
    og_certs_filter f = {.limit = 1};
    if (og_certs_list(&ctx, tenant_names[0], &f, &list) < 0) {
        fail("cert list");
        goto cleanup;
    }
    snprintf(out->fingerprint, sizeof(out->fingerprint), "%s",
             json_string_value(json_object_get(json_array_get(list, 0), "fingerprint")));
    json_decref(list);
    error = 0;
cleanup:
    og_store_close(store);
    og_keyring_free(keys);
    return error;
}
