/* test_merkle.c - RFC 9162 Merkle trees: every transparency-dev proof vector in
 * $OG_SHARED_DIR/spec/merkle, and proofs we generate against roots we compute. */
#include "og_test.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char spec_dir[4096];
static int n_good, n_bad, n_failed, n_files;
static int is_consistency;

/* Decode a base64 field into buf; returns length, or -1 when absent, -2 when not base64. */
static int b64(json_t *o, const char *key, uint8_t *buf, size_t cap)
{
    const char *s = json_string_value(json_object_get(o, key));
    uint8_t *raw = NULL;
    size_t len = 0;
    if (!s)
        return -1;
    if (!*s)
        return 0;
    if (og_base64_decode(s, &raw, &len) < 0 || len > cap) {
        free(raw);
        return -2;
    }
    memcpy(buf, raw, len);
    free(raw);
    return (int)len;
}

/* Proof elements: our verifier takes 32-byte hashes, so an element of another size can only be a
 * broken proof. Returns the count, or -1 for such a proof. */
static int proof_of(json_t *o, uint8_t proof[OG_MERKLE_MAX_PROOF][32])
{
    json_t *arr = json_object_get(o, "proof");
    size_t i;
    json_t *v;
    if (json_is_null(arr) || !arr)
        return 0;
    if (json_array_size(arr) > OG_MERKLE_MAX_PROOF)
        return -1;
    json_array_foreach(arr, i, v)
    {
        uint8_t *raw = NULL;
        size_t len = 0;
        if (og_base64_decode(json_string_value(v), &raw, &len) < 0 || len != 32) {
            free(raw);
            return -1;
        }
        memcpy(proof[i], raw, 32);
        free(raw);
    }
    return (int)json_array_size(arr);
}

/* jansson's integers are signed 64-bit; the vectors use uint64 values up to 2^64-1. Quote every
 * long digit run so it loads as a string, and read sizes through u64(). */
static json_t *load_vector(const char *path)
{
    char *text = NULL, *quoted = NULL;
    size_t len = 0, o = 0;
    json_t *v = NULL;
    if (og_file_read(path, 1 << 20, &text, &len) < 0)
        return NULL;
    quoted = malloc(len * 2 + 1);
    for (size_t i = 0; quoted && i < len;) {
        size_t j = i;
        while (j < len && text[j] >= '0' && text[j] <= '9')
            j++;
        if (j - i >= 16 && (i == 0 || text[i - 1] != '"')) {
            quoted[o++] = '"';
            memcpy(quoted + o, text + i, j - i);
            o += j - i;
            quoted[o++] = '"';
            i = j;
        } else if (j > i) {
            memcpy(quoted + o, text + i, j - i);
            o += j - i;
            i = j;
        } else {
            quoted[o++] = text[i++];
        }
    }
    if (quoted)
        v = json_loadb(quoted, o, 0, NULL);
    free(text);
    free(quoted);
    return v;
}

static uint64_t u64(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_string(v))
        return strtoull(json_string_value(v), NULL, 10);
    return (uint64_t)json_integer_value(v);
}

static int one_vector(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (type != FTW_F || strlen(path) < 5 || strcmp(path + strlen(path) - 5, ".json") != 0)
        return 0;
    json_t *v = load_vector(path);
    if (!v) {
        fprintf(stderr, "cannot parse %s\n", path);
        n_failed++;
        return 0;
    }
    int want_err = json_is_true(json_object_get(v, "wantErr"));
    uint8_t proof[OG_MERKLE_MAX_PROOF][32];
    int np = proof_of(v, proof);
    int rc;
    if (is_consistency) {
        uint8_t r1[64], r2[64];
        int l1 = b64(v, "root1", r1, sizeof(r1)), l2 = b64(v, "root2", r2, sizeof(r2));
        uint64_t s1 = u64(v, "size1"), s2 = u64(v, "size2");
        if (np < 0 || l1 < 0 || l2 < 0)
            rc = OG_ECORRUPT;
        else
            rc = og_audit_merkle_verify_consistency(s1, s2, r1, (size_t)l1, r2, (size_t)l2,
                                                    (const uint8_t(*)[32])proof, (size_t)np);
    } else {
        uint8_t root[64], leaf[64];
        int lr = b64(v, "root", root, sizeof(root)), ll = b64(v, "leafHash", leaf, sizeof(leaf));
        uint64_t idx = u64(v, "leafIdx"), size = u64(v, "treeSize");
        if (np < 0 || lr < 0 || ll < 0)
            rc = OG_ECORRUPT;
        else
            rc = og_audit_merkle_verify_inclusion(idx, size, leaf, (size_t)ll,
                                                  (const uint8_t(*)[32])proof, (size_t)np, root,
                                                  (size_t)lr);
    }
    n_files++;
    if (want_err ? rc == 0 : rc != 0) {
        fprintf(stderr, "%s: %s (%s)\n", path,
                want_err ? "accepted a bad proof" : "rejected a good one", og_error_last());
        n_failed++;
    }
    want_err ? n_bad++ : n_good++;
    json_decref(v);
    return 0;
}

