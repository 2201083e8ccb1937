/* pending_automation.c - placeholder until the sync's automation lands (automation.c defines
 * og_connector__automation_register): DELETE this file when merging it. A strong placeholder on
 * purpose: a duplicate definition fails the link loudly, where a weak reference would let the
 * static library drop automation.c and the policies go unregistered without a word. */
#include "connector_internal.h"

int og_connector__automation_register(void);

int og_connector__automation_register(void)
{
    return 0;
}
