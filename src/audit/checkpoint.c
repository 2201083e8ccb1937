/* checkpoint.c - signed checkpoints of each chain, their records in the platform chain, and their
 * publication (registered publishers such as the event outbox, witness file). */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The checkpoint text that is signed, in the spirit of C2SP tlog-checkpoint: an origin line,
 * then one "name value" line per field. Keeping it line-based (not JSON) makes it easy for an
 * auditor to check with openssl and a shell.
 */
int og_audit__checkpoint_message(og_buf *out, const char *chain, int64_t size, const char *root_hex,
                                 const char *time)
{
    return og_buf_printf(out,
                         "opsgate-audit-checkpoint/1\nchain %s\ntree-size %lld\nroot %s\n"
                         "time %s\n",
                         chain, (long long)size, root_hex, time);
}

static int cp_field(const json_t *o, const char *key, char *out, size_t size, size_t exact)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!v || !v[0] || strlen(v) >= size || (exact && strlen(v) != exact))
        return og_error_set(OG_EINVAL, "checkpoint: field '%s' is missing or malformed", key);
    og_strlcpy(out, v, size);
    return 0;
}

int og_audit__cp_from_json(const json_t *o, og_audit__cp *cp)
{
    int error;
    json_t *size = json_object_get(o, "tree_size");
    memset(cp, 0, sizeof(*cp));
    if (!json_is_object(o))
        return og_error_set(OG_EINVAL, "checkpoint: not a JSON object");
    if (!json_is_integer(size) || json_integer_value(size) < 1)
        return og_error_set(OG_EINVAL, "checkpoint: field 'tree_size' must be an integer >= 1");
    cp->size = json_integer_value(size);
    json_t *origin = json_object_get(o, "origin");
    if (origin && !json_is_null(origin) &&
        (error = cp_field(o, "origin", cp->origin, sizeof(cp->origin), 0)) < 0)
        return error;
    if ((error = cp_field(o, "root_hash", cp->root, sizeof(cp->root), 64)) < 0 ||
        (error = cp_field(o, "time", cp->time, sizeof(cp->time), 0)) < 0 ||
        (error = cp_field(o, "key_id", cp->key_id, sizeof(cp->key_id), 16)) < 0 ||
        (error = cp_field(o, "signature", cp->sig, sizeof(cp->sig), 0)) < 0)
        return error;
    return 0;
}

json_t *og_audit__cp_json(const char *chain, const og_audit__cp *cp)
{
    json_t *o = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s}", "chain", chain, "tree_size",
                          (json_int_t)cp->size, "root_hash", cp->root, "time", cp->time,
                          "algorithm", "ed25519", "key_id", cp->key_id, "signature", cp->sig);
    if (o && cp->origin[0] && json_object_set_new(o, "origin", json_string(cp->origin)) < 0) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

int og_audit__cp_message(og_buf *out, const char *chain, const og_audit__cp *cp)
{
    char name[OG_AUDIT_NOTE_NAME_MAX];
    int error;
    if (!cp->origin[0])
        return og_audit__checkpoint_message(out, chain, cp->size, cp->root, cp->time);
    if ((error = og_audit__origin_name(cp->origin, chain, name, sizeof(name))) < 0)
        return error;
    return og_audit__note_body(out, cp->origin, cp->size, cp->root);
}

int og_audit__cp_note(og_buf *out, const char *chain, const og_audit__cp *cp, const uint8_t pub[32])
{
    char name[OG_AUDIT_NOTE_NAME_MAX];
    uint8_t *sig = NULL;
    size_t siglen = 0;
    int error;
    if (!cp->origin[0])
        return og_error_set(OG_EINVAL,
                            "the checkpoint at tree size %lld of chain '%s' predates"
                            " signed notes",
                            (long long)cp->size, chain);
    if ((error = og_audit__origin_name(cp->origin, chain, name, sizeof(name))) < 0 ||
        (error = og_audit__note_body(out, cp->origin, cp->size, cp->root)) < 0)
        return error;
    if (og_base64_decode(cp->sig, &sig, &siglen) < 0 || siglen != 64)
        error = og_error_set(OG_ECORRUPT,
                             "the signature of the checkpoint of chain '%s' at tree"
                             " size %lld is damaged",
                             chain, (long long)cp->size);
    else if ((error = og_buf_puts(out, "\n")) == 0)
        error = og_audit__note_sigline(
            out, name, og_audit__note_key_hash(name, OG_NOTE_ED25519, pub), sig, siglen);
    free(sig);
    return error;
}

