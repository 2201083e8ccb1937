/* cmd_cert.c - `opsgate cert`: its command table and help, and list, show, policy, check-expiry.
 * scan and schedule are in cmd_cert_scan.c, scan-files and import in cmd_cert_files.c, issue,
 * renew, revoke and plans in cmd_cert_acme.c, deploy in cmd_cert_deploy.c. */
#include "cli/cmd_cert.h"
#include "cli/table.h"
#include "opsgate/ct.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const about =
    "The certificate inventory of a tenant: every certificate found on its endpoints, in its\n"
    "files or imported, once per SHA-256 fingerprint, with where and when it was seen.\n"
    "\n"
    "scan        Connect to each endpoint, complete a TLS handshake and record the chain served.\n"
    "            TARGET is host:port, [v6addr]:port, a host (every port of --ports, default\n"
    "            443,8443,636,993,995,465), an IPv4 CIDR up to /16 (an IPv6 one up to /112), or\n"
    "            @FILE with one target a line. One epoll loop with non-blocking sockets and\n"
    "            handshakes: refused, unreachable, timed-out, non-TLS and failed endpoints are\n"
    "            results, not errors. --sni is the name to send and check the certificate\n"
    "            against (default: the host name of the target; IP targets send none and are\n"
    "            checked against IP SANs). On a terminal a progress line is shown on stderr.\n"
    "            Endpoints that refuse, time out or have no route are counted on one line;\n"
    "            --verbose lists each. --json prints what POST /certs/scan returns, with one\n"
    "            result per endpoint, whatever --verbose says.\n"
    "            --starttls PROTO speaks the protocol's STARTTLS exchange before TLS: smtp,\n"
    "            imap, pop3, ldap, ftp, xmpp or postgres on every endpoint, or auto: by port\n"
    "            (SMTP 25 and 587, IMAP 143, POP3 110, LDAP 389, FTP 21, XMPP 5222, PostgreSQL\n"
    "            5432; other ports direct TLS), and without --ports these ports are scanned\n"
    "            too. A server that offers no STARTTLS, refuses it or answers out of protocol\n"
    "            is a not-tls result naming what it said; the certificate is recorded as for\n"
    "            direct TLS. none: direct TLS (the default).\n"
    "scan-files  Find PEM and DER certificates and PKCS#12 bundles in files and folders\n"
    "            (recursively, symlinks not followed). PKCS#12 bundles are opened without a\n"
    "            password, then with the one in --password-file (its first line; never give a\n"
    "            password on the command line); those neither opens are listed. Files that look\n"
    "            like certificates but do not parse are reported and make the command exit 1.\n"
    "import      Import a PEM bundle (certificates and keys), a DER certificate or a PKCS#12\n"
    "            bundle (--password-file FILE opens it, and passphrase-protected PEM keys). A\n"
    "            private key that matches none of the certificates is refused, naming both\n"
    "            public keys, and nothing is imported. Keys are sealed with the tenant's key and\n"
    "            are never printed or returned; `cert show` only says one is held. A\n"
    "            certificate whose public key is a pending request's (see request) fulfils it:\n"
    "            the request's key is linked to it, its gate task closed, and it is deployed to\n"
    "            the request's targets. --request ID insists: a certificate of another key, an\n"
    "            expired or a not yet valid one is refused and nothing is imported.\n"
    "request     A certificate bought outside ACME (commercial OV/EV): `request --name N --san\n"
    "            www.example.com [--san ...] [--key-type rsa2048] [--subject /C=DE/O=Acme\n"
    "            GmbH/CN=www.example.com] [--target NAME] [--due 7d]` makes the private key\n"
    "            (sealed with the tenant's key, never shown), the CSR (printed), and an L3 task\n"
    "            for the certs assignee (gate action certs.request: buy/issue it at the CA, the\n"
    "            CSR in its evidence); from --due on (default 7 days) a certs.request.reminder\n"
    "            event is raised daily while it is pending. `request list [--state S]`,\n"
    "            `request show ID` (ID or the pending request's name), `request cancel ID\n"
    "            [--reason TEXT]` (its task closed as failed).\n"
    "list        Soonest expiry first. --expiring 30d: those expiring within 30 days (expired\n"
    "            ones included). LEFT is the time left, never less than there is: days and\n"
    "            hours rounded up to the hour (a fresh 5-day certificate shows 5d), under a day\n"
    "            hours and minutes. SEEN AT is where it was last seen (host:port, file path,\n"
    "            import:FILE) and how many other places. --all-tenants: every tenant's\n"
    "            certificates in one list, each row naming its tenant (platform admins and the\n"
    "            local operator only; with --as, --tenant names the user's tenant).\n"
    "            Cloud app credentials (client secrets and certificate credentials of Entra\n"
    "            apps, kept in step by the msgraph connector) are in the same list with their\n"
    "            expired/expiring findings: ID app:..., SUBJECT \"app 'Payroll' secret 'ci'\",\n"
    "            SEEN AT their source. --kind app-credential lists only them (ID, APP,\n"
    "            CREDENTIAL, TYPE, HINT, EXPIRES, LEFT); --kind x509 only certificates. A\n"
    "            secret's value is never fetched or stored: its hint is its first characters.\n"
    "show        One certificate by SHA-256 fingerprint or a unique prefix (colons allowed),\n"
    "            or one app credential by its id app:... or a unique prefix of it.\n"
    "policy      Expiry alert thresholds in days (default 30,14,7,1) and the trust anchors\n"
    "            chains are checked against: the system store; --ca-bundle FILE adds the\n"
    "            certificates of FILE to it (private roots and intermediates); --ca-bundle-only\n"
    "            FILE trusts FILE's self-signed CAs instead of the system store; --system-trust\n"
    "            drops the tenant's bundle.\n"
    "schedule    Scans the server runs every --every (at least 5m; shown as 6h, 1d12h):\n"
    "            `schedule --every 6h TARGET...` adds one, --list lists them, --delete ID\n"
    "            removes one, --run-due runs those due. The target @discovered stands for the\n"
    "            tenant's discovered targets as they are when it runs (see targets).\n"
    "            --starttls PROTO (as for scan; auto without --ports adds the STARTTLS ports)\n"
    "            is kept with the schedule and spoken at every run; --list shows it.\n"
    "targets     Scan targets discovered by RMM connectors (NinjaOne, Datto RMM): each device\n"
    "            with its addresses and the ports of its class; --all lists retired ones too\n"
    "            (devices the RMM deleted or no longer lists: no longer scanned, their\n"
    "            certificates stay in the inventory).\n"
    "discovery   `discovery show` the ports scanned per device class; `discovery set --class\n"
    "            server --ports 443,8443` sets them (none: not scanned; --default: back to the\n"
    "            default). Defaults: server 443,8443,636,993,995,465,587,3389, network 443,\n"
    "            workstation none, other 443.\n"
    "check-expiry  Raise the alerts due now (the server does this after every scheduled\n"
    "            run). Each threshold crossing raises one alert per certificate, never twice;\n"
    "            a certificate living under 90 days has its thresholds scaled to its\n"
    "            lifetime (30 days of a 45-day certificate: 15 days, a share of it, not fixed\n"
    "            days; `policy --lifetime-share off` keeps fixed days). A certificate a plan\n"
    "            renews raises no threshold alert: its plan alerts when the renewal is overdue\n"
    "            (the CA's ARI window or two thirds of the lifetime passed), failed 3 times\n"
    "            in a row, its deploy rolled back, or a scan saw a target serve another\n"
    "            certificate.\n"
    "alerts      `alerts` lists the unresolved alerts, worst first (--state open,\n"
    "            acknowledged, snoozed, resolved, all; without --tenant every tenant's, for\n"
    "            platform admins), each with what is wrong and what to do. `alerts ack ID\n"
    "            [--note TEXT]` acknowledges one; `alerts snooze ID --for 3d` (or --until TIME,\n"
    "            at most 90 days) snoozes it. Either way it is raised again when it gets worse\n"
    "            (warning, critical, expired), a snooze also when it ends.\n"
    "calendar    `calendar` prints every expiry and planned renewal as iCalendar (RFC 5545);\n"
    "            without --tenant every tenant's (platform admins). `calendar token-create\n"
    "            --label TEXT` makes a read-only token for GET\n"
    "            /api/v1/certificates/calendar.ics?token=TOKEN (shown once; it reads the feed\n"
    "            and nothing else); token-list, token-revoke ID.\n"
    "validity-report  The CA/B Forum's ballot SC-081 shortens the maximum validity of TLS\n"
    "            certificates: 200 days for those issued from 2026-03-15, 100 from 2027-03-15,\n"
    "            47 from 2029-03-15. Lists the tenant's end-entity certificates still valid\n"
    "            whose validity exceeds the next step's maximum: their validity, renewal (acme:\n"
    "            a renewal plan renews it; manual: a person does), expiry, HIT ON (the first\n"
    "            like-for-like renewal, each at expiry, on or after the step), the maximum then\n"
    "            and renewals a year now and then. --at DATE reports as of that day. A\n"
    "            certificate already longer than the maximum of its issue date has the finding\n"
    "            long-validity.\n"
    "\n"
    "Findings: expired, expiring, hostname-mismatch, untrusted-chain, incomplete-chain,\n"
    "self-signed, weak-key, sha1-signature, long-validity.\n"
    "\n"
    "issue, renew, revoke and plans get certificates from the tenant's ACME CA (see\n"
    "`opsgate acme --help` for accounts and docs/acme.md). renew, revoke and deploy take the\n"
    "same IDs: a renewal plan's ID, or the certificate's SHA-256 fingerprint as `list` shows\n"
    "it, or a unique prefix of at least 8 hex digits (colons allowed); a prefix that matches\n"
    "several certificates is refused, naming them.\n"
    "issue       Get a certificate for the names from the tenant's ACME account and record it\n"
    "            as the current certificate of a new renewal plan, and in the inventory with\n"
    "            its key (sealed). http-01 answers from a responder on --http-listen host:port\n"
    "            for the duration of the order, or from files written under --webroot\n"
    "            DIR/.well-known/acme-challenge/. dns-01 sets TXT records through\n"
    "            --dns-provider: challtestsrv (--dns-config is its management URL) or rfc2136\n"
    "            (--dns-config server=H:P,zone=Z,key=NAME,secret=B64[,check=H:P;H:P][,wait=S]:\n"
    "            TSIG-signed updates, then each check server must answer the TXT record).\n"
    "            tls-alpn-01 answers TLS with acme-tls/1 on --tls-listen host:port. Nothing is\n"
    "            recorded unless every step succeeded. --target NAME: a deploy target every\n"
    "            renewal of the plan is deployed to; without any, a renewal goes to the targets\n"
    "            that hold the previous certificate. Prints the plan ID.\n"
    "renew       Renew plan ID (or the plan of certificate ID) now with its stored settings, as\n"
    "            gate action certs.renew (L1 by default: it runs, the assignee is told the old\n"
    "            and new serial and expiry, and an override makes the previous certificate\n"
    "            current again). The renewal order names the old certificate (`replaces`) when\n"
    "            the CA offers ARI. On failure the current certificate stays current, the plan\n"
    "            records the error, event certs.renew.failed is raised, and the next attempt\n"
    "            backs off (1 h doubling to 1 day). --due renews every plan whose renewal time\n"
    "            has come (all tenants without --tenant), re-asking ARI windows first when the\n"
    "            CA's Retry-After says to; the server does the same every minute.\n"
    "revoke      Revoke the plan's current certificate (or certificate ID: that one) at the CA.\n"
    "plans       Renewal plans: names, challenge, current certificate, renew time (ARI window or\n"
    "            two thirds of the lifetime), failures, deploy targets. --set-targets replaces\n"
    "            plan ID's deploy targets (an empty list clears them); an unknown target is\n"
    "            refused, naming it.\n"
    "deploy      Deploy certificate ID (a plan ID: its current certificate; the private key\n"
    "            must be in the inventory: cert import or issue)\n"
    "            to a deploy target (`opsgate target --help`) as gate action certs.deploy (L1\n"
    "            by default: executed, then a review item for the certs assignee, who may ack,\n"
    "            override = roll back, or escalate). The deploy stages the files, tests them\n"
    "            (nginx -t, HAProxy transaction), swaps them in, reloads, then connects to every\n"
    "            endpoint of the target with its SNI until it serves the new fingerprint. If it\n"
    "            does not within the target's verify timeout, the previous files are restored\n"
    "            and verified, the rollback is recorded, and the tenant's channels are notified.\n"
    "\n"
    "--json prints what the HTTP API returns: list {\"certs\": [...]}, schedule --list\n"
    "{\"schedules\": [...]}, plans {\"plans\": [...]}; show, policy, import and plans ID one\n"
    "object; scan-files {\"files\": [...], \"summary\": {...}}.\n"
    "Exit status: 0 done (deploy: verified, or waiting on an approval at L2/L3), 1 failed\n"
    "(deploy: failed or rolled back; scan-files: a file did not parse; renew --due: a renewal\n"
    "failed), 2 usage.\n";

