/* test_notify_messages.c - notifications a person reads: every event type renders a subject
 * naming the client and the object and a body saying what to do (never raw JSON); per-channel
 * event filters; platform channels that get the chosen events of every tenant and that tenants
 * cannot see. */
#include "og_test.h"
#include "opsgate/audit.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/notify.h"
#include "opsgate/tenant.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SECRET  "a-webhook-secret-of-some-length"
#define DAY_US  86400000000LL
#define HOUR_US 3600000000LL
#define TID     "6b1f0c1e-9f4a-4d5e-8a61-2f0e3c4d5a6b"
#define DASH    "\xe2\x80\x94"

/* ---- rendering: no database needed ---- */

typedef struct rendered {
    char *subject, *text;
} rendered;

static rendered render_at(const char *type, const char *payload_json, int64_t now_us)
{
    og_event ev;
    json_error_t jerr;
    rendered r = {NULL, NULL};
    memset(&ev, 0, sizeof(ev));
    og_strlcpy(ev.id, "0b7d4f2a-1111-4222-8333-444455556666", sizeof(ev.id));
    og_strlcpy(ev.type, type, sizeof(ev.type));
    og_strlcpy(ev.tenant_id, TID, sizeof(ev.tenant_id));
    og_strlcpy(ev.created_at, "2026-11-15T08:00:00Z", sizeof(ev.created_at));
    ev.payload = json_loads(payload_json, 0, &jerr);
    if (!ev.payload)
        fail_msg("bad test JSON: %s", jerr.text);
    OG_ASSERT_OK(og_notify_render(&ev, now_us, &r.subject, &r.text));
    json_decref(ev.payload);
    return r;
}

static int64_t at(const char *t)
{
    int64_t us = 0;
    OG_ASSERT_OK(og_time_parse(t, &us));
    return us;
}

static rendered render(const char *type, const char *payload_json)
{
    return render_at(type, payload_json, at("2026-11-15T08:00:00Z"));
}

static void rendered_free(rendered *r)
{
    free(r->subject);
    free(r->text);
}

#define HAS(s, x)                                                                                  \
    do {                                                                                           \
        if (!strstr((s), (x)))                                                                     \
            fail_msg("'%s' not in:\n%s", (x), (s));                                                \
    } while (0)
#define HASNT(s, x)                                                                                \
    do {                                                                                           \
        if (strstr((s), (x)))                                                                      \
            fail_msg("'%s' in:\n%s", (x), (s));                                                    \
    } while (0)

/* What every message has: the client by name and id, one subject line, no raw JSON. */
static void common(const rendered *r)
{
    HAS(r->subject, "[opsgate] acme: ");
    HASNT(r->subject, "\n");
    HAS(r->text, "Client:      acme (tenant " TID ")");
    HASNT(r->text, "{\"");
    HASNT(r->text, "\":");
}

static void test_render__expiry_alert_names_client_certificate_and_renewal(void **state)
{
    (void)state;
    /* 6 days 23 hours left reads 7 days, not 6: never rounded down to look worse. */
    rendered r = render(
        "certs.expiring",
        "{\"tenant_name\":\"acme\",\"fingerprint\":\"ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34"
        "ef56ab12cd34ef56ab12\",\"subject\":\"CN=shop.acme.example\",\"names\":[\"shop.acme."
        "example\",\"www.shop.acme.example\"],\"not_after\":\"2026-11-22T07:00:00Z\","
        "\"days_left\":6,\"threshold_days\":7,\"renewal_plan\":\"9c0e4d2a-aaaa-4bbb-8ccc-"
        "dddd00001111\",\"locations\":[{\"kind\":\"endpoint\",\"location\":\"10.0.0.5:443\","
        "\"sni\":\"shop.acme.example\"}]}");
    common(&r);
    assert_string_equal(r.subject, "[opsgate] acme: shop.acme.example expires in 7 days " DASH
                                   " renewal scheduled");
    HAS(r.text, "www.shop.acme.example");
    HAS(r.text, "10.0.0.5:443 (SNI shop.acme.example)");
    HAS(r.text, "No action needed");
    HAS(r.text, "9c0e4d2a-aaaa-4bbb-8ccc-dddd00001111");
    rendered_free(&r);

    /* No plan: a person has to act, and is told how. */
    r = render("certs.expiring", "{\"tenant_name\":\"acme\",\"subject\":\"CN=vpn.acme.example, "
                                 "O=Acme\",\"not_after\":\"2026-11-16T14:00:00Z\"}");
    common(&r);
    assert_string_equal(r.subject, "[opsgate] acme: vpn.acme.example expires in 30 hours " DASH
                                   " renewal needed");
    HAS(r.text, "What to do:");
    HAS(r.text, "opsgate cert import --tenant acme");
    rendered_free(&r);

    r = render("certs.expired", "{\"tenant_name\":\"acme\",\"subject\":\"CN=old.acme.example\","
                                "\"not_after\":\"2026-11-13T08:00:00Z\",\"days_left\":-2}");
    common(&r);
    assert_string_equal(r.subject, "[opsgate] acme: old.acme.example EXPIRED 2 days ago " DASH
                                   " renew and deploy it now");
    rendered_free(&r);
}

