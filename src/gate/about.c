/* about.c - what a gate item is about and its staged input, kept with the item sealed with the
 * tenant's key, and opened again to show or to execute it. */
#include "gate/gate_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the UTF-8 sequence at s (1-4), or 0 when it is invalid, overlong or a surrogate. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4;
    else
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) || (c == 0xf0 && s[1] < 0x90) ||
        (c == 0xf4 && s[1] >= 0x90))
        return 0;
    return n;
}

/*
 * in as one line of at most max bytes into out (max + 1 bytes): control characters (C0, DEL,
 * C1) and invalid UTF-8 become '?', so a name cannot move a terminal's cursor or start a new
 * line; a longer value is cut at a character boundary and ends in "...".
 */
void og_gate__clean_line(const char *in, char *out, size_t max)
{
    size_t o = 0, cut = 0, i = 0;
    const unsigned char *s = (const unsigned char *)(in ? in : "");
    int over = 0;
    while (s[i]) {
        size_t n = utf8_len(s + i);
        int bad = n == 0 || s[i] < 0x20 || s[i] == 0x7f || (s[i] == 0xc2 && s[i + 1] < 0xa0);
        size_t w = bad ? 1 : n;
        if (o + w > max) {
            over = 1;
            break;
        }
        if (o + w <= max - 3)
            cut = o + w; /* where "..." still fits */
        if (bad)
            out[o] = '?';
        else
            memcpy(out + o, s + i, n);
        o += w;
        i += n ? n : 1;
    }
    if (over) {
        memcpy(out + cut, "...", 3);
        o = cut + 3;
    }
    out[o] = '\0';
}

static void about_object_id(const char *gate_id, char *out, size_t size)
{
    snprintf(out, size, "gate_item:%s", gate_id);
}

/* What it->subject, project, target and object say, sealed with the tenant's key for the item
 * (*out stays NULL when there is nothing to keep or no keyring to seal with). */