/* ---- list and show ---- */

/* "host:443 (sni a.example) +2 more": where a certificate was last seen and how many other
 * places it was seen at. */
static void seen_at_text(json_t *c, char *out, size_t size)
{
    const char *first = json_string_value(json_array_get(json_object_get(c, "locations"), 0));
    json_int_t n = json_integer_value(json_object_get(c, "sightings"));
    if (!first)
        snprintf(out, size, "-");
    else if (n > 1)
        snprintf(out, size, "%s +%lld more", first, (long long)(n - 1));
    else
        snprintf(out, size, "%s", first);
}

/* --expiring, --finding and --kind into f; usage errors name the value. */
static int list_filter(const og_cli_args *a, og_certs_filter *f)
{
    const char *expiring = og_cli_get(a, "expiring"), *finding = og_cli_get(a, "finding");
    memset(f, 0, sizeof(*f));
    f->kind = og_cli_get(a, "kind");
    if (og_certs_kind_check(f->kind) < 0)
        return og_cli_bad(a, "bad --kind: %s", og_error_last());
    if (expiring) {
        char *end = NULL;
        long days = strtol(expiring, &end, 10);
        if (end != expiring && *end == '\0' && days > 0 && days <= 36500)
            f->expiring_us = (int64_t)days * 86400000000LL;
        else if (og_duration_parse(expiring, &f->expiring_us) < 0 || f->expiring_us <= 0)
            return og_cli_bad(a, "bad --expiring '%s' (a duration like 30d, 2w or 12h)", expiring);
    }
    if (finding) {
        char buf[256];
        og_strlcpy(buf, finding, sizeof(buf));
        char *save = NULL;
        for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            unsigned bit;
            if (og_certs_finding_parse(t, &bit) < 0)
                return og_cli_bad(a, "%s", og_error_last());
            f->finding |= bit;
        }
    }
    return 0;
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* One row of `cert list` (the TENANT column first, left out without --all-tenants). An app
 * credential shows its label as SUBJECT and its source as SEEN AT; with --kind app-credential
 * the table is app_row's. */