/* An alert by what is wrong (certs.alert): what is wrong in the subject, what to do in the body,
 * how to silence it. */
static void test_render__rule_alerts_say_what_is_wrong_and_what_to_do(void **state)
{
    (void)state;
    rendered r =
        render("certs.alert",
               "{\"tenant_name\":\"acme\",\"id\":\"a1a1a1a1-0000-4000-8000-000000000001\","
               "\"rule\":\"renewal-failing\",\"severity\":\"critical\",\"plan\":\"p1\","
               "\"message\":\"renewal of shop.acme.example (plan p1) failed 6 times in a row\","
               "\"action\":\"check the _acme-challenge TXT record\",\"gate_id\":\"g1\"}");
    common(&r);
    assert_string_equal(r.subject, "[opsgate] acme: CRITICAL: renewal of shop.acme.example (plan "
                                   "p1) failed 6 times in a row");
    HAS(r.text, "What to do: check the _acme-challenge TXT record");
    HAS(r.text, "opsgate cert alerts ack --tenant acme a1a1a1a1-0000-4000-8000-000000000001");
    HAS(r.text, "gate item g1");
    rendered_free(&r);
}

static void test_render__gate_items_say_what_and_how_to_decide(void **state)
{
    (void)state;
    const char *gate_id = "5e5e5e5e-0000-4000-8000-000000000001";
    rendered r = render(
        "gate.approval",
        "{\"tenant_name\":\"acme\",\"gate_id\":\"5e5e5e5e-0000-4000-8000-000000000001\","
        "\"kind\":\"certs.deploy\",\"level\":\"L2\",\"state\":\"pending\",\"requested_by\":"
        "\"user:pam\",\"target_type\":\"certificate\",\"target_id\":\"ab12\",\"params\":{"
        "\"target\":\"web-1\",\"certificate\":\"ab12\"},\"recommendation\":{\"target\":\"web-1\","
        "\"subject\":\"CN=shop.acme.example\",\"why\":\"deploy on request\"},\"deadline\":"
        "\"2026-11-16T08:00:00Z\"}");
    common(&r);
    assert_string_equal(r.subject,
                        "[opsgate] acme: approval needed " DASH
                        " deploy certificate shop.acme.example to target web-1 (requested by "
                        "user:pam)");
    HAS(r.text, "opsgate gate approve 5e5e5e5e-0000-4000-8000-000000000001 --as USER");
    HAS(r.text, "POST /api/v1/gates/5e5e5e5e-0000-4000-8000-000000000001/approve");
    HAS(r.text, "Deadline:    2026-11-16 08:00 UTC");
    HAS(r.text, "why: deploy on request");
    rendered_free(&r);

    /* the inference step's risk, model and a raised level's reason (docs/inference.md) */
    r = render("gate.approval",
               "{\"tenant_name\":\"acme\",\"gate_id\":\"5e5e5e5e-0000-4000-8000-000000000001\","
               "\"kind\":\"platform.note\",\"level\":\"L2\",\"requested_by\":\"user:pam\","
               "\"params\":{\"text\":\"x\"},\"inference\":{\"score\":0.42,\"model\":\"v3\","
               "\"explanation\":\"hour=02 (raises 1.20)\",\"raised\":{\"from\":1,\"to\":2,"
               "\"reason\":\"risk 0.42 is above the tenant's threshold 0.30\"}}}");
    HAS(r.text, "Risk:        0.42 (model v3): hour=02 (raises 1.20)");
    HAS(r.text, "Level:       raised: risk 0.42 is above the tenant's threshold 0.30");
    rendered_free(&r);

    r = render("gate.review", "{\"tenant_name\":\"acme\",\"gate_id\":\"5e5e5e5e-0000-4000-8000-"
                              "000000000001\",\"kind\":\"platform.note\",\"level\":\"L1\","
                              "\"assignee\":\"ed\",\"requested_by\":\"user:eve\",\"params\":{"
                              "\"text\":\"rotate the keys\"}}");
    common(&r);
    HAS(r.subject, "review needed " DASH " record a note: \"rotate the keys\"");
    HAS(r.text, "ed reviews it");
    HAS(r.text, "opsgate gate override");
    rendered_free(&r);

    r = render("gate.task", "{\"tenant_name\":\"acme\",\"gate_id\":\"5e5e5e5e-0000-4000-8000-"
                            "000000000001\",\"kind\":\"certs.renew\",\"level\":\"L3\","
                            "\"params\":{\"plan\":\"p1\"},\"recommendation\":{\"names\":[\"a."
                            "example\",\"b.example\"]}}");
    common(&r);
    HAS(r.subject, "task " DASH " renew the certificate for a.example, b.example");
    HAS(r.text, "opsgate gate done");
    rendered_free(&r);

    r = render("gate.decided", "{\"tenant_name\":\"acme\",\"gate_id\":\"5e5e5e5e-0000-4000-"
                               "8000-000000000001\",\"kind\":\"artifacts.publish.sow\","
                               "\"decision\":\"approved\",\"decided_by\":\"user:ada\","
                               "\"outcome\":\"approved\",\"recommendation\":{\"project\":"
                               "\"northwind\",\"kind\":\"sow\",\"version\":3}}");
    common(&r);
    assert_string_equal(r.subject, "[opsgate] acme: approved by user:ada " DASH
                                   " publish sow version 3 in project northwind");
    HAS(r.text, "No action needed.");
    rendered_free(&r);

    r = render("gate.decided", "{\"tenant_name\":\"acme\",\"gate_id\":\"x\",\"kind\":\"certs."
                               "deploy\",\"decision\":\"approved\",\"decided_by\":\"user:ada\","
                               "\"outcome\":\"failed\",\"recommendation\":{\"target\":\"web-1\"}}");
    HAS(r.subject, "approved but FAILED by user:ada");
    HAS(r.text, "What to do: it failed");
    rendered_free(&r);

    r = render("gate.escalated", "{\"tenant_name\":\"acme\",\"gate_id\":\"x\",\"kind\":\"custom."
                                 "thing\",\"decided_by\":\"user:ed\",\"target_type\":\"host\","
                                 "\"target_id\":\"db-7\"}");
    common(&r);
    HAS(r.subject, "escalated to the tenant-admins " DASH " custom.thing on host db-7");
    rendered_free(&r);
    (void)gate_id;
}

