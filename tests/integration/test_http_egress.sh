#!/usr/bin/env bash
# test_http_egress.sh - the egress policy and event types over HTTP (issue 22, notify_api.c), one
# server: a tenant-admin's webhook to a loopback address is refused until a platform-admin allows
# the range (POST /api/v1/notify-egress), listed, then removed again (refused again); no tenant
# role may change or read the ranges; bad ranges are 400; any token reads the event types.
. "$(dirname "$0")/lib.sh"

D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
q() { og "$@" >/dev/null 2>"$OG_TMP/err" || { bad "setup: $*: $(cat "$OG_TMP/err")"; og_done; }; }
q tenant create acme
q user add --tenant acme ada --role tenant-admin
q user add --tenant acme eve --role engineer
ada=$(og token create --tenant acme --user ada 2>/dev/null)
eve=$(og token create --tenant acme --user eve 2>/dev/null)
og_serve "$D" || exit 1
hook='{"type": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "s3cret-egress-0123456789"}'

api GET /api/v1/notify-event-types "$eve"
expect_jq '.event_types | index("certs.expiring") != null' true "any token reads the event types"
api POST /api/v1/tenants/acme/notify-channels "$ada" "$hook"
expect_error 403 forbidden "a loopback webhook is refused by the egress policy"
api POST /api/v1/notify-egress "$ada" '{"range": "127.0.0.0/8"}'
expect_error 403 forbidden "a tenant-admin cannot allow a range"
api GET /api/v1/notify-egress "$ada"
expect_error 403 forbidden "nor read the ranges"
api POST /api/v1/notify-egress "$admin" '{"range": "127.0.0.0/33"}'
expect_error 400 invalid "a bad range"
api POST /api/v1/notify-egress "$admin" '{"range": "127.0.0.0/8", "note": "test hooks", "x": 1}'
expect_error 400 invalid "an unknown field"
api POST /api/v1/notify-egress "$admin" '{"range": "127.0.0.0/8", "note": "test hooks"}'
expect_status 201 "a platform-admin allows loopback"
api POST /api/v1/notify-egress "$admin" '{"range": "127.0.0.0/8"}'
expect_error 409 exists "allowed already"
api GET /api/v1/notify-egress "$admin"
expect_jq '.ranges | map(.range + " " + .note) | join(",")' "127.0.0.0/8 test hooks" "listed with its note"
api POST /api/v1/tenants/acme/notify-channels "$ada" "$hook"
expect_status 201 "the loopback webhook is accepted now"
api DELETE /api/v1/notify-egress/127.0.0.0/8 "$ada"
expect_error 403 forbidden "a tenant-admin cannot remove a range"
api DELETE /api/v1/notify-egress/127.0.0.0/8 "$admin"
expect_status 204 "a platform-admin removes it"
api DELETE /api/v1/notify-egress/127.0.0.0/8 "$admin"
expect_error 404 not_found "removed already"
api POST /api/v1/tenants/acme/notify-channels "$ada" "$hook"
expect_error 403 forbidden "refused again"
og audit list --json | jq -e '[.records[].action] | index("notify.egress.allow") != null and index("notify.egress.remove") != null' >/dev/null &&
  ok || bad "both changes are on the platform chain"
og_done