static void list_row(og_cli_table *t, json_t *c, bool all, bool apps)
{
    char findings[300] = "", fp[17], na[11], seen[600], cred[80];
    size_t k;
    json_t *fj;
    bool app = og_streq(jstr(c, "kind"), OG_CERTS_KIND_APP);
    json_array_foreach(json_object_get(c, "findings"), k, fj)
    {
        size_t l = strlen(findings);
        snprintf(findings + l, sizeof(findings) - l, "%s%s", k ? "," : "", json_string_value(fj));
    }
    og_strlcpy(fp, jstr(c, "id"), sizeof(fp));
    og_strlcpy(na, jstr(c, "not_after"), sizeof(na));
    if (apps) {
        const char *name = jstr(c, "name"), *app_name = jstr(c, "app_name");
        snprintf(cred, sizeof(cred), "%.70s", name && *name ? name : jstr(c, "key_id"));
        const char *row[] = {jstr(c, "tenant"),
                             fp,
                             app_name && *app_name ? app_name : jstr(c, "app_id"),
                             cred,
                             jstr(c, "type"),
                             jstr(c, "hint"),
                             na,
                             jstr(c, "expires_in"),
                             findings};
        og_cli_table_add(t, all ? row : row + 1);
        return;
    }
    if (app)
        og_strlcpy(seen, jstr(c, "source"), sizeof(seen));
    else
        seen_at_text(c, seen, sizeof(seen));
    const char *row[] = {
        jstr(c, "tenant"), fp, na, jstr(c, "expires_in"), jstr(c, app ? "label" : "subject"), seen,
        findings};
    og_cli_table_add(t, all ? row : row + 1);
}

