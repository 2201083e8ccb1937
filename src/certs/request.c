/* request.c - certificates bought outside ACME (commercial OV/EV): the private key made and sealed
 * here, its CSR, and an L3 task at the gate ("buy/issue this certificate at the CA") with the CSR
 * as its evidence; reminders while it stays open; list, show, cancel. import.c matches the issued
 * certificate to the request's key (og_certs__request_fulfil, request_fulfil.c). */
#include "certs/certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/gate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_US          86400000000LL
#define DEFAULT_DUE_US  (7 * DAY_US)
#define MAX_DUE_US      (365 * DAY_US)
#define REMIND_EVERY_US DAY_US

/* The task's item: nothing runs at L3 (a person buys the certificate); at a lower level the item
 * records the same recommendation and the request waits for the import all the same. */
static int request_execute(og_ctx *ctx, const char *tenant_id, json_t *params,
                           const og_gate_staged *staged, json_t **result)
{
    (void)ctx;
    (void)tenant_id;
    (void)staged;
    *result = json_pack("{s:O?, s:s}", "request", json_object_get(params, "request"), "next",
                        "have the CA issue the certificate for the CSR, then import it");
    return 0;
}

static const og_action_kind request_kind = {
    .name = OG_CERTS_REQUEST_KIND,
    .area = "certs",
    .default_level = OG_GATE_L3,
    .description = "buy or issue a certificate at a CA outside ACME for the CSR in the evidence; "
                   "importing the issued certificate closes the task",
    .execute = request_execute,
    .rollback = NULL,
    .command = "`opsgate cert request`",
    .route = "POST /api/v1/tenants/{tenant}/certs/requests",
};

int og_certs_register_kinds(void)
{
    if (og_gate_kind_find(OG_CERTS_REQUEST_KIND))
        return 0;
    return og_gate_kind_register(&request_kind);
}

/* A name: 1 to 64 letters, digits, '.', '-' and '_'. */
static int name_check(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 64)
        return og_error_set(OG_EINVAL, "a certificate request needs a name (1 to 64 characters)");
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr(".-_", s[i]))
            return og_error_set(OG_EINVAL,
                                "bad request name '%.64s' (letters, digits, '.', '-' and '_')", s);
    return 0;
}

/* The subject: "/C=DE/O=Acme GmbH/CN=www.acme.example" (OpenSSL's one-line form), or CN = the
 * first DNS name when NULL. Attributes limited to those a CA takes for OV/EV. */
static int subject_build(const char *subject, const char *first_dns, X509_NAME **out)
{
    static const char *const allowed[] = {"C",
                                          "ST",
                                          "L",
                                          "O",
                                          "OU",
                                          "CN",
                                          "serialNumber",
                                          "businessCategory",
                                          "jurisdictionC",
                                          "jurisdictionST",
                                          "jurisdictionL",
                                          "emailAddress",
                                          NULL};
    X509_NAME *n = X509_NAME_new();
    char *copy = NULL, *save = NULL;
    int error = 0;
    if (!n)
        return og_error_set(OG_ERROR, "out of memory");
    if (!subject || !*subject) {
        if (first_dns && strlen(first_dns) <= 64 &&
            !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)first_dns,
                                        -1, -1, 0))
            error = og_error_set(OG_ERROR, "cannot set the CSR's subject");
        goto done;
    }
    if (subject[0] != '/' || strlen(subject) > 1024 || !(copy = strdup(subject))) {
        error = og_error_set(
            OG_EINVAL, "bad subject '%.100s' (/C=DE/O=Acme GmbH/CN=www.acme.example)", subject);
        goto done;
    }
    for (char *part = strtok_r(copy + 1, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
        char *eq = strchr(part, '=');
        int known = 0;
        if (eq)
            *eq = '\0';
        for (int i = 0; eq && allowed[i]; i++)
            known |= strcmp(part, allowed[i]) == 0;
        if (!known || !eq[1] ||
            !X509_NAME_add_entry_by_txt(n, part, MBSTRING_UTF8, (const unsigned char *)eq + 1, -1,
                                        -1, 0)) {
            ERR_clear_error();
            error = og_error_set(OG_EINVAL,
                                 "bad subject '%.100s': '%.40s' (C, ST, L, O, OU, CN, "
                                 "serialNumber, businessCategory, jurisdictionC/ST/L, "
                                 "emailAddress, each with a value)",
                                 subject, part);
            goto done;
        }
    }
done:
    free(copy);
    if (error < 0)
        X509_NAME_free(n);
    else
        *out = n;
    return error;
}

