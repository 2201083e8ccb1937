/* test_note.c - C2SP signed notes (the example of Go's golang.org/x/mod/sumdb/note documentation
 * as a known answer), verifier keys, tlog-cosignature cosignature/v1, checkpoint bodies, and the
 * old opsgate-audit-checkpoint/1 format, whose checkpoints and proofs must still verify. */
#include "og_test.h"
#include "audit/audit_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Go's note package documentation: a key, a text and its signature line. */
#define PN_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define PN_TEXT                                                                                    \
    "If you think cryptography is the answer to your problem,\n"                                   \
    "then you don't know what your problem is.\n"
#define PN_SIG                                                                                     \
    "\xe2\x80\x94 PeterNeumann "                                                                   \
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqf"                         \
    "qdngotpRZb6KE6RyyBwJnAM=\n"

static void test_note__known_answer_of_go_note(void **state)
{
    (void)state;
    og_audit__vkey k;
    OG_ASSERT_OK(og_audit__vkey_parse(PN_VKEY, &k));
    assert_string_equal(k.name, "PeterNeumann");
    assert_int_equal(k.type, OG_NOTE_ED25519);
    assert_int_equal(k.hash, 0xc74f20a3u);
    assert_int_equal(og_audit__note_key_hash(k.name, k.type, k.pub), 0xc74f20a3u);
    const char *note = PN_TEXT "\n" PN_SIG;
    size_t body = 0;
    OG_ASSERT_OK(og_audit__note_split(note, strlen(note), &body));
    assert_int_equal(body, strlen(PN_TEXT));
    OG_ASSERT_OK(
        og_audit__note_check(&k, note, body, note + body + 1, strlen(note) - body - 1, NULL));
    /* our encoding of the key and of the signature line gives Go's bytes back */
    og_buf b;
    og_buf_init(&b, 256);
    OG_ASSERT_OK(og_audit__note_vkey(&b, k.name, k.type, k.pub));
    assert_string_equal(b.data, PN_VKEY);
    /* a changed text no longer verifies; another key finds no line of its own */
    assert_int_equal(og_audit__note_check(&k, "If you think", 12, PN_SIG, strlen(PN_SIG), NULL),
                     OG_ECORRUPT);
    og_audit__vkey other = k;
    other.hash ^= 1;
    assert_int_equal(
        og_audit__note_check(&other, PN_TEXT, strlen(PN_TEXT), PN_SIG, strlen(PN_SIG), NULL),
        OG_ENOTFOUND);
    og_buf_free(&b);
}

static void test_note__verifier_keys_are_checked(void **state)
{
    (void)state;
    og_audit__vkey k;
    /* hash of another name, name with '+', type byte 0x02, short key, no parts */
    assert_int_equal(og_audit__vkey_parse("PeterNeumanm+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
                                          "LDE4izWy10TW",
                                          &k),
                     OG_EINVAL);
    assert_int_equal(og_audit__vkey_parse("a+b+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
                                          "LDE4izWy10TW",
                                          &k),
                     OG_EINVAL);
    assert_int_equal(og_audit__vkey_parse("x+00000000+ApC8", &k), OG_EINVAL);
    assert_int_equal(og_audit__vkey_parse("x+0000000+ARpc", &k), OG_EINVAL);
    assert_int_equal(og_audit__vkey_parse("nothing", &k), OG_EINVAL);
    uint8_t pub[32];
    /* a witness's cosignature key is not a signing key for proofs */
    uint8_t priv[32], wpub[32];
    OG_ASSERT_OK(og_crypto_ed25519_generate(priv, wpub));
    og_buf b;
    og_buf_init(&b, 256);
    OG_ASSERT_OK(og_audit__note_vkey(&b, "w.example/w", OG_NOTE_COSIG_V1, wpub));
    assert_int_equal(og_audit_note_key_parse(b.data, pub), OG_EINVAL);
    OG_ASSERT_OK(og_audit__vkey_parse(b.data, &k));
    assert_int_equal(k.type, OG_NOTE_COSIG_V1);
    og_buf_free(&b);
}

/* A cosignature/v1 line made as c2sp.org/tlog-cosignature says: key hash over type 0x04, then the
 * 8-byte big-endian timestamp and the signature over "cosignature/v1\ntime T\n" || body. */