static int list(og_cli *cli, const og_cli_args *a)
{
    static const char *const head[] = {"TENANT",  "FINGERPRINT", "NOT AFTER", "LEFT",
                                       "SUBJECT", "SEEN AT",     "FINDINGS",  NULL};
    static const char *const app_head[] = {"TENANT", "ID",      "APP",  "CREDENTIAL", "TYPE",
                                           "HINT",   "EXPIRES", "LEFT", "FINDINGS",   NULL};
    const char *tenant = og_cli_get(a, "tenant");
    bool all = og_cli_has(a, "all-tenants");
    og_certs_filter f;
    json_t *arr = NULL, *c;
    size_t i;
    int error;
    /* with --all-tenants, --tenant only says whose user --as names */
    if (all && tenant && !cli->as_user)
        return og_cli_bad(a, "--all-tenants lists every tenant: drop --tenant (it only goes with "
                             "--as USER, to name that user's tenant)");
    if (!all && !tenant)
        return og_cli_bad(a, "cert list needs --tenant (or --all-tenants)");
    if ((error = list_filter(a, &f)) || (error = og_cli_open(cli, tenant)))
        return error;
    error =
        all ? og_certs_list_all(&cli->ctx, &f, &arr) : og_certs_list(&cli->ctx, tenant, &f, &arr);
    if (error < 0)
        return og_cli_fail(error);
    if (cli->json) {
        og_cli_print_list("certs", arr);
        return OG_EXIT_OK;
    }
    bool apps = og_streq(f.kind, OG_CERTS_KIND_APP);
    const char *const *h = apps ? app_head : head;
    og_cli_table *t = og_cli_table_new(all ? h : h + 1);
    if (!t) {
        json_decref(arr);
        return og_cli_fail(og_error_set(OG_ERROR, "out of memory"));
    }
    json_array_foreach(arr, i, c) list_row(t, c, all, apps);
    og_cli_table_print(t, stdout, 1);
    og_cli_table_free(t);
    json_decref(arr);
    return OG_EXIT_OK;
}