/* SANs "DNS:a,IP:b" of names (DNS names or IP literals; validated: 1..253 bytes of letters,
 * digits, '-', '.', '*'). Caller frees *out. */
static int sans_text(const char *const *sans, size_t n, char **out, const char **first_dns)
{
    og_buf b;
    og_buf_init(&b, 100 * 270);
    *first_dns = NULL;
    if (n < 1 || n > OG_CERTS_REQUEST_MAX_SANS)
        return og_error_set(OG_EINVAL, "a certificate request names 1 to %d names (SANs)",
                            OG_CERTS_REQUEST_MAX_SANS);
    for (size_t i = 0; i < n; i++) {
        const char *s = sans[i];
        size_t l = s ? strlen(s) : 0;
        unsigned char ip[16];
        int is_ip =
            l && l < 46 && (inet_pton(AF_INET, s, ip) == 1 || inet_pton(AF_INET6, s, ip) == 1);
        int ok = l > 0 && l <= 253;
        for (size_t k = 0; ok && !is_ip && k < l; k++)
            ok = isalnum((unsigned char)s[k]) || strchr("-.*", s[k]);
        if (!ok) {
            og_buf_free(&b);
            return og_error_set(OG_EINVAL, "bad name '%.100s' (a DNS name or an IP address)",
                                s ? s : "");
        }
        if (!is_ip && !*first_dns)
            *first_dns = s;
        if (og_buf_printf(&b, "%s%s:%s", i ? "," : "", is_ip ? "IP" : "DNS", s) < 0) {
            og_buf_free(&b);
            return og_error_set(OG_ETOOBIG, "too many names");
        }
    }
    *out = og_buf_detach(&b);
    return *out ? 0 : og_error_set(OG_ERROR, "out of memory");
}

/* The CSR (PEM, caller frees) for key_pem with subject and SAN extension sans ("DNS:a,IP:b"),
 * signed with SHA-256 (SHA-384 for P-384), and the SHA-256 of its SubjectPublicKeyInfo (hex), by
 * which the issued certificate is matched. */
static int csr_build(const char *key_pem, size_t key_len, const char *subject, const char *sans,
                     const char *first_dns, char **csr_pem, char spki[65])
{
    BIO *kb = BIO_new_mem_buf(key_pem, (int)key_len), *ob = NULL;
    EVP_PKEY *pk = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
    X509_REQ *req = X509_REQ_new();
    X509_NAME *name = NULL;
    STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
    X509_EXTENSION *san = NULL;
    unsigned char *der = NULL;
    int error = -1, dl;
    if (!pk || !req || !exts) {
        error = og_error_set(OG_ERROR, "cannot build the CSR");
        goto cleanup;
    }
    if ((error = subject_build(subject, first_dns, &name)) < 0)
        goto cleanup;
    const EVP_MD *md = EVP_PKEY_get_bits(pk) == 384 ? EVP_sha384() : EVP_sha256();
    if (!X509_REQ_set_version(req, 0) || !X509_REQ_set_subject_name(req, name) ||
        !X509_REQ_set_pubkey(req, pk) ||
        !(san = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, sans)) ||
        !sk_X509_EXTENSION_push(exts, san) || !X509_REQ_add_extensions(req, exts) ||
        X509_REQ_sign(req, pk, md) <= 0 || !(ob = BIO_new(BIO_s_mem())) ||
        !PEM_write_bio_X509_REQ(ob, req) || (dl = i2d_PUBKEY(pk, &der)) <= 0) {
        error = og_error_set(OG_ERROR, "cannot build the CSR");
        goto cleanup;
    }
    uint8_t h[32];
    og_crypto_sha256(der, (size_t)dl, h);
    og_hex_encode(h, sizeof(h), spki);
    char *p = NULL;
    long pl = BIO_get_mem_data(ob, &p);
    if (!(*csr_pem = strndup(p, (size_t)pl))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    error = 0;
cleanup:
    ERR_clear_error();
    OPENSSL_free(der);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    if (!exts)
        X509_EXTENSION_free(san);
    X509_NAME_free(name);
    X509_REQ_free(req);
    EVP_PKEY_free(pk);
    BIO_free(kb);
    BIO_free(ob);
    return error;
}

