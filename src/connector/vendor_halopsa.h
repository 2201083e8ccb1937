/* vendor_halopsa.h - what the HaloPSA adaptor's files share (vendor_halopsa.c: auth, errors,
 * pull and mapping; vendor_halopsa_push.c: attachments, tickets, webhooks). */
#ifndef OPSGATE_VENDOR_HALOPSA_H
#define OPSGATE_VENDOR_HALOPSA_H

#include "connector_internal.h"

/* A Faults or Attachment record's integer id (Halo sends numbers; a digit string is accepted)
 * as text into out; 0 when it has one. */
int og_halo_id_text(const json_t *v, char *out, size_t size);
/* A remote id given to us (a ticket or project number): digits only, 1..10 of them. */
int og_halo_check_id(og_conn *c, const char *what, const char *id);

/* The pure mapping of one project (vendor_halopsa.c; fuzzed by fuzz_halopsa_map): p the
 * Projects (Faults) record, children its child tickets (an array, may be NULL). Builds
 * og_conn_project (raw and data as in connector_internal.h and docs/connectors/halopsa.md) and
 * returns fn's result; OG_ERROR for a record without a numeric id or out of memory. */
int og_halo_emit(og_conn *c, const json_t *p, const json_t *children, og_conn_project_fn fn,
                 void *arg);

int og_halo_attach(og_conn *c, const og_conn_attachment *a, char *remote_id, size_t size);
int og_halo_ticket_open(og_conn *c, const og_conn_ticket *t, char *remote_id, size_t size);
int og_halo_ticket_note(og_conn *c, const char *remote_id, const og_conn_ticket *t);
int og_halo_ticket_close(og_conn *c, const char *remote_id, const og_conn_ticket *t);
int og_halo_webhook(og_conn *c, const og_conn_webhook *w, char *project_id, size_t size);

#endif