/* The lists of `cert show` (sans, findings, ...) and where it was seen. */
static void show_lists(json_t *doc)
{
    const char *lists[] = {"sans", "findings", "ocsp", "ca_issuers", "crl", NULL};
    size_t k;
    json_t *v, *s;
    for (size_t i = 0; lists[i]; i++) {
        printf("%-20s", lists[i]);
        json_array_foreach(json_object_get(doc, lists[i]), k, v)
            printf(" %s", json_string_value(v));
        putchar('\n');
    }
    json_array_foreach(json_object_get(doc, "sightings"), k, s)
    {
        json_t *sni = json_object_get(s, "sni");
        printf("%-20s %s %s%s%s last %s\n", k ? "" : "seen",
               json_string_value(json_object_get(s, "kind")),
               json_string_value(json_object_get(s, "location")), sni ? " sni " : "",
               sni ? json_string_value(sni) : "",
               json_string_value(json_object_get(s, "last_seen")));
    }
}

/* `cert show` of an app credential: its fields, time left and alerts (the hint is all there is
 * of a secret). Values print as a table prints them (no control characters). */
static void show_app_text(json_t *doc)
{
    const char *keys[] = {"id",           "label", "app_name", "app_id", "object_type",
                          "object_id",    "type",  "name",     "hint",   "thumbprint",
                          "key_id",       "start", "end",      "source", "first_seen",
                          "last_changed", NULL};
    size_t k;
    json_t *v;
    for (size_t i = 0; keys[i]; i++) {
        char *safe = og_cli_text_safe(jstr(doc, keys[i]));
        printf("%-20s %s\n", keys[i], safe ? safe : "");
        free(safe);
    }
    printf("%-20s %s (%lld days)\n", "expires_in", jstr(doc, "expires_in"),
           (long long)json_integer_value(json_object_get(doc, "days_left")));
    printf("%-20s", "findings");
    json_array_foreach(json_object_get(doc, "findings"), k, v) printf(" %s", json_string_value(v));
    printf("\n%-20s", "alerted");
    json_array_foreach(json_object_get(doc, "alerts"), k, v)
        printf(" %lldd", (long long)json_integer_value(json_object_get(v, "threshold_days")));
    putchar('\n');
}

static void show_text(json_t *doc)
{
    if (og_streq(jstr(doc, "kind"), OG_CERTS_KIND_APP)) {
        show_app_text(doc);
        return;
    }
    const char *keys[] = {
        "fingerprint",         "subject", "issuer", "serial", "not_before", "not_after",
        "signature_algorithm", NULL};
    for (size_t i = 0; keys[i]; i++)
        printf("%-20s %s\n", keys[i], json_string_value(json_object_get(doc, keys[i])));
    json_t *key = json_object_get(doc, "key");
    printf("%-20s %s %lld%s%s\n", "key", json_string_value(json_object_get(key, "type")),
           (long long)json_integer_value(json_object_get(key, "bits")),
           json_object_get(key, "curve") ? " " : "",
           json_object_get(key, "curve") ? json_string_value(json_object_get(key, "curve")) : "");
    printf("%-20s %s (%lld day%s)\n", "expires_in",
           json_string_value(json_object_get(doc, "expires_in")),
           (long long)json_integer_value(json_object_get(doc, "days_left")),
           json_integer_value(json_object_get(doc, "days_left")) == 1 ? "" : "s");
    printf("%-20s %s\n", "ca", json_is_true(json_object_get(doc, "ca")) ? "yes" : "no");
    printf("%-20s %s\n", "private_key",
           json_is_true(json_object_get(doc, "private_key")) ? "held (sealed)" : "no");
    json_t *ct = json_object_get(json_object_get(doc, "ct"), "issuances");
    if (json_array_size(ct))
        printf("%-20s logged (%s, seen %s)\n", "ct",
               json_string_value(json_object_get(json_array_get(ct, 0), "verdict")),
               json_string_value(json_object_get(json_array_get(ct, 0), "seen_at")));
    show_lists(doc);
}

static int show(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    json_t *doc = NULL;
    int error;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_certs_show(&cli->ctx, tenant, a->pos[0], &doc)) < 0)
        return og_cli_fail(error);
    json_t *ct = NULL; /* what Certificate Transparency says of it (docs/certs.md) */
    if (!og_streq(jstr(doc, "kind"), OG_CERTS_KIND_APP) &&
        og_ct_cert_status(&cli->ctx, tenant, jstr(doc, "fingerprint"), &ct) == 0)
        json_object_set_new(doc, "ct", ct);
    if (cli->json) {
        og_cli_print_json(doc);
        return OG_EXIT_OK;
    }
    show_text(doc);
    json_decref(doc);
    return OG_EXIT_OK;
}

/* ---- policy and expiry ---- */

