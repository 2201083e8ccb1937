/* test_deploy.c - unit tests of the deploy module: endpoints, atomic files with modes, staging
 * and swapping, commands with timeouts, rendering, and certs.deploy end to end on a file target
 * (verified, rolled back on its own, overridden by a human). */
#include "og_test.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deploy/deploy_internal.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/deploy.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/gate.h"
#include "opsgate/tenant.h"

/* ---- a self-signed certificate and its key, as PEM (caller frees both) ---- */
static void make_cert(const char *cn, char **cert_pem, char **key_pem)
{
    EVP_PKEY *pk = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    long n;
    assert_non_null(pk);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(og_time_now_us() & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
    X509_set_pubkey(x, pk);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
    assert_int_equal(PEM_write_bio_X509(b, x), 1);
    n = BIO_get_mem_data(b, &p);
    *cert_pem = strndup(p, (size_t)n);
    (void)BIO_reset(b);
    assert_int_equal(PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL), 1);
    n = BIO_get_mem_data(b, &p);
    *key_pem = strndup(p, (size_t)n);
    BIO_free(b);
    X509_free(x);
    EVP_PKEY_free(pk);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *path)
{
    char *s = NULL;
    size_t len;
    if (og_file_read(path, 1 << 20, &s, &len) < 0)
        return NULL;
    return s;
}

/* ---- endpoints ---- */

static void test_deploy__endpoint_parse_accepts_host_port_sni_and_v6(void **state)
{
    og_deploy_endpoint ep;
    (void)state;
    OG_ASSERT_OK(og_deploy_endpoint_parse("127.0.0.1:8443", &ep));
    assert_string_equal(ep.host, "127.0.0.1");
    assert_int_equal(ep.port, 8443);
    assert_string_equal(ep.sni, "");
    OG_ASSERT_OK(og_deploy_endpoint_parse("lb.example:443/www.example", &ep));
    assert_string_equal(ep.host, "lb.example");
    assert_string_equal(ep.sni, "www.example");
    OG_ASSERT_OK(og_deploy_endpoint_parse("[::1]:9443/api.test", &ep));
    assert_string_equal(ep.host, "::1");
    assert_int_equal(ep.port, 9443);
    assert_string_equal(ep.sni, "api.test");
}

static void test_deploy__endpoint_parse_refuses_and_names_bad_values(void **state)
{
    const char *bad[] = {"",        "host",     "host:", "host:0",  "host:65536", "host:12x",
                         "::1:443", "[::1]443", "h:1/",  "h:1/a b", ":443"};
    og_deploy_endpoint ep;
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(og_deploy_endpoint_parse(bad[i], &ep), OG_EINVAL);
        char want[64];
        snprintf(want, sizeof(want), "'%s'", bad[i]);
        assert_non_null(strstr(og_error_last(), want));
    }
}

/* ---- files ---- */

static void test_deploy__write_file_sets_modes_whatever_the_umask(void **state)
{
    char *dir = og_test_tmpdir(), path[512];
    struct stat st;
    mode_t old = umask(0077);
    (void)state;
    snprintf(path, sizeof(path), "%s/cert.pem", dir);
    OG_ASSERT_OK(og_deploy__write_file(path, "abc", 3, 0644, NULL));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    umask(0);
    OG_ASSERT_OK(og_deploy__write_file(path, "secret", 6, 0600, NULL));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    char *s = read_text(path);
    assert_string_equal(s, "secret");
    free(s);
    umask(old);
    assert_int_equal(og_deploy__write_file(path, "x", 1, 0600, "no-such-user-here"),
                     geteuid() == 0 ? OG_EINVAL : 0);
    og_test_rmrf(dir);
    free(dir);
}