json_t *og_audit__cp_json_note(og_store *s, const char *chain, const og_audit__cp *cp)
{
    json_t *o = og_audit__cp_json(chain, cp);
    uint8_t pub[32];
    og_buf note;
    if (!o || !cp->origin[0])
        return o;
    og_buf_init(&note, 512);
    /* a key this installation does not have, or a damaged signature: no note to show */
    if (og_audit__pubkey_get(s, cp->key_id, pub) == 0 &&
        og_audit__cp_note(&note, chain, cp, pub) == 0)
        json_object_set_new(o, "note", json_stringn(note.data, note.len));
    og_error_clear();
    og_buf_free(&note);
    return o;
}

int og_audit__cp_verify(const char *chain, const og_audit__cp *cp, const uint8_t pub[32])
{
    og_buf msg;
    uint8_t *sig = NULL;
    size_t siglen = 0;
    int error;
    og_buf_init(&msg, 4096);
    if ((error = og_audit__cp_message(&msg, chain, cp)) < 0)
        goto cleanup;
    if (og_base64_decode(cp->sig, &sig, &siglen) < 0 || siglen != 64 ||
        og_crypto_ed25519_verify(pub, msg.data, msg.len, sig) < 0)
        error = og_error_set(OG_ECORRUPT,
                             "the signature of the checkpoint of chain '%s' at tree"
                             " size %lld does not verify with key %s",
                             chain, (long long)cp->size, cp->key_id);
cleanup:
    free(sig);
    og_buf_free(&msg);
    return error;
}

void og_audit__cp_from_row(og_stmt *st, og_audit__cp *cp)
{
    memset(cp, 0, sizeof(*cp));
    cp->size = og_stmt_col_int(st, 0);
    og_strlcpy(cp->root, og_stmt_col_text(st, 1) ? og_stmt_col_text(st, 1) : "", sizeof(cp->root));
    og_strlcpy(cp->time, og_stmt_col_text(st, 2) ? og_stmt_col_text(st, 2) : "", sizeof(cp->time));
    og_strlcpy(cp->key_id, og_stmt_col_text(st, 3) ? og_stmt_col_text(st, 3) : "",
               sizeof(cp->key_id));
    og_strlcpy(cp->sig, og_stmt_col_text(st, 4) ? og_stmt_col_text(st, 4) : "", sizeof(cp->sig));
    og_strlcpy(cp->origin, og_stmt_col_text(st, 5) ? og_stmt_col_text(st, 5) : "",
               sizeof(cp->origin));
}

int og_audit__checkpoint_latest(og_store *s, const char *chain, int64_t min_size, json_t **out)
{
    og_stmt *st = NULL;
    *out = NULL;
    int error = og_stmt_prepare(&st, s,
                                "SELECT tree_size, root, time, key_id, signature, origin"
                                " FROM audit_checkpoint WHERE chain = ? AND tree_size >= ?"
                                " ORDER BY tree_size DESC LIMIT 1");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, chain);
    og_stmt_bind_int(st, 2, min_size);
    error = og_stmt_step(st);
    if (error == OG_ROW) {
        og_audit__cp cp;
        og_audit__cp_from_row(st, &cp);
        *out = og_audit__cp_json_note(s, chain, &cp);
        error = *out ? 0 : og_error_set(OG_ERROR, "out of memory");
    } else if (error == OG_DONE) {
        error = og_error_set(OG_ENOTFOUND, "audit chain '%s' has no checkpoint%s", chain,
                             min_size > 1 ? " covering that record yet" : "");
    }
    og_stmt_free(st);
    return error;
}