static json_t *strings_json(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* Open the gate's task for request id (inside the caller's transaction); its id into gate_id. */
static int task_open(og_ctx *ctx, const char *tid, const char *id, const og_certs_request_opts *o,
                     const char *csr, char gate_id[OG_ID_LEN])
{
    og_gate_outcome oc;
    char subject[OG_GATE_SUBJECT_MAX + 1];
    int error;
    memset(&oc, 0, sizeof(oc));
    snprintf(subject, sizeof(subject), "buy/issue certificate %s (%s%s) at the CA: CSR attached",
             o->name, o->sans[0], o->nsans > 1 ? ", ..." : "");
    json_t *params = json_pack("{s:s, s:s}", "request", id, "name", o->name);
    json_t *analysis = json_pack("{s:s, s:s, s:o, s:s, s:s}", "request", id, "name", o->name,
                                 "names", strings_json(o->sans, o->nsans), "csr", csr, "why",
                                 "a certificate outside ACME (OV/EV): have the CA issue it for "
                                 "this CSR, then `opsgate cert import --request ID`");
    og_gate_about about = {
        .target_type = "cert_request", .target_id = id, .subject = subject, .object = o->name};
    error = params && analysis ? og_gate_request_about(ctx, tid, OG_CERTS_REQUEST_KIND, &about,
                                                       params, analysis, &oc)
                               : og_error_set(OG_ERROR, "out of memory");
    if (error == OG_EPENDING)
        error = 0;
    if (error == 0)
        memcpy(gate_id, oc.gate_id, OG_ID_LEN);
    json_decref(oc.result);
    json_decref(params);
    json_decref(analysis);
    return error;
}