static void test_note__cosignature_v1(void **state)
{
    (void)state;
    uint8_t priv[32], pub[32], sig[64], raw[8 + 64];
    const char *body = "opsgate/0011223344556677/platform\n7\n"
                       "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
    const uint64_t ts = 1765000000;
    og_audit__vkey k;
    og_buf msg, line, vk;
    OG_ASSERT_OK(og_crypto_ed25519_generate(priv, pub));
    og_buf_init(&msg, 512);
    og_buf_init(&line, 512);
    og_buf_init(&vk, 256);
    OG_ASSERT_OK(
        og_buf_printf(&msg, "cosignature/v1\ntime %llu\n%s", (unsigned long long)ts, body));
    OG_ASSERT_OK(og_crypto_ed25519_sign(priv, msg.data, msg.len, sig));
    for (int i = 0; i < 8; i++)
        raw[i] = (uint8_t)(ts >> (56 - 8 * i));
    memcpy(raw + 8, sig, 64);
    OG_ASSERT_OK(og_audit__note_vkey(&vk, "witness.example/w1", OG_NOTE_COSIG_V1, pub));
    OG_ASSERT_OK(og_audit__vkey_parse(vk.data, &k));
    OG_ASSERT_OK(og_audit__note_sigline(&line, k.name, k.hash, raw, sizeof(raw)));
    int64_t got = 0;
    OG_ASSERT_OK(og_audit__note_check(&k, body, strlen(body), line.data, line.len, &got));
    assert_int_equal(got, (int64_t)ts);
    /* the same signature as a plain Ed25519 key's line does not verify: the message differs */
    og_audit__vkey plain = k;
    plain.type = OG_NOTE_ED25519;
    assert_true(og_audit__note_check(&plain, body, strlen(body), line.data, line.len, NULL) < 0);
    /* another body (a rewritten root) does not verify */
    assert_int_equal(
        og_audit__note_check(&k, "opsgate/x/platform\n7\nAA==\n", 26, line.data, line.len, NULL),
        OG_ECORRUPT);
    og_buf_free(&msg);
    og_buf_free(&line);
    og_buf_free(&vk);
}

static void test_note__checkpoint_body_and_origin(void **state)
{
    (void)state;
    og_buf b;
    char name[OG_AUDIT_NOTE_NAME_MAX];
    og_buf_init(&b, 256);
    /* SHA-256 of nothing: 47DEQpj8... */
    OG_ASSERT_OK(
        og_audit__note_body(&b, "opsgate/0011223344556677/platform", 3,
                            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    assert_string_equal(b.data, "opsgate/0011223344556677/platform\n3\n"
                                "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    assert_int_equal(og_audit__note_body(&b, "o", 1, "xyz"), OG_EINVAL);
    OG_ASSERT_OK(og_audit__origin_name("opsgate/00/platform", "platform", name, sizeof(name)));
    assert_string_equal(name, "opsgate/00");
    assert_int_equal(og_audit__origin_name("opsgate/00/platform", "acme", name, sizeof(name)),
                     OG_ECORRUPT);
    assert_int_equal(og_audit__origin_name("opsgate/00xplatform", "platform", name, sizeof(name)),
                     OG_ECORRUPT);
    og_buf_free(&b);
}

/* Checkpoints and proofs issued before signed notes (opsgate-audit-checkpoint/1, proof format 1)
 * still verify with the old verifier. */
static void test_note__old_format_still_verifies(void **state)
{
    (void)state;
    uint8_t priv[32], pub[32], other[32], sig[64], rec[32], leaf[32];
    og_audit__cp cp;
    og_buf msg;
    char *b64;
    memset(&cp, 0, sizeof(cp));
    OG_ASSERT_OK(og_crypto_ed25519_generate(priv, pub));
    og_crypto_sha256("record", 6, rec);
    og_audit_merkle_leaf(rec, 32, leaf); /* a tree of one leaf: its root is the leaf hash */
    cp.size = 1;
    og_hex_encode(leaf, 32, cp.root);
    og_strlcpy(cp.time, "2026-01-02T03:04:05.000000Z", sizeof(cp.time));
    og_audit__key_id(pub, cp.key_id);
    og_buf_init(&msg, 512);
    OG_ASSERT_OK(og_audit__cp_message(&msg, "platform", &cp));
    assert_non_null(strstr(msg.data, "opsgate-audit-checkpoint/1\nchain platform\n"));
    OG_ASSERT_OK(og_crypto_ed25519_sign(priv, msg.data, msg.len, sig));
    assert_non_null(b64 = og_base64_encode(sig, 64));
    og_strlcpy(cp.sig, b64, sizeof(cp.sig));
    free(b64);
    OG_ASSERT_OK(og_audit__cp_verify("platform", &cp, pub));
    OG_ASSERT_OK(og_crypto_ed25519_generate(priv, other));
    assert_int_equal(og_audit__cp_verify("platform", &cp, other), OG_ECORRUPT);
    /* a format-1 proof of that record */
    char rec_hex[OG_AUDIT_HASH_HEX];
    og_hex_encode(rec, 32, rec_hex);
    json_t *proof = json_pack("{s:s,s:s,s:i,s:s,s:i,s:i,s:s,s:[],s:o}", "format",
                              "opsgate-audit-inclusion-proof/1", "chain", "platform", "seq", 1,
                              "record_hash", rec_hex, "leaf_index", 0, "tree_size", 1, "root_hash",
                              cp.root, "proof", "checkpoint", og_audit__cp_json("platform", &cp));
    assert_non_null(proof);
    OG_ASSERT_OK(og_audit_proof_verify(proof, pub));
    assert_int_equal(og_audit_proof_verify(proof, other), OG_ECORRUPT);
    json_object_set_new(json_object_get(proof, "checkpoint"), "time",
                        json_string("2026-01-02T03:04:06.000000Z"));
    assert_int_equal(og_audit_proof_verify(proof, pub), OG_ECORRUPT); /* the time is signed */
    json_decref(proof);
    og_buf_free(&msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_note__known_answer_of_go_note),
        cmocka_unit_test(test_note__verifier_keys_are_checked),
        cmocka_unit_test(test_note__cosignature_v1),
        cmocka_unit_test(test_note__checkpoint_body_and_origin),
        cmocka_unit_test(test_note__old_format_still_verifies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
