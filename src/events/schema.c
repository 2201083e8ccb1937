/* schema.c - tables owned by the events module: the outbox, per-handler deliveries and cursors. */
#include "opsgate/store.h"

/*
 * events.seq orders the outbox: SQLite's single writer assigns it in commit order, so a handler's
 * cursor (the last seq it fanned out) never skips an event that commits later with a lower seq.
 * A delivery row is made per (event, handler) by the process that has the handler registered
 * (fan-out), so an event emitted by the CLI is delivered by the server's handlers.
 * States: pending (due at next_us), running (leased until lease_us by a worker; a crashed worker's
 * lease runs out or is reset at start), done, dead (after max attempts; `events retry`).
 */
static const og_migration steps[] = {
    {1,
     "CREATE TABLE events ("
     "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
     "  id TEXT NOT NULL UNIQUE,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  type TEXT NOT NULL,"
     "  payload TEXT NOT NULL,"
     "  actor TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  created_us INTEGER NOT NULL);"
     "CREATE TABLE event_deliveries ("
     "  event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,"
     "  handler TEXT NOT NULL,"
     "  state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead')),"
     "  attempts INTEGER NOT NULL DEFAULT 0,"
     "  next_us INTEGER NOT NULL,"
     "  lease_us INTEGER NOT NULL DEFAULT 0,"
     "  last_error TEXT,"
     "  updated_at TEXT NOT NULL,"
     "  PRIMARY KEY (event_id, handler));"
     "CREATE INDEX event_deliveries_due ON event_deliveries (handler, state, next_us);"
     "CREATE TABLE event_cursors ("
     "  handler TEXT PRIMARY KEY,"
     "  last_seq INTEGER NOT NULL);"
     "CREATE TABLE event_seen ("
     "  handler TEXT NOT NULL,"
     "  event_id TEXT NOT NULL,"
     "  at TEXT NOT NULL,"
     "  PRIMARY KEY (handler, event_id));",
     NULL},
};

static const char *const purge[] = {
    "DELETE FROM event_seen WHERE event_id IN (SELECT id FROM events WHERE tenant_id = ?)",
    "DELETE FROM events WHERE tenant_id = ?",
    NULL,
};

const og_schema og_events_schema = {"events", steps, sizeof(steps) / sizeof(steps[0]), purge};
