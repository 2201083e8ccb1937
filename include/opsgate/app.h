/* app.h - process start-up shared by the CLI and the server: what every opsgate process must
 * register before it acts (action kinds, event handlers). */
#ifndef OPSGATE_APP_H
#define OPSGATE_APP_H

/* Register every module's action kinds with the gate engine and the event handlers, so that any
 * process can request, approve, override or list any kind (`gate kinds`, `gate policy set`).
 * Idempotent and thread-safe. 0 or the first module's error. */
int og_app_register_all(void);

#endif
