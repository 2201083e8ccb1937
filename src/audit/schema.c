/* schema.c - tables owned by the audit module: records, checkpoints and the signing key. */
#include "opsgate/store.h"

/*
 * Immutability is enforced by the database itself: triggers RAISE on every UPDATE and DELETE of a
 * record or a checkpoint, so no code path (ours or a buggy module's) can rewrite evidence through
 * the store. Someone with the file can still drop the triggers; that is what the hash chain, the
 * Merkle tree and the signed checkpoints are for (`opsgate audit verify`).
 *
 * audit_record.time is RFC 3339 UTC with microseconds in a fixed width, so text order is time
 * order and since/until filters compare strings. prev_hash/hash are lower-case hex SHA-256.
 * audit_key.sealed is the Ed25519 private key sealed with og_crypto_seal() in the platform scope.
 */
static const char v1_sqlite[] =
    "CREATE TABLE audit_record ("
    " chain TEXT NOT NULL,"
    " seq INTEGER NOT NULL,"
    " time TEXT NOT NULL,"
    " actor TEXT NOT NULL,"
    " token_id TEXT,"
    " area TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " target_type TEXT,"
    " target_id TEXT,"
    " event_id TEXT,"
    " analysis TEXT,"
    " gate_level TEXT,"
    " gate_decision TEXT,"
    " gate_decided_by TEXT,"
    " gate_decided_at TEXT,"
    " outcome TEXT NOT NULL,"
    " detail TEXT,"
    " rollback_of INTEGER,"
    " prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL,"
    " PRIMARY KEY (chain, seq)"
    ") WITHOUT ROWID;"
    "CREATE INDEX audit_record_by_time ON audit_record (chain, time);"
    "CREATE INDEX audit_record_by_action ON audit_record (chain, action, seq);"
    "CREATE TRIGGER audit_record_no_update BEFORE UPDATE ON audit_record"
    " BEGIN SELECT RAISE(ABORT, 'audit records are immutable: UPDATE refused'); END;"
    "CREATE TRIGGER audit_record_no_delete BEFORE DELETE ON audit_record"
    " BEGIN SELECT RAISE(ABORT, 'audit records are immutable: DELETE refused'); END;"
    "CREATE TABLE audit_checkpoint ("
    " chain TEXT NOT NULL,"
    " tree_size INTEGER NOT NULL,"
    " root TEXT NOT NULL,"
    " time TEXT NOT NULL,"
    " key_id TEXT NOT NULL,"
    " signature TEXT NOT NULL,"
    " PRIMARY KEY (chain, tree_size)"
    ") WITHOUT ROWID;"
    "CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint"
    " BEGIN SELECT RAISE(ABORT, 'audit checkpoints are immutable: UPDATE refused'); END;"
    "CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint"
    " BEGIN SELECT RAISE(ABORT, 'audit checkpoints are immutable: DELETE refused'); END;"
    "CREATE TABLE audit_key ("
    " key_id TEXT PRIMARY KEY,"
    " public_key BLOB NOT NULL,"
    " sealed BLOB NOT NULL,"
    " created_at TEXT NOT NULL"
    ");"
    "CREATE TRIGGER audit_key_no_update BEFORE UPDATE ON audit_key"
    " BEGIN SELECT RAISE(ABORT, 'audit signing keys are immutable: UPDATE refused'); END;"
    "CREATE TRIGGER audit_key_no_delete BEFORE DELETE ON audit_key"
    " BEGIN SELECT RAISE(ABORT, 'audit signing keys are immutable: DELETE refused'); END;";

/*
 * Step 2 (audit_chain_guard): a record may only be INSERTed where it extends its chain: seq is the
 * chain's last seq + 1 and prev_hash is the last record's hash (64 zeros for seq 1). A speed bump
 * for casual tampering with the file (the hash chain and the checkpoints are the real defence);
 * it costs two index probes per append. The partial index finds the audit.checkpoint records of
 * one chain in the platform chain (signing and verify look them up; other records skip it).
 */