static void test_deploy__swap_keeps_previous_files_and_removes_absent_ones(void **state)
{
    char *dir = og_test_tmpdir();
    og_deploy_fileset fs, snap;
    char prev[4200];
    (void)state;
    memset(&fs, 0, sizeof(fs));
    snprintf(fs.f[0].path, sizeof(fs.f[0].path), "%s/a.pem", dir);
    snprintf(fs.f[1].path, sizeof(fs.f[1].path), "%s/b.pem", dir);
    fs.n = 2;
    write_text(fs.f[0].path, "old a");
    write_text(fs.f[1].path, "old b");
    snap = fs;
    OG_ASSERT_OK(og_deploy__snapshot(&snap));
    assert_true(snap.f[0].present && snap.f[1].present);
    assert_string_equal(snap.f[0].data, "old a");
    fs.f[0].data = strdup("new a");
    fs.f[0].len = 5;
    fs.f[0].mode = 0644;
    fs.f[0].present = 1;
    fs.f[1].present = 0; /* b goes away */
    OG_ASSERT_OK(og_deploy__stage(&fs, NULL));
    char *s = read_text(fs.f[0].path);
    assert_string_equal(s, "old a"); /* staging touches nothing live */
    free(s);
    int64_t swap_at = 0, before = og_time_now_us();
    OG_ASSERT_OK(og_deploy__swap(&fs, &swap_at));
    assert_true(swap_at >= before && swap_at <= og_time_now_us()); /* the swap's start, noted */
    int64_t first = swap_at;
    og_deploy__mark_swap(&swap_at); /* the first mark wins */
    assert_true(swap_at == first);
    s = read_text(fs.f[0].path);
    assert_string_equal(s, "new a");
    free(s);
    assert_int_equal(access(fs.f[1].path, F_OK), -1);
    snprintf(prev, sizeof(prev), "%s" OG_DEPLOY_PREV_SUFFIX, fs.f[0].path);
    s = read_text(prev);
    assert_string_equal(s, "old a");
    free(s);
    /* restoring the snapshot puts both back */
    OG_ASSERT_OK(og_deploy__stage(&snap, NULL));
    OG_ASSERT_OK(og_deploy__swap(&snap, NULL));
    s = read_text(fs.f[1].path);
    assert_string_equal(s, "old b");
    free(s);
    og_deploy_fileset_clear(&fs);
    og_deploy_fileset_clear(&snap);
    og_test_rmrf(dir);
    free(dir);
}

static void test_deploy__run_reports_status_output_and_kills_at_timeout(void **state)
{
    og_buf out;
    (void)state;
    og_buf_init(&out, 64);
    const char *ok[] = {"echo fine", NULL};
    OG_ASSERT_OK(og_deploy__run("ok", ok, 1, 5000000, &out));
    assert_string_equal(out.data, "fine");
    og_buf_reset(&out);
    const char *fail[] = {"echo broken >&2; exit 4", NULL};
    assert_int_equal(og_deploy__run("reload", fail, 1, 5000000, &out), OG_ERROR);
    assert_non_null(strstr(og_error_last(), "exit status 4"));
    assert_non_null(strstr(og_error_last(), "broken"));
    og_buf_reset(&out);
    int64_t t0 = og_time_mono_us();
    const char *hang[] = {"sleep 20 & sleep 20", NULL};
    assert_int_equal(og_deploy__run("slow", hang, 1, 200000, &out), OG_ERROR);
    assert_non_null(strstr(og_error_last(), "timed out after 200 ms"));
    assert_true(og_time_mono_us() - t0 < 3000000); /* the whole group was killed */
    const char *argv[] = {"/nonexistent/binary", NULL};
    assert_int_equal(og_deploy__run("missing", argv, 0, 5000000, NULL), OG_ERROR);
    og_buf_free(&out);
}

