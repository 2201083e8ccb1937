/* keys.c - the installation's audit signing key: sealed in the data folder or kept in a PEM file
 * outside it, registered (public half) in the data folder and recorded in the platform chain. */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw key follows. */
static const uint8_t spki_prefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                        0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
/* DER prefix of an Ed25519 PKCS#8 OneAsymmetricKey v1 (RFC 8410 section 7): the raw private key
 * follows. This is what `openssl genpkey -algorithm ed25519` writes. */
static const uint8_t pkcs8_prefix[16] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                         0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
#define KEY_FILE_CAP 4096

void og_audit__key_id(const uint8_t pub[32], char out[OG_AUDIT_KEY_ID_LEN])
{
    uint8_t h[32];
    og_crypto_sha256(pub, 32, h);
    og_hex_encode(h, 8, out);
}

static void key_object_id(const char *key_id, char *out, size_t size)
{
    snprintf(out, size, "audit-signing-key:%s", key_id);
}

/* The base64 body between "-----BEGIN <label>-----" and "-----END <label>-----", decoded.
 * Caller frees (and wipes, for a private key) *der. */
static int pem_decode(const char *pem, const char *label, uint8_t **der, size_t *der_len)
{
    char begin[64], end[64], body[512];
    size_t n = 0;
    snprintf(begin, sizeof(begin), "-----BEGIN %s-----", label);
    snprintf(end, sizeof(end), "-----END %s-----", label);
    const char *b = pem ? strstr(pem, begin) : NULL;
    const char *e = b ? strstr(b, end) : NULL;
    *der = NULL;
    if (!b || !e)
        return og_error_set(OG_EINVAL, "not a PEM %s (no BEGIN/END %s lines)",
                            strcmp(label, "PUBLIC KEY") == 0 ? "public key" : "private key", label);
    for (const char *p = b + strlen(begin); p < e; p++) {
        if (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
            continue;
        if (n + 1 >= sizeof(body)) {
            og_crypto_wipe(body, sizeof(body));
            return og_error_set(OG_EINVAL, "PEM %s is too long for an Ed25519 key", label);
        }
        body[n++] = *p;
    }
    body[n] = '\0';
    int rc = og_base64_decode(body, der, der_len);
    og_crypto_wipe(body, sizeof(body));
    if (rc < 0)
        return og_error_set(OG_EINVAL, "PEM %s: bad base64", label);
    return 0;
}

int og_audit_pubkey_parse(const char *pem, uint8_t pub[32])
{
    uint8_t *der = NULL;
    size_t der_len = 0;
    int error = pem_decode(pem, "PUBLIC KEY", &der, &der_len);
    if (error < 0)
        return error;
    if (der_len != 44 || memcmp(der, spki_prefix, sizeof(spki_prefix)) != 0) {
        free(der);
        return og_error_set(OG_EINVAL, "PEM public key is not an Ed25519 key");
    }
    memcpy(pub, der + sizeof(spki_prefix), 32);
    free(der);
    return 0;
}

/* Read an Ed25519 private key from a PEM PKCS#8 file that others cannot read. */
static int key_file_read(const char *path, uint8_t priv[32], uint8_t pub[32],
                         char key_id[OG_AUDIT_KEY_ID_LEN])
{
    int error = -1;
    char *text = NULL;
    size_t len = 0, der_len = 0;
    uint8_t *der = NULL;
    struct stat sb;
    if (stat(path, &sb) < 0)
        return og_error_set(OG_EINVAL, "audit signing key file '%s': %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return og_error_set(OG_EINVAL, "audit signing key file '%s' is not a regular file", path);
    if (sb.st_mode & 0077)
        return og_error_set(OG_EINVAL,
                            "audit signing key file '%s' is readable by others (mode %04o):"
                            " chmod 600 it",
                            path, (unsigned)(sb.st_mode & 07777));
    if ((error = og_file_read(path, KEY_FILE_CAP, &text, &len)) < 0) {
        char m[512];
        og_strlcpy(m, og_error_last(), sizeof(m)); /* not formatted into itself */
        error = og_error_set(OG_EINVAL, "audit signing key file: %s", m);
        goto cleanup;
    }
    if ((error = pem_decode(text, "PRIVATE KEY", &der, &der_len)) < 0) {
        error = og_error_wrap("audit signing key file '%s'", path); /* OG_EINVAL */
        goto cleanup;
    }
    if (der_len != 48 || memcmp(der, pkcs8_prefix, sizeof(pkcs8_prefix)) != 0) {
        error = og_error_set(OG_EINVAL,
                             "audit signing key file '%s' is not an Ed25519 PKCS#8 key (make one"
                             " with `opsgate init --audit-key` or `openssl genpkey -algorithm"
                             " ed25519`)",
                             path);
        goto cleanup;
    }
    memcpy(priv, der + sizeof(pkcs8_prefix), 32);
    if ((error = og_crypto_ed25519_public(priv, pub)) < 0)
        goto cleanup;
    og_audit__key_id(pub, key_id);
    error = 0;
cleanup:
    if (der) {
        og_crypto_wipe(der, der_len);
        free(der);
    }
    if (text) {
        og_crypto_wipe(text, len);
        free(text);
    }
    return error;
}

int og_audit_key_file_check(const char *path, char key_id[17], uint8_t pub[32])
{
    uint8_t priv[32], p[32];
    char id[OG_AUDIT_KEY_ID_LEN];
    int error = key_file_read(path, priv, p, id);
    og_crypto_wipe(priv, sizeof(priv));
    if (error == 0 && key_id)
        og_strlcpy(key_id, id, OG_AUDIT_KEY_ID_LEN);
    if (error == 0 && pub)
        memcpy(pub, p, 32);
    return error;
}

/* The key file named by the options, else $OPSGATE_AUDIT_KEY, else NULL. */
const char *og_audit__key_file(const og_audit_opts *opts)
{
    if (opts && opts->key_file && opts->key_file[0])
        return opts->key_file;
    const char *env = getenv("OPSGATE_AUDIT_KEY");
    return env && env[0] ? env : NULL;
}

/* The newest registered key: *found = 0 when there is none. external = 1 when its private half
 * lives in a file outside the data folder (sealed column empty). */
typedef struct newest_key {
    int found, external;
    char key_id[OG_AUDIT_KEY_ID_LEN];
    uint8_t pub[32];
    uint8_t *sealed;
    size_t sealed_len;
} newest_key;

static int key_newest(og_store *s, newest_key *k)
{
    og_stmt *st = NULL;
    memset(k, 0, sizeof(*k));
    int error = og_stmt_prepare(&st, s,
                                "SELECT key_id, public_key, sealed FROM audit_key"
                                " ORDER BY created_at DESC, key_id LIMIT 1");
    if (error < 0)
        return error;
    if ((error = og_stmt_step(st)) == OG_ROW) {
        size_t plen = 0, slen = 0;
        const void *p = og_stmt_col_blob(st, 1, &plen);
        const void *sp = og_stmt_col_blob(st, 2, &slen);
        if (plen != 32 || !og_stmt_col_text(st, 0)) {
            error = og_error_set(OG_ECORRUPT, "audit signing key: stored public key is damaged");
            goto cleanup;
        }
        k->found = 1;
        memcpy(k->pub, p, 32);
        og_strlcpy(k->key_id, og_stmt_col_text(st, 0), sizeof(k->key_id));
        k->external = slen == 0;
        if (slen) {
            if (!(k->sealed = malloc(slen))) {
                error = og_error_set(OG_ERROR, "out of memory");
                goto cleanup;
            }
            memcpy(k->sealed, sp, slen);
            k->sealed_len = slen;
        }
    }
    error = error < 0 ? error : 0;
cleanup:
    og_stmt_free(st);
    return error;
}

/* Register a key (sealed NULL: kept outside the data folder) and record it in the platform chain,
 * in the caller's transaction. */
static int key_register(og_ctx *ctx, const uint8_t pub[32], const char *key_id,
                        const uint8_t *sealed, size_t sealed_len, const char *replaces)
{
    int error = -1;
    og_stmt *st = NULL;
    char now[OG_TIME_LEN];
    char *pub_b64 = NULL;
    json_t *analysis = NULL;
    static const uint8_t none = 0;
    og_time_format(og_time_now_us(), now);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO audit_key (key_id, public_key, sealed, created_at)"
                                 " VALUES (?, ?, ?, ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, key_id);
    og_stmt_bind_blob(st, 2, pub, 32);
    og_stmt_bind_blob(st, 3, sealed ? sealed : &none, sealed ? sealed_len : 0);
    og_stmt_bind_text(st, 4, now);
    if ((error = og_stmt_step(st)) < 0) {
        if (error == OG_EEXISTS)
            error =
                og_error_set(OG_ECONFLICT, "audit signing key %s is already registered", key_id);
        goto cleanup;
    }
    if (!(pub_b64 = og_base64_encode(pub, 32)) ||
        !(analysis = json_pack("{s:s,s:s,s:s,s:s,s:o}", "key_id", key_id, "algorithm", "ed25519",
                               "public_key", pub_b64, "storage", sealed ? "sealed" : "file",
                               "replaces", replaces ? json_string(replaces) : json_null()))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_audit_rec rec = {.area = "audit",
                        .action = OG_AUDIT_ACT_KEY_REGISTER,
                        .target_type = "audit_key",
                        .target_id = key_id,
                        .analysis = analysis};
    error = og_audit_append(ctx, &rec, NULL);
cleanup:
    og_stmt_free(st);
    free(pub_b64);
    json_decref(analysis);
    return error;
}

/* A new sealed key, registered; its private half into sg when sg is not NULL. */
static int key_create_sealed(og_ctx *ctx, og_audit__signer *sg, uint8_t pub[32],
                             char key_id[OG_AUDIT_KEY_ID_LEN])
{
    uint8_t priv[32], *sealed = NULL;
    size_t sealed_len = 0;
    char objid[64];
    int error = og_crypto_ed25519_generate(priv, pub);
    if (error < 0)
        goto cleanup;
    og_audit__key_id(pub, key_id);
    key_object_id(key_id, objid, sizeof(objid));
    if ((error = og_crypto_seal(ctx->keys, ctx->store, NULL, objid, priv, 32, &sealed,
                                &sealed_len)) < 0) {
        og_error_wrap("sealing the audit signing key");
        goto cleanup;
    }
    if ((error = key_register(ctx, pub, key_id, sealed, sealed_len, NULL)) < 0)
        goto cleanup;
    if (sg)
        memcpy(sg->priv, priv, 32);
cleanup:
    og_crypto_wipe(priv, sizeof(priv));
    free(sealed);
    return error;
}

void og_audit__signer_wipe(og_audit__signer *sg)
{
    og_crypto_wipe(sg, sizeof(*sg));
}

/*
 * The key to sign with, in the caller's transaction:
 *  - a key file (opts or $OPSGATE_AUDIT_KEY): it must be the newest registered key; if the newest
 *    is a sealed one (or there is none) the file's key is registered now and replaces it;
 *  - no key file: the newest key must be a sealed one (one is created when there is none). An
 *    installation that signs with a key file refuses to sign without it: someone with the data
 *    folder alone must not be able to sign.
 */
int og_audit__signer_load(og_ctx *ctx, const og_audit_opts *opts, og_audit__signer *sg)
{
    int error = -1;
    newest_key k;
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    char objid[64];
    const char *file = og_audit__key_file(opts);
    memset(sg, 0, sizeof(*sg));
    if ((error = key_newest(ctx->store, &k)) < 0)
        return error;
    if (file) {
        if ((error = key_file_read(file, sg->priv, sg->pub, sg->key_id)) < 0)
            goto cleanup;
        if (k.found && og_streq(k.key_id, sg->key_id)) {
            error = 0;
        } else if (k.found && k.external) {
            error = og_error_set(OG_ECONFLICT,
                                 "the audit signing key in '%s' (key %s) is not this installation's"
                                 " signing key %s, which is kept outside the data folder",
                                 file, sg->key_id, k.key_id);
            goto cleanup;
        } else if ((error = key_register(ctx, sg->pub, sg->key_id, NULL, 0,
                                         k.found ? k.key_id : NULL)) < 0) {
            goto cleanup;
        }
    } else if (k.found && k.external) {
        error = og_error_set(OG_EDENIED,
                             "this installation signs audit checkpoints with key %s, kept outside"
                             " the data folder: give its file with --audit-key PATH or"
                             " OPSGATE_AUDIT_KEY",
                             k.key_id);
        goto cleanup;
    } else if (k.found) {
        memcpy(sg->pub, k.pub, 32);
        og_strlcpy(sg->key_id, k.key_id, sizeof(sg->key_id));
        key_object_id(k.key_id, objid, sizeof(objid));
        if ((error = og_crypto_open(ctx->keys, ctx->store, NULL, objid, k.sealed, k.sealed_len,
                                    &plain, &plain_len)) < 0) {
            og_error_wrap("opening the audit signing key");
            goto cleanup;
        }
        if (plain_len != 32) {
            error = og_error_set(OG_ECORRUPT, "audit signing key has %zu bytes", plain_len);
            goto cleanup;
        }
        memcpy(sg->priv, plain, 32);
    } else if ((error = key_create_sealed(ctx, sg, sg->pub, sg->key_id)) < 0) {
        goto cleanup;
    }
    sg->loaded = 1;
    error = 0;
cleanup:
    if (error < 0)
        og_audit__signer_wipe(sg);
    if (plain) {
        og_crypto_wipe(plain, plain_len);
        free(plain);
    }
    free(k.sealed);
    return error;
}

int og_audit__pubkey_get(og_store *s, const char *key_id, uint8_t pub[32])
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s, "SELECT public_key FROM audit_key WHERE key_id = ?");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, key_id);
    error = og_stmt_step(st);
    if (error == OG_ROW) {
        size_t len = 0;
        const void *p = og_stmt_col_blob(st, 0, &len);
        if (len == 32) {
            memcpy(pub, p, 32);
            error = 0;
        } else {
            error =
                og_error_set(OG_ECORRUPT, "audit key '%s': stored public key is damaged", key_id);
        }
    } else if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "no audit signing key with id '%s'", key_id);
    }
    og_stmt_free(st);
    return error;
}