/* Set what the options of `cert policy` change (nothing when they change nothing). */
static int policy_set(og_cli *cli, const og_cli_args *a, og_certs_policy *p)
{
    const char *tenant = og_cli_get(a, "tenant"), *only = og_cli_get(a, "ca-bundle-only");
    const char *file = only ? only : og_cli_get(a, "ca-bundle");
    char *bundle = NULL;
    size_t blen = 0;
    int error = 0;
    bool set_bundle = file || og_cli_has(a, "system-trust");
    if (file) {
        if ((error = og_file_read(file, 8 << 20, &bundle, &blen)) < 0) {
            og_error_wrap("CA bundle '%s'", file);
            return og_cli_fail(error);
        }
        p->ca_bundle_pem = bundle;
        p->bundle_only = only != NULL;
    }
    if (p->nthresholds || set_bundle || p->lifetime_share) {
        if ((error = og_certs_policy_set(&cli->ctx, tenant, p, set_bundle)) < 0) {
            if (file)
                og_error_wrap("CA bundle '%s'", file);
            error = og_cli_fail(error);
        }
    }
    free(bundle);
    p->ca_bundle_pem = NULL;
    return error;
}

static void policy_text(json_t *j)
{
    size_t i;
    json_t *v;
    printf("thresholds:");
    json_array_foreach(json_object_get(j, "thresholds_days"), i, v)
        printf(" %lldd", (long long)json_integer_value(v));
    printf("\ntrust: %s", json_string_value(json_object_get(j, "trust")));
    if (json_integer_value(json_object_get(j, "bundle_certificates")))
        printf(" (%lld certificates)",
               (long long)json_integer_value(json_object_get(j, "bundle_certificates")));
    printf("\nlifetime share: %s",
           json_is_true(json_object_get(j, "lifetime_share"))
               ? "on (thresholds scaled for certificates living under 90 days)"
               : "off");
    putchar('\n');
}

static int policy(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant"), *thresholds = og_cli_get(a, "thresholds");
    bool bundle = og_cli_has(a, "ca-bundle"), only = og_cli_has(a, "ca-bundle-only");
    og_certs_policy p;
    int error;
    memset(&p, 0, sizeof(p));
    if (bundle && only)
        return og_cli_bad(a, "give one of --ca-bundle and --ca-bundle-only");
    if ((bundle || only) && og_cli_has(a, "system-trust"))
        return og_cli_bad(a, "--%s and --system-trust exclude each other",
                          only ? "ca-bundle-only" : "ca-bundle");
    if (thresholds && og_certs_thresholds_parse(thresholds, &p) < 0)
        return og_cli_bad(a, "%s", og_error_last());
    const char *share = og_cli_get(a, "lifetime-share");
    if (share && strcmp(share, "on") && strcmp(share, "off"))
        return og_cli_bad(a, "--lifetime-share takes on or off, not '%s'", share);
    if (share)
        p.lifetime_share = strcmp(share, "on") == 0 ? OG_CERTS_SHARE_ON : OG_CERTS_SHARE_OFF;
    if ((error = og_cli_open(cli, tenant)) || (error = policy_set(cli, a, &p)))
        return error;
    memset(&p, 0, sizeof(p));
    if ((error = og_certs_policy_get(&cli->ctx, tenant, &p)) < 0)
        return og_cli_fail(error);
    json_t *j = og_certs_policy_to_json(&p);
    og_certs_policy_clear(&p);
    if (cli->json) {
        og_cli_print_json(j);
        return OG_EXIT_OK;
    }
    policy_text(j);
    json_decref(j);
    return OG_EXIT_OK;
}

static int check_expiry(og_cli *cli, const og_cli_args *a)
{
    const char *tenant = og_cli_get(a, "tenant");
    int error, raised = 0;
    if ((error = og_cli_open(cli, tenant)))
        return error;
    if ((error = og_certs_expiry_run(&cli->ctx, tenant, &raised)) < 0)
        return og_cli_fail(error);
    return og_cli_print_count(cli, "alerts_raised", raised,
                              raised == 1 ? "expiry alert raised" : "expiry alerts raised");
}

/* ---- the table ---- */

/* clang-format off */
#define OPT_PORTS {"ports", "LIST", "ports of a bare host (default 443,8443,636,993,...)", 0, 0}
#define OPT_SNI {"sni", "NAME", "the name to send and check (default: the host)", 0, 0}
#define OPT_STARTTLS \
    {"starttls", "PROTO", "auto: by port; or smtp|imap|pop3|ldap|ftp|xmpp|postgres", 0, 0}
#define OPT_CONCURRENCY {"concurrency", "N", "connections in flight (default 128)", 0, 0}
#define OPT_TIMEOUT {"timeout", "MS", "per endpoint, in ms or as 5s (default 5000)", 0, 0}
#define OPT_PASSWORD_FILE \
    {"password-file", "FILE", "the PKCS#12 or PEM key password: its first line", 0, 0}