int og_audit__cp_recorded_latest(og_store *s, const char *chain, int64_t *seq, og_audit__cp *cp)
{
    og_stmt *st = NULL;
    json_t *a = NULL;
    *seq = 0;
    memset(cp, 0, sizeof(*cp));
    /* the literals let SQLite use the partial index audit_record_checkpoints */
    int error = og_stmt_prepare(&st, s,
                                "SELECT seq, analysis FROM audit_record WHERE chain = 'platform'"
                                " AND action = 'audit.checkpoint' AND target_id = ?"
                                " ORDER BY seq DESC LIMIT 1");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, chain);
    if ((error = og_stmt_step(st)) == OG_ROW) {
        const char *text = og_stmt_col_text(st, 1);
        *seq = og_stmt_col_int(st, 0);
        if (!text || !(a = json_loads(text, 0, NULL)) || og_audit__cp_from_json(a, cp) < 0)
            error = og_error_set(OG_ECORRUPT,
                                 "platform chain record %lld (audit.checkpoint of"
                                 " chain '%s') is damaged",
                                 (long long)*seq, chain);
        else
            error = 0;
    } else if (error == OG_DONE) {
        error = 0;
    }
    json_decref(a);
    og_stmt_free(st);
    return error;
}

/* Stream the stored record hashes [begin, end) into a Merkle accumulator (fresh, or when
 * `resume`, one that holds the leaves [0, begin) already). When check_size > 0, also compares the
 * root at that size with check_root (the previous checkpoint), so a checkpoint is never signed
 * over a rewritten history. */
static int chain_stream_acc(og_store *s, const char *chain, uint64_t begin, uint64_t end,
                            og_merkle_acc *acc, int resume, uint64_t check_size,
                            const char *check_root)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s,
                                "SELECT seq, hash FROM audit_record WHERE chain = ? AND seq > ?"
                                " AND seq <= ? ORDER BY seq");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, chain);
    og_stmt_bind_int(st, 2, (int64_t)begin);
    og_stmt_bind_int(st, 3, (int64_t)end);
    uint64_t expect = begin + 1;
    if (!resume)
        og_audit_merkle_acc_init(acc);
    uint64_t base = acc->size;
    while ((error = og_stmt_step(st)) == OG_ROW) {
        uint8_t raw[32], leaf[32];
        const char *hex = og_stmt_col_text(st, 1);
        if ((uint64_t)og_stmt_col_int(st, 0) != expect || !hex ||
            og_hex_decode(hex, raw, sizeof(raw)) != 32) {
            error = og_error_set(OG_ECORRUPT, "audit chain '%s' is damaged at seq %llu", chain,
                                 (unsigned long long)expect);
            goto cleanup;
        }
        og_audit_merkle_leaf(raw, 32, leaf);
        og_audit_merkle_acc_add(acc, leaf);
        if (check_size && acc->size == check_size) {
            uint8_t root[32];
            char root_hex[OG_AUDIT_HASH_HEX];
            og_audit_merkle_acc_root(acc, root);
            og_hex_encode(root, 32, root_hex);
            if (!og_streq(root_hex, check_root)) {
                error =
                    og_error_set(OG_ECORRUPT,
                                 "audit chain '%s' no longer matches its checkpoint at tree size"
                                 " %llu: refusing to sign",
                                 chain, (unsigned long long)check_size);
                goto cleanup;
            }
        }
        expect++;
    }
    if (error < 0)
        goto cleanup;
    if (acc->size - base != end - begin) {
        error = og_error_set(OG_ECORRUPT,
                             "audit chain '%s' has %llu records where %llu were"
                             " expected",
                             chain, (unsigned long long)(begin + acc->size - base),
                             (unsigned long long)end);
        goto cleanup;
    }
    error = 0;
cleanup:
    og_stmt_free(st);
    return error;
}

static int chain_stream(og_store *s, const char *chain, uint64_t begin, uint64_t end,
                        og_merkle_acc *acc, uint64_t check_size, const char *check_root)
{
    return chain_stream_acc(s, chain, begin, end, acc, 0, check_size, check_root);
}