static const char v2_sqlite[] =
    "CREATE TRIGGER audit_record_extends_chain BEFORE INSERT ON audit_record"
    " WHEN NEW.seq IS NOT coalesce((SELECT max(seq) FROM audit_record WHERE chain = NEW.chain), 0)"
    " + 1 OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM audit_record WHERE chain = NEW.chain"
    " AND seq = NEW.seq - 1),"
    " '0000000000000000000000000000000000000000000000000000000000000000')"
    " BEGIN SELECT RAISE(ABORT, 'audit records must extend their chain: seq must be the last seq"
    " + 1 and prev_hash the last record''s hash'); END;"
    "CREATE INDEX audit_record_checkpoints ON audit_record (target_id, seq)"
    " WHERE chain = 'platform' AND action = 'audit.checkpoint';";

/*
 * Step 3 (audit_record_names): the human names next to the ids, as they were when the record was
 * written (NULL in older records, whose canonical JSON then omits them): the tenant's name, the
 * acting user's id (the actor label already has the name) and the target's name. The partial
 * index finds the last name recorded for a target, so that a record about an object its module
 * has just removed still names it.
 */
static const char v3_sqlite[] =
    "ALTER TABLE audit_record ADD COLUMN tenant_name TEXT;"
    "ALTER TABLE audit_record ADD COLUMN actor_id TEXT;"
    "ALTER TABLE audit_record ADD COLUMN target_name TEXT;"
    "CREATE INDEX audit_record_by_target ON audit_record (chain, target_type, target_id, seq)"
    " WHERE target_name IS NOT NULL;";

/*
 * PostgreSQL (the same tables, indexes and refusals): one trigger function raises the message its
 * trigger passes, for UPDATE and DELETE of every row and for TRUNCATE (which skips row triggers);
 * the chain guard is a plpgsql function with the test of SQLite's WHEN clause. The triggers keep
 * their SQLite names, so `audit verify` can look for them by name on either backend.
 */
#define AUDIT_REFUSE_PG(table, what)                                                               \
    "CREATE TRIGGER " table "_no_update BEFORE UPDATE ON " table " FOR EACH ROW EXECUTE FUNCTION"  \
    " og_audit_refuse('" what " are immutable: UPDATE refused');"                                  \
    "CREATE TRIGGER " table "_no_delete BEFORE DELETE ON " table " FOR EACH ROW EXECUTE FUNCTION"  \
    " og_audit_refuse('" what " are immutable: DELETE refused');"                                  \
    "CREATE TRIGGER " table "_no_truncate BEFORE TRUNCATE ON " table                               \
    " FOR EACH STATEMENT EXECUTE FUNCTION og_audit_refuse('" what " are immutable: TRUNCATE"       \
    " refused');"

// clang-format off
static const char v1_postgres[] =
    "CREATE FUNCTION og_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';"
    " END $$;"
    "CREATE TABLE audit_record ("
    " chain TEXT NOT NULL,"
    " seq BIGINT NOT NULL,"
    " time TEXT NOT NULL,"
    " actor TEXT NOT NULL,"
    " token_id TEXT,"
    " area TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " target_type TEXT,"
    " target_id TEXT,"
    " event_id TEXT,"
    " analysis TEXT,"
    " gate_level TEXT,"
    " gate_decision TEXT,"
    " gate_decided_by TEXT,"
    " gate_decided_at TEXT,"
    " outcome TEXT NOT NULL,"
    " detail TEXT,"
    " rollback_of BIGINT,"
    " prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL,"
    " PRIMARY KEY (chain, seq)"
    ");"
    "CREATE INDEX audit_record_by_time ON audit_record (chain, time);"
    "CREATE INDEX audit_record_by_action ON audit_record (chain, action, seq);"
    AUDIT_REFUSE_PG("audit_record", "audit records")
    "CREATE TABLE audit_checkpoint ("
    " chain TEXT NOT NULL,"
    " tree_size BIGINT NOT NULL,"
    " root TEXT NOT NULL,"
    " time TEXT NOT NULL,"
    " key_id TEXT NOT NULL,"
    " signature TEXT NOT NULL,"
    " PRIMARY KEY (chain, tree_size)"
    ");"
    AUDIT_REFUSE_PG("audit_checkpoint", "audit checkpoints")
    "CREATE TABLE audit_key ("
    " key_id TEXT PRIMARY KEY,"
    " public_key BYTEA NOT NULL,"
    " sealed BYTEA NOT NULL,"
    " created_at TEXT NOT NULL"
    ");"
    AUDIT_REFUSE_PG("audit_key", "audit signing keys");
// clang-format on