/* --password is refused with a hint (cmd_cert_files.c), never shown */
#define OPT_PASSWORD {"password", "PW", NULL, OG_CLI_HIDDEN, 0}
#define OPT_TENANT_ANY {"tenant", "T", "the tenant (default: every tenant)", 0, 0}
/* clang-format on */

static const og_cli_opt scan_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    OPT_PORTS,
    OPT_SNI,
    OPT_STARTTLS,
    OPT_CONCURRENCY,
    OPT_TIMEOUT,
    {"verbose", NULL, "list every endpoint, refused and silent ones too", 0, 0},
    {0},
};
static const og_cli_opt files_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    OPT_PASSWORD_FILE,
    OPT_PASSWORD,
    {0},
};
static const og_cli_opt import_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    OPT_PASSWORD_FILE,
    OPT_PASSWORD,
    {"request", "ID", "the certificate request it was issued for (must match its key)", 0, 0},
    {0},
};
static const og_cli_opt request_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"name", "N", "new: the request's name", 0, 0},
    {"san", "NAME", "new: a DNS name or IP address (repeatable)", OG_CLI_REPEAT, 0},
    {"key-type", "TYPE", "new: ec256 (default), ec384, rsa2048, rsa3072, rsa4096", 0, 0},
    {"subject", "DN", "new: /C=DE/O=Acme GmbH/CN=www.acme.example", 0, 0},
    {"target", "NAME", "new: deploy the issued certificate to NAME (repeatable)", OG_CLI_REPEAT, 0},
    {"due", "DURATION", "new: remind from then on, daily (default 7d)", 0, 0},
    {"state", "S", "list: pending, issued or cancelled", 0, 0},
    {"reason", "TEXT", "cancel: why", 0, 0},
    {0},
};
static const og_cli_opt list_opts[] = {
    OG_CLI_OPT_TENANT,
    {"all-tenants", NULL, "every tenant's certificates (platform admins)", 0, 0},
    {"expiring", "DURATION", "only those expiring within it (30d, 2w, 12h)", 0, 0},
    {"finding", "F", "only those with finding F (comma-separated)", 0, 0},
    {"kind", "K", "only entries of kind K: x509 or app-credential", 0, 0},
    {0},
};
static const og_cli_opt tenant_opts[] = {OG_CLI_OPT_TENANT_REQ, {0}};
static const og_cli_opt policy_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"thresholds", "DAYS", "alert thresholds in days, like 30,14,7,1", 0, 0},
    {"lifetime-share", "on|off",
     "scale thresholds for certificates living under 90 days (default on)", 0, 0},
    {"ca-bundle", "FILE", "trust FILE's certificates besides the system's", 0, 0},
    {"ca-bundle-only", "FILE", "trust FILE's CAs instead of the system's", 0, 0},
    {"system-trust", NULL, "drop the tenant's bundle: the system store only", 0, 0},
    {0},
};
static const og_cli_opt schedule_opts[] = {
    OG_CLI_OPT_TENANT,
    {"every", "DURATION", "add a schedule: scan every DURATION (at least 5m)", 0, 0},
    {"list", NULL, "list the tenant's schedules", 0, 0},
    {"delete", "ID", "delete schedule ID", 0, 0},
    {"run-due", NULL, "run the schedules that are due (any tenant)", 0, 0},
    OPT_PORTS,
    OPT_SNI,
    OPT_STARTTLS,
    OPT_CONCURRENCY,
    OPT_TIMEOUT,
    {0},
};
static const og_cli_opt expiry_opts[] = {OPT_TENANT_ANY, {0}};
static const og_cli_opt alerts_opts[] = {
    OPT_TENANT_ANY,
    {"state", "S", "list: open, acknowledged, snoozed, resolved or all (default: unresolved)", 0,
     0},
    {"until", "TIME", "snooze: until TIME (2026-12-24T08:00:00Z)", 0, 0},
    {"for", "DURATION", "snooze: for DURATION (3d, 12h; at most 90d)", 0, 0},
    {"note", "TEXT", "ack, snooze: why", 0, 0},
    {0},
};
static const og_cli_opt calendar_opts[] = {
    {"tenant", "T", "the tenant (default: every tenant's, platform admins)", 0, 0},
    {"label", "TEXT", "token-create: what the token is for", 0, 0},
    {0},
};
static const og_cli_opt validity_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"at", "DATE", "as of DATE (2027-01-10) instead of now", 0, 0},
    {0},
};
static const og_cli_opt discovery_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"class", "C", "set: server, network, workstation or other", 0, 0},
    {"ports", "LIST", "set: the ports of the class (443,8443; none)", 0, 0},
    {"default", NULL, "set: the class's default ports again", 0, 0},
    {0},
};
static const og_cli_opt targets_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"all", NULL, "retired targets too", 0, 0},
    {0},
};
static const og_cli_opt issue_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"name", "N", "a DNS name of the certificate (repeatable)", OG_CLI_REQUIRED | OG_CLI_REPEAT, 0},
    {"challenge", "TYPE", "http-01, dns-01 or tls-alpn-01", OG_CLI_REQUIRED, 0},
    {"http-listen", "ADDR", "http-01: answer on host:port", 0, 0},
    {"webroot", "DIR", "http-01: write the answers under DIR", 0, 0},
    {"tls-listen", "ADDR", "tls-alpn-01: answer on host:port", 0, 0},
    {"dns-provider", "P", "dns-01: challtestsrv or rfc2136", 0, 0},
    {"dns-config", "CONFIG", "dns-01: the provider's settings", 0, 0},
    {"key-type", "TYPE", "ec256 (default), ec384, rsa2048, rsa3072, rsa4096", 0, 0},
    {"account", "ID", "the ACME account, when the tenant has several", 0, 0},
    {"timeout", "DURATION", "how long the order may take (1s to 1h)", 0, 0},
    {"target", "NAME", "deploy each renewal to target NAME (repeatable)", OG_CLI_REPEAT, 0},
    {0},
};
static const og_cli_opt renew_opts[] = {
    OPT_TENANT_ANY,
    {"due", NULL, "renew every plan whose renewal time has come", 0, 0},
    {0},
};
static const og_cli_opt revoke_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"reason", "R", "unspecified, keyCompromise, superseded, ...", 0, 0},
    {0},
};
static const og_cli_opt plans_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"set-targets", "NAMES", "replace plan ID's deploy targets (a,b; \"\" clears)", 0, 0},
    {0},
};
static const og_cli_opt deploy_opts[] = {
    OG_CLI_OPT_TENANT_REQ,
    {"target", "NAME", "the deploy target", OG_CLI_REQUIRED, 0},
    {0},
};