int og_audit__chain_subtree(void *arg, uint64_t begin, uint64_t end, uint8_t out[32])
{
    og_audit__chain_src *src = arg;
    og_merkle_acc acc;
    int error = chain_stream(src->s, src->chain, begin, end, &acc, 0, NULL);
    if (error < 0)
        return error;
    og_audit_merkle_acc_root(&acc, out);
    return 0;
}

int og_audit__chain_length(og_store *s, const char *chain, int64_t *n)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, s, "SELECT max(seq) FROM audit_record WHERE chain = ?");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, chain);
    error = og_stmt_step(st);
    *n = error == OG_ROW ? og_stmt_col_int(st, 0) : 0;
    og_stmt_free(st);
    return error < 0 ? error : 0;
}
/* Chains in name order, one index probe each: next chain after `after` (or the first). */

int og_audit__next_chain(og_store *s, const char *after, char *out, size_t size)
{
    og_stmt *st = NULL;
    int error =
        og_stmt_prepare(&st, s,
                        "SELECT min(chain) FROM (SELECT min(chain) AS chain FROM audit_record"
                        " WHERE chain > ? UNION ALL SELECT min(chain) FROM audit_checkpoint"
                        " WHERE chain > ?) AS c");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, after ? after : "");
    og_stmt_bind_text(st, 2, after ? after : "");
    error = og_stmt_step(st);
    if (error == OG_ROW && og_stmt_col_text(st, 0)) {
        og_strlcpy(out, og_stmt_col_text(st, 0), size);
        error = 1;
    } else if (error >= 0) {
        error = 0;
    }
    og_stmt_free(st);
    return error;
}

static int same_cp(const og_audit__cp *a, const og_audit__cp *b)
{
    return a->size == b->size && og_streq(a->root, b->root) && og_streq(a->time, b->time) &&
           og_streq(a->key_id, b->key_id) && og_streq(a->sig, b->sig) &&
           og_streq(a->origin, b->origin);
}

/*
 * The checkpoint trail of a chain before a new checkpoint is signed: its latest checkpoint and
 * the latest one recorded for it in the platform chain must be the same one (or both absent: a
 * first checkpoint). *prev receives it (size 0 when none). For the platform chain, its checkpoint
 * at size n must be recorded by record n + 1.
 */
static int trail_check(og_store *s, const char *chain, og_audit__cp *prev)
{
    json_t *latest = NULL;
    og_audit__cp local = {0}, recorded;
    int64_t rseq = 0;
    int error = og_audit__checkpoint_latest(s, chain, 0, &latest);
    memset(prev, 0, sizeof(*prev));
    if (error == OG_ENOTFOUND)
        error = 0;
    else if (error == 0 && og_audit__cp_from_json(latest, &local) < 0)
        error = og_error_set(OG_ECORRUPT, "the latest checkpoint of audit chain '%s' is damaged",
                             chain);
    json_decref(latest);
    if (error < 0)
        return error;
    if ((error = og_audit__cp_recorded_latest(s, chain, &rseq, &recorded)) < 0)
        return error;
    /* a trail from before 2185d40: its latest checkpoint as audit.adopt lists it (adopt.c) */
    if (!rseq && local.size && (error = og_audit__adopted_latest(s, chain, &local)) != 0) {
        if (error < 0)
            return error;
        *prev = local;
        return 0;
    }
    if (!rseq && local.size)
        return og_error_set(OG_ECORRUPT,
                            "audit chain '%s': its checkpoint at tree size %lld is not recorded in"
                            " the platform chain: refusing to sign",
                            chain, (long long)local.size);
    if (rseq && !local.size)
        return og_error_set(OG_ECORRUPT,
                            "audit chain '%s': the platform chain records its checkpoint at tree"
                            " size %lld (platform seq %lld), which is missing: its history has no"
                            " checkpoint trail; refusing to sign",
                            chain, (long long)recorded.size, (long long)rseq);
    if (rseq && !same_cp(&local, &recorded))
        return og_error_set(OG_ECORRUPT,
                            "audit chain '%s': its latest checkpoint (tree size %lld) is not the"
                            " one the platform chain records last (tree size %lld, platform seq"
                            " %lld): refusing to sign",
                            chain, (long long)local.size, (long long)recorded.size,
                            (long long)rseq);
    if (rseq && og_streq(chain, OG_AUDIT_PLATFORM_CHAIN) && rseq != recorded.size + 1)
        return og_error_set(OG_ECORRUPT,
                            "the platform chain's checkpoint at tree size %lld is recorded at seq"
                            " %lld, not %lld: refusing to sign",
                            (long long)recorded.size, (long long)rseq,
                            (long long)recorded.size + 1);
    *prev = local;
    return 0;
}

