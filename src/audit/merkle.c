/* merkle.c - RFC 9162 Merkle tree hashing, streaming roots, inclusion and consistency proofs. */
#include "audit_internal.h"
#include "opsgate/error.h"

#include <string.h>

/* SHA-256 of the empty string: the root of an empty tree (RFC 9162 section 2.1.1). */
static const uint8_t empty_root[32] = {
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};

void og_audit_merkle_leaf(const void *data, size_t len, uint8_t out[32])
{
    uint8_t buf[1 + 64];
    if (len <= 64) {
        /* the common case (a record hash): one shot, no allocation */
        buf[0] = 0x00;
        memcpy(buf + 1, data, len);
        og_crypto_sha256(buf, 1 + len, out);
        return;
    }
    og_sha256 *h = og_sha256_new();
    og_sha256_update(h, "\x00", 1);
    og_sha256_update(h, data, len);
    og_sha256_final(h, out);
}

void og_audit_merkle_node(const uint8_t left[32], const uint8_t right[32], uint8_t out[32])
{
    uint8_t buf[65];
    buf[0] = 0x01;
    memcpy(buf + 1, left, 32);
    memcpy(buf + 33, right, 32);
    og_crypto_sha256(buf, sizeof(buf), out);
}

void og_audit_merkle_acc_init(og_merkle_acc *a)
{
    memset(a, 0, sizeof(*a));
}

/* The stack holds the roots of the perfect subtrees that make up the tree so far, one per set bit
 * of size, largest (leftmost) first: adding a leaf merges equal-sized neighbours like a binary
 * counter carrying. */
void og_audit_merkle_acc_add(og_merkle_acc *a, const uint8_t leaf_hash[32])
{
    uint8_t h[32];
    memcpy(h, leaf_hash, 32);
    for (uint64_t n = a->size; n & 1; n >>= 1) {
        a->depth--;
        og_audit_merkle_node(a->stack[a->depth], h, h);
    }
    memcpy(a->stack[a->depth++], h, 32);
    a->size++;
}

void og_audit_merkle_acc_root(const og_merkle_acc *a, uint8_t out[32])
{
    if (a->depth == 0) {
        memcpy(out, empty_root, 32);
        return;
    }
    uint8_t r[32];
    memcpy(r, a->stack[a->depth - 1], 32);
    for (int i = a->depth - 2; i >= 0; i--)
        og_audit_merkle_node(a->stack[i], r, r);
    memcpy(out, r, 32);
}

/* Largest power of two smaller than n (n > 1). */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

/* Append the hash of the subtree D[begin:end] to proof (at *n). */
static int push(og_merkle_subtree_fn fn, void *arg, uint64_t begin, uint64_t end,
                uint8_t proof[OG_MERKLE_MAX_PROOF][32], size_t *n)
{
    int rc = fn(arg, begin, end, proof[*n]);
    if (rc < 0)
        return rc;
    (*n)++;
    return 0;
}

/* PATH(m, D[begin:end]) of RFC 9162 2.1.3.1, written leaf-first into proof. */
static int inclusion_path(og_merkle_subtree_fn fn, void *arg, uint64_t m, uint64_t begin,
                          uint64_t end, uint8_t proof[OG_MERKLE_MAX_PROOF][32], size_t *n)
{
    int rc;
    uint64_t size = end - begin;
    if (size <= 1)
        return 0;
    uint64_t k = split_point(size);
    if (m < k)
        return (rc = inclusion_path(fn, arg, m, begin, begin + k, proof, n)) < 0
                   ? rc
                   : push(fn, arg, begin + k, end, proof, n);
    return (rc = inclusion_path(fn, arg, m - k, begin + k, end, proof, n)) < 0
               ? rc
               : push(fn, arg, begin, begin + k, proof, n);
}

int og_audit_merkle_inclusion_proof(og_merkle_subtree_fn fn, void *arg, uint64_t index,
                                    uint64_t size, uint8_t proof[OG_MERKLE_MAX_PROOF][32],
                                    size_t *nproof)
{
    *nproof = 0;
    if (index >= size)
        return og_error_set(OG_EINVAL, "leaf index %llu is outside a tree of size %llu",
                            (unsigned long long)index, (unsigned long long)size);
    return inclusion_path(fn, arg, index, 0, size, proof, nproof);
}

/* SUBPROOF(m, D[begin:end], b) of RFC 9162 2.1.4.1. */
static int consistency_sub(og_merkle_subtree_fn fn, void *arg, uint64_t m, uint64_t begin,
                           uint64_t end, int b, uint8_t proof[OG_MERKLE_MAX_PROOF][32], size_t *n)
{
    int rc;
    uint64_t size = end - begin;
    if (m == size)
        return b ? 0 : push(fn, arg, begin, end, proof, n);
    uint64_t k = split_point(size);
    if (m <= k)
        return (rc = consistency_sub(fn, arg, m, begin, begin + k, b, proof, n)) < 0
                   ? rc
                   : push(fn, arg, begin + k, end, proof, n);
    return (rc = consistency_sub(fn, arg, m - k, begin + k, end, 0, proof, n)) < 0
               ? rc
               : push(fn, arg, begin, begin + k, proof, n);
}