int og_certs_request_create(og_ctx *ctx, const char *tenant, const og_certs_request_opts *o,
                            json_t **out)
{
    int error = -1, in_tx = 0;
    og_tenant t;
    og_crypto_key *key = NULL;
    char *key_pem = NULL, *sans = NULL, *csr = NULL, *sans_json = NULL, *targets_json = NULL;
    size_t key_len = 0;
    uint8_t *sealed = NULL;
    size_t slen = 0;
    const char *first_dns = NULL, *key_type = o && o->key_type ? o->key_type : "ec256";
    char id[OG_ID_LEN], spki[65], gate_id[OG_ID_LEN] = "", now[OG_TIME_LEN], by[128];
    int64_t due_us = o && o->due_us ? o->due_us : DEFAULT_DUE_US;
    if (out)
        *out = NULL;
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        return error;
    if ((error = name_check(o->name)) < 0 || (error = og_crypto_key_type_check(key_type)) < 0 ||
        (error = sans_text(o->sans, o->nsans, &sans, &first_dns)) < 0)
        goto cleanup;
    if (due_us < 3600000000LL || due_us > MAX_DUE_US || o->ntargets > 16) {
        error =
            og_error_set(OG_EINVAL, o->ntargets > 16 ? "a request names at most 16 targets"
                                                     : "a request is due in 1 hour to 365 days");
        goto cleanup;
    }
    for (size_t i = 0; i < o->ntargets; i++)
        if (!o->targets[i] || !*o->targets[i] || strlen(o->targets[i]) > 63) {
            error = og_error_set(OG_EINVAL, "bad deploy target name '%.64s'",
                                 o->targets[i] ? o->targets[i] : "");
            goto cleanup;
        }
    if ((error = og_store_run(ctx->store,
                              "SELECT 1 FROM cert_requests WHERE tenant_id = ? AND name = ? AND"
                              " state = 'pending'",
                              "tt", t.id, o->name)) != 0) {
        if (error > 0)
            error = og_error_set(OG_EEXISTS, "a request named '%s' is pending already", o->name);
        goto cleanup;
    }
    if ((error = og_crypto_key_generate(&key, key_type)) < 0 ||
        (error = og_crypto_key_to_pem(key, &key_pem, &key_len)) < 0 ||
        (error = csr_build(key_pem, key_len, o->subject, sans, first_dns, &csr, spki)) < 0)
        goto cleanup;
    json_t *sj = strings_json(o->sans, o->nsans), *tj = strings_json(o->targets, o->ntargets);
    sans_json = json_dumps(sj, JSON_COMPACT);
    targets_json = json_dumps(tj, JSON_COMPACT);
    json_decref(sj);
    json_decref(tj);
    og_id_new(id);
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, by, sizeof(by));
    if (!sans_json || !targets_json) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    /* sealed under this request's id: copied to another row, it does not open */
    if ((error = og_crypto_seal(ctx->keys, ctx->store, t.id, id, key_pem, key_len, &sealed,
                                &slen)) < 0 ||
        (error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    in_tx = 1;
    if ((error = og_store_run(
             ctx->store,
             "INSERT INTO cert_requests (id, tenant_id, name, subject, sans, key_type, sealed_key,"
             " spki_sha256, csr_pem, targets, state, remind_at_us, reminders, created_by,"
             " created_at, updated_at)"
             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, 0, ?, ?, ?)",
             "ttttttbtttittt", id, t.id, o->name, o->subject ? o->subject : "", sans_json, key_type,
             sealed, slen, spki, csr, targets_json, og_time_now_us() + due_us, by, now, now)) < 0 ||
        (error = task_open(ctx, t.id, id, o, csr, gate_id)) < 0 ||
        (error = og_store_run(ctx->store, "UPDATE cert_requests SET gate_id = ? WHERE id = ?", "tt",
                              gate_id, id)) < 0)
        goto cleanup;
    json_t *analysis = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", o->name, "names", sans,
                                 "key_type", key_type, "spki_sha256", spki, "gate_id", gate_id);
    error = og_audit_log(ctx, t.id, "certs", "certs.request.create", "cert_request", id, analysis);
    json_decref(analysis);
cleanup:
    if (in_tx)
        error = og_store_tx_end(ctx->store, error);
    if (error >= 0 && out)
        error = og_certs_request_show(ctx, t.id, id, out);
    og_crypto_key_free(key);
    if (key_pem)
        og_crypto_wipe(key_pem, key_len);
    free(key_pem);
    free(sealed);
    free(sans);
    free(csr);
    free(sans_json);
    free(targets_json);
    return error;
}

#define REQUEST_COLS                                                                               \
    "id, name, state, subject, sans, key_type, targets, csr_pem, spki_sha256, gate_id,"            \
    " fingerprint, remind_at_us, reminders, created_by, created_at, updated_at, note"

