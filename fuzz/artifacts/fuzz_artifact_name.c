/* fuzz_artifact_name.c - libFuzzer target for artifact names through put, read and show. */
#include "fuzz_util.h"
#include "opsgate/artifacts.h"
#include "opsgate/context.h"
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"
#include "opsgate/util.h"

#include <jansson.h>
#include <stdint.h>
#include <string.h>

/*
 * The input is NAME, a NUL, then the content: an artifact name as `opsgate artifact put` or PUT
 * /api/v1/tenants/T/projects/P/artifacts/NAME gives it (after percent-decoding). It goes through
 * the real put into a real data folder (made once, under $TMPDIR). Checked, against an oracle
 * written from docs/artifacts.md:
 * - a name the oracle refuses (empty, over OG_ARTIFACT_NAME_MAX bytes, not valid UTF-8, a control
 *   character, '/' or '\', "." or "..", a leading or trailing space) is refused by put and by read
 *   with OG_EINVAL and a clean message, and never stored;
 * - a name put accepts passes the oracle and og_name_check (the code points names may not hold),
 *   reads back with the same content and shows with the very same name (round trip);
 * - putting the same content again is OG_EEXISTS ("unchanged") and the name still reads back;
 * - no transaction is left open either way.
 * Names are never file names (objects are stored by id), so "a..b" is a name like any other; what
 * could make one a path ('/', '\', "." and "..") is what is refused.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static og_ctx ctx;

static void setup(void)
{
    char tmpl[] = "/tmp/og-fuzz-artifacts-XXXXXX", token[OG_TOKEN_MAX], data_dir[64];
    og_tenant t;
    FUZZ_ASSERT(mkdtemp(tmpl));
    snprintf(data_dir, sizeof(data_dir), "%s/data", tmpl);
    FUZZ_ASSERT(og_install_init(data_dir, token) == 0);
    FUZZ_ASSERT(og_install_open(data_dir, &ctx.store, &ctx.keys) == 0);
    ctx.data_dir = strdup(data_dir);
    og_actor_local(&ctx.actor);
    FUZZ_ASSERT(og_tenant_create(&ctx, "acme", &t) == 0);
    FUZZ_ASSERT(og_project_create(&ctx, "acme", "fw", "Firewall migration", NULL) == 0);
    /* Writes need not survive a power cut here: the folder is thrown away. */
    og_store_exec(ctx.store, "PRAGMA synchronous = OFF");
}

static bool oracle(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > OG_ARTIFACT_NAME_MAX || !og_utf8_valid(name, n, NULL))
        return false;
    if (name[0] == ' ' || name[n - 1] == ' ' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
            return false;
    }
    return true;
}

static void read_back(const og_artifact_ref *ref, const uint8_t *content, size_t len)
{
    og_artifact_reader *r = NULL;
    og_artifact_version info;
    json_t *shown = NULL;
    uint8_t *buf = malloc(len + 1);
    size_t total = 0, got = 0;
    FUZZ_ASSERT(buf);
    if (og_artifact_get_open(&r, &ctx, ref, 0, &info) != 0)
        FUZZ_FAIL("an accepted name does not read back: %s", og_error_last());
    do {
        FUZZ_ASSERT(og_artifact_get_read(r, buf + total, len + 1 - total, &got) == 0);
        total += got;
    } while (got && total <= len);
    og_artifact_get_close(r);
    FUZZ_ASSERT(total == len && memcmp(buf, content, len) == 0);
    free(buf);
    FUZZ_ASSERT(og_artifact_show(&ctx, ref, &shown) == 0);
    const char *name = json_string_value(json_object_get(shown, "name"));
    if (!name || strcmp(name, ref->name) != 0)
        FUZZ_FAIL("put '%s', show says '%s'", ref->name, name ? name : "(none)");
    json_decref(shown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx.store)
        setup();
    char *name = fuzz_cstr(data, size);
    if (!name)
        return 0;
    size_t nlen = strlen(name);
    const uint8_t *content = nlen < size ? data + nlen + 1 : (const uint8_t *)"";
    size_t clen = nlen < size ? size - nlen - 1 : 0;
    og_artifact_ref ref = {"acme", "fw", name};
    og_artifact_version v;
    bool ok = oracle(name);
    og_error_clear();
    int rc = og_artifact_put_buffer(&ctx, &ref, NULL, content, clen, &v);
    fuzz_log("put '%s' rc=%d oracle=%d msg=%s", name, rc, ok, og_error_last());
    FUZZ_ASSERT(og_store_tx_depth(ctx.store) == 0);
    if (rc == OG_EEXISTS) { /* the same content again: the name was accepted before */
        fuzz_check_message();
        FUZZ_ASSERT(ok && strstr(og_error_last(), "unchanged"));
        read_back(&ref, content, clen);
    } else if (rc < 0) {
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL);
        /* the oracle's names may still hold a code point og_name_check forbids (fuzz_name) */
        if (ok && og_name_check("artifact name", name, OG_ARTIFACT_NAME_MAX) == 0)
            FUZZ_FAIL("put refused a good name '%s': %s", name, og_error_last());
        og_artifact_reader *r = NULL;
        og_error_clear();
        if (!ok) {
            int rrc = og_artifact_get_open(&r, &ctx, &ref, 0, NULL);
            og_artifact_get_close(r);
            FUZZ_ASSERT(rrc < 0);
            FUZZ_CHECK_REFUSAL(rrc, OG_EINVAL);
        }
    } else {
        if (!ok)
            FUZZ_FAIL("put accepted a bad name '%s'", name);
        FUZZ_ASSERT(og_name_check("artifact name", name, OG_ARTIFACT_NAME_MAX) == 0);
        read_back(&ref, content, clen);
    }
    free(name);
    return 0;
}