static void test_deploy__render_puts_each_role_in_its_file(void **state)
{
    og_certs_material m;
    og_deploy_fileset fs;
    char *chain_cert, *chain_key, fp[65];
    (void)state;
    memset(&m, 0, sizeof(m));
    memset(&fs, 0, sizeof(fs));
    make_cert("leaf.test", &m.leaf_pem, &m.key_pem);
    make_cert("int.test", &chain_cert, &chain_key);
    m.chain_pem = chain_cert;
    og_deploy_role roles[] = {OG_DEPLOY_LEAF, OG_DEPLOY_CHAIN, OG_DEPLOY_FULLCHAIN,
                              OG_DEPLOY_BUNDLE};
    for (int i = 0; i < 4; i++) {
        snprintf(fs.f[i].path, sizeof(fs.f[i].path), "/x/%d", i);
        fs.f[i].role = roles[i];
    }
    fs.n = 4;
    OG_ASSERT_OK(og_deploy__render(&m, &fs));
    assert_int_equal(fs.f[0].mode, 0644);
    assert_null(strstr(fs.f[0].data, "PRIVATE KEY"));
    assert_string_equal(fs.f[1].data, chain_cert);
    assert_non_null(strstr(fs.f[2].data, chain_cert));
    assert_int_equal(fs.f[3].mode, 0600);
    assert_non_null(strstr(fs.f[3].data, "PRIVATE KEY"));
    assert_null(strstr(fs.f[3].data, "\n\n")); /* HAProxy payloads end at a blank line */
    OG_ASSERT_OK(og_certs_pem_fingerprint(fs.f[3].data, fs.f[3].len, fp));
    char want[65];
    OG_ASSERT_OK(og_certs_pem_fingerprint(m.leaf_pem, strlen(m.leaf_pem), want));
    assert_string_equal(fp, want);
    og_deploy_fileset_clear(&fs);
    og_certs_material_clear(&m);
    free(chain_key);
}

static void test_deploy__nginx_config_expands_includes_and_replaces_whole_paths(void **state)
{
    char *dir = og_test_tmpdir(), path[600], sub[600];
    og_buf b;
    int n = 0;
    (void)state;
    snprintf(sub, sizeof(sub), "%s/conf.d", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(path, sizeof(path), "%s/conf.d/a.conf", dir);
    write_text(path, "server { ssl_certificate /tls/site.crt; ssl_certificate_key "
                     "\"/tls/site.key\"; }\n");
    snprintf(path, sizeof(path), "%s/conf.d/b.conf", dir);
    write_text(path, "# ssl_certificate /tls/site.crt.bak;\nserver { ssl_certificate "
                     "/tls/site.crt.bak; }\n");
    snprintf(path, sizeof(path), "%s/mime.types", dir);
    write_text(path, "types { text/plain txt; }\n");
    snprintf(path, sizeof(path), "%s/nginx.conf", dir);
    write_text(path, "events {}\n# include /nonexistent/commented.conf;\nhttp {\n"
                     "  include mime.types;\n  include \"conf.d/*.conf\";\n"
                     "  include none/*.conf;\n}\n");
    og_buf_init(&b, 1 << 20);
    OG_ASSERT_OK(og_deploy__nginx_expand(path, &b));
    assert_non_null(strstr(b.data, "text/plain txt"));
    assert_non_null(strstr(b.data, "/tls/site.crt.bak"));
    assert_null(strstr(b.data, "include mime.types"));
    assert_non_null(strstr(b.data, "# include /nonexistent/commented.conf")); /* left alone */
    OG_ASSERT_OK(og_deploy__nginx_substitute(&b, "/tls/site.crt", "/tls/site.crt.og-new", &n));
    OG_ASSERT_OK(og_deploy__nginx_substitute(&b, "/tls/site.key", "/tls/site.key.og-new", &n));
    assert_int_equal(n, 2); /* site.crt.bak is another file, even in a comment */
    assert_non_null(strstr(b.data, "ssl_certificate /tls/site.crt.og-new;"));
    assert_non_null(strstr(b.data, "\"/tls/site.key.og-new\""));
    assert_non_null(strstr(b.data, "ssl_certificate /tls/site.crt.bak;"));
    og_buf_free(&b);
    /* an include that includes itself stops at the depth limit */
    snprintf(path, sizeof(path), "%s/loop.conf", dir);
    write_text(path, "include loop.conf;\n");
    og_buf_init(&b, 1 << 20);
    assert_int_equal(og_deploy__nginx_expand(path, &b), OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "deeper than"));
    og_buf_free(&b);
    og_test_rmrf(dir);
    free(dir);
}