static json_t *request_row(og_stmt *st, void *arg)
{
    (void)arg;
    char due[OG_TIME_LEN];
    og_time_format(og_stmt_col_int(st, 11), due);
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:s, s:s, s:s?, s:s?, s:s, s:i, s:s, "
        "s:s, s:s, s:s?}",
        "id", og_stmt_col_text(st, 0), "name", og_stmt_col_text(st, 1), "state",
        og_stmt_col_text(st, 2), "subject", og_stmt_col_text(st, 3), "names",
        json_loads(og_stmt_col_text(st, 4), 0, NULL), "key_type", og_stmt_col_text(st, 5),
        "targets", json_loads(og_stmt_col_text(st, 6), 0, NULL), "csr", og_stmt_col_text(st, 7),
        "spki_sha256", og_stmt_col_text(st, 8), "gate_id", og_stmt_col_text(st, 9), "fingerprint",
        og_stmt_col_text(st, 10), "due", due, "reminders", (int)og_stmt_col_int(st, 12),
        "created_by", og_stmt_col_text(st, 13), "created_at", og_stmt_col_text(st, 14),
        "updated_at", og_stmt_col_text(st, 15), "note", og_stmt_col_text(st, 16));
}

int og_certs_request_list(og_ctx *ctx, const char *tenant, const char *state, json_t **out)
{
    og_tenant t;
    og_stmt *st = NULL;
    int error;
    if (state && *state && strcmp(state, "pending") && strcmp(state, "issued") &&
        strcmp(state, "cancelled"))
        return og_error_set(OG_EINVAL, "bad state '%.32s' (pending, issued or cancelled)", state);
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_READ, &t)) < 0 ||
        (error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT " REQUEST_COLS " FROM cert_requests WHERE"
                                      " tenant_id = ? AND (? = '' OR state = ?)"
                                      " ORDER BY created_at DESC, id LIMIT 1000",
                                      "ttt", t.id, state ? state : "", state ? state : "")) < 0)
        return error;
    error = og_stmt_collect(st, request_row, NULL, out);
    og_stmt_free(st);
    return error;
}

/* The request id names, or the pending one named so, into out (a JSON row). */
static int request_find(og_ctx *ctx, const char *tid, const char *id, json_t **out)
{
    og_stmt *st = NULL;
    json_t *rows = NULL;
    int error;
    if (!id || !*id || strlen(id) > 64)
        return og_error_set(OG_EINVAL, "bad certificate request id '%.64s'", id ? id : "");
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT " REQUEST_COLS " FROM cert_requests WHERE"
                                      " tenant_id = ? AND (id = ? OR (name = ? AND"
                                      " state = 'pending'))"
                                      " ORDER BY CASE WHEN id = ? THEN 0 ELSE 1 END LIMIT 1",
                                      "tttt", tid, id, id, id)) < 0)
        return error;
    error = og_stmt_collect(st, request_row, NULL, &rows);
    og_stmt_free(st);
    if (error < 0)
        return error;
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        return og_error_set(OG_ENOTFOUND, "no certificate request '%s'", id);
    }
    *out = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return 0;
}

int og_certs_request_show(og_ctx *ctx, const char *tenant, const char *id, json_t **out)
{
    og_tenant t;
    int error;
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_READ, &t)) < 0)
        return error;
    return request_find(ctx, t.id, id, out);
}

int og_certs__request_task_close(og_ctx *ctx, const char *gate_id, const char *decision,
                                 const char *note)
{
    og_ctx sys = *ctx;
    char by[128], full[512];
    int error;
    if (!gate_id || !*gate_id)
        return 0;
    /* The module's own operation was authorized; the task it opened closes with it, whoever
     * the task is assigned to. The note names who acted. */
    og_actor_label(&ctx->actor, by, sizeof(by));
    snprintf(full, sizeof(full), "%s (by %s)", note, by);
    og_actor_system(&sys.actor, "certs");
    error = og_gate_decide(&sys, gate_id, decision, full);
    /* decided already (by a person, or an item that never was a task: a lower level) */
    if (error == OG_ECONFLICT) {
        og_error_clear();
        error = 0;
    }
    return error;
}

