/* planted/planted_fuzz_ninjaone_device.c - a test of the fuzz test: an address check by
 * character class (digits, dots, colons and hex letters), which takes "999.1.1.1" and "1.2.3" as
 * IP addresses a scan would then be pointed at. Linked in front of the library, it replaces
 * og_rmm_is_ip; fuzz_ninjaone_device_planted must then fail, which shows that the target's
 * address oracle (inet_pton of its own) and its seeds catch that kind of bug. */
#include <string.h>

int og_rmm_is_ip(const char *s);

int og_rmm_is_ip(const char *s)
{
    return s && *s && strlen(s) <= 45 && strspn(s, "0123456789.:abcdefABCDEF") == strlen(s);
}