static const char v2_postgres[] =
    "CREATE FUNCTION og_audit_record_extends_chain() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    " IF NEW.seq IS DISTINCT FROM coalesce((SELECT max(seq) FROM audit_record"
    " WHERE chain = NEW.chain), 0) + 1 OR NEW.prev_hash IS DISTINCT FROM coalesce((SELECT hash"
    " FROM audit_record WHERE chain = NEW.chain AND seq = NEW.seq - 1),"
    " '0000000000000000000000000000000000000000000000000000000000000000') THEN"
    " RAISE EXCEPTION 'audit records must extend their chain: seq must be the last seq + 1 and"
    " prev_hash the last record''s hash' USING ERRCODE = 'integrity_constraint_violation';"
    " END IF;"
    " RETURN NEW;"
    " END $$;"
    "CREATE TRIGGER audit_record_extends_chain BEFORE INSERT ON audit_record"
    " FOR EACH ROW EXECUTE FUNCTION og_audit_record_extends_chain();"
    "CREATE INDEX audit_record_checkpoints ON audit_record (target_id, seq)"
    " WHERE chain = 'platform' AND action = 'audit.checkpoint';";

static const char v3_postgres[] =
    "ALTER TABLE audit_record ADD COLUMN tenant_name TEXT;"
    "ALTER TABLE audit_record ADD COLUMN actor_id TEXT;"
    "ALTER TABLE audit_record ADD COLUMN target_name TEXT;"
    "CREATE INDEX audit_record_by_target ON audit_record (chain, target_type, target_id, seq)"
    " WHERE target_name IS NOT NULL;";

/* Step 4: C2SP checkpoints (their origin; NULL for an opsgate-audit-checkpoint/1 one), the
 * witnesses that cosign them (tlog-witness), what each witness has seen of each chain, and their
 * cosignatures. Witnesses are configuration (added and removed, audited); cosignatures are
 * evidence and kept, their signatures checked by verify. */
#define AUDIT_V4(BIGINT)                                                                           \
    "ALTER TABLE audit_checkpoint ADD COLUMN origin TEXT;"                                         \
    "CREATE TABLE audit_witness ("                                                                 \
    " id TEXT PRIMARY KEY,"                                                                        \
    " tenant_id TEXT,"                                                                             \
    " url TEXT NOT NULL,"                                                                          \
    " vkey TEXT NOT NULL,"                                                                         \
    " name TEXT NOT NULL,"                                                                         \
    " created_at TEXT NOT NULL,"                                                                   \
    " created_by TEXT NOT NULL"                                                                    \
    ");"                                                                                           \
    "CREATE UNIQUE INDEX audit_witness_by_key ON audit_witness (coalesce(tenant_id, ''), vkey);"   \
    "CREATE TABLE audit_witness_state ("                                                           \
    " witness_id TEXT NOT NULL,"                                                                   \
    " chain TEXT NOT NULL,"                                                                        \
    " tree_size " BIGINT " NOT NULL,"                                                              \
    " root TEXT NOT NULL,"                                                                         \
    " updated_at TEXT NOT NULL,"                                                                   \
    " refused_size " BIGINT ","                                                                    \
    " refused_at TEXT,"                                                                            \
    " refusal TEXT,"                                                                               \
    " PRIMARY KEY (witness_id, chain)"                                                             \
    ");"                                                                                           \
    "CREATE TABLE audit_cosignature ("                                                             \
    " chain TEXT NOT NULL,"                                                                        \
    " tree_size " BIGINT " NOT NULL,"                                                              \
    " witness_vkey TEXT NOT NULL,"                                                                 \
    " witness_url TEXT NOT NULL,"                                                                  \
    " line TEXT NOT NULL,"                                                                         \
    " timestamp " BIGINT ","                                                                       \
    " received_at TEXT NOT NULL,"                                                                  \
    " PRIMARY KEY (chain, tree_size, witness_vkey)"                                                \
    ");"

static const char v4_sqlite[] = AUDIT_V4("INTEGER");
static const char v4_postgres[] = AUDIT_V4("BIGINT");

static const og_migration steps[] = {
    {1, v1_sqlite, v1_postgres},
    {2, v2_sqlite, v2_postgres},
    {3, v3_sqlite, v3_postgres},
    {4, v4_sqlite, v4_postgres},
};

const og_schema og_audit_schema = {"audit", steps, sizeof(steps) / sizeof(steps[0])};
