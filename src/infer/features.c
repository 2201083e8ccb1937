/* features.c - what the inference step sees of an action: per kind, the fields of the facts the
 * requesting module gave that the kind's extractor knows, turned into numbers and categories from
 * closed vocabularies; for every kind, the time and the history of the kind and of the target in
 * the tenant. Names, hosts, texts and ids never become features: a category outside its
 * vocabulary is "other", a text is never read. */
#include "infer/infer_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void og_infer__target_hash(const char *tenant_id, const char *kind, const char *key, char out[65])
{
    uint8_t mac[32];
    char data[1024];
    snprintf(data, sizeof(data), "%s\n%s", kind ? kind : "", key ? key : "");
    og_crypto_hmac_sha256(tenant_id, strlen(tenant_id), data, strlen(data), mac);
    og_hex_encode(mac, sizeof(mac), out);
}

void og_infer__key(const char *gate_id, char out[65])
{
    uint8_t h[32];
    char data[128];
    snprintf(data, sizeof(data), "infer-action:%s", gate_id);
    og_crypto_sha256(data, strlen(data), h);
    og_hex_encode(h, sizeof(h), out);
}

/* value when it is one of vocab (NULL-terminated), else "other" */
static const char *vocab(const char *value, const char *const *words)
{
    for (size_t i = 0; value && words[i]; i++)
        if (strcmp(value, words[i]) == 0)
            return words[i];
    return "other";
}

static void set_cat(json_t *f, const char *name, const char *value)
{
    char key[128];
    snprintf(key, sizeof(key), "%s=%s", name, value);
    json_object_set_new(f, key, json_real(1.0));
}

static void set_num(json_t *f, const char *name, double v)
{
    if (isfinite(v))
        json_object_set_new(f, name, json_real(v));
}

/* a count or size as a feature: log(1 + n), n >= 0 */
static void set_log(json_t *f, const char *name, json_t *facts, const char *field)
{
    json_t *v = json_object_get(facts, field);
    if (json_is_number(v) && json_number_value(v) >= 0)
        set_num(f, name, log1p(json_number_value(v)));
}

/* days left, capped at 90 and scaled to [0, 1] */
static void set_days(json_t *f, json_t *facts)
{
    json_t *v = json_object_get(facts, "days_left");
    if (json_is_number(v)) {
        double d = json_number_value(v);
        set_num(f, "days_left", (d < 0 ? 0 : d > 90 ? 90 : d) / 90.0);
        if (d < 7)
            set_cat(f, "days_left", "under7");
    }
}

/* 1 when the two arrays of strings differ as sets (neither is kept) */
static int sets_differ(json_t *a, json_t *b)
{
    size_t i, j;
    if (json_array_size(a) != json_array_size(b))
        return 1;
    for (i = 0; i < json_array_size(a); i++) {
        const char *x = json_string_value(json_array_get(a, i));
        for (j = 0; j < json_array_size(b); j++)
            if (og_streq(x, json_string_value(json_array_get(b, j))))
                break;
        if (j == json_array_size(b))
            return 1;
    }
    return 0;
}

static const char *const TARGET_TYPES[] = {"file", "nginx", "haproxy", "opsgate", NULL};
static const char *const KEY_TYPES[] = {"rsa2048", "rsa3072", "rsa4096", "ec256",
                                        "ec384",   "ed25519", NULL};
static const char *const CHALLENGES[] = {"http-01", "dns-01", "tls-alpn-01", NULL};

static void deploy_features(json_t *facts, struct tm *tm, json_t *f)
{
    const char *type =
        vocab(json_string_value(json_object_get(facts, "target_type")), TARGET_TYPES);
    char cross[64];
    set_cat(f, "target_type", type);
    /* the target's type at this hour: a risky combination shows as one feature */
    snprintf(cross, sizeof(cross), "%s@%02d", type, tm->tm_hour);
    set_cat(f, "target_type*hour", cross);
    set_log(f, "endpoints", facts, "endpoints");
    const char *kt = json_string_value(json_object_get(facts, "key_type"));
    const char *old_kt = json_string_value(json_object_get(facts, "old_key_type"));
    if (kt)
        set_cat(f, "key_type", vocab(kt, KEY_TYPES));
    if (kt && old_kt)
        set_num(f, "key_type_change", strcmp(kt, old_kt) != 0);
    if (json_is_array(json_object_get(facts, "old_sans")))
        set_num(f, "san_change",
                sets_differ(json_object_get(facts, "sans"), json_object_get(facts, "old_sans")));
    set_days(f, facts);
}

static const char *const CA_ERRORS[] = {
    "rateLimited",       "badNonce",       "unauthorized",       "caa",    "dns",     "connection",
    "incorrectResponse", "serverInternal", "rejectedIdentifier", "badCSR", "timeout", NULL};

