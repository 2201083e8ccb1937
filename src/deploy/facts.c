/* facts.c - what a deploy request tells the inference step (infer.h, docs/inference.md): the
 * target's type and endpoint count, and against the certificate it replaces (the one the
 * target's last run deployed) the key types, the names of both (infer only compares them) and
 * the days the replaced one had left. The facts go to the gate with the request and are not kept:
 * infer's extractor turns them into numbers and closed categories. */
#include "deploy/deploy_internal.h"
#include "opsgate/error.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* "rsa2048", "ec256" ... from a certificate's key: {type, bits} */
static json_t *key_type(json_t *cert)
{
    json_t *key = json_object_get(cert, "key");
    const char *type = json_string_value(json_object_get(key, "type"));
    char out[32];
    size_t i;
    if (!type)
        return NULL;
    for (i = 0; type[i] && i < 15; i++)
        out[i] = (char)tolower((unsigned char)type[i]);
    snprintf(out + i, sizeof(out) - i, "%lld",
             (long long)json_integer_value(json_object_get(key, "bits")));
    return json_string(out);
}

/* The fingerprint the target's newest run deployed ("" when none); 0 or the store's error. */
static int last_deployed(og_store *s, const char *target_id, char fp[65])
{
    og_stmt *st = NULL;
    int rc;
    fp[0] = '\0';
    rc = og_stmt_prepare_args(&st, s,
                              "SELECT fingerprint FROM deploy_runs WHERE target_id = ?"
                              " ORDER BY n DESC LIMIT 1",
                              "t", target_id);
    if (rc >= 0 && (rc = og_stmt_step(st)) == OG_ROW)
        og_strlcpy(fp, og_stmt_col_text(st, 0) ? og_stmt_col_text(st, 0) : "", 65);
    og_stmt_free(st);
    return rc < 0 ? rc : 0;
}

int og_deploy__facts(og_ctx *ctx, const char *tid, const og_deploy_target *t, json_t *cert,
                     json_t **out)
{
    char fp[65];
    json_t *old = NULL;
    int error;
    json_t *f = json_pack("{s:s, s:i}", "target_type", t->type, "endpoints", t->nendpoints);
    *out = NULL;
    if (!f)
        return og_error_set(OG_ERROR, "out of memory");
    json_object_set_new(f, "key_type", key_type(cert));
    json_object_set(f, "sans", json_object_get(cert, "sans"));
    if ((error = last_deployed(ctx->store, t->id, fp)) < 0)
        goto cleanup;
    if (fp[0] && (error = og_certs_show(ctx, tid, fp, &old)) == 0) {
        int64_t na = 0;
        json_object_set_new(f, "old_key_type", key_type(old));
        json_object_set(f, "old_sans", json_object_get(old, "sans"));
        if (og_time_parse(json_string_value(json_object_get(old, "not_after")), &na) == 0)
            json_object_set_new(f, "days_left",
                                json_integer((na - og_time_now_us()) / (86400LL * 1000000)));
        og_error_clear();
    } else if (error == OG_ENOTFOUND) {
        /* a replaced certificate that is gone says nothing; a failing store is an error */
        og_error_clear();
        error = 0;
    }
cleanup:
    json_decref(old);
    if (error < 0)
        json_decref(f);
    else
        *out = f;
    return error < 0 ? error : 0;
}