int og_gate__about_seal(og_ctx *ctx, const og_gate__item *it, uint8_t **out, size_t *outlen)
{
    int error = -1;
    char oid[OG_ID_LEN + 16], *text = NULL;
    json_t *j = json_object();
    *out = NULL;
    *outlen = 0;
    if (!j)
        return og_error_set(OG_ERROR, "out of memory");
    if (it->subject[0])
        json_object_set_new(j, "subject", json_string(it->subject));
    if (it->project[0])
        json_object_set_new(j, "project", json_string(it->project));
    if (it->target_name[0])
        json_object_set_new(j, "target", json_string(it->target_name));
    if (it->object_name[0])
        json_object_set_new(j, "object", json_string(it->object_name));
    if (json_object_size(j) == 0 || !ctx->keys) {
        error = 0;
        goto cleanup;
    }
    if (!(text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    about_object_id(it->id, oid, sizeof(oid));
    error =
        og_crypto_seal(ctx->keys, ctx->store, it->tenant_id, oid, text, strlen(text), out, outlen);
cleanup:
    free(text);
    json_decref(j);
    return error;
}

/* The subject of an item whose module said none (or written before subjects were kept): its kind
 * and target. */
static json_t *fallback_subject(og_stmt *st)
{
    const char *kind = og_stmt_col_text(st, 2), *tt = og_stmt_col_text(st, 7),
               *tid = og_stmt_col_text(st, 8);
    char buf[OG_GATE_SUBJECT_MAX + 1], line[OG_GATE_SUBJECT_MAX + 1];
    snprintf(buf, sizeof(buf), "%s%s%s%s%s", kind ? kind : "?", tt ? " " : "", tt ? tt : "",
             tid ? " " : "", tid ? tid : "");
    og_gate__clean_line(buf, line, OG_GATE_SUBJECT_MAX);
    return json_string(line);
}

static void set_str_or_null(json_t *o, const char *key, json_t *from, const char *field)
{
    const char *v = json_string_value(json_object_get(from, field));
    json_object_set_new(o, key, v ? json_string(v) : json_null());
}

/* Add subject, project, target_name and object_name of the row (OG_GATE__ITEM_COLS) to o, opening
 * what the requesting module said with the tenant's key. */
int og_gate__about_json(og_ctx *ctx, og_stmt *st, json_t *o)
{
    size_t len = 0;
    const void *blob = og_stmt_col_is_null(st, OG_GATE__COL_ABOUT)
                           ? NULL
                           : og_stmt_col_blob(st, OG_GATE__COL_ABOUT, &len);
    const char *id = og_stmt_col_text(st, 0), *tid = og_stmt_col_text(st, 1);
    uint8_t *plain = NULL;
    size_t plen = 0;
    json_t *about = NULL;
    char oid[OG_ID_LEN + 16];
    int error;
    if (blob && len && ctx->keys) {
        about_object_id(id, oid, sizeof(oid));
        if ((error = og_crypto_open(ctx->keys, ctx->store, tid, oid, blob, len, &plain, &plen)) < 0)
            return og_error_wrap("gate item %s: what it is about", id);
        about = json_loadb((const char *)plain, plen, 0, NULL);
        free(plain);
        if (!json_is_object(about)) {
            json_decref(about);
            return og_error_set(OG_ECORRUPT, "gate item %s: what it is about is malformed", id);
        }
    }
    if (json_is_string(json_object_get(about, "subject")))
        set_str_or_null(o, "subject", about, "subject");
    else
        json_object_set_new(o, "subject", fallback_subject(st));
    set_str_or_null(o, "project", about, "project");
    set_str_or_null(o, "target_name", about, "target");
    set_str_or_null(o, "object_name", about, "object");
    json_decref(about);
    return 0;
}

/* ---- staged input ---- */

static void staged_object_id(const char *gate_id, char *out, size_t size)
{
    snprintf(out, size, "gate_staged:%s", gate_id);
}

/* The staged input of an item that waits for approval, sealed for its row (*out stays NULL when
 * there is none to keep: no input, or the item does not wait for an execution). */
int og_gate__staged_seal(og_ctx *ctx, const og_gate__item *it, uint8_t **out, size_t *outlen)
{
    char oid[OG_ID_LEN + 16];
    *out = NULL;
    *outlen = 0;
    if (!it->staged || it->level != OG_GATE_L2 || strcmp(it->state, "pending") != 0)
        return 0;
    if (!ctx->keys)
        return og_error_set(OG_EINVAL, "%s: no keyring to seal its staged input with", it->kind);
    staged_object_id(it->id, oid, sizeof(oid));
    return og_crypto_seal(ctx->keys, ctx->store, it->tenant_id, oid,
                          it->staged->data ? it->staged->data : "", it->staged->len, out, outlen);
}

/* Open the staged input kept with a pending item (loaded by item_load) for its execute. */
int og_gate__staged_open(og_ctx *ctx, og_gate__item *it)
{
    char oid[OG_ID_LEN + 16];
    if (!it->staged_sealed_len)
        return 0;
    if (!it->staged_sealed)
        return og_error_set(OG_ERROR, "out of memory");
    if (!ctx->keys)
        return og_error_set(OG_EINVAL, "gate item %s: no keyring to open its staged input", it->id);
    staged_object_id(it->id, oid, sizeof(oid));
    if (og_crypto_open(ctx->keys, ctx->store, it->tenant_id, oid, it->staged_sealed,
                       it->staged_sealed_len, &it->staged_plain, &it->staged_plain_len) < 0)
        return og_error_wrap("gate item %s: its staged input", it->id);
    it->staged_open.data = it->staged_plain;
    it->staged_open.len = it->staged_plain_len;
    it->staged_open.media_type = it->staged_media;
    it->staged = &it->staged_open;
    return 0;
}
