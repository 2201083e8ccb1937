/* export.c - reading the audit trail: paginated listing and exports as OSCAL assessment results,
 * JSON lines and CSV. */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT_MAX_PARTIES 10000 /* distinct actors named in one OSCAL document */
#define OBS_MARKER         "@@opsgate-observations@@"

/* since/until as stored-time strings: parsed, then formatted like audit_record.time. */
static int time_bound(const char *in, const char *what, char out[OG_TIME_LEN])
{
    int64_t us;
    if (og_time_parse(in, &us) < 0)
        return og_error_set(OG_EINVAL, "%s '%s' is not an RFC 3339 time or a date", what, in);
    og_time_format(us, out);
    return 0;
}

/* ---- names for readers ----
 * A record's names are the ones it recorded; for those it lacks (records older than names,
 * sealed names such as an artifact's) the namers are asked now, with the reader's ctx, and the
 * names are marked "resolved": they are not part of the hashed record. Naming is best effort: a
 * namer that fails leaves the id alone, it never stops a listing or an export of evidence. */
#define NAME_CACHE 64

typedef struct reader_names {
    og_ctx *ctx;
    const char *chain;
    char tenant[OG_AUDIT_NAME_MAX]; /* the chain's tenant now (or as created), "" unknown */
    struct {
        char type[48];
        char id[OG_ID_LEN + 64];
        char name[OG_AUDIT_NAME_MAX];
    } cache[NAME_CACHE];
    unsigned next;
} reader_names;

/* The names shown for one record. */
typedef struct rec_names {
    const char *tenant; /* NULL: none */
    const char *target;
    int tenant_resolved, target_resolved;
    char buf[OG_AUDIT_NAME_MAX];
} rec_names;

reader_names *og_audit__reader_new(og_ctx *ctx, const char *chain)
{
    reader_names *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->ctx = ctx;
    n->chain = chain;
    if (og_audit__tenant_name(ctx, chain, n->tenant, sizeof(n->tenant)) < 0) {
        og_error_clear();
        n->tenant[0] = '\0';
    }
    return n;
}

static void names_of(reader_names *n, const og_audit__row *r, rec_names *out)
{
    memset(out, 0, sizeof(*out));
    out->tenant = r->tenant_name;
    if (!out->tenant && n->tenant[0]) {
        out->tenant = n->tenant;
        out->tenant_resolved = 1;
    }
    out->target = r->target_name;
    if (out->target || !r->target_type || !r->target_id || !r->target_id[0] ||
        strlen(r->target_type) >= sizeof(n->cache[0].type) ||
        strlen(r->target_id) >= sizeof(n->cache[0].id))
        return;
    for (unsigned i = 0; i < NAME_CACHE; i++) {
        if (og_streq(n->cache[i].id, r->target_id) && og_streq(n->cache[i].type, r->target_type)) {
            og_strlcpy(out->buf, n->cache[i].name, sizeof(out->buf));
            goto found;
        }
    }
    int platform = og_streq(n->chain, OG_AUDIT_PLATFORM_CHAIN);
    if (!platform && og_streq(r->target_type, "tenant") && og_streq(r->target_id, n->chain))
        og_strlcpy(out->buf, n->tenant, sizeof(out->buf));
    else if (og_audit__name(n->ctx, r->target_type, platform ? NULL : n->chain, r->target_id, 0,
                            out->buf, sizeof(out->buf)) < 0)
        og_error_clear();
    unsigned slot = n->next++ % NAME_CACHE;
    og_strlcpy(n->cache[slot].type, r->target_type, sizeof(n->cache[slot].type));
    og_strlcpy(n->cache[slot].id, r->target_id, sizeof(n->cache[slot].id));
    og_strlcpy(n->cache[slot].name, out->buf, sizeof(n->cache[slot].name));
found:
    if (out->buf[0]) {
        out->target = out->buf;
        out->target_resolved = 1;
    }
}

/* {"tenant_name", "target_name"} of the names resolved now, NULL when none was. */
static json_t *resolved_json(const rec_names *nm)
{
    if (!nm->tenant_resolved && !nm->target_resolved)
        return NULL;
    json_t *o = json_object();
    if (o && nm->tenant_resolved)
        json_object_set_new(o, "tenant_name", json_string(nm->tenant));
    if (o && nm->target_resolved)
        json_object_set_new(o, "target_name", json_string(nm->target));
    return o;
}