/* ---- certs.deploy on a file target ---- */

typedef struct fixture {
    og_test_env env;
    char *out;      /* folder the target writes */
    char fp[2][65]; /* two imported certificates */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    og_test_env_setup(&f->env);
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "acme", NULL));
    OG_ASSERT_OK(og_tenant_create(&f->env.ctx, "globex", NULL));
    for (int i = 0; i < 2; i++) {
        char *c, *k, cn[32], bundle[8192];
        og_certs_import_summary sum;
        snprintf(cn, sizeof(cn), "site%d.test", i);
        make_cert(cn, &c, &k);
        snprintf(bundle, sizeof(bundle), "%s%s", c, k);
        OG_ASSERT_OK(og_certs_import(&f->env.ctx, "acme", cn, bundle, strlen(bundle), &sum));
        og_strlcpy(f->fp[i], sum.first_fingerprint, sizeof(f->fp[i]));
        free(c);
        free(k);
    }
    f->out = og_test_tmpdir();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    og_test_env_teardown(&f->env);
    og_test_rmrf(f->out);
    free(f->out);
    free(f);
    return 0;
}

static json_t *file_config(const fixture *f, const char *reload_cmd)
{
    char cert[600], key[600];
    snprintf(cert, sizeof(cert), "%s/cert.pem", f->out);
    snprintf(key, sizeof(key), "%s/key.pem", f->out);
    return json_pack("{s:s, s:s, s:s?}", "cert_path", cert, "key_path", key, "reload_cmd",
                     reload_cmd);
}

static void served_fp(const fixture *f, char fp[65])
{
    char path[600];
    snprintf(path, sizeof(path), "%s/cert.pem", f->out);
    char *s = read_text(path);
    fp[0] = '\0';
    if (s)
        (void)og_certs_pem_fingerprint(s, strlen(s), fp);
    free(s);
}

static void test_deploy__target_add_validates_options_and_names(void **state)
{
    fixture *f = *state;
    json_t *cfg = file_config(f, NULL), *bad = json_pack("{s:s}", "cert_path", "relative.pem");
    json_t *list = NULL;
    OG_ASSERT_OK(og_deploy_target_add(&f->env.ctx, "acme", "files", "file", cfg, NULL, NULL));
    assert_int_equal(og_deploy_target_add(&f->env.ctx, "acme", "files", "file", cfg, NULL, NULL),
                     OG_EEXISTS);
    assert_int_equal(og_deploy_target_add(&f->env.ctx, "acme", "x", "ftp", cfg, NULL, NULL),
                     OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "'ftp'"));
    assert_int_equal(og_deploy_target_add(&f->env.ctx, "acme", "x", "file", bad, NULL, NULL),
                     OG_EINVAL);
    assert_non_null(strstr(og_error_last(), "relative.pem"));
    assert_int_equal(og_deploy_target_add(&f->env.ctx, "acme", "Bad Name", "file", cfg, NULL, NULL),
                     OG_EINVAL);
    assert_int_equal(og_deploy_target_add(&f->env.ctx, "acme", "x", "nginx", cfg, NULL, NULL),
                     OG_EINVAL); /* nginx needs an endpoint */
    OG_ASSERT_OK(og_deploy_target_list(&f->env.ctx, "acme", &list));
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    OG_ASSERT_OK(og_deploy_target_list(&f->env.ctx, "globex", &list));
    assert_int_equal(json_array_size(list), 0); /* targets are per tenant */
    json_decref(list);
    json_decref(cfg);
    json_decref(bad);
}

