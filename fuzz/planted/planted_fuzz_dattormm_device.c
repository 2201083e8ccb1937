/* planted/planted_fuzz_dattormm_device.c - a test of the fuzz test: a device name check that
 * only bounds the length, so a hostname such as "HOST 1;rm" becomes a scan target's name.
 * Linked in front of the library, it replaces og_rmm_name_ok; fuzz_dattormm_device_planted must
 * then fail, which shows that the target's name oracle and its seeds catch that kind of bug. */
#include <string.h>

int og_rmm_name_ok(const char *s);

int og_rmm_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= 253;
}