/* Append one line to the witness file and make it durable before the checkpoint commits. */
static int witness_append(const char *path, const json_t *cp)
{
    int error = 0, fd;
    char *line = json_dumps(cp, JSON_COMPACT | JSON_SORT_KEYS);
    if (!line)
        return og_error_set(OG_ERROR, "out of memory");
    size_t len = strlen(line);
    line[len++] = '\n'; /* json_dumps leaves room: overwrite the NUL, write len bytes */
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = og_error_set(OG_ERROR, "cannot open the audit witness file '%s': %s", path,
                             strerror(errno));
        goto cleanup;
    }
    /* one write: O_APPEND keeps the line whole when two writers share the file */
    if (write(fd, line, len) != (ssize_t)len || fsync(fd) < 0)
        error = og_error_set(OG_ERROR, "cannot write the audit witness file '%s': %s", path,
                             strerror(errno));
    close(fd);
cleanup:
    free(line);
    return error;
}

/* ---- publishers: who hears of a new checkpoint (the event outbox, registered by app/) ---- */

#define MAX_PUBLISHERS 8
static pthread_mutex_t publishers_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    og_audit_publish_fn fn;
    void *arg;
} publishers[MAX_PUBLISHERS];
static size_t npublishers;

int og_audit_publisher_register(og_audit_publish_fn fn, void *arg)
{
    int error = 0;
    size_t i;
    if (!fn)
        return og_error_set(OG_EINVAL, "a checkpoint publisher needs a function");
    pthread_mutex_lock(&publishers_mu);
    for (i = 0; i < npublishers && !(publishers[i].fn == fn && publishers[i].arg == arg); i++)
        ;
    if (i == npublishers) {
        if (npublishers == MAX_PUBLISHERS) {
            error = og_error_set(OG_ERROR, "too many checkpoint publishers (at most %d)",
                                 MAX_PUBLISHERS);
        } else {
            publishers[npublishers].fn = fn;
            publishers[npublishers].arg = arg;
            npublishers++;
        }
    }
    pthread_mutex_unlock(&publishers_mu);
    return error;
}

void og_audit_publisher_unregister(og_audit_publish_fn fn, void *arg)
{
    pthread_mutex_lock(&publishers_mu);
    for (size_t i = 0; i < npublishers; i++)
        if (publishers[i].fn == fn && publishers[i].arg == arg) {
            publishers[i] = publishers[--npublishers];
            break;
        }
    pthread_mutex_unlock(&publishers_mu);
}

/* Hand cpj to every publisher, in the order registered; the first failure stops. */
static int publish_to_all(og_ctx *ctx, json_t *cpj)
{
    og_audit_publish_fn fns[MAX_PUBLISHERS];
    void *args[MAX_PUBLISHERS];
    size_t n;
    int error = 0;
    pthread_mutex_lock(&publishers_mu);
    n = npublishers;
    for (size_t i = 0; i < n; i++) {
        fns[i] = publishers[i].fn;
        args[i] = publishers[i].arg;
    }
    pthread_mutex_unlock(&publishers_mu);
    for (size_t i = 0; i < n && error == 0; i++)
        error = fns[i](ctx, cpj, args[i]);
    return error;
}

/* Record a new checkpoint in the platform chain, hand it to the publishers, write it to the
 * witness file: all in the checkpoint's transaction, so it commits only once published. */