static void test_render__renewals_deploys_tests_and_unknown_events(void **state)
{
    (void)state;
    rendered r = render("certs.renewed",
                        "{\"tenant_name\":\"acme\",\"plan\":\"p1\",\"names\":[\"shop.acme."
                        "example\"],\"new_not_after\":\"2027-02-13T08:00:00Z\",\"targets\":["
                        "\"web-1\",\"web-2\"],\"fingerprint\":\"ff\",\"previous_fingerprint\":"
                        "\"ee\"}");
    common(&r);
    assert_string_equal(r.subject, "[opsgate] acme: shop.acme.example renewed " DASH
                                   " deploying to web-1, web-2");
    HAS(r.text, "No action needed");
    rendered_free(&r);

    r = render("certs.renew.failed", "{\"tenant_name\":\"acme\",\"plan\":\"p1\",\"error\":\"CA "
                                     "said: rateLimited\"}");
    common(&r);
    HAS(r.subject, "certificate renewal failed for plan p1");
    HAS(r.text, "rateLimited");
    HAS(r.text, "opsgate cert renew --tenant acme p1");
    rendered_free(&r);

    r = render("certs.deploy.rolled_back",
               "{\"tenant_name\":\"acme\",\"target\":\"web-1\",\"fingerprint\":\"0123456789abcdef"
               "0123\",\"error\":\"10.0.0.5:443 serves the old certificate\",\"restore\":\"the "
               "previous certificate is served again\"}");
    common(&r);
    assert_string_equal(r.subject, "[opsgate] acme: deploy to web-1 failed " DASH
                                   " rolled back to the previous certificate");
    HAS(r.text, "opsgate cert deploy --tenant acme 0123456789abcdef --target web-1");
    rendered_free(&r);

    r = render("certs.deploy.rollback_failed", "{\"tenant_name\":\"acme\",\"target\":\"web-1\"}");
    HAS(r.subject, "rollback FAILED " DASH " act now");
    rendered_free(&r);

    r = render("notify.test", "{\"tenant_name\":\"acme\"}");
    common(&r);
    HAS(r.subject, "test notification " DASH " no action needed");
    rendered_free(&r);

    /* RMM devices that became or stopped being scan targets */
    r = render("rmm.device.added",
               "{\"tenant_name\":\"acme\",\"connector\":\"ninja\",\"kind\":\"ninjaone\","
               "\"remote_id\":\"42\",\"device\":\"srv1.acme.example\",\"device_class\":"
               "\"server\",\"addresses\":[\"10.0.0.5\"],\"company_name\":\"Acme HQ\"}");
    common(&r);
    HAS(r.subject, "device srv1.acme.example discovered " DASH " now a scan target");
    HAS(r.text, "Connector ninja (ninjaone) found device srv1.acme.example (server, RMM id 42");
    HAS(r.text, "opsgate cert targets --tenant acme");
    rendered_free(&r);
    r = render("rmm.device.removed", "{\"tenant_name\":\"acme\",\"remote_id\":\"42\","
                                     "\"device\":\"srv1\\nBcc: x\"}");
    common(&r);
    HAS(r.subject, "removed " DASH " no longer scanned");
    HAS(r.text, "certificates stay in the inventory");
    rendered_free(&r);

    /* An event type nobody wrote a message for: a generic line and its plain fields. */
    r = render("artifacts.archived", "{\"tenant_name\":\"acme\",\"project\":\"northwind\","
                                     "\"count\":3,\"nested\":{\"a\":1}}");
    common(&r);
    assert_string_equal(r.subject, "[opsgate] acme: event artifacts.archived");
    HAS(r.text, "project: northwind");
    HAS(r.text, "count: 3");
    HAS(r.text, "opsgate events list --tenant acme");
    rendered_free(&r);

    /* Without a name (an event from an older opsgate), the tenant id stands in. */
    r = render("notify.test", "{}");
    HAS(r.subject, "[opsgate] tenant " TID ": ");
    rendered_free(&r);
}

