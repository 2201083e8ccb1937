/* record.c - an audit record's canonical JSON (the bytes its hash covers) and its JSON form. */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

const char *og_audit__chain_name(const char *tenant_id)
{
    return tenant_id && tenant_id[0] ? tenant_id : OG_AUDIT_PLATFORM_CHAIN;
}

const char *og_audit__row_from_stmt(og_audit__row *r, og_stmt *st)
{
    r->chain = og_stmt_col_text(st, 0);
    r->seq = og_stmt_col_int(st, 1);
    r->time = og_stmt_col_text(st, 2);
    r->actor = og_stmt_col_text(st, 3);
    r->token_id = og_stmt_col_text(st, 4);
    r->area = og_stmt_col_text(st, 5);
    r->action = og_stmt_col_text(st, 6);
    r->target_type = og_stmt_col_text(st, 7);
    r->target_id = og_stmt_col_text(st, 8);
    r->event_id = og_stmt_col_text(st, 9);
    r->analysis = og_stmt_col_text(st, 10);
    r->gate_level = og_stmt_col_text(st, 11);
    r->gate_decision = og_stmt_col_text(st, 12);
    r->gate_decided_by = og_stmt_col_text(st, 13);
    r->gate_decided_at = og_stmt_col_text(st, 14);
    r->outcome = og_stmt_col_text(st, 15);
    r->detail = og_stmt_col_text(st, 16);
    r->rollback_of = og_stmt_col_is_null(st, 17) ? 0 : og_stmt_col_int(st, 17);
    r->prev_hash = og_stmt_col_text(st, 18);
    r->tenant_name = og_stmt_col_text(st, 20);
    r->actor_id = og_stmt_col_text(st, 21);
    r->target_name = og_stmt_col_text(st, 22);
    return og_stmt_col_text(st, 19);
}

/* "key": value pairs in the fixed, already sorted order below. */
static int put_key(og_buf *b, const char *key, int *first)
{
    /* keys are short ASCII constants that need no escaping: one append (verify's hot path) */
    char tmp[40];
    size_t n = strlen(key), o = 0;
    if (n > sizeof(tmp) - 4)
        return og_error_set(OG_ERROR, "audit record key too long");
    if (!*first)
        tmp[o++] = ',';
    *first = 0;
    tmp[o++] = '"';
    memcpy(tmp + o, key, n);
    o += n;
    tmp[o++] = '"';
    tmp[o++] = ':';
    return og_buf_append(b, tmp, o);
}

/* A decimal integer as JSON (printf costs more than the rest of a record's number work). */
static int put_int(og_buf *b, int64_t v)
{
    char tmp[24];
    size_t o = sizeof(tmp);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--o] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--o] = '-';
    return og_buf_append(b, tmp + o, sizeof(tmp) - o);
}

static int put_str(og_buf *b, const char *key, const char *v, int *first)
{
    int rc;
    if ((rc = put_key(b, key, first)) < 0)
        return rc;
    return v ? og_audit__jcs_string(b, v) : og_buf_append(b, "null", 4);
}

#define TRY(x)                                                                                     \
    do {                                                                                           \
        if ((rc = (x)) < 0)                                                                        \
            return rc;                                                                             \
    } while (0)

/* The members before "prev_hash": what the record says, known before its place in the chain. */
int og_audit__row_canonical_head(og_buf *b, const og_audit__row *r)
{
    int rc = 0, first = 1, inner;
    if (!r->chain || !r->actor || !r->area || !r->action || !r->outcome)
        return og_error_set(OG_ECORRUPT, "record %lld has an empty required field",
                            (long long)r->seq);
    TRY(og_buf_append(b, "{", 1));
    TRY(put_str(b, "action", r->action, &first));
    TRY(put_str(b, "actor", r->actor, &first));
    if (r->actor_id)
        TRY(put_str(b, "actor_id", r->actor_id, &first));
    TRY(put_key(b, "analysis", &first));
    TRY(r->analysis ? og_buf_puts(b, r->analysis) : og_buf_append(b, "null", 4));
    TRY(put_str(b, "area", r->area, &first));
    TRY(put_str(b, "chain", r->chain, &first));
    TRY(put_str(b, "event_id", r->event_id, &first));
    TRY(put_key(b, "gate", &first));
    if (r->gate_level) {
        inner = 1;
        TRY(og_buf_append(b, "{", 1));
        TRY(put_str(b, "decided_at", r->gate_decided_at, &inner));
        TRY(put_str(b, "decided_by", r->gate_decided_by, &inner));
        TRY(put_str(b, "decision", r->gate_decision, &inner));
        TRY(put_str(b, "level", r->gate_level, &inner));
        TRY(og_buf_append(b, "}", 1));
    } else {
        TRY(og_buf_append(b, "null", 4));
    }
    TRY(put_key(b, "outcome", &first));
    inner = 1;
    TRY(og_buf_append(b, "{", 1));
    TRY(put_str(b, "detail", r->detail, &inner));
    TRY(put_str(b, "status", r->outcome, &inner));
    return og_buf_append(b, "}", 1);
}