static int publish(og_ctx *ctx, const og_audit_opts *opts, const char *chain,
                   const og_audit__cp *cp, json_t *cpj)
{
    int error = -1;
    json_t *analysis = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "tree_size", (json_int_t)cp->size,
                                 "root_hash", cp->root, "time", cp->time, "algorithm", "ed25519",
                                 "key_id", cp->key_id, "signature", cp->sig);
    if (!analysis ||
        (cp->origin[0] && json_object_set_new(analysis, "origin", json_string(cp->origin)) < 0)) {
        json_decref(analysis);
        return og_error_set(OG_ERROR, "out of memory");
    }
    og_audit_rec rec = {.area = "audit",
                        .action = OG_AUDIT_ACT_CHECKPOINT,
                        .target_type = "audit_chain",
                        .target_id = chain,
                        .analysis = analysis};
    if ((error = og_audit_append(ctx, &rec, NULL)) < 0 || (error = publish_to_all(ctx, cpj)) < 0)
        goto cleanup;
    if (opts && opts->witness_file && opts->witness_file[0] &&
        (error = witness_append(opts->witness_file, cpj)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    json_decref(analysis);
    return error;
}

/* Has the chain grown since its checkpoint at prev_size? The platform chain has not when its only
 * new record is the one recording that checkpoint (record prev_size + 1). */
static int grown(og_store *s, const char *chain, int64_t n, int64_t prev_size)
{
    if (n <= prev_size)
        return 0;
    if (og_streq(chain, OG_AUDIT_PLATFORM_CHAIN) && prev_size && n == prev_size + 1) {
        og_audit__cp rec;
        int64_t rseq = 0;
        if (og_audit__cp_recorded_latest(s, chain, &rseq, &rec) == 0 && rseq == n &&
            rec.size == prev_size)
            return 0;
        og_error_clear();
    }
    return 1;
}

/* One checkpoint run: the signing key, loaded once, and the platform chain as checked before any
 * chain is signed (its Merkle accumulator up to its latest checkpoint, resumed when it is signed
 * last). */
typedef struct run_state {
    og_audit__signer sg;
    int platform_checked;
    og_audit__cp pprev;
    og_merkle_acc pacc;
} run_state;

/*
 * Before signing anything: the platform chain must still extend its own latest checkpoint. It
 * records every other chain's checkpoints, which is what signing a chain checks against: if it
 * was rewritten (say, to drop the records of a chain's deleted checkpoints), nothing is signed.
 */
static int platform_precheck(og_ctx *ctx, run_state *rs)
{
    /* an upgraded trail from before 2185d40 is adopted first, if opening did not (adopt.c) */
    int error = og_audit_adopt(ctx, NULL);
    if (error < 0 || (error = trail_check(ctx->store, OG_AUDIT_PLATFORM_CHAIN, &rs->pprev)) < 0)
        return error;
    if ((error = chain_stream(ctx->store, OG_AUDIT_PLATFORM_CHAIN, 0, (uint64_t)rs->pprev.size,
                              &rs->pacc, (uint64_t)rs->pprev.size,
                              rs->pprev.size ? rs->pprev.root : NULL)) < 0)
        return error;
    rs->platform_checked = 1;
    return 0;
}

/* A C2SP tlog-checkpoint's origin: "<log name>/<chain>". */
static int origin_of(og_store *s, const char *chain, char origin[OG_AUDIT_ORIGIN_MAX])
{
    char name[OG_AUDIT_NOTE_NAME_MAX];
    int error = og_audit__log_name(s, name, sizeof(name));
    if (error < 0)
        return error;
    size_t nn = strlen(name), cn = strlen(chain);
    if (nn + 1 + cn >= OG_AUDIT_ORIGIN_MAX)
        return og_error_set(OG_EINVAL, "audit chain '%s': its origin would be too long", chain);
    memcpy(origin, name, nn);
    origin[nn] = '/';
    memcpy(origin + nn + 1, chain, cn + 1);
    return 0;
}

/* Checkpoint one chain by name, inside an open transaction. *made = 1 when a new one was signed. */
static int checkpoint_chain(og_ctx *ctx, const char *chain, const og_audit_opts *opts,
                            run_state *rs, json_t **out, int *made)
{
    og_audit__signer *sg = &rs->sg;
    int error = -1;
    og_stmt *st = NULL;
    og_buf msg = {0};
    uint8_t root[32], sig[64];
    char *sig_b64 = NULL;
    int64_t n = 0;
    og_audit__cp prev, cp;
    og_merkle_acc acc;
    json_t *cpj = NULL;
    *made = 0;
    og_buf_init(&msg, 4096);
    if ((error = trail_check(ctx->store, chain, &prev)) < 0 ||
        (error = og_audit__chain_length(ctx->store, chain, &n)) < 0)
        goto cleanup;
    if (n == 0 && !prev.size) {
        error = og_error_set(OG_ENOTFOUND, "audit chain '%s' has no records to checkpoint", chain);
        goto cleanup;
    }
    if (n < prev.size) {
        error = og_error_set(OG_ECORRUPT,
                             "audit chain '%s' ends at seq %lld but its checkpoint covers %lld"
                             " records: refusing to sign",
                             chain, (long long)n, (long long)prev.size);
        goto cleanup;
    }
    if (!grown(ctx->store, chain, n, prev.size)) {
        if (out && !(*out = og_audit__cp_json_note(ctx->store, chain, &prev)))
            error = og_error_set(OG_ERROR, "out of memory");
        else
            error = 0;
        goto cleanup;
    }
    if (!sg->loaded) {
        /* may append an audit.key.register record to the platform chain: count after it */
        if ((error = og_audit__signer_load(ctx, opts, sg)) < 0 ||
            (error = og_audit__chain_length(ctx->store, chain, &n)) < 0)
            goto cleanup;
    }
    if (rs->platform_checked && og_streq(chain, OG_AUDIT_PLATFORM_CHAIN) &&
        prev.size == rs->pprev.size && og_streq(prev.root, rs->pprev.root)) {
        /* checked up to its latest checkpoint already: go on from there */
        acc = rs->pacc;
        error =
            chain_stream_acc(ctx->store, chain, (uint64_t)prev.size, (uint64_t)n, &acc, 1, 0, NULL);
    } else {
        error = chain_stream(ctx->store, chain, 0, (uint64_t)n, &acc, (uint64_t)prev.size,
                             prev.size ? prev.root : NULL);
    }
    if (error < 0)
        goto cleanup;
    memset(&cp, 0, sizeof(cp));
    cp.size = n;
    og_audit_merkle_acc_root(&acc, root);
    og_hex_encode(root, 32, cp.root);
    og_time_format(og_time_now_us(), cp.time);
    og_strlcpy(cp.key_id, sg->key_id, sizeof(cp.key_id));
    if ((error = origin_of(ctx->store, chain, cp.origin)) < 0 ||
        (error = og_audit__cp_message(&msg, chain, &cp)) < 0 ||
        (error = og_crypto_ed25519_sign(sg->priv, msg.data, msg.len, sig)) < 0)
        goto cleanup;
    if (!(sig_b64 = og_base64_encode(sig, sizeof(sig)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_strlcpy(cp.sig, sig_b64, sizeof(cp.sig));
    if ((error =
             og_stmt_prepare(&st, ctx->store,
                             "INSERT INTO audit_checkpoint (chain, tree_size, root, time, key_id,"
                             " signature, origin) VALUES (?, ?, ?, ?, ?, ?, ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, chain);
    og_stmt_bind_int(st, 2, n);
    og_stmt_bind_text(st, 3, cp.root);
    og_stmt_bind_text(st, 4, cp.time);
    og_stmt_bind_text(st, 5, cp.key_id);
    og_stmt_bind_text(st, 6, cp.sig);
    og_stmt_bind_text(st, 7, cp.origin);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    og_buf_reset(&msg);
    if (!(cpj = og_audit__cp_json(chain, &cp))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_audit__cp_note(&msg, chain, &cp, sg->pub)) < 0)
        goto cleanup;
    if (json_object_set_new(cpj, "note", json_stringn(msg.data, msg.len)) < 0) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = publish(ctx, opts, chain, &cp, cpj)) < 0)
        goto cleanup;
    if (out) {
        *out = cpj;
        cpj = NULL;
    }
    *made = 1;
    error = 0;
cleanup:
    free(sig_b64);
    json_decref(cpj);
    og_stmt_free(st);
    og_buf_free(&msg);
    return error;
}

/* One chain in its own transaction. */
static int checkpoint_tx(og_ctx *ctx, const char *chain, const og_audit_opts *opts, run_state *rs,
                         json_t **out, int *made)
{
    int error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = checkpoint_chain(ctx, chain, opts, rs, out, made)) < 0) {
        og_store_tx_rollback(ctx->store);
        if (out) {
            json_decref(*out);
            *out = NULL;
        }
        /* a signer loaded in the rolled-back transaction may have registered its key there */
        og_audit__signer_wipe(&rs->sg);
        *made = 0;
        return error;
    }
    return og_store_tx_commit(ctx->store);
}

int og_audit_checkpoint_with(og_ctx *ctx, const char *tenant_id, const og_audit_opts *opts,
                             json_t **out)
{
    int error, made = 0, pmade = 0;
    run_state rs;
    memset(&rs, 0, sizeof(rs));
    const char *chain = og_audit__chain_name(tenant_id);
    if (out)
        *out = NULL;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = platform_precheck(ctx, &rs)) < 0 ||
        (error = checkpoint_tx(ctx, chain, opts, &rs, out, &made)) < 0)
        goto cleanup;
    /* cover the record of that checkpoint by a checkpoint of the platform chain */
    if (made && !og_streq(chain, OG_AUDIT_PLATFORM_CHAIN) &&
        (error = checkpoint_tx(ctx, OG_AUDIT_PLATFORM_CHAIN, opts, &rs, NULL, &pmade)) < 0) {
        if (out) {
            json_decref(*out);
            *out = NULL;
        }
        goto cleanup;
    }
    error = 0;
cleanup:
    og_audit__signer_wipe(&rs.sg);
    return error;
}