static void test_render__values_cannot_add_lines_or_headers(void **state)
{
    (void)state;
    /* A scanned certificate's subject is whatever its owner wrote. */
    rendered r = render("certs.expiring",
                        "{\"tenant_name\":\"acme\",\"subject\":\"CN=evil.example\\r\\nBcc: "
                        "victim@example.com\",\"not_after\":\"2026-11-20T08:00:00Z\"}");
    HASNT(r.subject, "\r");
    HASNT(r.subject, "\n");
    HASNT(r.text, "\nBcc:");
    HAS(r.text, "CN=evil.example  Bcc: victim@example.com");
    rendered_free(&r);
}

/* ---- filters and platform channels: against a data folder ---- */

/* A loopback HTTP receiver: answers 200 and keeps each request's body. */
typedef struct receiver {
    int fd, port, stop, n;
    char *bodies[32];
    pthread_t th;
} receiver;

static void *receiver_run(void *arg)
{
    receiver *r = arg;
    while (!r->stop) {
        struct pollfd p = {r->fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(r->fd, NULL, NULL);
        if (c < 0)
            continue;
        char buf[65536];
        size_t len = 0;
        ssize_t k;
        char *hdr_end = NULL;
        long clen = -1;
        while (len < sizeof(buf) - 1 && (k = read(c, buf + len, sizeof(buf) - 1 - len)) > 0) {
            len += (size_t)k;
            buf[len] = '\0';
            if (!hdr_end && (hdr_end = strstr(buf, "\r\n\r\n"))) {
                const char *cl = strcasestr(buf, "Content-Length:");
                clen = cl ? strtol(cl + 15, NULL, 10) : 0;
            }
            if (hdr_end && (long)(len - (size_t)(hdr_end + 4 - buf)) >= clen)
                break;
        }
        if (hdr_end && r->n < 32)
            r->bodies[r->n++] = strdup(hdr_end + 4);
        static const char ok[] =
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        (void)!write(c, ok, sizeof(ok) - 1);
        close(c);
    }
    return NULL;
}

static void receiver_start(receiver *r)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    memset(r, 0, sizeof(*r));
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(r->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(r->fd, 8), 0);
    assert_int_equal(getsockname(r->fd, (struct sockaddr *)&a, &alen), 0);
    r->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&r->th, NULL, receiver_run, r), 0);
}

static void receiver_stop(receiver *r)
{
    r->stop = 1;
    pthread_join(r->th, NULL);
    close(r->fd);
    for (int i = 0; i < r->n; i++)
        free(r->bodies[i]);
}

static void receiver_url(const receiver *r, char *out, size_t size)
{
    snprintf(out, size, "http://127.0.0.1:%d/hook", r->port);
}

/* The event types (the "type" of each received body), comma-joined, in order. */
static void received_types(const receiver *r, char *out, size_t size)
{
    out[0] = '\0';
    for (int i = 0; i < r->n; i++) {
        json_t *doc = json_loads(r->bodies[i], 0, NULL);
        size_t l = strlen(out);
        snprintf(out + l, size - l, "%s%s", i ? "," : "",
                 doc ? json_string_value(json_object_get(doc, "type")) : "(not JSON)");
        json_decref(doc);
    }
}