/* The members from "prev_hash" on: the record's place in the chain, its target, names and time. */
int og_audit__row_canonical_tail(og_buf *b, const og_audit__row *r)
{
    int rc = 0, first = 0, inner;
    if (!r->time || !r->prev_hash)
        return og_error_set(OG_ECORRUPT, "record %lld has an empty required field",
                            (long long)r->seq);
    TRY(put_str(b, "prev_hash", r->prev_hash, &first));
    TRY(put_key(b, "rollback_of", &first));
    TRY(r->rollback_of ? put_int(b, r->rollback_of) : og_buf_append(b, "null", 4));
    TRY(put_key(b, "seq", &first));
    TRY(put_int(b, r->seq));
    TRY(put_key(b, "target", &first));
    inner = 1;
    TRY(og_buf_append(b, "{", 1));
    TRY(put_str(b, "id", r->target_id, &inner));
    if (r->target_name)
        TRY(put_str(b, "name", r->target_name, &inner));
    TRY(put_str(b, "type", r->target_type, &inner));
    TRY(og_buf_append(b, "}", 1));
    if (r->tenant_name)
        TRY(put_str(b, "tenant_name", r->tenant_name, &first));
    TRY(put_str(b, "time", r->time, &first));
    TRY(put_str(b, "token_id", r->token_id, &first));
    TRY(put_key(b, "v", &first));
    return og_buf_append(b, "1}", 2);
}
#undef TRY

/*
 * The canonical JSON of a record, written directly rather than through a json_t so that verify
 * does not allocate per field. Keys appear in RFC 8785 order (all ASCII, so byte order is UTF-16
 * order); the unit tests check that this equals og_audit__jcs() of og_audit__row_json() without
 * "hash". analysis is stored already canonical and embedded verbatim: any change to the stored
 * text changes the hashed bytes. The names (actor_id, target.name, tenant_name) came later: they
 * are omitted when absent (not null), so the records written before them hash as they did.
 *
 *   {"action","actor",["actor_id",]"analysis","area","chain","event_id",
 *    "gate":{"decided_at","decided_by","decision","level"}|null,
 *    "outcome":{"detail","status"},   <- head (og_audit__row_canonical_head) ends here
 *    "prev_hash","rollback_of","seq",
 *    "target":{"id",["name",]"type"},["tenant_name",]"time","token_id","v":1}
 */
int og_audit__row_canonical(og_buf *b, const og_audit__row *r)
{
    int rc;
    if (!r->chain || !r->time || !r->actor || !r->area || !r->action || !r->outcome ||
        !r->prev_hash)
        return og_error_set(OG_ECORRUPT, "record %lld has an empty required field",
                            (long long)r->seq);
    if ((rc = og_audit__row_canonical_head(b, r)) < 0)
        return rc;
    return og_audit__row_canonical_tail(b, r);
}

int og_audit__row_hash(og_buf *scratch, const og_audit__row *r, char hex[OG_AUDIT_HASH_HEX])
{
    uint8_t h[32];
    og_buf_reset(scratch);
    int rc = og_audit__row_canonical(scratch, r);
    if (rc < 0)
        return rc;
    og_crypto_sha256(scratch->data, scratch->len, h);
    og_hex_encode(h, 32, hex);
    return 0;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *og_audit__row_json(const og_audit__row *r, const char *hash)
{
    json_t *analysis = json_null();
    if (r->analysis) {
        json_decref(analysis);
        analysis = json_loads(r->analysis, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        if (!analysis)
            return NULL;
    }
    json_t *gate = json_null();
    if (r->gate_level) {
        json_decref(gate);
        gate =
            json_pack("{s:o,s:o,s:o,s:o}", "level", str_or_null(r->gate_level), "decision",
                      str_or_null(r->gate_decision), "decided_by", str_or_null(r->gate_decided_by),
                      "decided_at", str_or_null(r->gate_decided_at));
    }
    json_t *o = json_pack(
        "{s:i,s:s,s:I,s:s,s:s,s:o,s:s,s:s,s:s,s:{s:o,s:o},s:o,s:o,s:o,s:{s:s,s:o},s:o,s:s}", "v", 1,
        "chain", r->chain, "seq", (json_int_t)r->seq, "time", r->time, "actor", r->actor,
        "token_id", str_or_null(r->token_id), "area", r->area, "action", r->action, "prev_hash",
        r->prev_hash, "target", "type", str_or_null(r->target_type), "id",
        str_or_null(r->target_id), "event_id", str_or_null(r->event_id), "analysis", analysis,
        "gate", gate, "outcome", "status", r->outcome, "detail", str_or_null(r->detail),
        "rollback_of", r->rollback_of ? json_integer(r->rollback_of) : json_null(), "hash",
        hash ? hash : "");
    if (o && !hash)
        json_object_del(o, "hash");
    if (o && r->actor_id)
        json_object_set_new(o, "actor_id", json_string(r->actor_id));
    if (o && r->target_name)
        json_object_set_new(json_object_get(o, "target"), "name", json_string(r->target_name));
    if (o && r->tenant_name)
        json_object_set_new(o, "tenant_name", json_string(r->tenant_name));
    return o;
}

void og_audit__uuid_from(const void *data, size_t len, char out[OG_ID_LEN])
{
    uint8_t h[32];
    char hex[65];
    og_crypto_sha256(data, len, h);
    h[6] = (uint8_t)((h[6] & 0x0f) | 0x50); /* version 5 layout: name-based, SHA derived */
    h[8] = (uint8_t)((h[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    og_hex_encode(h, 16, hex);
    snprintf(out, OG_ID_LEN, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
             hex + 20);
}
