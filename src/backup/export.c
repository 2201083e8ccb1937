/* export.c - `opsgate tenant export`: one client's data in open formats when a contract ends,
 * as a tar + zstd archive with a manifest of hashes: every version of every artifact (decrypted,
 * as uploaded), the certificates (PEM; private keys only when asked), the audit chain (JSON
 * lines) with its latest signed checkpoint, inclusion proofs and the public key to check them.
 * Audited as tenant.export. The layout is documented in docs/ops.md ("Tenant export"). */
#include "backup/backup_internal.h"
#include "opsgate/artifacts.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"
#include "opsgate/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPORT_FORMAT "opsgate-tenant-export"

typedef struct ex {
    og_ctx *ctx;
    char tid[OG_ID_LEN];
    bk_writer w;
    int64_t artifacts, versions, certs, keys, records;
} ex;

static int reader_read(void *arg, void *buf, size_t cap, size_t *got)
{
    return og_artifact_get_read(arg, buf, cap, got);
}

static int add_json(ex *e, const char *path, json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);
    int error = text ? og_backup__add_mem(&e->w, path, text, strlen(text))
                     : og_error_set(OG_ERROR, "out of memory");
    free(text);
    return error;
}

/* Every version of one artifact: artifacts/<artifact id>/v<N>; a->versions gets the log. */
static int one_artifact(ex *e, const char *project, json_t *a)
{
    og_artifact_ref ref = {e->tid, project, json_string_value(json_object_get(a, "name"))};
    json_t *log = NULL, *v;
    size_t i;
    char path[128];
    int error = og_artifact_log(e->ctx, &ref, &log);
    json_array_foreach(log, i, v)
    {
        og_artifact_reader *r = NULL;
        og_artifact_version info;
        int64_t n = json_integer_value(json_object_get(v, "version"));
        if (error < 0 || (error = og_artifact_get_open(&r, e->ctx, &ref, n, &info)) < 0)
            break;
        snprintf(path, sizeof(path), "artifacts/%s/v%lld", info.artifact_id, (long long)n);
        error = og_backup__add_reader(&e->w, path, (int64_t)info.size, reader_read, r);
        og_artifact_get_close(r);
        json_object_set_new(v, "file", json_string(path));
        e->versions++;
    }
    if (error == 0 && json_object_set(a, "versions", log) < 0)
        error = og_error_set(OG_ERROR, "out of memory");
    json_decref(log);
    e->artifacts++;
    return error;
}

static int artifacts(ex *e)
{
    json_t *projects = NULL, *p, *arts, *a;
    size_t i, j;
    int error = og_project_list_all(e->ctx, e->tid, &projects);
    json_array_foreach(projects, i, p)
    {
        const char *key = json_string_value(json_object_get(p, "key"));
        if (error < 0 || (error = og_artifact_list(e->ctx, e->tid, key, 0, &arts)) < 0)
            break;
        json_array_foreach(arts, j, a) if (error == 0) error = one_artifact(e, key, a);
        json_object_set_new(p, "artifacts", arts);
    }
    if (error == 0)
        error = add_json(e, "artifacts/index.json", projects);
    json_decref(projects);
    return error;
}

static int certificates(ex *e, int private_keys)
{
    og_certs_filter f = {.kind = "x509"};
    json_t *list = NULL, *c;
    size_t i;
    char path[128];
    int error = og_certs_list(e->ctx, e->tid, &f, &list);
    json_array_foreach(list, i, c)
    {
        const char *fp = json_string_value(json_object_get(c, "fingerprint"));
        og_certs_material m;
        if (error < 0)
            break;
        error = private_keys ? og_certs_material_load(e->ctx, e->tid, fp, &m) : OG_ENOTFOUND;
        if (error == OG_ENOTFOUND) /* no key kept, or none asked for */
            error = og_certs_material_load_public(e->ctx, e->tid, fp, &m);
        if (error == 0) {
            snprintf(path, sizeof(path), "certificates/%s.pem", fp);
            error = og_backup__add_mem(&e->w, path, m.leaf_pem, strlen(m.leaf_pem));
            if (error == 0 && *m.chain_pem) {
                snprintf(path, sizeof(path), "certificates/%s.chain.pem", fp);
                error = og_backup__add_mem(&e->w, path, m.chain_pem, strlen(m.chain_pem));
            }
            if (error == 0 && m.key_pem) {
                snprintf(path, sizeof(path), "certificates/%s.key.pem", fp);
                error = og_backup__add_mem(&e->w, path, m.key_pem, strlen(m.key_pem));
                e->keys++;
                json_object_set_new(c, "key_file", json_string(path));
            }
        }
        og_certs_material_clear(&m);
        e->certs++;
    }
    if (error == 0)
        error = add_json(e, "certificates/index.json", list);
    json_decref(list);
    return error;
}

static int to_file(void *arg, const void *data, size_t len)
{
    return fwrite(data, 1, len, arg) == len
               ? 0
               : og_error_set(OG_ERROR, "cannot write: %s", strerror(errno));
}