typedef struct fixture {
    og_test_env env;
    og_tenant acme, globex;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", &f->acme));
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "globex", &f->globex));
    OG_ASSERT_OK(og_user_add(&f->env.ctx, "acme", "ada", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_user_add(&f->env.ctx, "acme", "eve", OG_ROLE_ENGINEER, NULL));
    OG_ASSERT_OK(og_user_add(&f->env.ctx, "globex", "gus", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_egress_allow_add(&f->env.ctx, "127.0.0.0/8", "test receivers"));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    og_test_env_teardown(&f->env);
    free(f);
    return 0;
}

static og_ctx as_user(fixture *f, const char *tenant, const char *user)
{
    og_ctx c = f->env.ctx;
    OG_ASSERT_OK(og_actor_become(&c, tenant, user));
    return c;
}

/* Emit an event of a tenant (committed) and run the notify handler on it as the bus would. */
static void emit_and_deliver(fixture *f, const char *tid, const char *type, json_t *payload)
{
    og_event ev;
    og_stmt *st = NULL;
    json_t *stored;
    memset(&ev, 0, sizeof(ev));
    OG_ASSERT_OK(og_store_tx_begin(f->env.store));
    OG_ASSERT_OK(og_event_emit(&f->env.ctx, tid, type, payload, ev.id));
    OG_ASSERT_OK(og_store_tx_commit(f->env.store));
    json_decref(payload);
    OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store,
                                 "SELECT type, COALESCE(tenant_id, ''), payload, created_at FROM"
                                 " events WHERE id = ?"));
    og_stmt_bind_text(st, 1, ev.id);
    assert_int_equal(og_stmt_step(st), OG_ROW);
    og_strlcpy(ev.type, og_stmt_col_text(st, 0), sizeof(ev.type));
    og_strlcpy(ev.tenant_id, og_stmt_col_text(st, 1), sizeof(ev.tenant_id));
    stored = json_loads(og_stmt_col_text(st, 2), 0, NULL);
    og_strlcpy(ev.created_at, og_stmt_col_text(st, 3), sizeof(ev.created_at));
    og_stmt_free(st);
    ev.payload = stored;
    ev.attempt = 1;
    og_ctx sys = f->env.ctx;
    og_actor_system(&sys.actor, "events");
    OG_ASSERT_OK(og_notify_handle_event(&sys, &ev, NULL));
    json_decref(stored);
}

static void test_notify__emitted_events_carry_the_tenant_name(void **state)
{
    fixture *f = *state;
    og_stmt *st = NULL;
    char id[OG_ID_LEN];
    json_t *p = json_pack("{s:s}", "subject", "CN=a");
    OG_ASSERT_OK(og_store_tx_begin(f->env.store));
    OG_ASSERT_OK(og_event_emit(&f->env.ctx, f->acme.id, "certs.expiring", p, id));
    OG_ASSERT_OK(og_store_tx_commit(f->env.store));
    json_decref(p);
    OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store, "SELECT payload FROM events WHERE id = ?"));
    og_stmt_bind_text(st, 1, id);
    assert_int_equal(og_stmt_step(st), OG_ROW);
    HAS(og_stmt_col_text(st, 0), "\"tenant_name\":\"acme\"");
    og_stmt_free(st);
}