int og_audit_merkle_consistency_proof(og_merkle_subtree_fn fn, void *arg, uint64_t size1,
                                      uint64_t size2, uint8_t proof[OG_MERKLE_MAX_PROOF][32],
                                      size_t *nproof)
{
    *nproof = 0;
    if (size1 == 0 || size1 > size2)
        return og_error_set(OG_EINVAL, "no consistency proof from tree size %llu to %llu",
                            (unsigned long long)size1, (unsigned long long)size2);
    return consistency_sub(fn, arg, size1, 0, size2, 1, proof, nproof);
}

static int match(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* RFC 9162 2.1.3.2 */
int og_audit_merkle_verify_inclusion(uint64_t index, uint64_t size, const uint8_t *leaf,
                                     size_t leaf_len, const uint8_t (*proof)[32], size_t nproof,
                                     const uint8_t *root, size_t root_len)
{
    if (index >= size)
        return og_error_set(OG_ECORRUPT,
                            "inclusion proof: leaf index %llu is not below tree size "
                            "%llu",
                            (unsigned long long)index, (unsigned long long)size);
    if (leaf_len != 32)
        return og_error_set(OG_ECORRUPT, "inclusion proof: the leaf hash has %zu bytes, not 32",
                            leaf_len);
    uint64_t fn = index, sn = size - 1;
    uint8_t r[32];
    memcpy(r, leaf, 32);
    for (size_t i = 0; i < nproof; i++) {
        if (sn == 0)
            return og_error_set(OG_ECORRUPT, "inclusion proof: %zu hashes, more than the path",
                                nproof);
        if ((fn & 1) || fn == sn) {
            og_audit_merkle_node(proof[i], r, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            og_audit_merkle_node(r, proof[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return og_error_set(OG_ECORRUPT, "inclusion proof: %zu hashes, fewer than the path",
                            nproof);
    if (!match(r, 32, root, root_len))
        return og_error_set(OG_ECORRUPT, "inclusion proof: the path does not lead to the root");
    return 0;
}

/* RFC 9162 2.1.4.2. Sizes must satisfy 0 < size1 <= size2; equal sizes need an empty proof and
 * equal roots. */
int og_audit_merkle_verify_consistency(uint64_t size1, uint64_t size2, const uint8_t *root1,
                                       size_t root1_len, const uint8_t *root2, size_t root2_len,
                                       const uint8_t (*proof)[32], size_t nproof)
{
    if (size1 == 0)
        return og_error_set(OG_ECORRUPT, "consistency proof: nothing to prove from an empty tree");
    if (size1 > size2)
        return og_error_set(OG_ECORRUPT, "consistency proof: tree size %llu is below %llu",
                            (unsigned long long)size2, (unsigned long long)size1);
    if (size1 == size2) {
        if (nproof)
            return og_error_set(OG_ECORRUPT, "consistency proof: equal sizes need no proof");
        if (!match(root1, root1_len, root2, root2_len))
            return og_error_set(OG_ECORRUPT, "consistency proof: equal sizes, different roots");
        return 0;
    }
    if (nproof == 0)
        return og_error_set(OG_ECORRUPT, "consistency proof: empty proof");
    if (root1_len != 32)
        return og_error_set(OG_ECORRUPT, "consistency proof: the first root is not 32 bytes");
    uint64_t fn = size1 - 1, sn = size2 - 1;
    size_t i = 0;
    uint8_t fr[32], sr[32];
    /* A first tree that is a perfect subtree is itself the path's starting point. */
    if ((size1 & (size1 - 1)) == 0) {
        memcpy(fr, root1, 32);
    } else {
        memcpy(fr, proof[0], 32);
        i = 1;
    }
    memcpy(sr, fr, 32);
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < nproof; i++) {
        if (sn == 0)
            return og_error_set(OG_ECORRUPT, "consistency proof: too many hashes");
        if ((fn & 1) || fn == sn) {
            og_audit_merkle_node(proof[i], fr, fr);
            og_audit_merkle_node(proof[i], sr, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            og_audit_merkle_node(sr, proof[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return og_error_set(OG_ECORRUPT, "consistency proof: too few hashes");
    if (!match(fr, 32, root1, root1_len))
        return og_error_set(OG_ECORRUPT, "consistency proof: does not lead to the first root");
    if (!match(sr, 32, root2, root2_len))
        return og_error_set(OG_ECORRUPT, "consistency proof: does not lead to the second root");
    return 0;
}
