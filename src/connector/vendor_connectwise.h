/* vendor_connectwise.h - what the ConnectWise adaptor's files share (pulls and callbacks in
 * vendor_connectwise.c, pushes in vendor_connectwise_push.c); nobody else includes it. */
#ifndef OPSGATE_VENDOR_CONNECTWISE_H
#define OPSGATE_VENDOR_CONNECTWISE_H

#include "connector_internal.h"

/* The connector's name for messages ("connectwise" when it has none). */
const char *og_conn__cw_name(const og_conn *c);
/* 1 when s is a ConnectWise record id: a 32-bit integer in decimal (the API's int32), nothing
 * else. */
int og_conn__cw_id_ok(const char *s);
/* A record id out of a JSON integer (or digit string) into out; 0 or OG_EINVAL. */
int og_conn__cw_id_text(const json_t *v, char *out, size_t size);

/* A project's raw records and project data (new references) from its ConnectWise records; id,
 * co (company id) and upd (stamp) already extracted. 0 or OG_ERROR. */
int og_conn__cw_map(const json_t *p, const json_t *phases, const json_t *tickets, const char *id,
                    const char *co, const char *upd, json_t **raw_out, json_t **data_out);
/* 1 when the project's closedFlag or status says closed, complete or cancelled. */
int og_conn__cw_closed(const json_t *p);

int og_conn__cw_attach(og_conn *c, const og_conn_attachment *a, char *remote_id, size_t size);
int og_conn__cw_ticket_open(og_conn *c, const og_conn_ticket *t, char *remote_id, size_t size);
int og_conn__cw_ticket_note(og_conn *c, const char *remote_id, const og_conn_ticket *t);
int og_conn__cw_ticket_close(og_conn *c, const char *remote_id, const og_conn_ticket *t);

int og_conn__cw_webhook(og_conn *c, const og_conn_webhook *w, char *project_id, size_t size);

#endif