static void test_notify__a_channel_gets_only_the_events_its_filter_matches(void **state)
{
    fixture *f = *state;
    og_ctx ada = as_user(f, "acme", "ada"), eve = as_user(f, "acme", "eve");
    receiver certs, reviews, all;
    char url[64], id_certs[OG_ID_LEN], id_reviews[OG_ID_LEN], id_all[OG_ID_LEN], got[512];
    json_t *list = NULL, *ch = NULL;
    receiver_start(&certs);
    receiver_start(&reviews);
    receiver_start(&all);

    /* Bad patterns are refused, naming the problem; nothing is added. */
    receiver_url(&certs, url, sizeof(url));
    assert_int_equal(og_notify_channel_add(&ada, "acme", "webhook", url, SECRET, strlen(SECRET),
                                           NULL, "cert.*", id_certs),
                     OG_EINVAL);
    HAS(og_error_last(), "'cert.*' matches no event");
    assert_int_equal(og_notify_channel_add(&ada, "acme", "webhook", url, SECRET, strlen(SECRET),
                                           NULL, "certs.*,,gate.review", id_certs),
                     OG_EINVAL);
    HAS(og_error_last(), "empty event pattern");
    assert_int_equal(og_notify_channel_add(&ada, "acme", "webhook", url, SECRET, strlen(SECRET),
                                           NULL, "Gate.Review", id_certs),
                     OG_EINVAL);
    HAS(og_error_last(), "bad event pattern 'Gate.Review'");
    OG_ASSERT_OK(og_notify_channel_list(&ada, "acme", &list));
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);

    OG_ASSERT_OK(og_notify_channel_add(&ada, "acme", "webhook", url, SECRET, strlen(SECRET), NULL,
                                       " certs.* ", id_certs));
    receiver_url(&reviews, url, sizeof(url));
    OG_ASSERT_OK(og_notify_channel_add(&ada, "acme", "webhook", url, SECRET, strlen(SECRET), NULL,
                                       "gate.review,gate.approval", id_reviews));
    receiver_url(&all, url, sizeof(url));
    OG_ASSERT_OK(og_notify_channel_add(&ada, "acme", "webhook", url, SECRET, strlen(SECRET), NULL,
                                       NULL, id_all));
    OG_ASSERT_OK(og_notify_channel_get(&eve, "acme", id_reviews, &ch));
    char *text = json_dumps(json_object_get(ch, "events"), JSON_COMPACT);
    assert_string_equal(text, "[\"gate.review\",\"gate.approval\"]");
    free(text);
    json_decref(ch);

    emit_and_deliver(f, f->acme.id, "certs.expiring",
                     json_pack("{s:s, s:s}", "subject", "CN=shop.acme.example", "not_after",
                               "2030-01-01T00:00:00Z"));
    emit_and_deliver(
        f, f->acme.id, "gate.review",
        json_pack("{s:s, s:s, s:s}", "gate_id", "g1", "kind", "platform.note", "level", "L1"));
    emit_and_deliver(f, f->acme.id, "certs.renew.failed",
                     json_pack("{s:s, s:s}", "plan", "p1", "error", "boom"));
    received_types(&certs, got, sizeof(got));
    assert_string_equal(got, "certs.expiring,certs.renew.failed");
    received_types(&reviews, got, sizeof(got));
    assert_string_equal(got, "gate.review");
    received_types(&all, got, sizeof(got));
    assert_string_equal(got, "certs.expiring,gate.review,certs.renew.failed");

    /* The webhook body keeps the machine fields and adds what a person reads. */
    json_t *doc = json_loads(certs.bodies[0], 0, NULL);
    assert_string_equal(json_string_value(json_object_get(doc, "tenant_name")), "acme");
    assert_string_equal(json_string_value(json_object_get(doc, "tenant_id")), f->acme.id);
    HAS(json_string_value(json_object_get(doc, "subject")),
        "[opsgate] acme: shop.acme.example expires in ");
    HAS(json_string_value(json_object_get(doc, "text")), "[opsgate] acme: shop.acme.example");
    HAS(json_string_value(json_object_get(doc, "text")), "Client:      acme");
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "data"), "subject")),
                        "CN=shop.acme.example");
    json_decref(doc);

    /* Filters change (tenant-admins only, audited); then only the new one applies. */
    assert_int_equal(og_notify_channel_set_events(&eve, "acme", id_certs, "gate.*"), OG_EDENIED);
    assert_int_equal(og_notify_channel_set_events(&ada, "acme", id_certs, "gates.*"), OG_EINVAL);
    OG_ASSERT_OK(og_notify_channel_set_events(&ada, "acme", id_certs, "gate.*"));
    emit_and_deliver(f, f->acme.id, "certs.expired",
                     json_pack("{s:s}", "subject", "CN=old.acme.example"));
    received_types(&certs, got, sizeof(got));
    assert_string_equal(got, "certs.expiring,certs.renew.failed");
    json_t *audit = NULL;
    int64_t next = 0;
    OG_ASSERT_OK(og_audit_list(&f->env.ctx, f->acme.id, 0, 1000, "notify.channel.events", NULL,
                               &audit, &next));
    assert_int_equal(json_array_size(audit), 1);
    text = json_dumps(audit, 0);
    HAS(text, "certs.*");
    HAS(text, "gate.*");
    free(text);
    json_decref(audit);

    receiver_stop(&certs);
    receiver_stop(&reviews);
    receiver_stop(&all);
}