static const og_cli_sub subs[] = {
    {"scan", "TARGET...", 1, -1, scan_opts, "scan TLS endpoints now", og_cli__cert_scan},
    {"scan-files", "PATH...", 1, -1, files_opts, "find certificates in files and folders",
     og_cli__cert_scan_files},
    {"import", "FILE", 1, 1, import_opts, "import a PEM, DER or PKCS#12 bundle",
     og_cli__cert_import},
    {"request", "[list|show|cancel] [ID]", 0, 2, request_opts,
     "certificates bought outside ACME: key, CSR, task", og_cli__cert_request},
    {"list", NULL, 0, 0, list_opts, "list the inventory, soonest expiry first", list},
    {"show", "ID", 1, 1, tenant_opts, "show one certificate", show},
    {"policy", NULL, 0, 0, policy_opts, "show or set thresholds and trust anchors", policy},
    {"schedule", "[TARGET...]", 0, -1, schedule_opts, "scheduled scans: add, list, delete, run",
     og_cli__cert_schedule},
    {"discovery", "show|set", 1, 1, discovery_opts, "ports scanned per discovered device class",
     og_cli__cert_discovery},
    {"targets", NULL, 0, 0, targets_opts, "scan targets discovered by RMM connectors",
     og_cli__cert_targets},
    {"check-expiry", NULL, 0, 0, expiry_opts, "raise the expiry alerts due now", check_expiry},
    {"alerts", "[list|ack|snooze] [ID]", 0, 2, alerts_opts,
     "alerts by what is wrong: list, acknowledge, snooze", og_cli__cert_alerts},
    {"calendar", "[export|token-create|token-list|token-revoke] [ID]", 0, 2, calendar_opts,
     "expiries and renewals as iCalendar; read-only tokens", og_cli__cert_calendar},
    {"validity-report", NULL, 0, 0, validity_opts, "what the next SC-081 validity step hits",
     og_cli__cert_validity_report},
    {"issue", NULL, 0, 0, issue_opts, "get a certificate from the ACME CA", og_cli__cert_issue},
    {"renew", "[ID]", 0, 1, renew_opts, "renew a plan now, or every plan due", og_cli__cert_renew},
    {"revoke", "ID", 1, 1, revoke_opts, "revoke a certificate at the CA", og_cli__cert_revoke},
    {"plans", "[ID]", 0, 1, plans_opts, "renewal plans, or one plan", og_cli__cert_plans},
    {"deploy", "ID", 1, 1, deploy_opts, "deploy a certificate to a target", og_cli__cert_deploy},
    {0},
};

static const og_command *const groups[] = {&og_cli__cert_watch, NULL};

const og_command og_cmd_cert = {
    .name = "cert",
    .summary = "certificate inventory: scan, import, expiry alerts",
    .about = about,
    .subs = subs,
    .groups = groups,
};