/* The installation's current public key, creating it on first need. */
static int current_pub(og_ctx *ctx, uint8_t pub[32])
{
    int error;
    newest_key k;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = key_newest(ctx->store, &k)) == 0) {
        if (k.found) {
            memcpy(pub, k.pub, 32);
        } else {
            /* the key a first checkpoint would use: the key file if one is configured */
            og_audit__signer sg;
            if ((error = og_audit__signer_load(ctx, NULL, &sg)) == 0)
                memcpy(pub, sg.pub, 32);
            og_audit__signer_wipe(&sg);
        }
    }
    free(k.sealed);
    if (error < 0) {
        og_store_tx_rollback(ctx->store);
        return error;
    }
    return og_store_tx_commit(ctx->store);
}

int og_audit_pubkey_pem(og_ctx *ctx, char **pem)
{
    int error;
    uint8_t pub[32], der[44];
    char *b64 = NULL;
    og_buf out = {0};
    *pem = NULL;
    if ((error = current_pub(ctx, pub)) < 0)
        return error;
    memcpy(der, spki_prefix, sizeof(spki_prefix));
    memcpy(der + sizeof(spki_prefix), pub, 32);
    if (!(b64 = og_base64_encode(der, sizeof(der))))
        return og_error_set(OG_ERROR, "out of memory");
    og_buf_init(&out, 4096);
    error = og_buf_printf(&out, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n", b64);
    free(b64);
    if (error < 0) {
        og_buf_free(&out);
        return error;
    }
    *pem = og_buf_detach(&out);
    return 0;
}

int og_audit_key_file_create(og_ctx *ctx, const char *path)
{
    int error = -1, fd = -1, created = 0, in_tx = 0;
    uint8_t priv[32], pub[32], der[48];
    char key_id[OG_AUDIT_KEY_ID_LEN];
    char *b64 = NULL;
    og_buf text = {0};
    newest_key k = {0};
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if (!path || !path[0])
        return og_error_set(OG_EINVAL, "the audit signing key file needs a path");
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    in_tx = 1;
    if ((error = key_newest(ctx->store, &k)) < 0)
        goto cleanup;
    if (k.found && k.external) {
        error = og_error_set(OG_ECONFLICT,
                             "this installation already signs with key %s, kept"
                             " outside the data folder",
                             k.key_id);
        goto cleanup;
    }
    if ((error = og_crypto_ed25519_generate(priv, pub)) < 0)
        goto cleanup;
    og_audit__key_id(pub, key_id);
    memcpy(der, pkcs8_prefix, sizeof(pkcs8_prefix));
    memcpy(der + sizeof(pkcs8_prefix), priv, 32);
    if (!(b64 = og_base64_encode(der, sizeof(der)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_buf_init(&text, 4096);
    if ((error = og_buf_printf(
             &text, "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n", b64)) < 0)
        goto cleanup;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = og_error_set(errno == EEXIST ? OG_EEXISTS : OG_EINVAL,
                             "cannot create the audit signing key file '%s': %s", path,
                             errno == EEXIST ? "it exists (refusing to overwrite a key)"
                                             : strerror(errno));
        goto cleanup;
    }
    created = 1;
    if (write(fd, text.data, text.len) != (ssize_t)text.len || fsync(fd) < 0) {
        error = og_error_set(OG_ERROR, "writing the audit signing key file '%s': %s", path,
                             strerror(errno));
        goto cleanup;
    }
    if ((error = key_register(ctx, pub, key_id, NULL, 0, k.found ? k.key_id : NULL)) < 0)
        goto cleanup;
    in_tx = 0;
    error = og_store_tx_commit(ctx->store); /* rolls back itself when it fails */
cleanup:
    if (fd >= 0)
        close(fd);
    if (error < 0 && in_tx)
        og_store_tx_rollback(ctx->store);
    if (error < 0 && created)
        unlink(path);
    og_crypto_wipe(priv, sizeof(priv));
    og_crypto_wipe(der, sizeof(der));
    if (b64) {
        og_crypto_wipe(b64, strlen(b64));
        free(b64);
    }
    if (text.data)
        og_crypto_wipe(text.data, text.len);
    og_buf_free(&text);
    free(k.sealed);
    return error;
}

int og_audit_pubkey_note(og_ctx *ctx, char **vkey)
{
    int error;
    uint8_t pub[32];
    char name[OG_AUDIT_NOTE_NAME_MAX], id[OG_AUDIT_KEY_ID_LEN];
    og_buf out;
    *vkey = NULL;
    if ((error = current_pub(ctx, pub)) < 0)
        return error;
    if ((error = og_audit__log_name(ctx->store, name, sizeof(name))) == OG_ENOTFOUND) {
        /* no key registered yet (a key file not used so far): it will be the first */
        og_error_clear();
        og_audit__key_id(pub, id);
        snprintf(name, sizeof(name), "opsgate/%s", id);
    } else if (error < 0) {
        return error;
    }
    og_buf_init(&out, 256);
    if ((error = og_audit__note_vkey(&out, name, OG_NOTE_ED25519, pub)) < 0) {
        og_buf_free(&out);
        return error;
    }
    *vkey = og_buf_detach(&out);
    return 0;
}

int og_audit_note_key_parse(const char *vkey, uint8_t pub[32])
{
    og_audit__vkey k;
    int error = og_audit__vkey_parse(vkey, &k);
    if (error < 0)
        return error;
    if (k.type != OG_NOTE_ED25519)
        return og_error_set(OG_EINVAL,
                            "verifier key %s is a witness's cosignature key, not a"
                            " signing key",
                            k.name);
    memcpy(pub, k.pub, 32);
    return 0;
}