static void test_deploy__deploy_verifies_and_an_override_restores_the_previous(void **state)
{
    fixture *f = *state;
    json_t *cfg = file_config(f, NULL);
    og_gate_outcome a, b;
    char fp[65];
    OG_ASSERT_OK(og_deploy_target_add(&f->env.ctx, "acme", "files", "file", cfg, NULL, NULL));
    OG_ASSERT_OK(og_deploy_cert(&f->env.ctx, "acme", f->fp[0], "files", &a));
    assert_int_equal(a.level, OG_GATE_L1);
    assert_string_equal(a.state, "review");
    assert_string_equal(json_string_value(json_object_get(a.result, "status")), "verified");
    served_fp(f, fp);
    assert_string_equal(fp, f->fp[0]);
    OG_ASSERT_OK(og_deploy_cert(&f->env.ctx, "acme", f->fp[1], "files", &b));
    served_fp(f, fp);
    assert_string_equal(fp, f->fp[1]);
    /* overriding the older deploy would clobber the newer one: refused */
    assert_int_equal(og_gate_decide(&f->env.ctx, a.gate_id, "override", NULL), OG_ECONFLICT);
    OG_ASSERT_OK(og_gate_decide(&f->env.ctx, b.gate_id, "override", "wrong one"));
    served_fp(f, fp);
    assert_string_equal(fp, f->fp[0]);
    /* the key went back too, and stays 0600 */
    char key[600];
    struct stat st;
    snprintf(key, sizeof(key), "%s/key.pem", f->out);
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    json_decref(a.result);
    json_decref(b.result);
    json_decref(cfg);
}

/* An override records the restoration as a run of its own: the target's last deploy and the
 * restored certificate's history say what the target holds, pointing at the run rolled back,
 * with one audit record. */
static void test_deploy__an_override_records_the_restoration_as_a_run(void **state)
{
    fixture *f = *state;
    json_t *cfg = file_config(f, NULL), *list = NULL, *h = NULL, *recs = NULL;
    og_gate_outcome a, b;
    og_tenant t;
    int64_t next = 0;
    OG_ASSERT_OK(og_deploy_target_add(&f->env.ctx, "acme", "files", "file", cfg, NULL, NULL));
    OG_ASSERT_OK(og_deploy_cert(&f->env.ctx, "acme", f->fp[0], "files", &a));
    OG_ASSERT_OK(og_deploy_cert(&f->env.ctx, "acme", f->fp[1], "files", &b));
    const char *brun = json_string_value(json_object_get(b.result, "run_id"));
    OG_ASSERT_OK(og_gate_decide(&f->env.ctx, b.gate_id, "override", "wrong one"));
    OG_ASSERT_OK(og_deploy_target_list(&f->env.ctx, "acme", &list));
    json_t *last = json_object_get(json_array_get(list, 0), "last_deploy");
    assert_string_equal(json_string_value(json_object_get(last, "fingerprint")), f->fp[0]);
    assert_string_equal(json_string_value(json_object_get(last, "state")), "restored");
    json_decref(list);
    OG_ASSERT_OK(og_deploy_history(&f->env.ctx, "acme", f->fp[0], &h));
    assert_int_equal(json_array_size(h), 3); /* deployed, replaced, restored */
    json_t *newest = json_array_get(h, 0);
    assert_string_equal(json_string_value(json_object_get(newest, "role")), "deployed");
    assert_string_equal(json_string_value(json_object_get(newest, "state")), "restored");
    assert_string_equal(json_string_value(json_object_get(newest, "previous_fingerprint")),
                        f->fp[1]);
    assert_non_null(strstr(json_string_value(json_object_get(newest, "detail")), brun));
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 1), "state")),
                        "overridden");
    json_decref(h);
    OG_ASSERT_OK(og_tenant_get(&f->env.ctx, "acme", &t));
    OG_ASSERT_OK(
        og_audit_list(&f->env.ctx, t.id, 0, 1000, "certs.deploy.restore", NULL, &recs, &next));
    assert_int_equal(json_array_size(recs), 1);
    json_decref(recs);
    json_decref(a.result);
    json_decref(b.result);
    json_decref(cfg);
}

