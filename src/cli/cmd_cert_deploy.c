/* cmd_cert_deploy.c - `opsgate cert deploy --tenant T ID --target NAME`: deploy a certificate of
 * the inventory through the certs.deploy gate, and report what was verified or rolled back. */
#include "cli/cmd_cert.h"
#include "opsgate/acme.h"
#include "opsgate/deploy.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

int og_cli__deploy_run(og_cli *cli, const char *tenant, const char *cert_id, const char *target,
                       int json)
{
    int error;
    og_gate_outcome out;
    char fp[65];
    memset(&out, 0, sizeof(out));
    if ((error = og_cli_open(cli, tenant)))
        return error;
    /* the one ID of a certificate, resolved as renew, revoke, show and the HTTP API do: a
     * renewal plan's id names its current certificate; a fingerprint or a unique prefix of at
     * least OG_CERTS_ID_MIN_DIGITS hex digits the inventory's */
    if (!cert_id || !*cert_id)
        return og_cli_fail(og_error_set(OG_EINVAL, "a certificate needs an ID"));
    if ((error = og_acme_cert_fingerprint(&cli->ctx, tenant, cert_id, fp)) < 0)
        return og_cli_fail(error);
    error = og_deploy_cert(&cli->ctx, tenant, fp, target, &out);
    if (out.gate_id[0] && json) {
        og_cli_print_json(json_pack("{s:s, s:s, s:s, s:O?}", "gate_id", out.gate_id, "level",
                                    og_gate_level_name(out.level), "state", out.state, "result",
                                    out.result));
    } else if (out.gate_id[0] && (error == 0 || error == OG_EPENDING)) {
        json_t *r = out.result;
        if (error == OG_EPENDING)
            printf("gate item %s is %s (%s): the deploy waits for a human\n", out.gate_id,
                   out.state, og_gate_level_name(out.level));
        else
            printf("verified: %s on target %s in %lld ms (gate item %s, %s, %s)\n",
                   json_string_value(json_object_get(r, "fingerprint")),
                   json_string_value(json_object_get(r, "target")),
                   (long long)json_integer_value(json_object_get(r, "elapsed_ms")), out.gate_id,
                   og_gate_level_name(out.level), out.state);
    }
    json_decref(out.result);
    if (error < 0 && error != OG_EPENDING)
        return og_cli_fail(error);
    return OG_EXIT_OK;
}

int og_cli__cert_deploy(og_cli *cli, const og_cli_args *a)
{
    return og_cli__deploy_run(cli, og_cli_get(a, "tenant"), a->pos[0], og_cli_get(a, "target"),
                              cli->json);
}