int og_audit_checkpoint(og_ctx *ctx, const char *tenant_id, json_t **out)
{
    return og_audit_checkpoint_with(ctx, tenant_id, NULL, out);
}

int og_audit_checkpoint_all_with(og_ctx *ctx, const og_audit_opts *opts, int *made)
{
    int error, first = 0, total = 0, m = 0;
    char chain[128] = "", msg[512] = "";
    run_state rs;
    memset(&rs, 0, sizeof(rs));
    if (made)
        *made = 0;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = platform_precheck(ctx, &rs)) < 0)
        goto cleanup;
    /* Every other chain first: their audit.checkpoint records go into the platform chain, whose
     * own checkpoint then covers them. A chain that cannot be signed (its trail is broken) does
     * not keep the others from being signed: the first such error is returned at the end. */
    for (;;) {
        error = og_audit__next_chain(ctx->store, chain, chain, sizeof(chain));
        if (error <= 0)
            break;
        if (og_streq(chain, OG_AUDIT_PLATFORM_CHAIN))
            continue;
        error = checkpoint_tx(ctx, chain, opts, &rs, NULL, &m);
        if (error == OG_ENOTFOUND)
            error = 0; /* a chain with no records: nothing to sign */
        if (error == OG_ECORRUPT && !first) {
            first = error;
            og_strlcpy(msg, og_error_last(), sizeof(msg));
        } else if (error < 0 && error != OG_ECORRUPT) {
            goto cleanup; /* the key, the disk, the witness: nothing else would work either */
        }
        total += error == 0 ? m : 0;
    }
    if (error < 0)
        goto cleanup;
    error = checkpoint_tx(ctx, OG_AUDIT_PLATFORM_CHAIN, opts, &rs, NULL, &m);
    if (error == OG_ENOTFOUND)
        error = 0;
    else if (error == 0)
        total += m;
    if (error == 0 && first)
        error = og_error_set(first, "%s", msg);
cleanup:
    og_audit__signer_wipe(&rs.sg);
    if (made)
        *made = total;
    return error;
}

int og_audit_checkpoint_all(og_ctx *ctx, int *made)
{
    return og_audit_checkpoint_all_with(ctx, NULL, made);
}