int og_certs_request_cancel(og_ctx *ctx, const char *tenant, const char *id, const char *reason)
{
    og_tenant t;
    json_t *r = NULL;
    char now[OG_TIME_LEN];
    int error;
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0 ||
        (error = request_find(ctx, t.id, id, &r)) < 0)
        return error;
    const char *rid = json_string_value(json_object_get(r, "id"));
    if (strcmp(json_string_value(json_object_get(r, "state")), "pending") != 0) {
        error = og_error_set(OG_ECONFLICT, "certificate request %s is %s, not pending", rid,
                             json_string_value(json_object_get(r, "state")));
        json_decref(r);
        return error;
    }
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(ctx->store)) < 0) {
        json_decref(r);
        return error;
    }
    if ((error = og_store_run(ctx->store,
                              "UPDATE cert_requests SET state = 'cancelled', note = ?,"
                              " updated_at = ? WHERE id = ? AND tenant_id = ?",
                              "tttt", reason ? reason : "", now, rid, t.id)) >= 0 &&
        (error = og_certs__request_task_close(ctx, json_string_value(json_object_get(r, "gate_id")),
                                              "failed", "certificate request cancelled")) >= 0) {
        json_t *a = json_pack("{s:O, s:s}", "name", json_object_get(r, "name"), "reason",
                              reason ? reason : "");
        error = og_audit_log(ctx, t.id, "certs", "certs.request.cancel", "cert_request", rid, a);
        json_decref(a);
    }
    error = og_store_tx_end(ctx->store, error);
    json_decref(r);
    return error;
}

/* One reminder (row: a due request as og_stmt_row_json reads it): the event, the next reminder a
 * day on. */
static int remind_one(og_ctx *ctx, json_t *row, int64_t now)
{
    const char *id = json_string_value(json_object_get(row, "id"));
    const char *tid = json_string_value(json_object_get(row, "tenant_id"));
    const char *sans = json_string_value(json_object_get(row, "sans"));
    int reminders = (int)json_integer_value(json_object_get(row, "reminders")) + 1;
    json_t *p =
        json_pack("{s:s, s:O, s:o, s:O, s:i}", "request", id, "name", json_object_get(row, "name"),
                  "names", sans ? json_loads(sans, 0, NULL) : json_array(), "gate_id",
                  json_object_get(row, "gate_id"), "reminders", reminders);
    int error = p && tid ? og_event_emit(ctx, tid, "certs.request.reminder", p, NULL)
                         : og_error_set(OG_ERROR, "out of memory");
    json_decref(p);
    if (error >= 0)
        error = og_store_run(ctx->store,
                             "UPDATE cert_requests SET remind_at_us = ?, reminders = ?"
                             " WHERE id = ?",
                             "iit", now + REMIND_EVERY_US, (int64_t)reminders, id);
    return error < 0 ? error : 0;
}

int og_certs_request_remind_due(og_ctx *ctx, int *n)
{
    og_stmt *st = NULL;
    json_t *due = NULL, *row;
    size_t i;
    int error, count = 0;
    int64_t now = og_time_now_us();
    if (n)
        *n = 0;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0 ||
        (error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    /* the due ones first: the updates would move them under a running SELECT */
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT id, tenant_id, name, sans, reminders, gate_id"
                                      " FROM cert_requests WHERE state = 'pending' AND"
                                      " remind_at_us <= ? ORDER BY remind_at_us LIMIT 1000",
                                      "i", now)) < 0 ||
        (error = og_stmt_collect(st, NULL, NULL, &due)) < 0)
        goto cleanup;
    json_array_foreach(due, i, row)
    {
        if ((error = remind_one(ctx, row, now)) < 0)
            goto cleanup;
        count++;
    }
    error = 0;
cleanup:
    error = og_store_tx_end(ctx->store, error);
    og_stmt_free(st);
    json_decref(due);
    if (error >= 0 && n)
        *n = count;
    return error;
}