static void test_merkle__every_spec_vector_verifies_or_fails_as_wanted(void **state)
{
    (void)state;
    char dir[4200];
    n_good = n_bad = n_failed = n_files = 0;
    snprintf(dir, sizeof(dir), "%s/inclusion", spec_dir);
    is_consistency = 0;
    assert_int_equal(nftw(dir, one_vector, 16, FTW_PHYS), 0);
    int incl = n_files;
    snprintf(dir, sizeof(dir), "%s/consistency", spec_dir);
    is_consistency = 1;
    assert_int_equal(nftw(dir, one_vector, 16, FTW_PHYS), 0);
    printf("merkle vectors: %d inclusion + %d consistency files, %d good, %d bad\n", incl,
           n_files - incl, n_good, n_bad);
    assert_true(incl > 50 && n_files - incl > 50);
    assert_int_equal(n_failed, 0);
}

/* ---- our own trees: the RFC 6962 test leaves, then many sizes ---- */

#define MAXLEAVES 70
static uint8_t leaves[MAXLEAVES][32];

/* MTH by the RFC's recursive definition: the reference our streaming and proofs must match. */
static void mth(uint64_t begin, uint64_t end, uint8_t out[32])
{
    if (end - begin == 1) {
        memcpy(out, leaves[begin], 32);
        return;
    }
    uint64_t k = 1;
    while (k << 1 < end - begin)
        k <<= 1;
    uint8_t l[32], r[32];
    mth(begin, begin + k, l);
    mth(begin + k, end, r);
    og_audit_merkle_node(l, r, out);
}

static int subtree(void *arg, uint64_t begin, uint64_t end, uint8_t out[32])
{
    (void)arg;
    mth(begin, end, out);
    return 0;
}

static void rfc6962_leaves(void)
{
    static const char *const data[8] = {"",
                                        "\x00",
                                        "\x10",
                                        "\x20\x21",
                                        "\x30\x31",
                                        "\x40\x41\x42\x43",
                                        "\x50\x51\x52\x53\x54\x55\x56\x57",
                                        "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d"
                                        "\x6e\x6f"};
    static const size_t len[8] = {0, 1, 1, 2, 2, 4, 8, 16};
    for (int i = 0; i < 8; i++)
        og_audit_merkle_leaf(data[i], len[i], leaves[i]);
}

static void test_merkle__generated_proofs_match_the_spec_happy_paths(void **state)
{
    (void)state;
    rfc6962_leaves();
    /* inclusion/1/happy-path.json: leaf 0 of 8, and consistency/1: 1 -> 8 */
    og_merkle_acc acc;
    og_audit_merkle_acc_init(&acc);
    for (int i = 0; i < 8; i++)
        og_audit_merkle_acc_add(&acc, leaves[i]);
    uint8_t root[32];
    char hex[65];
    og_audit_merkle_acc_root(&acc, root);
    og_hex_encode(root, 32, hex);
    assert_string_equal(hex, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    const char *files[] = {"inclusion/1/happy-path.json",   "inclusion/2/happy-path.json",
                           "inclusion/3/happy-path.json",   "inclusion/4/happy-path.json",
                           "consistency/1/happy-path.json", "consistency/2/happy-path.json",
                           "consistency/3/happy-path.json", "consistency/4/happy-path.json"};
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        char path[4400];
        snprintf(path, sizeof(path), "%s/%s", spec_dir, files[f]);
        json_t *v = json_load_file(path, 0, NULL);
        assert_non_null(v);
        uint8_t want[OG_MERKLE_MAX_PROOF][32], got[OG_MERKLE_MAX_PROOF][32];
        int nw = proof_of(v, want);
        size_t ng = 0;
        if (strncmp(files[f], "inclusion", 9) == 0)
            OG_ASSERT_OK(og_audit_merkle_inclusion_proof(
                subtree, NULL, (uint64_t)json_integer_value(json_object_get(v, "leafIdx")),
                (uint64_t)json_integer_value(json_object_get(v, "treeSize")), got, &ng));
        else
            OG_ASSERT_OK(og_audit_merkle_consistency_proof(
                subtree, NULL, (uint64_t)json_integer_value(json_object_get(v, "size1")),
                (uint64_t)json_integer_value(json_object_get(v, "size2")), got, &ng));
        assert_int_equal((int)ng, nw);
        assert_memory_equal(got, want, ng * 32);
        json_decref(v);
    }
}