static int file_read(void *arg, void *buf, size_t cap, size_t *got)
{
    *got = fread(buf, 1, cap, arg);
    return ferror((FILE *)arg) ? og_error_set(OG_ERROR, "cannot read back the audit records") : 0;
}

/* The chain's records as JSON lines, through an anonymous temporary file (a chain can be long). */
static int audit_records(ex *e)
{
    FILE *tmp = tmpfile();
    long size;
    int error;
    if (!tmp)
        return og_error_set(og_error_for_errno(errno), "cannot make a temporary file: %s",
                            strerror(errno));
    if ((error = og_audit_export(e->ctx, e->tid, "jsonl", NULL, NULL, to_file, tmp)) == 0) {
        if (fflush(tmp) != 0 || (size = ftell(tmp)) < 0 || fseek(tmp, 0, SEEK_SET) != 0)
            error = og_error_set(og_error_for_errno(errno), "cannot write the audit records: %s",
                                 strerror(errno));
        else
            error = og_backup__add_reader(&e->w, "audit/records.jsonl", size, file_read, tmp);
    }
    fclose(tmp);
    return error;
}

static int audit(ex *e)
{
    json_t *cp = NULL, *proofs = json_array(), *pr = NULL;
    char *pem = NULL;
    int64_t size = 0;
    int error = audit_records(e);
    if (error == 0 && (error = og_audit_checkpoint_latest(e->ctx, e->tid, &cp, &size)) == 0)
        error = add_json(e, "audit/checkpoint.json", cp ? cp : json_null());
    e->records = size;
    /* proofs of the first and the last record the checkpoint covers */
    int64_t covered = cp ? json_integer_value(json_object_get(cp, "tree_size")) : 0;
    for (int64_t seq = 1; error == 0 && covered > 0 && seq <= covered; seq += covered - 1) {
        if ((error = og_audit_prove(e->ctx, e->tid, seq, &pr)) == 0)
            json_array_append_new(proofs, pr);
        if (covered == 1)
            break;
    }
    if (error == 0)
        error = add_json(e, "audit/proofs.json", proofs);
    if (error == 0 && (error = og_audit_pubkey_pem(e->ctx, &pem)) == 0)
        error = og_backup__add_mem(&e->w, "audit/pubkey.pem", pem, strlen(pem));
    free(pem);
    json_decref(cp);
    json_decref(proofs);
    return error;
}

/* Written and in place: the one record of it, in its own transaction. */
static int record(ex *e, const char *to, int private_keys)
{
    json_t *an = json_pack("{s:s, s:I, s:I, s:I, s:b}", "file", to, "artifacts",
                           (json_int_t)e->artifacts, "versions", (json_int_t)e->versions,
                           "certificates", (json_int_t)e->certs, "private_keys", private_keys);
    int error = og_store_tx_begin(e->ctx->store);
    if (error == 0) {
        error = og_audit_log(e->ctx, e->tid, "tenant", "tenant.export", "tenant", e->tid, an);
        error = og_store_tx_end(e->ctx->store, error);
    }
    json_decref(an);
    return error;
}

int og_backup_tenant_export(og_ctx *ctx, const char *tenant, const char *to, int private_keys,
                            json_t **out)
{
    ex e = {.ctx = ctx};
    og_tenant t;
    int error = og_tenant_resolve(ctx, tenant, OG_PERM_USER_MANAGE, e.tid);
    e.w.fd = -1;
    if (error < 0)
        return error;
    if (!to || !*to)
        return og_error_set(OG_EINVAL, "an export needs a file to write");
    if ((error = og_tenant_get(ctx, e.tid, &t)) < 0 ||
        (error = og_backup__writer_open(&e.w, to, NULL, NULL)) < 0 || (error = artifacts(&e)) < 0 ||
        (error = certificates(&e, private_keys)) < 0 || (error = audit(&e)) < 0)
        goto cleanup;
    char now[OG_TIME_LEN];
    og_time_format(og_time_now_us(), now);
    json_t *m =
        json_pack("{s:s, s:i, s:s, s:s, s:{s:s, s:s}, s:b, s:{s:I, s:I, s:I, s:I, s:I}}", "format",
                  EXPORT_FORMAT, "format_version", 1, "opsgate_version", OG_VERSION, "created", now,
                  "tenant", "id", e.tid, "name", t.name, "private_keys", private_keys, "counts",
                  "artifacts", (json_int_t)e.artifacts, "versions", (json_int_t)e.versions,
                  "certificates", (json_int_t)e.certs, "private_keys", (json_int_t)e.keys,
                  "audit_records", (json_int_t)e.records);
    if (!m) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    json_t *summary = json_deep_copy(m);
    if ((error = og_backup__writer_finish(&e.w, m)) < 0) {
        json_decref(summary);
        goto cleanup;
    }
    if ((error = record(&e, to, private_keys)) < 0) {
        unlink(to); /* no export without its record */
        json_decref(summary);
        goto cleanup;
    }
    if (!summary || json_object_set_new(summary, "file", json_string(to)) < 0)
        error = og_error_set(OG_ERROR, "out of memory");
    *out = summary;
cleanup:
    og_backup__writer_abort(&e.w);
    return error;
}