static void renew_features(json_t *facts, json_t *f)
{
    set_log(f, "ca_errors", facts, "ca_errors");
    set_log(f, "ca_failed_orders", facts, "ca_failed_orders");
    if (json_is_string(json_object_get(facts, "ca_last_error")))
        set_cat(f, "ca_last_error",
                vocab(json_string_value(json_object_get(facts, "ca_last_error")), CA_ERRORS));
    if (json_object_get(facts, "challenge"))
        set_cat(f, "challenge",
                vocab(json_string_value(json_object_get(facts, "challenge")), CHALLENGES));
    set_log(f, "names", facts, "names");
    set_days(f, facts);
}

static void artifact_features(json_t *facts, json_t *f)
{
    json_t *m = json_object_get(facts, "money_change");
    set_log(f, "diff_bytes", facts, "diff_bytes");
    set_log(f, "lines_added", facts, "lines_added");
    set_log(f, "lines_removed", facts, "lines_removed");
    set_log(f, "sections_added", facts, "sections_added");
    set_log(f, "sections_removed", facts, "sections_removed");
    set_log(f, "missing_fields", facts, "missing_fields");
    set_log(f, "size_bytes", facts, "size_bytes");
    set_log(f, "versions", facts, "versions");
    if (json_is_number(m)) {
        double d = json_number_value(m);
        set_num(f, "money_change", log1p(fabs(d)));
        if (d < 0)
            set_num(f, "money_decrease", 1.0);
    }
    if (json_is_true(json_object_get(facts, "first_version")))
        set_num(f, "first_version", 1.0);
}

void og_infer__extract(const char *kind, json_t *facts, int64_t now_us, json_t *f)
{
    time_t t = (time_t)(now_us / 1000000);
    struct tm tm;
    char v[16];
    gmtime_r(&t, &tm);
    snprintf(v, sizeof(v), "%02d", tm.tm_hour);
    set_cat(f, "hour", v);
    snprintf(v, sizeof(v), "%d", tm.tm_wday);
    set_cat(f, "weekday", v);
    if (!json_is_object(facts))
        return;
    if (og_streq(kind, "certs.deploy"))
        deploy_features(facts, &tm, f);
    else if (og_streq(kind, "certs.renew"))
        renew_features(facts, f);
    else if (strncmp(kind ? kind : "", "artifacts.publish", 17) == 0 ||
             og_streq(kind, "artifacts.generate"))
        artifact_features(facts, f);
}

/* How many analysed actions of the kind (of the target, when target_hash is set) the tenant has,
 * and how many of them went wrong (label 1): one row of infer_counts, kept with every record and
 * label (og_infer__count), so an analysis costs two key lookups whatever the history. */
static int history(og_store *s, const char *tenant_id, const char *kind, const char *target_hash,
                   int64_t *n, int64_t *bad)
{
    og_stmt *st = NULL;
    int error;
    *n = *bad = 0;
    if ((error = og_stmt_prepare_args(&st, s,
                                      "SELECT n, bad FROM infer_counts"
                                      " WHERE tenant_id = ? AND kind = ? AND target_hash = ?",
                                      "ttt", tenant_id, kind, target_hash ? target_hash : "")) < 0)
        return error;
    if ((error = og_stmt_step(st)) == OG_ROW) {
        *n = og_stmt_col_int(st, 0);
        *bad = og_stmt_col_int(st, 1);
        error = 0;
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int og_infer__count(og_store *s, const char *tenant_id, const char *kind, const char *target_hash,
                    int64_t dn, int64_t dbad)
{
    const char *keys[2] = {"", target_hash};
    for (int i = 0; i < 2; i++) {
        int error =
            og_store_run(s,
                         "INSERT INTO infer_counts (tenant_id, kind, target_hash, n, bad)"
                         " VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, kind, target_hash)"
                         " DO UPDATE SET n = infer_counts.n + excluded.n,"
                         " bad = infer_counts.bad + excluded.bad",
                         "tttii", tenant_id, kind, keys[i], dn, dbad);
        if (error < 0)
            return error;
    }
    return 0;
}

int og_infer__features(og_store *s, const char *tenant_id, const og_infer_input *in,
                       const char *target_hash, int64_t now_us, json_t **out)
{
    int64_t n, bad;
    int error;
    json_t *f = json_object();
    if (!f)
        return og_error_set(OG_ERROR, "out of memory");
    og_infer__extract(in->kind, in->facts, now_us, f);
    if ((error = history(s, tenant_id, in->kind, NULL, &n, &bad)) < 0)
        goto cleanup;
    set_num(f, "kind_history", log1p((double)n));
    set_num(f, "kind_bad_rate", (bad + 0.5) / (n + 10.0));
    if (in->target_key && in->target_key[0]) {
        if ((error = history(s, tenant_id, in->kind, target_hash, &n, &bad)) < 0)
            goto cleanup;
        set_num(f, "target_history", log1p((double)n));
        set_num(f, "target_bad", log1p((double)bad));
        set_num(f, "target_bad_rate", (bad + 0.5) / (n + 10.0));
    }
    *out = f;
    f = NULL;
cleanup:
    json_decref(f);
    return error;
}