static void test_merkle__streaming_root_and_proofs_agree_for_every_size(void **state)
{
    (void)state;
    for (int i = 0; i < MAXLEAVES; i++) {
        uint8_t b = (uint8_t)i;
        og_audit_merkle_leaf(&b, 1, leaves[i]);
    }
    og_merkle_acc acc;
    og_audit_merkle_acc_init(&acc);
    uint8_t roots[MAXLEAVES + 1][32];
    for (uint64_t n = 1; n <= MAXLEAVES; n++) {
        og_audit_merkle_acc_add(&acc, leaves[n - 1]);
        uint8_t want[32];
        mth(0, n, want);
        og_audit_merkle_acc_root(&acc, roots[n]);
        assert_memory_equal(roots[n], want, 32);
        assert_true(acc.depth <= 7); /* O(log n) memory */
    }
    for (uint64_t n = 1; n <= MAXLEAVES; n++) {
        for (uint64_t m = 0; m < n; m++) {
            uint8_t proof[OG_MERKLE_MAX_PROOF][32];
            size_t np;
            OG_ASSERT_OK(og_audit_merkle_inclusion_proof(subtree, NULL, m, n, proof, &np));
            OG_ASSERT_OK(og_audit_merkle_verify_inclusion(
                m, n, leaves[m], 32, (const uint8_t(*)[32])proof, np, roots[n], 32));
            /* the same proof for the neighbouring leaf must fail */
            assert_int_equal(og_audit_merkle_verify_inclusion(m, n, leaves[(m + 1) % MAXLEAVES], 32,
                                                              (const uint8_t(*)[32])proof, np,
                                                              roots[n], 32),
                             OG_ECORRUPT);
        }
        for (uint64_t m = 1; m <= n; m++) {
            uint8_t proof[OG_MERKLE_MAX_PROOF][32];
            size_t np;
            OG_ASSERT_OK(og_audit_merkle_consistency_proof(subtree, NULL, m, n, proof, &np));
            OG_ASSERT_OK(og_audit_merkle_verify_consistency(m, n, roots[m], 32, roots[n], 32,
                                                            (const uint8_t(*)[32])proof, np));
            if (m < n)
                /* ... and must not prove consistency with another tree */
                assert_int_equal(
                    og_audit_merkle_verify_consistency(m, n, roots[m], 32, roots[n - 1], 32,
                                                       (const uint8_t(*)[32])proof, np),
                    OG_ECORRUPT);
        }
    }
}

int main(void)
{
    const char *shared = getenv("OG_SHARED_DIR");
    snprintf(spec_dir, sizeof(spec_dir), "%s/spec/merkle", shared ? shared : "../shared");
    char probe[4400];
    snprintf(probe, sizeof(probe), "%s/inclusion/1/happy-path.json", spec_dir);
    if (access(probe, R_OK) != 0) {
        printf("SKIP: the Merkle test vectors are missing: %s (set OG_SHARED_DIR to the folder "
               "holding spec/merkle/{inclusion,consistency})\n",
               probe);
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merkle__every_spec_vector_verifies_or_fails_as_wanted),
        cmocka_unit_test(test_merkle__generated_proofs_match_the_spec_happy_paths),
        cmocka_unit_test(test_merkle__streaming_root_and_proofs_agree_for_every_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