/* The history of a certificate: the runs that deployed it and the one that replaced it, newest
 * first; another tenant's certificate has none there; a bad fingerprint is refused. */
static void test_deploy__history_lists_the_runs_that_deployed_or_replaced_it(void **state)
{
    fixture *f = *state;
    json_t *cfg = file_config(f, NULL), *h = NULL;
    og_gate_outcome a, b;
    OG_ASSERT_OK(og_deploy_target_add(&f->env.ctx, "acme", "files", "file", cfg, NULL, NULL));
    OG_ASSERT_OK(og_deploy_history(&f->env.ctx, "acme", f->fp[0], &h));
    assert_int_equal(json_array_size(h), 0);
    json_decref(h);
    OG_ASSERT_OK(og_deploy_cert(&f->env.ctx, "acme", f->fp[0], "files", &a));
    OG_ASSERT_OK(og_deploy_cert(&f->env.ctx, "acme", f->fp[1], "files", &b));
    OG_ASSERT_OK(og_deploy_history(&f->env.ctx, "acme", f->fp[0], &h));
    assert_int_equal(json_array_size(h), 2);
    json_t *newest = json_array_get(h, 0), *oldest = json_array_get(h, 1);
    assert_string_equal(json_string_value(json_object_get(newest, "role")), "replaced");
    assert_string_equal(json_string_value(json_object_get(newest, "fingerprint")), f->fp[1]);
    assert_string_equal(json_string_value(json_object_get(oldest, "role")), "deployed");
    assert_string_equal(json_string_value(json_object_get(oldest, "target")), "files");
    assert_string_equal(json_string_value(json_object_get(oldest, "state")), "verified");
    json_decref(h);
    h = NULL;
    assert_int_equal(og_deploy_history(&f->env.ctx, "acme", "abc", &h), OG_EINVAL);
    assert_null(h);
    OG_ASSERT_OK(og_deploy_history(&f->env.ctx, "globex", f->fp[0], &h));
    assert_int_equal(json_array_size(h), 0); /* runs are per tenant */
    json_decref(h);
    json_decref(a.result);
    json_decref(b.result);
    json_decref(cfg);
}

static void test_deploy__failed_reload_rolls_back_and_records_it(void **state)
{
    fixture *f = *state;
    char cmd[700], fp[65];
    og_gate_outcome a, b;
    json_t *records = NULL;
    int64_t next = 0;
    /* the "service" refuses site1 */
    snprintf(cmd, sizeof(cmd), "openssl x509 -in %s/cert.pem -noout -subject | grep -qv site1",
             f->out);
    json_t *cfg = file_config(f, cmd);
    OG_ASSERT_OK(og_deploy_target_add(&f->env.ctx, "acme", "files", "file", cfg, NULL, NULL));
    OG_ASSERT_OK(og_deploy_cert(&f->env.ctx, "acme", f->fp[0], "files", &a));
    assert_int_equal(og_deploy_cert(&f->env.ctx, "acme", f->fp[1], "files", &b), OG_ECONFLICT);
    assert_non_null(strstr(og_error_last(), "rolled-back"));
    assert_string_equal(json_string_value(json_object_get(b.result, "status")), "rolled-back");
    served_fp(f, fp);
    assert_string_equal(fp, f->fp[0]);
    /* the failed swap and its reversal, pointing at it */
    og_tenant t;
    OG_ASSERT_OK(og_tenant_get(&f->env.ctx, "acme", &t));
    OG_ASSERT_OK(
        og_audit_list(&f->env.ctx, t.id, 0, 1000, "certs.deploy.rollback", NULL, &records, &next));
    assert_int_equal(json_array_size(records), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(records, 0), "rollback_of")),
                     json_integer_value(json_object_get(b.result, "swap_audit_seq")));
    json_decref(records);
    json_decref(a.result);
    json_decref(b.result);
    json_decref(cfg);
}

