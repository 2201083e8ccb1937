/* model_runbook.c - the view model of a runbook: systems, certificates, procedures, escalation. */
#include "docgen/model_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

/* One certificate's deployed_to list as "a, b, c" in where. */
static int deployed_to(const json_t *dep, const char *path, og_buf *where)
{
    const json_t *d;
    size_t j;
    int error;
    json_array_foreach(dep, j, d)
    {
        if (!json_is_string(d))
            return og_error_set(OG_EINVAL, "%s.deployed_to[%zu]: expected a string", path, j);
        if ((error = og_docgen__check_len(d, OG_DOCGEN_TEXT_MAX, path, "deployed_to", (long)j)) < 0)
            return error;
        if ((j && og_buf_puts(where, ", ") < 0) || og_buf_puts(where, json_string_value(d)) < 0)
            return og_error_set(OG_EINVAL, "%s.deployed_to: too long", path);
    }
    return 0;
}

/* Certificates: where each is deployed, as a joined list for the table. */
static int runbook_certificates(const json_t *rb, json_t *m)
{
    const json_t *certs, *c;
    size_t i;
    int error;
    json_t *mcerts;
    if (og_streq(json_string_value(json_object_get(rb, "certificates")), "inventory"))
        return og_error_set(OG_EINVAL, "runbook.certificates: \"inventory\" is filled in from "
                                       "the tenant's certificate inventory by opsgate generate, "
                                       "not when rendering without storage");
    if ((error = og_docgen__get_arr(rb, "runbook", "certificates", 0, &certs)) < 0)
        return error;
    mcerts = json_array();
    json_object_set_new(m, "certificates", mcerts);
    json_array_foreach(certs, i, c)
    {
        char path[OG_DOCGEN__PATH_MAX];
        const char *subj, *iss, *na;
        const json_t *dep;
        og_buf where;
        snprintf(path, sizeof(path), "runbook.certificates[%zu]", i);
        if ((error = og_docgen__need_object(c, path)) < 0 ||
            (error = og_docgen__get_str(c, path, "subject", 1, &subj)) < 0 ||
            (error = og_docgen__get_str(c, path, "issuer", 0, &iss)) < 0 ||
            (error = og_docgen__get_date(c, path, "not_after", 1, &na)) < 0 ||
            (error = og_docgen__get_arr(c, path, "deployed_to", 0, &dep)) < 0)
            return error;
        og_buf_init(&where, 4096);
        if ((error = deployed_to(dep, path, &where)) == 0)
            json_array_append_new(mcerts, json_pack("{s:s, s:s, s:s, s:s}", "subject", subj,
                                                    "issuer", iss, "not_after", na, "deployed_to",
                                                    where.data ? where.data : ""));
        og_buf_free(&where);
        if (error < 0)
            return error;
    }
    json_object_set_new(m, "has_certificates", json_boolean(json_array_size(mcerts) > 0));
    return 0;
}

/* Procedures, each with its numbered steps and whether it has a rollback. */
static int runbook_procedures(const json_t *rb, json_t *m)
{
    static const char *const pr_req[] = {"name", "when", NULL};
    static const char *const pr_opt[] = {"rollback", NULL};
    static const char *const step_req[] = {"action", NULL};
    static const char *const step_opt[] = {"command", "verify", "expect", NULL};
    const json_t *procs, *pr;
    size_t i;
    int error;
    json_t *mprocs;
    if ((error = og_docgen__get_arr(rb, "runbook", "procedures", 1, &procs)) < 0)
        return error;
    mprocs = json_array();
    json_object_set_new(m, "procedures", mprocs);
    json_array_foreach(procs, i, pr)
    {
        char path[OG_DOCGEN__PATH_MAX];
        json_t *mp = json_object();
        json_array_append_new(mprocs, mp);
        snprintf(path, sizeof(path), "runbook.procedures[%zu]", i);
        if ((error = og_docgen__need_object(pr, path)) < 0 ||
            (error = og_docgen__copy_fields(mp, pr, path, pr_req, pr_opt)) < 0 ||
            (error = og_docgen__obj_list(pr, path, "steps", 1, step_req, step_opt, mp, "steps")) <
                0)
            return error;
        json_object_set_new(mp, "n", json_integer((json_int_t)i + 1));
        const char *rbk = json_string_value(json_object_get(mp, "rollback"));
        json_object_set_new(mp, "has_rollback", json_boolean(rbk && *rbk));
    }
    return 0;
}

int og_docgen__model_runbook(const json_t *data, json_t *m)
{
    int error;
    const json_t *rb;
    const char *lr;
    json_t *o;
    static const char *const rb_req[] = {"title", "owner", "trigger", "last_reviewed", NULL};
    static const char *const rb_opt[] = {"purpose", NULL};
    static const char *const var_req[] = {"name", "value", NULL};
    static const char *const sys_req[] = {"name", "role", NULL};
    static const char *const sys_opt[] = {"host", "ip", "os", "location", NULL};
    static const char *const dev_req[] = {"name", "type", NULL};
    static const char *const dev_opt[] = {"model", "serial", "location", NULL};
    static const char *const esc_req[] = {"level", "contact", NULL};
    static const char *const esc_opt[] = {"within", NULL};

    if ((error = og_docgen__get_obj(data, "", "runbook", 1, &rb)) < 0)
        return error;
    o = json_object();
    json_object_set_new(m, "runbook", o);
    if ((error = og_docgen__copy_fields(o, rb, "runbook", rb_req, rb_opt)) < 0 ||
        (error = og_docgen__get_date(rb, "runbook", "last_reviewed", 1, &lr)) < 0)
        return error;
    if ((error = og_docgen__obj_list(rb, "runbook", "variables", 0, var_req, NULL, m,
                                     "variables")) < 0 ||
        (error = og_docgen__str_list(rb, "runbook", "prerequisites", m, "prerequisites")) < 0 ||
        (error = og_docgen__obj_list(rb, "runbook", "systems", 1, sys_req, sys_opt, m, "systems")) <
            0 ||
        (error = og_docgen__obj_list(rb, "runbook", "devices", 0, dev_req, dev_opt, m, "devices")) <
            0 ||
        (error = og_docgen__obj_list(rb, "runbook", "escalation", 1, esc_req, esc_opt, m,
                                     "escalation")) < 0)
        return error;
    if ((error = runbook_certificates(rb, m)) < 0)
        return error;
    return runbook_procedures(rb, m);
}