static void test_notify__platform_channels_get_every_tenants_events_and_stay_hidden(void **state)
{
    fixture *f = *state;
    og_ctx ada = as_user(f, "acme", "ada"), gus = as_user(f, "globex", "gus");
    receiver msp, acme_hook;
    char url[64], pid[OG_ID_LEN], aid[OG_ID_LEN], got[512];
    json_t *list = NULL, *audit = NULL, *report = NULL, *status = json_array();
    int64_t next = 0;
    receiver_start(&msp);
    receiver_start(&acme_hook);
    receiver_url(&msp, url, sizeof(url));

    /* Platform-admin work only. */
    assert_int_equal(og_notify_channel_add(&ada, OG_NOTIFY_PLATFORM, "webhook", url, SECRET,
                                           strlen(SECRET), NULL, "certs.*", pid),
                     OG_EDENIED);
    HAS(og_error_last(), "platform-admin");
    OG_ASSERT_OK(og_notify_channel_add(&f->env.ctx, OG_NOTIFY_PLATFORM, "webhook", url, SECRET,
                                       strlen(SECRET), NULL, "certs.expir*", pid));
    receiver_url(&acme_hook, url, sizeof(url));
    OG_ASSERT_OK(og_notify_channel_add(&ada, "acme", "webhook", url, SECRET, strlen(SECRET), NULL,
                                       NULL, aid));

    /* Tenants cannot see it: not listed, not gettable, not removable, not in gate show. */
    assert_int_equal(og_notify_channel_list(&ada, OG_NOTIFY_PLATFORM, &list), OG_EDENIED);
    assert_int_equal(og_notify_channel_list(&gus, OG_NOTIFY_PLATFORM, &list), OG_EDENIED);
    OG_ASSERT_OK(og_notify_channel_list(&ada, "acme", &list));
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "id")), aid);
    json_decref(list);
    assert_int_equal(og_notify_channel_get(&ada, "acme", pid, &list), OG_ENOTFOUND);
    assert_int_equal(og_notify_channel_remove(&ada, "acme", pid), OG_ENOTFOUND);
    assert_int_equal(og_notify_channel_remove(&gus, OG_NOTIFY_PLATFORM, pid), OG_EDENIED);
    OG_ASSERT_OK(og_notify_channel_list(&f->env.ctx, OG_NOTIFY_PLATFORM, &list));
    assert_int_equal(json_array_size(list), 1);
    assert_true(json_is_null(json_object_get(json_array_get(list, 0), "tenant_id")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "scope")),
                        "platform");
    json_decref(list);

    /* Events of both tenants reach it through its filter; the tenant's own channel gets its
     * own tenant's events only. */
    emit_and_deliver(f, f->acme.id, "certs.expiring",
                     json_pack("{s:s}", "subject", "CN=shop.acme.example"));
    emit_and_deliver(f, f->globex.id, "certs.expired",
                     json_pack("{s:s}", "subject", "CN=www.globex.example"));
    emit_and_deliver(f, f->globex.id, "gate.review",
                     json_pack("{s:s, s:s}", "gate_id", "g2", "kind", "platform.note"));
    received_types(&msp, got, sizeof(got));
    assert_string_equal(got, "certs.expiring,certs.expired");
    HAS(msp.bodies[0], "[opsgate] acme: shop.acme.example");
    HAS(msp.bodies[1], "[opsgate] globex: www.globex.example EXPIRED");
    received_types(&acme_hook, got, sizeof(got));
    assert_string_equal(got, "certs.expiring");

    /* The platform's sends are not among the tenant's notifications (`gate show`). */
    og_stmt *st = NULL;
    OG_ASSERT_OK(og_stmt_prepare(&st, f->env.store,
                                 "SELECT event_id FROM notify_platform_sends ORDER BY at"));
    assert_int_equal(og_stmt_step(st), OG_ROW);
    OG_ASSERT_OK(og_notify_event_status(f->env.store, og_stmt_col_text(st, 0), status));
    og_stmt_free(st);
    for (size_t i = 0; i < json_array_size(status); i++)
        assert_string_not_equal(
            json_string_value(json_object_get(json_array_get(status, i), "channel_id")), pid);
    json_decref(status);

    /* A platform test reaches the platform's channels only; audited on the platform chain. */
    OG_ASSERT_OK(og_notify_test(&f->env.ctx, OG_NOTIFY_PLATFORM, NULL, &report));
    assert_int_equal(json_array_size(report), 1);
    json_decref(report);
    assert_int_equal(msp.n, 3);
    assert_int_equal(acme_hook.n, 1);
    OG_ASSERT_OK(
        og_audit_list(&f->env.ctx, NULL, 0, 1000, "notify.channel.add", NULL, &audit, &next));
    assert_int_equal(json_array_size(audit), 1);
    json_decref(audit);
    OG_ASSERT_OK(og_notify_channel_remove(&f->env.ctx, OG_NOTIFY_PLATFORM, pid));
    OG_ASSERT_OK(
        og_audit_list(&f->env.ctx, NULL, 0, 1000, "notify.channel.remove", NULL, &audit, &next));
    assert_int_equal(json_array_size(audit), 1);
    json_decref(audit);

    receiver_stop(&msp);
    receiver_stop(&acme_hook);
}