/* The record as readers get it: its JSON with hash, plus "resolved" names. */
json_t *og_audit__reader_json(reader_names *n, const og_audit__row *r, const char *hash)
{
    rec_names nm;
    json_t *j = og_audit__row_json(r, hash), *res;
    if (!j)
        return NULL;
    names_of(n, r, &nm);
    if ((res = resolved_json(&nm)))
        json_object_set_new(j, "resolved", res);
    return j;
}

int og_audit_list(og_ctx *ctx, const char *tenant_id, int64_t after_seq, int limit,
                  const char *action, const char *since, json_t **out, int64_t *next_cursor)
{
    int error = -1, n = 0;
    og_stmt *st = NULL;
    json_t *arr = NULL;
    reader_names *names = NULL;
    char since_s[OG_TIME_LEN] = "";
    *out = NULL;
    *next_cursor = 0;
    if ((error = og_audit__page_check(ctx, tenant_id, limit, after_seq)) < 0)
        return error;
    if (since && since[0] && (error = time_bound(since, "since", since_s)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT " OG_AUDIT__COLUMNS " FROM audit_record"
                                 " WHERE chain = ? AND seq > ?"
                                 " AND (CAST(? AS TEXT) IS NULL OR action = ?)"
                                 " AND time >= ? ORDER BY seq LIMIT ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, og_audit__chain_name(tenant_id));
    og_stmt_bind_int(st, 2, after_seq);
    og_stmt_bind_text(st, 3, action && action[0] ? action : NULL);
    og_stmt_bind_text(st, 4, action && action[0] ? action : NULL);
    og_stmt_bind_text(st, 5, since_s);
    og_stmt_bind_int(st, 6, limit + 1);
    if (!(arr = json_array()) ||
        !(names = og_audit__reader_new(ctx, og_audit__chain_name(tenant_id)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    int64_t last = 0;
    while ((error = og_stmt_step(st)) == OG_ROW) {
        og_audit__row r;
        const char *hash = og_audit__row_from_stmt(&r, st);
        if (n == limit) {
            *next_cursor = last; /* there is at least one more */
            break;
        }
        json_t *j = og_audit__reader_json(names, &r, hash);
        if (!j || json_array_append_new(arr, j) < 0) {
            error = og_error_set(OG_ECORRUPT, "audit record %lld cannot be read", (long long)r.seq);
            goto cleanup;
        }
        last = r.seq;
        n++;
    }
    if (error < 0)
        goto cleanup;
    *out = arr;
    arr = NULL;
    error = 0;
cleanup:
    json_decref(arr);
    og_stmt_free(st);
    free(names);
    return error;
}

/* ---- export ---- */

typedef struct exporter {
    og_audit_sink sink;
    void *arg;
    og_buf buf;
    int64_t written;
} exporter;

static int emit(exporter *x, const void *data, size_t len)
{
    int rc = x->sink(x->arg, data, len);
    if (rc < 0)
        return og_error_code() < 0 ? og_error_code()
                                   : og_error_set(OG_ERROR, "export: the output refused the data");
    return 0;
}

static int emit_buf(exporter *x)
{
    int rc = emit(x, x->buf.data, x->buf.len);
    og_buf_reset(&x->buf);
    return rc;
}

/* RFC 4180 field: quoted when it holds a comma, quote, CR or LF (or leading/trailing spaces),
 * quotes doubled. NULL is an empty field. */
static int csv_field(og_buf *b, const char *s, int last)
{
    int rc = 0;
    if (s) {
        size_t n = strlen(s);
        int quote = strpbrk(s, ",\"\r\n") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' '));
        if (!quote) {
            rc = og_buf_append(b, s, n);
        } else {
            rc = og_buf_append(b, "\"", 1);
            for (const char *p = s; rc == 0 && *p; p++)
                rc = *p == '"' ? og_buf_append(b, "\"\"", 2) : og_buf_append(b, p, 1);
            if (rc == 0)
                rc = og_buf_append(b, "\"", 1);
        }
    }
    if (rc == 0)
        rc = og_buf_append(b, last ? "\r\n" : ",", last ? 2 : 1);
    return rc;
}

static int csv_row(og_buf *b, const og_audit__row *r, const char *hash, const rec_names *nm)
{
    char seq[24], rb[24];
    snprintf(seq, sizeof(seq), "%lld", (long long)r->seq);
    snprintf(rb, sizeof(rb), "%lld", (long long)r->rollback_of);
    const char *resolved = nm->tenant_resolved && nm->target_resolved ? "tenant_name target_name"
                           : nm->tenant_resolved                      ? "tenant_name"
                           : nm->target_resolved                      ? "target_name"
                                                                      : NULL;
    const char *f[] = {r->chain,
                       nm->tenant,
                       seq,
                       r->time,
                       r->actor,
                       r->actor_id,
                       r->token_id,
                       r->area,
                       r->action,
                       r->target_type,
                       r->target_id,
                       nm->target,
                       r->event_id,
                       r->gate_level,
                       r->gate_decision,
                       r->gate_decided_by,
                       r->gate_decided_at,
                       r->outcome,
                       r->detail,
                       r->rollback_of ? rb : NULL,
                       r->analysis,
                       r->prev_hash,
                       hash,
                       resolved};
    size_t n = sizeof(f) / sizeof(f[0]);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = csv_field(b, f[i], i == n - 1);
    return rc;
}

static const char csv_header[] =
    "chain,tenant_name,seq,time,actor,actor_id,token_id,area,action,target_type,target_id,"
    "target_name,event_id,gate_level,gate_decision,gate_decided_by,gate_decided_at,outcome,detail,"
    "rollback_of,analysis,prev_hash,hash,names_resolved\r\n";

/* OSCAL string values: no control characters, no leading or trailing whitespace
 * (StringDatatype "^\S(.*\S)?$"). Returns NULL when nothing is left. Caller frees. */
static char *oscal_str(const char *s)
{
    if (!s)
        return NULL;
    while (*s == ' ' || (*s > 0 && *s < 0x20))
        s++;
    char *o = strdup(s);
    if (!o)
        return NULL;
    for (char *p = o; *p; p++)
        if (*p > 0 && *p < 0x20)
            *p = ' ';
    size_t n = strlen(o);
    while (n && o[n - 1] == ' ')
        o[--n] = '\0';
    if (!n) {
        free(o);
        return NULL;
    }
    return o;
}

static void add_prop(json_t *props, const char *name, const char *value)
{
    char *v = oscal_str(value);
    if (v)
        json_array_append_new(
            props, json_pack("{s:s,s:s,s:s}", "name", name, "ns", OG_AUDIT_NS, "value", v));
    free(v);
}

/* One party per (actor label, user id): a user removed and added again under the same name is
 * another person. */
static void party_uuid(const char *actor, const char *actor_id, char out[OG_ID_LEN])
{
    char key[400];
    snprintf(key, sizeof(key), "opsgate-party:%s%s%s", actor, actor_id ? "\n" : "",
             actor_id ? actor_id : "");
    og_audit__uuid_from(key, strlen(key), out);
}

/* "bob (id 123…)", "123…" without a name, "" without an id. */
static void named_id(char *out, size_t size, const char *name, const char *id)
{
    if (id && name)
        snprintf(out, size, "%s (id %s)", name, id);
    else
        snprintf(out, size, "%s", id ? id : name ? name : "");
}

/* The inference step's risk score, model and raised level of a gated action's record
 * (docs/inference.md) as props; the whole analysis is in the remarks. */
static void inference_props(json_t *props, const char *analysis)
{
    json_t *a = analysis ? json_loads(analysis, 0, NULL) : NULL;
    json_t *inf = json_object_get(a, "inference"), *score = json_object_get(inf, "score");
    char v[32];
    if (json_is_object(inf)) {
        if (json_is_number(score)) {
            snprintf(v, sizeof(v), "%.4f", json_number_value(score));
            add_prop(props, "inference-risk-score", v);
        }
        add_prop(props, "inference-model", json_string_value(json_object_get(inf, "model")));
        if (json_is_object(json_object_get(inf, "raised")))
            add_prop(props, "inference-raised-level",
                     json_string_value(json_object_get(json_object_get(inf, "raised"), "reason")));
    }
    json_decref(a);
}

/* One record as an OSCAL observation; cp_href ("#uuid" of the checkpoint resource) may be NULL. */
static json_t *observation(const og_audit__row *r, const char *hash, const char *cp_href,
                           const rec_names *nm)
{
    char uuid[OG_ID_LEN], puuid[OG_ID_LEN], seq[24], text[2048], target[600], who[400];
    char chain_label[400];
    json_t *props = json_array(), *o = NULL;
    if (!props)
        return NULL;
    int platform = og_streq(r->chain, OG_AUDIT_PLATFORM_CHAIN);
    og_audit__uuid_from(hash, strlen(hash), uuid);
    snprintf(seq, sizeof(seq), "%lld", (long long)r->seq);
    og_audit__chain_label(r->chain, nm->tenant, chain_label, sizeof(chain_label));
    add_prop(props, "chain", r->chain);
    add_prop(props, "tenant-name", nm->tenant);
    add_prop(props, "sequence", seq);
    add_prop(props, "process-area", r->area);
    add_prop(props, "action", r->action);
    add_prop(props, "outcome", r->outcome);
    add_prop(props, "actor-user-id", r->actor_id);
    add_prop(props, "target-name", nm->target);
    add_prop(props, "gate-level", r->gate_level);
    add_prop(props, "gate-decision", r->gate_decision);
    add_prop(props, "gate-decided-by", r->gate_decided_by);
    add_prop(props, "gate-decided-at", r->gate_decided_at);
    add_prop(props, "token-id", r->token_id);
    add_prop(props, "event-id", r->event_id);
    if (r->rollback_of) {
        char rb[24];
        snprintf(rb, sizeof(rb), "%lld", (long long)r->rollback_of);
        add_prop(props, "rollback-of", rb);
    }
    og_audit__custody_props(props, r->action, r->analysis);
    add_prop(props, "prev-hash", r->prev_hash);
    add_prop(props, "record-hash", hash);
    inference_props(props, r->analysis);
    if (nm->tenant_resolved || nm->target_resolved)
        add_prop(props, "names-resolved-at-export",
                 nm->tenant_resolved && nm->target_resolved ? "tenant-name target-name"
                 : nm->tenant_resolved                      ? "tenant-name"
                                                            : "target-name");

    party_uuid(r->actor, r->actor_id, puuid);
    json_t *actor_props = json_array();
    add_prop(actor_props, "actor", r->actor);
    add_prop(actor_props, "user-id", r->actor_id);
    named_id(target, sizeof(target), nm->target, r->target_id);
    if (r->actor_id)
        snprintf(who, sizeof(who), "%s (user id %s)", r->actor, r->actor_id);
    else
        snprintf(who, sizeof(who), "%s", r->actor);
    snprintf(text, sizeof(text), "%s: %s%s%s%s%s",
             platform     ? "platform"
             : nm->tenant ? nm->tenant
                          : r->chain,
             r->action, r->target_type ? " " : "", r->target_type ? r->target_type : "",
             target[0] ? " " : "", target);
    char *title = oscal_str(text);
    snprintf(text, sizeof(text),
             "Audit record %lld of the audit chain of %s: %s performed %s%s%s%s%s; outcome %s%s%s.",
             (long long)r->seq, chain_label, who, r->action, target[0] ? " on " : "",
             r->target_type && target[0] ? r->target_type : "",
             r->target_type && target[0] ? " " : "", target, r->outcome, r->detail ? ": " : "",
             r->detail ? r->detail : "");
    char *desc = oscal_str(text);
    snprintf(text, sizeof(text),
             "The audit record with SHA-256 %s (RFC 8785 canonical JSON, chained to %s), a leaf of "
             "the chain's RFC 9162 Merkle tree.",
             hash, r->prev_hash);
    o = json_pack("{s:s,s:s,s:s,s:o,s:[s],s:[s],s:[{s:[{s:s,s:s,s:o}]}],s:[{s:s,s:[{s:s,s:s,"
                  "s:s}]}],s:s}",
                  "uuid", uuid, "title", title ? title : r->action, "description",
                  desc ? desc : r->action, "props", props, "methods", "EXAMINE", "types",
                  "historic", "origins", "actors", "type", "party", "actor-uuid", puuid, "props",
                  actor_props, "relevant-evidence", "description", text, "props", "name",
                  "record-hash", "ns", OG_AUDIT_NS, "value", hash, "collected", r->time);
    free(title);
    free(desc);
    if (!o)
        return NULL;
    if (cp_href)
        json_object_set_new(json_array_get(json_object_get(o, "relevant-evidence"), 0), "href",
                            json_string(cp_href));
    if (r->target_id || r->target_type) {
        char key[300], suuid[OG_ID_LEN];
        snprintf(key, sizeof(key), "opsgate-subject:%s:%s", r->target_type ? r->target_type : "",
                 r->target_id ? r->target_id : "");
        og_audit__uuid_from(key, strlen(key), suuid);
        json_t *sprops = json_array();
        add_prop(sprops, "target-type", r->target_type);
        add_prop(sprops, "target-id", r->target_id);
        add_prop(sprops, "target-name", nm->target);
        json_t *subj = json_pack("{s:s,s:s}", "subject-uuid", suuid, "type",
                                 og_streq(r->target_type, "user") ? "user" : "resource");
        snprintf(text, sizeof(text), "%s%s%s%s%s", r->target_type ? r->target_type : "",
                 r->target_type && target[0] ? " " : "", target, platform ? "" : " of ",
                 platform ? "" : chain_label);
        char *stitle = oscal_str(text);
        if (subj && stitle)
            json_object_set_new(subj, "title", json_string(stitle));
        free(stitle);
        if (json_array_size(sprops))
            json_object_set_new(subj, "props", sprops);
        else
            json_decref(sprops);
        json_object_set_new(o, "subjects", json_pack("[o]", subj));
    }
    if (r->analysis)
        json_object_set_new(o, "remarks",
                            json_sprintf("Analysis (canonical JSON): %s", r->analysis));
    return o;
}

/* The parties of the export into parties: the client whose chain it is (not on the platform
 * chain), then each actor of a record in [since, until) (at most EXPORT_MAX_PARTIES). */
static int oscal_parties(og_store *s, const char *chain, const char *tenant_name, const char *since,
                         const char *until, json_t *parties)
{
    og_stmt *st = NULL;
    int error, nparties = 0;
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT DISTINCT actor, actor_id FROM audit_record WHERE"
                                 " chain = ? AND time >= ? AND time < ? ORDER BY actor,"
                                 " actor_id")) < 0)
        return error;
    if (!og_streq(chain, OG_AUDIT_PLATFORM_CHAIN)) {
        /* the client whose chain this is, as a party of its own */
        char key[128], tuuid[OG_ID_LEN];
        json_t *tprops = json_array();
        snprintf(key, sizeof(key), "opsgate-tenant:%s", chain);
        og_audit__uuid_from(key, strlen(key), tuuid);
        add_prop(tprops, "tenant-id", chain);
        char *tname = oscal_str(tenant_name);
        json_array_append_new(parties,
                              json_pack("{s:s,s:s,s:s,s:o}", "uuid", tuuid, "type", "organization",
                                        "name", tname ? tname : chain, "props", tprops));
        free(tname);
    }
    og_stmt_bind_text(st, 1, chain);
    og_stmt_bind_text(st, 2, since);
    og_stmt_bind_text(st, 3, until);
    while ((error = og_stmt_step(st)) == OG_ROW) {
        char puuid[OG_ID_LEN];
        const char *actor = og_stmt_col_text(st, 0), *actor_id = og_stmt_col_text(st, 1);
        if (++nparties > EXPORT_MAX_PARTIES) {
            error = og_error_set(OG_ETOOBIG,
                                 "export names more than %d actors: narrow it with a "
                                 "since/until time range",
                                 EXPORT_MAX_PARTIES);
            break;
        }
        char *name = oscal_str(actor);
        party_uuid(actor, actor_id, puuid);
        json_t *party = json_pack("{s:s,s:s,s:s}", "uuid", puuid, "type",
                                  strncmp(actor, "system:", 7) == 0 ? "organization" : "person",
                                  "name", name ? name : "unknown");
        json_t *pprops = json_array();
        add_prop(pprops, "actor", actor);
        add_prop(pprops, "user-id", actor_id);
        json_object_set_new(party, "props", pprops);
        json_array_append_new(parties, party);
        free(name);
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* The signed checkpoint cp as a back-matter resource (cp_uuid) of resources, and its fields as
 * props of the result (result_props). */
static void checkpoint_resource(json_t *cp, const char *cp_uuid, json_t *result_props,
                                json_t *resources)
{
    char *cp_text = json_dumps(cp, JSON_COMPACT | JSON_SORT_KEYS);
    char *b64 = cp_text ? og_base64_encode((const uint8_t *)cp_text, strlen(cp_text)) : NULL;
    char size[24];
    json_t *cprops = json_array();
    snprintf(size, sizeof(size), "%lld",
             (long long)json_integer_value(json_object_get(cp, "tree_size")));
    add_prop(cprops, "checkpoint-chain", json_string_value(json_object_get(cp, "chain")));
    add_prop(cprops, "checkpoint-tree-size", size);
    add_prop(cprops, "checkpoint-root-hash", json_string_value(json_object_get(cp, "root_hash")));
    add_prop(cprops, "checkpoint-time", json_string_value(json_object_get(cp, "time")));
    add_prop(cprops, "checkpoint-key-id", json_string_value(json_object_get(cp, "key_id")));
    add_prop(cprops, "checkpoint-signature", json_string_value(json_object_get(cp, "signature")));
    json_array_extend(result_props, cprops);
    json_array_append_new(
        resources,
        json_pack("{s:s,s:s,s:s,s:o,s:{s:s,s:s,s:s}}", "uuid", cp_uuid, "title",
                  "Signed audit checkpoint", "description",
                  "Ed25519-signed checkpoint (chain, tree size, RFC 9162 Merkle root, time) "
                  "covering the records of this export; verify with opsgate audit pubkey and "
                  "opsgate audit verify-proof.",
                  "props", cprops, "base64", "filename", "checkpoint.json", "media-type",
                  "application/json", "value", b64 ? b64 : ""));
    free(cp_text);
    free(b64);
}

/* The document around the observations: metadata with one party per actor, the result, and the
 * signed checkpoint covering the export in back-matter. */
static int oscal_frame(og_store *s, const char *chain, const char *tenant_name, const char *since,
                       const char *until, json_t *cp, int64_t count, const char *first,
                       const char *last, const char *cp_uuid, json_t **out)
{
    int error = -1;
    json_t *parties = json_array(), *doc = NULL, *meta_props = json_array();
    json_t *result_props = json_array(), *resources = json_array();
    char now[OG_TIME_LEN], doc_uuid[OG_ID_LEN], res_uuid[OG_ID_LEN], ap_uuid[OG_ID_LEN];
    char href[64], label[400], title[512], rtitle[512];
    int platform = og_streq(chain, OG_AUDIT_PLATFORM_CHAIN);
    og_time_format(og_time_now_us(), now);
    og_id_new(doc_uuid);
    og_id_new(res_uuid);
    og_id_new(ap_uuid);
    og_audit__chain_label(chain, tenant_name, label, sizeof(label));
    snprintf(title, sizeof(title), "opsgate audit trail export: %s", label);
    snprintf(rtitle, sizeof(rtitle), "Audit records of %s", label);
    if ((error = oscal_parties(s, chain, tenant_name, since, until, parties)) < 0)
        goto cleanup;
    add_prop(meta_props, "chain", chain);
    add_prop(meta_props, "tenant-id", platform ? NULL : chain);
    add_prop(meta_props, "tenant-name", platform ? NULL : tenant_name);
    add_prop(meta_props, "since", since[0] ? since : NULL);
    add_prop(meta_props, "until", og_streq(until, "~") ? NULL : until);
    {
        char cnt[24];
        snprintf(cnt, sizeof(cnt), "%lld", (long long)count);
        add_prop(meta_props, "record-count", cnt);
    }
    json_array_append_new(
        resources, json_pack("{s:s,s:s,s:s}", "uuid", ap_uuid, "title",
                             "opsgate continuous audit trail", "description",
                             "There is no separate assessment plan: the observations are "
                             "opsgate's tamper-evident audit records, exported as recorded."));
    if (cp)
        checkpoint_resource(cp, cp_uuid, result_props, resources);
    snprintf(href, sizeof(href), "#%s", ap_uuid);
    doc = json_pack(
        "{s:{s:s,s:{s:s,s:s,s:s,s:s,s:o},s:{s:s},s:[{s:s,s:s,s:s,s:s,s:{s:[{s:{}}]}}],"
        "s:{s:o}}}",
        "assessment-results", "uuid", doc_uuid, "metadata", "title", title, "last-modified", now,
        "version", "1", "oscal-version", "1.1.2", "props", meta_props, "import-ap", "href", href,
        "results", "uuid", res_uuid, "title", rtitle, "description",
        "Every state-changing operation recorded by opsgate in this chain, one observation per "
        "audit record.",
        "start", first ? first : now, "reviewed-controls", "control-selections", "include-all",
        "back-matter", "resources", resources);
    meta_props = resources = NULL;
    if (!doc) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    json_t *ar = json_object_get(doc, "assessment-results");
    json_t *result = json_array_get(json_object_get(ar, "results"), 0);
    if (json_array_size(parties))
        json_object_set(json_object_get(ar, "metadata"), "parties", parties);
    if (last)
        json_object_set_new(result, "end", json_string(last));
    if (json_array_size(result_props))
        json_object_set(result, "props", result_props);
    if (count)
        json_object_set_new(result, "observations", json_string(OBS_MARKER));
    *out = doc;
    error = 0;
cleanup:
    json_decref(parties);
    json_decref(meta_props);
    json_decref(result_props);
    json_decref(resources);
    return error;
}

/* count, first and last time of the records in range. */
static int export_range(og_store *s, const char *chain, const char *since, const char *until,
                        int64_t *count, char first[OG_TIME_LEN], char last[OG_TIME_LEN])
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s,
                                "SELECT count(*), min(time), max(time) FROM audit_record"
                                " WHERE chain = ? AND time >= ? AND time < ?");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, chain);
    og_stmt_bind_text(st, 2, since);
    og_stmt_bind_text(st, 3, until);
    if ((error = og_stmt_step(st)) == OG_ROW) {
        *count = og_stmt_col_int(st, 0);
        og_strlcpy(first, og_stmt_col_text(st, 1) ? og_stmt_col_text(st, 1) : "", OG_TIME_LEN);
        og_strlcpy(last, og_stmt_col_text(st, 2) ? og_stmt_col_text(st, 2) : "", OG_TIME_LEN);
        error = 0;
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

typedef enum { F_OSCAL, F_JSONL, F_CSV } export_format;

/* The record at st's row, the n-th of the export (from 0), appended to buf in format f: a CSV
 * row, a JSON line (canonical, with its hash and resolved names) or an OSCAL observation
 * (comma-separated; cp_href names the checkpoint resource, NULL when none). */
static int export_row(og_buf *buf, export_format f, reader_names *names, og_stmt *st,
                      const char *cp_href, int64_t n)
{
    int error;
    og_audit__row r;
    rec_names nm;
    const char *hash = og_audit__row_from_stmt(&r, st);
    names_of(names, &r, &nm);
    if (f == F_CSV) {
        error = csv_row(buf, &r, hash, &nm);
    } else {
        json_t *j =
            f == F_OSCAL ? observation(&r, hash, cp_href, &nm) : og_audit__row_json(&r, hash);
        json_t *res = f == F_JSONL && j ? resolved_json(&nm) : NULL;
        if (res)
            json_object_set_new(j, "resolved", res);
        if (!j) {
            error =
                og_error_set(OG_ECORRUPT, "audit record %lld cannot be exported", (long long)r.seq);
        } else if (f == F_JSONL) {
            /* each line is the record's canonical JSON with its hash */
            if ((error = og_audit__jcs(buf, j)) == 0)
                error = og_buf_append(buf, "\n", 1);
        } else {
            char *text = json_dumps(j, JSON_COMPACT);
            error = text ? 0 : og_error_set(OG_ERROR, "out of memory");
            if (error == 0 && n > 0)
                error = og_buf_append(buf, ",", 1);
            if (error == 0)
                error = og_buf_puts(buf, text);
            free(text);
        }
        json_decref(j);
    }
    return error;
}

int og_audit_export(og_ctx *ctx, const char *tenant_id, const char *format, const char *since,
                    const char *until, og_audit_sink sink, void *arg)
{
    int error = -1;
    og_stmt *st = NULL;
    json_t *cp = NULL, *frame = NULL;
    char *frame_text = NULL;
    const char *tail = NULL;
    char since_s[OG_TIME_LEN] = "", until_s[OG_TIME_LEN] = "~";
    char first[OG_TIME_LEN] = "", last[OG_TIME_LEN] = "", cp_uuid[OG_ID_LEN], cp_href[48];
    const char *chain = og_audit__chain_name(tenant_id);
    int64_t count = 0, n = 0;
    exporter x = {sink, arg, {0}, 0};
    reader_names *names = NULL;
    export_format f;
    og_buf_init(&x.buf, OG_AUDIT_RECORD_CAP * 2);
    if (og_streq(format, "oscal")) {
        f = F_OSCAL;
    } else if (og_streq(format, "jsonl")) {
        f = F_JSONL;
    } else if (og_streq(format, "csv")) {
        f = F_CSV;
    } else {
        error = og_error_set(OG_EINVAL, "unknown export format '%s' (oscal, jsonl or csv)",
                             format ? format : "");
        goto cleanup;
    }
    if ((error = og_authz_check(&ctx->actor, tenant_id, OG_PERM_AUDIT_EXPORT)) < 0)
        goto cleanup;
    if (since && since[0] && (error = time_bound(since, "since", since_s)) < 0)
        goto cleanup;
    if (until && until[0] && (error = time_bound(until, "until", until_s)) < 0)
        goto cleanup;
    if (strcmp(since_s, until_s) > 0 && until && until[0]) {
        error = og_error_set(OG_EINVAL, "since %s is after until %s", since, until);
        goto cleanup;
    }
    if (!(names = og_audit__reader_new(ctx, chain))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    /* No transaction: on SQLite it would take the write lock for the whole export. Records are
     * immutable and only ever appended, so later reads can only see more of the same chain; the
     * record-count in the frame is as of its start. */
    if (f == F_OSCAL) {
        if ((error = export_range(ctx->store, chain, since_s, until_s, &count, first, last)) < 0)
            goto rollback;
        error = og_audit__checkpoint_latest(ctx->store, chain, 0, &cp);
        if (error < 0 && error != OG_ENOTFOUND)
            goto rollback;
        og_id_new(cp_uuid);
        snprintf(cp_href, sizeof(cp_href), "#%s", cp_uuid);
        if ((error = oscal_frame(ctx->store, chain, names->tenant[0] ? names->tenant : NULL,
                                 since_s, until_s, cp, count, first[0] ? first : NULL,
                                 last[0] ? last : NULL, cp_uuid, &frame)) < 0)
            goto rollback;
        if (!(frame_text = json_dumps(frame, JSON_COMPACT))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto rollback;
        }
        char *mark = strstr(frame_text, "\"" OBS_MARKER "\"");
        if (mark) {
            *mark = '\0';
            tail = mark + strlen(OBS_MARKER) + 2;
        }
        if ((error = emit(&x, frame_text, strlen(frame_text))) < 0)
            goto rollback;
        if (!mark)
            goto done;
        if ((error = emit(&x, "[", 1)) < 0)
            goto rollback;
    } else if (f == F_CSV) {
        if ((error = emit(&x, csv_header, sizeof(csv_header) - 1)) < 0)
            goto rollback;
    }
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT " OG_AUDIT__COLUMNS " FROM audit_record WHERE chain = ?"
                                 " AND time >= ? AND time < ? ORDER BY seq")) < 0)
        goto rollback;
    og_stmt_bind_text(st, 1, chain);
    og_stmt_bind_text(st, 2, since_s);
    og_stmt_bind_text(st, 3, until_s);
    while ((error = og_stmt_step(st)) == OG_ROW) {
        error = export_row(&x.buf, f, names, st, cp ? cp_href : NULL, n);
        if (error < 0 || (error = emit_buf(&x)) < 0)
            goto rollback;
        n++;
    }
    if (error < 0)
        goto rollback;
    if (f == F_OSCAL && (error = emit(&x, "]", 1)) < 0)
        goto rollback;
done:
    if (tail && (error = emit(&x, tail, strlen(tail))) < 0)
        goto rollback;
    if (f == F_OSCAL && (error = emit(&x, "\n", 1)) < 0)
        goto rollback;
    error = 0;
rollback:
cleanup:
    og_stmt_free(st);
    json_decref(cp);
    json_decref(frame);
    free(frame_text);
    free(names);
    og_buf_free(&x.buf);
    return error;
}
