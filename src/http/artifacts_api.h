/* artifacts_api.h - internal to the artifact routes of src/http (artifacts_api.c, projects_api.c,
 * artifact_content_api.c, artifact_govern_api.c): what they share to read a request. */
#ifndef OPSGATE_HTTP_ARTIFACTS_API_H
#define OPSGATE_HTTP_ARTIFACTS_API_H

#include "http/server.h"
#include "opsgate/artifacts.h"

/* The request's tenant (og_http__query_tenant), the path's project key and, when want_name, its
 * artifact name, into *ref (strings borrowed from the request). OG_EINVAL naming what is wrong. */
int og_http__req_artifact(og_http_req *r, int want_name, og_artifact_ref *ref);
/* An integer field of 1 or more (a version number); *out keeps its value when absent and not
 * required. OG_EINVAL naming the field. */
int og_http__field_version(json_t *obj, const char *field, int required, int64_t *out);
/* The Location of a version's content: /api/v1/projects/KEY/artifacts/NAME/content?version=N, the
 * name percent-encoded. */
void og_http__artifact_location(og_http_req *r, const og_artifact_ref *ref, int64_t version);

#endif