static void test_notify__a_platform_channel_gets_no_events_from_before_it_was_added(void **state)
{
    fixture *f = *state;
    receiver msp;
    char url[64], id[OG_ID_LEN];
    og_event ev;
    json_t *p = json_pack("{s:s}", "subject", "CN=old.acme.example");
    receiver_start(&msp);
    receiver_url(&msp, url, sizeof(url));
    /* An event of a backlog the bus has not delivered yet, from before the channel. */
    memset(&ev, 0, sizeof(ev));
    og_id_new(ev.id);
    og_strlcpy(ev.type, "certs.expired", sizeof(ev.type));
    og_strlcpy(ev.tenant_id, f->acme.id, sizeof(ev.tenant_id));
    og_time_format(og_time_now_us() - DAY_US, ev.created_at);
    ev.payload = p;
    ev.attempt = 1;
    OG_ASSERT_OK(og_notify_channel_add(&f->env.ctx, OG_NOTIFY_PLATFORM, "webhook", url, SECRET,
                                       strlen(SECRET), NULL, NULL, id));
    OG_ASSERT_OK(og_notify_handle_event(&f->env.ctx, &ev, NULL));
    assert_int_equal(msp.n, 0);
    /* The same event emitted now reaches it. */
    og_time_format(og_time_now_us() + 1000000, ev.created_at);
    og_id_new(ev.id);
    OG_ASSERT_OK(og_notify_handle_event(&f->env.ctx, &ev, NULL));
    assert_int_equal(msp.n, 1);
    json_decref(p);
    receiver_stop(&msp);
}

static void test_notify__a_failing_platform_channel_is_named_only_by_id(void **state)
{
    fixture *f = *state;
    char id[OG_ID_LEN], msg[512];
    og_event ev;
    json_t *list = NULL;
    /* Nothing listens on port 1 of the NOC's (allowed) address. */
    OG_ASSERT_OK(og_notify_channel_add(&f->env.ctx, OG_NOTIFY_PLATFORM, "webhook",
                                       "http://127.0.0.1:1/noc-secret-path", SECRET, strlen(SECRET),
                                       NULL, NULL, id));
    memset(&ev, 0, sizeof(ev));
    og_id_new(ev.id);
    og_strlcpy(ev.type, "certs.expired", sizeof(ev.type));
    og_strlcpy(ev.tenant_id, f->acme.id, sizeof(ev.tenant_id));
    og_time_format(og_time_now_us() + 1000000, ev.created_at);
    ev.payload = json_pack("{s:s}", "subject", "CN=old.acme.example");
    ev.attempt = 1;
    assert_int_equal(og_notify_handle_event(&f->env.ctx, &ev, NULL), OG_ERROR);
    og_strlcpy(msg, og_error_last(), sizeof(msg));
    json_decref(ev.payload);
    /* The delivery's error may reach the tenant (`events list`): the id, not the endpoint. */
    HAS(msg, id);
    HASNT(msg, "127.0.0.1");
    /* The platform-admin sees why on the channel. */
    OG_ASSERT_OK(og_notify_channel_list(&f->env.ctx, OG_NOTIFY_PLATFORM, &list));
    json_t *last = json_object_get(json_array_get(list, 0), "last_send");
    assert_string_equal(json_string_value(json_object_get(last, "state")), "failed");
    HAS(json_string_value(json_object_get(last, "last_error")), "127.0.0.1");
    json_decref(list);
}

static void test_notify__platform_channels_obey_the_egress_policy(void **state)
{
    fixture *f = *state;
    char id[OG_ID_LEN];
    json_t *report = NULL;
    assert_int_equal(og_notify_channel_add(&f->env.ctx, OG_NOTIFY_PLATFORM, "webhook",
                                           "http://10.1.2.3/hook", SECRET, strlen(SECRET), NULL,
                                           NULL, id),
                     OG_EDENIED);
    HAS(og_error_last(), "10.0.0.0/8");
    OG_ASSERT_OK(og_egress_allow_remove(&f->env.ctx, "127.0.0.0/8"));
    OG_ASSERT_OK(og_notify_channel_add(&f->env.ctx, OG_NOTIFY_PLATFORM, "webhook",
                                       "http://localhost:1/hook", SECRET, strlen(SECRET), NULL,
                                       NULL, id));
    assert_int_equal(og_notify_test(&f->env.ctx, OG_NOTIFY_PLATFORM, id, &report), OG_EDENIED);
    HAS(json_string_value(json_object_get(json_array_get(report, 0), "error")), "loopback");
    json_decref(report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render__expiry_alert_names_client_certificate_and_renewal),
        cmocka_unit_test(test_render__gate_items_say_what_and_how_to_decide),
        cmocka_unit_test(test_render__rule_alerts_say_what_is_wrong_and_what_to_do),
        cmocka_unit_test(test_render__renewals_deploys_tests_and_unknown_events),
        cmocka_unit_test(test_render__values_cannot_add_lines_or_headers),
        cmocka_unit_test_setup_teardown(test_notify__emitted_events_carry_the_tenant_name, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_notify__a_channel_gets_only_the_events_its_filter_matches, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_notify__platform_channels_get_every_tenants_events_and_stay_hidden, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_notify__a_platform_channel_gets_no_events_from_before_it_was_added, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_notify__a_failing_platform_channel_is_named_only_by_id,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_notify__platform_channels_obey_the_egress_policy,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