static void
test_deploy__targets_are_set_up_by_the_operator_and_hidden_from_other_tenants(void **state)
{
    fixture *f = *state;
    json_t *cfg = file_config(f, NULL);
    og_ctx gil = f->env.ctx;
    OG_ASSERT_OK(og_user_add(&f->env.ctx, "globex", "gil", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_actor_become(&gil, "globex", "gil"));
    OG_ASSERT_OK(og_deploy_target_add(&f->env.ctx, "acme", "files", "file", cfg, NULL, NULL));
    assert_int_equal(og_deploy_cert(&gil, "acme", f->fp[0], "files", NULL), OG_ENOTFOUND);
    assert_int_equal(og_deploy_target_add(&gil, "acme", "x", "file", cfg, NULL, NULL),
                     OG_ENOTFOUND);
    /* a tenant's own admin may deploy to a target, but not set one up: it names host files and
     * a shell command */
    og_ctx ada = f->env.ctx;
    OG_ASSERT_OK(og_user_add(&f->env.ctx, "acme", "ada", OG_ROLE_TENANT_ADMIN, NULL));
    OG_ASSERT_OK(og_actor_become(&ada, "acme", "ada"));
    assert_int_equal(og_deploy_target_add(&ada, "acme", "mine", "file", cfg, NULL, NULL),
                     OG_EDENIED);
    assert_int_equal(og_deploy_target_remove(&ada, "acme", "files"), OG_EDENIED);
    OG_ASSERT_OK(og_deploy_cert(&ada, "acme", f->fp[0], "files", NULL));
    json_t *list = NULL;
    assert_int_equal(og_deploy_target_list(&gil, "acme", &list), OG_ENOTFOUND);
    json_decref(cfg);
}

static void test_deploy__a_renewal_follows_its_predecessor_to_its_targets(void **state)
{
    fixture *f = *state;
    json_t *cfg = file_config(f, NULL), *payload, *items = NULL, *report = NULL;
    og_tenant t;
    char fp[65];
    int delivered = 0;
    OG_ASSERT_OK(og_deploy_target_add(&f->env.ctx, "acme", "files", "file", cfg, NULL, NULL));
    OG_ASSERT_OK(og_deploy_cert(&f->env.ctx, "acme", f->fp[0], "files", NULL));
    OG_ASSERT_OK(og_tenant_get(&f->env.ctx, "acme", &t));
    /* whoever renews emits certs.renewed in its own transaction */
    payload = json_pack("{s:s, s:s}", "previous_fingerprint", f->fp[0], "fingerprint", f->fp[1]);
    OG_ASSERT_OK(og_store_tx_begin(f->env.store));
    OG_ASSERT_OK(og_event_emit(&f->env.ctx, t.id, "certs.renewed", payload, NULL));
    OG_ASSERT_OK(og_store_tx_commit(f->env.store));
    OG_ASSERT_OK(og_events_run_once(&f->env.ctx, NULL, &delivered));
    assert_true(delivered >= 1);
    served_fp(f, fp);
    assert_string_equal(fp, f->fp[1]);
    OG_ASSERT_OK(og_gate_list(&f->env.ctx, "acme", NULL, &items));
    assert_int_equal(json_array_size(items), 2); /* the first deploy and the follow-up */
    json_decref(items);
    /* again: the target holds the new one already, nothing is deployed twice */
    OG_ASSERT_OK(og_deploy_renewed(&f->env.ctx, "acme", f->fp[0], f->fp[1], &report));
    assert_int_equal(json_array_size(report), 0);
    json_decref(report);
    assert_int_equal(og_deploy_renewed(&f->env.ctx, "acme", "abc", f->fp[1], NULL), OG_EINVAL);
    json_decref(payload);
    json_decref(cfg);
}

static void test_deploy__a_renewal_goes_to_the_targets_its_plan_names_only(void **state)
{
    fixture *f = *state;
    json_t *cfg = file_config(f, NULL), *named, *payload, *report = NULL;
    const char *gone[] = {"gone"};
    char fp[65], path[600], key[600];
    og_tenant t;
    int delivered = 0;
    snprintf(path, sizeof(path), "%s/n-cert.pem", f->out);
    snprintf(key, sizeof(key), "%s/n-key.pem", f->out);
    named = json_pack("{s:s, s:s}", "cert_path", path, "key_path", key);
    OG_ASSERT_OK(og_deploy_target_add(&f->env.ctx, "acme", "files", "file", cfg, NULL, NULL));
    OG_ASSERT_OK(og_deploy_target_add(&f->env.ctx, "acme", "named", "file", named, NULL, NULL));
    OG_ASSERT_OK(og_deploy_cert(&f->env.ctx, "acme", f->fp[0], "files", NULL));
    OG_ASSERT_OK(og_tenant_get(&f->env.ctx, "acme", &t));
    /* "named" holds nothing yet and "files" holds the predecessor: the plan's names decide */
    payload = json_pack("{s:s, s:s, s:[s]}", "previous_fingerprint", f->fp[0], "fingerprint",
                        f->fp[1], "targets", "named");
    OG_ASSERT_OK(og_store_tx_begin(f->env.store));
    OG_ASSERT_OK(og_event_emit(&f->env.ctx, t.id, "certs.renewed", payload, NULL));
    OG_ASSERT_OK(og_store_tx_commit(f->env.store));
    OG_ASSERT_OK(og_events_run_once(&f->env.ctx, NULL, &delivered));
    assert_true(delivered >= 1);
    served_fp(f, fp);
    assert_string_equal(fp, f->fp[0]);
    char *s = read_text(path);
    assert_non_null(s);
    OG_ASSERT_OK(og_certs_pem_fingerprint(s, strlen(s), fp));
    free(s);
    assert_string_equal(fp, f->fp[1]);
    /* again: nothing deployed twice */
    const char *names[] = {"named"};
    OG_ASSERT_OK(og_deploy_renewed_to(&f->env.ctx, "acme", f->fp[0], f->fp[1], names, 1, &report));
    assert_int_equal(json_array_size(report), 0);
    json_decref(report);
    report = NULL;
    /* a named target removed since is reported, not skipped silently */
    assert_int_equal(
        og_deploy_renewed_to(&f->env.ctx, "acme", f->fp[0], f->fp[1], gone, 1, &report),
        OG_ENOTFOUND);
    assert_int_equal(json_array_size(report), 1);
    json_decref(report);
    json_decref(payload);
    json_decref(named);
    json_decref(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deploy__endpoint_parse_accepts_host_port_sni_and_v6),
        cmocka_unit_test(test_deploy__endpoint_parse_refuses_and_names_bad_values),
        cmocka_unit_test(test_deploy__write_file_sets_modes_whatever_the_umask),
        cmocka_unit_test(test_deploy__swap_keeps_previous_files_and_removes_absent_ones),
        cmocka_unit_test(test_deploy__run_reports_status_output_and_kills_at_timeout),
        cmocka_unit_test(test_deploy__render_puts_each_role_in_its_file),
        cmocka_unit_test(test_deploy__nginx_config_expands_includes_and_replaces_whole_paths),
        cmocka_unit_test_setup_teardown(test_deploy__target_add_validates_options_and_names, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_deploy__deploy_verifies_and_an_override_restores_the_previous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deploy__an_override_records_the_restoration_as_a_run,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_deploy__history_lists_the_runs_that_deployed_or_replaced_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deploy__failed_reload_rolls_back_and_records_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_deploy__targets_are_set_up_by_the_operator_and_hidden_from_other_tenants, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_deploy__a_renewal_follows_its_predecessor_to_its_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_deploy__a_renewal_goes_to_the_targets_its_plan_names_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
