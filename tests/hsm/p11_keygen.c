/* p11_keygen.c - generate an AES-256 key inside a PKCS#11 token, for the customer-managed key
 * tests (Debian ships no pkcs11-tool with softhsm2). Usage: og_p11_keygen MODULE TOKEN LABEL PIN.
 * The key is a token object, sensitive, not extractable, for encryption and decryption. */
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
    CK_FUNCTION_LIST_PTR f = NULL;
    CK_SLOT_ID slots[16];
    CK_ULONG n = 16, len = 32;
    CK_SESSION_HANDLE s;
    CK_OBJECT_HANDLE k;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_AES;
    CK_MECHANISM mech = {CKM_AES_KEY_GEN, NULL, 0};
    if (argc != 5) {
        fprintf(stderr, "usage: og_p11_keygen MODULE TOKEN LABEL PIN\n");
        return 2;
    }
    void *dl = dlopen(argv[1], RTLD_NOW);
    if (!dl || !(*(void **)&get = dlsym(dl, "C_GetFunctionList")) || get(&f) != CKR_OK ||
        f->C_Initialize(NULL) != CKR_OK || f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK) {
        fprintf(stderr, "og_p11_keygen: cannot use module %s\n", argv[1]);
        return 1;
    }
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;
        size_t tl = strlen(argv[2]);
        if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK || tl > 32 ||
            memcmp(ti.label, argv[2], tl) != 0 || (tl < 32 && ti.label[tl] != ' '))
            continue;
        if (f->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) !=
                CKR_OK ||
            f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)argv[4], strlen(argv[4])) != CKR_OK) {
            fprintf(stderr, "og_p11_keygen: cannot log in to token %s\n", argv[2]);
            return 1;
        }
        CK_ATTRIBUTE t[] = {
            {CKA_CLASS, &cls, sizeof(cls)},     {CKA_KEY_TYPE, &kt, sizeof(kt)},
            {CKA_TOKEN, &yes, sizeof(yes)},     {CKA_LABEL, argv[3], strlen(argv[3])},
            {CKA_VALUE_LEN, &len, sizeof(len)}, {CKA_ENCRYPT, &yes, sizeof(yes)},
            {CKA_DECRYPT, &yes, sizeof(yes)},   {CKA_SENSITIVE, &yes, sizeof(yes)},
            {CKA_EXTRACTABLE, &no, sizeof(no)}, {CKA_PRIVATE, &yes, sizeof(yes)},
        };
        CK_RV rv = f->C_GenerateKey(s, &mech, t, sizeof(t) / sizeof(t[0]), &k);
        f->C_CloseSession(s);
        f->C_Finalize(NULL);
        if (rv != CKR_OK) {
            fprintf(stderr, "og_p11_keygen: C_GenerateKey failed: CKR 0x%lx\n", (unsigned long)rv);
            return 1;
        }
        return 0;
    }
    fprintf(stderr, "og_p11_keygen: no token labelled %s\n", argv[2]);
    return 1;
}
