/* certs_api.h - internal to src/http: handlers of /api/v1/tenants/{tenant}/certs and of the
 * platform-wide /api/v1/certificates. */
#ifndef OPSGATE_HTTP_CERTS_API_H
#define OPSGATE_HTTP_CERTS_API_H

struct og_http_req;

int og_http__certs_list(struct og_http_req *r);
int og_http__certs_list_all(struct og_http_req *r);
int og_http__certs_show(struct og_http_req *r);
int og_http__certs_validity_report(struct og_http_req *r);
/* certreq_api.c: certificate requests outside ACME */
int og_http__certreq_create(struct og_http_req *r);
int og_http__certreq_list(struct og_http_req *r);
int og_http__certreq_show(struct og_http_req *r);
int og_http__certreq_cancel(struct og_http_req *r);
int og_http__certs_scan(struct og_http_req *r);
int og_http__certs_import(struct og_http_req *r);
int og_http__certs_policy_get(struct og_http_req *r);
int og_http__certs_policy_set(struct og_http_req *r);
int og_http__certs_discovery_get(struct og_http_req *r);
int og_http__certs_discovery_set(struct og_http_req *r);
int og_http__certs_targets(struct og_http_req *r);
int og_http__certs_schedule_list(struct og_http_req *r);
int og_http__certs_schedule_add(struct og_http_req *r);
int og_http__certs_schedule_delete(struct og_http_req *r);
/* ct_api.c: Certificate Transparency watches, findings and source */
int og_http__ct_watch_list(struct og_http_req *r);
int og_http__ct_watch_add(struct og_http_req *r);
int og_http__ct_watch_remove(struct og_http_req *r);
int og_http__ct_poll(struct og_http_req *r);
int og_http__ct_findings(struct og_http_req *r);
int og_http__ct_finding_expect(struct og_http_req *r);
int og_http__ct_finding_incident(struct og_http_req *r);
int og_http__ct_source_get(struct og_http_req *r);
int og_http__ct_source_set(struct og_http_req *r);
/* certs_alerts_api.c: alerts, the calendar feed and its tokens */
int og_http__certs_alerts_list(struct og_http_req *r);
int og_http__certs_alerts_fleet(struct og_http_req *r);
int og_http__certs_alert_ack(struct og_http_req *r);
int og_http__certs_alert_snooze(struct og_http_req *r);
int og_http__certs_calendar(struct og_http_req *r);
int og_http__certs_calendar_tokens(struct og_http_req *r);
int og_http__certs_calendar_token_create(struct og_http_req *r);
int og_http__certs_calendar_token_revoke(struct og_http_req *r);

#endif
