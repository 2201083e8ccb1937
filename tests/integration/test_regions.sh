#!/usr/bin/env bash
# test_regions.sh - tenants pinned to a region (docs/ops.md "Regions"): a home database and two
# regional databases (eu, us) on the suite's PostgreSQL; `tenant create --region` writes the
# directory row and the platform record in the home and everything else of the tenant in its
# region's database; one node per region plus a home node; writes (artifacts, certificates,
# audit) land in the region's database only; a node of another region answers 421 naming the
# region (path, ?tenant=, token); each chain verifies; the platform chain names the region;
# POST /api/v1/tenants with a region; `audit verify --region` and a region node's verify check
# the region's chains and placements; a create killed between its two commits is found by
# verify and repaired by the region node's next start (refused when the orphan was used).
# Runs on the suite's PostgreSQL (through tests/support/pg_run.sh); skipped without one.
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-300}
. "$(dirname "$0")/lib.sh"
og_pg_need
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed" >&2; exit 77; }

home=$(og_pg_newdb) && eu=$(og_pg_newdb) && us=$(og_pg_newdb) || { bad "cannot make databases"; og_done; }
K="$OG_TMP/keys"
og() { "$OPSGATE" --data "$home" --keys "$K" --data-region "eu=$eu" --data-region "us=$us" "$@"; }
psql_of() { # URL SQL: one value
  local conn=${1#libpq:}
  psql -qtAX -v ON_ERROR_STOP=1 "$conn" -c "$2"
}
expect_exit() { # WANT PATTERN WHAT COMMAND...
  local want=$1 pat=$2 what=$3 out rc
  shift 3
  out=$("$@" 2>&1)
  rc=$?
  [ "$rc" = "$want" ] && ok || bad "$what: exit $rc, want $want ($out)"
  grep -q -- "$pat" <<<"$out" && ok || bad "$what: message: $out"
}

admin=$(og init 2>/dev/null | grep '^og_' | tail -n 1)
[ -n "$admin" ] && ok || bad "init"

# 1. region names and unknown regions: clear errors, never a fallback
expect_exit 2 "bad region name" "an upper-case region" og tenant create t1 --region EU
expect_exit 2 "home database" "the region named home" og tenant create t1 --region home
expect_exit 1 "unknown region 'mars'" "a region without a database" og tenant create t1 --region mars
expect_exit 2 "PostgreSQL URL" "a region that is a folder" \
  "$OPSGATE" --data "$home" --keys "$K" --data-region "eu=$OG_TMP/eu" tenant list
og tenant show t1 >/dev/null 2>&1 && bad "a refused create made the tenant" || ok

# 2. tenants in each region and one at home
og tenant create acme --region eu >"$OG_TMP/out" 2>&1 && ok || bad "create acme in eu: $(cat "$OG_TMP/out")"
grep -q "^acme active .* eu$" "$OG_TMP/out" && ok || bad "create prints the region: $(cat "$OG_TMP/out")"
og tenant create umbrella --region us >/dev/null && og tenant create localco >/dev/null && ok ||
  bad "create umbrella (us), localco (home)"
[ "$(og --json tenant show acme | jq -r .region)" = eu ] && ok || bad "show: acme's region"
[ "$(og --json tenant show localco | jq -r .region)" = home ] && ok || bad "show: localco's region"
og tenant list >"$OG_TMP/list"
grep -q "REGION" "$OG_TMP/list" && grep -qE "^umbrella +active +us " "$OG_TMP/list" && ok ||
  bad "list prints regions: $(cat "$OG_TMP/list")"
acme=$(og --json tenant show acme | jq -r .id)
umb=$(og --json tenant show umbrella | jq -r .id)
# a regional tenant's commands need its region's database
expect_exit 1 "region 'eu'.*--data-region eu=URL" "acme without eu's database" \
  "$OPSGATE" --data "$home" --keys "$K" user list --tenant acme
# OPSGATE_DATA_REGIONS works like --data-region
OPSGATE_DATA_REGIONS="eu=$eu;us=$us" "$OPSGATE" --data "$home" --keys "$K" user list --tenant acme \
  >/dev/null 2>&1 && ok || bad "OPSGATE_DATA_REGIONS"

# 3. users, tokens, projects, certificates: CLI writes go to the tenant's region
og user add ann --tenant acme --role tenant-admin >/dev/null && ok || bad "user in eu"
og user add una --tenant umbrella --role tenant-admin >/dev/null && ok || bad "user in us"
og user add leo --tenant localco --role tenant-admin >/dev/null && ok || bad "user at home"
tok_eu=$(og token create --tenant acme --user ann | grep '^og_' | tail -n 1)
tok_us=$(og token create --tenant umbrella --user una | grep '^og_' | tail -n 1)
tok_home=$(og token create --tenant localco --user leo | grep '^og_' | tail -n 1)
[ -n "$tok_eu" ] && [ -n "$tok_us" ] && [ -n "$tok_home" ] && ok || bad "tokens"
og project create fw "Firewall" --tenant acme >/dev/null && ok || bad "project in eu"
og user add pam --role platform-admin >/dev/null && ok || bad "a second platform admin"
og --as pam --json project list --tenant acme >"$OG_TMP/out" 2>&1 &&
  [ "$(jq -r '.projects[0].key' "$OG_TMP/out")" = fw ] && ok ||
  bad "--as a platform admin on a regional tenant: $(cat "$OG_TMP/out")"
og --as ann --json project list --tenant acme >/dev/null 2>&1 && ok || bad "--as acme's own user"
# suspension: the region's row (which authentication reads) and the directory
og tenant suspend umbrella >/dev/null && ok || bad "suspend a regional tenant"
[ "$(og --json tenant show umbrella | jq -r .state)" = suspended ] && ok || bad "directory: suspended"
[ "$(psql_of "$us" "SELECT state FROM tenants WHERE name = 'umbrella'")" = suspended ] && ok ||
  bad "region: suspended"
og tenant resume umbrella >/dev/null && ok || bad "resume a regional tenant"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=eu.acme.test" -keyout "$OG_TMP/k.pem" -out "$OG_TMP/c.pem" 2>/dev/null
og cert import "$OG_TMP/c.pem" --tenant acme >/dev/null 2>&1 && ok || bad "certificate into eu"

# 4. one node per region and a home node
node() { # NAME [serve options...]: start; sets url_NAME, pid_NAME
  local name=$1
  shift
  og_serve "$home" --keys "$K" --data-region "eu=$eu" --data-region "us=$us" --node "$name" \
    --checkpoint-every never "$@" || exit 1
  eval "url_$name=\$OG_URL pid_$name=\$OG_SERVER_PID"
  OG_SERVER_PID=""
}
stop_all() {
  local p
  for p in "${pid_home:-}" "${pid_eu:-}" "${pid_us:-}"; do
    [ -n "$p" ] && kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
  done
  pid_home="" pid_eu="" pid_us=""
}
trap 'stop_all; og_cleanup' EXIT
node home
node eu --region eu
node us --region us
expect_exit 2 "needs that region's database" "serve --region without its database" \
  "$OPSGATE" --data "$home" --keys "$K" serve --region eu --check
on() { OG_URL=$1; } # the node the next api call goes to

# writes on the eu node with the eu token: an artifact, read back
on "$url_eu"
api POST /api/v1/projects "$tok_eu" '{"key":"dc","name":"Data centre"}'
expect_status 201 "eu node: project for acme"
printf 'EU-ONLY-MARKER statement of work\n' >"$OG_TMP/sow.md"
code=$(curl -sS -o "$OG_TMP/body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $tok_eu" \
  -H 'Content-Type: text/markdown' --data-binary @"$OG_TMP/sow.md" \
  "$url_eu/api/v1/projects/dc/artifacts/sow.md?kind=sow")
body=$(cat "$OG_TMP/body")
expect_status 201 "eu node: artifact put"
api GET /api/v1/projects/dc/artifacts/sow.md/content "$tok_eu"
expect_status 200 "eu node: artifact read"
grep -q EU-ONLY-MARKER <<<"$body" && ok || bad "eu node: artifact content"
api GET "/api/v1/tenants/acme/certs" "$admin"
expect_status 200 "eu node: a platform admin (home token) lists acme's certificates"
expect_jq '.certs | length' 1 "eu node: acme's imported certificate"
api GET /api/v1/tenants "$admin"
expect_jq .node_region eu "eu node: the fleet view says its region"
expect_jq '[.tenants[].name] | join(",")' acme "eu node: the fleet view lists eu's tenants"
api POST /api/v1/tenants/acme/users/ann/tokens "$tok_eu" '{}'
expect_status 201 "eu node: a token made over HTTP"
tok_eu2=$(jq -r .token <<<"$body")
on "$url_us"
api POST /api/v1/projects "$tok_us" '{"key":"lab","name":"Lab"}'
expect_status 201 "us node: project for umbrella"
api GET /api/v1/projects "$tok_eu2"
expect_status 421 "us node, a token acme's node made"
expect_jq .error.region eu "us node, a token acme's node made (region)"

# 5. 421 across regions, the region named, before anything else
check_421() { # REGION WHAT
  expect_status 421 "$2"
  expect_jq .error.code misdirected_request "$2 (code)"
  expect_jq .error.region "$1" "$2 (region)"
}
on "$url_us"
api GET /api/v1/tenants/acme/certs "$admin"
check_421 eu "us node, acme's path"
api GET "/api/v1/audit?tenant=acme" "$admin"
check_421 eu "us node, ?tenant=acme"
api GET /api/v1/projects "$tok_eu"
check_421 eu "us node, acme's token"
api POST /api/v1/projects "$tok_eu" '{"key":"zz","name":"ZZ"}'
check_421 eu "us node, a write with acme's token"
api GET /api/v1/projects "$tok_home"
check_421 home "us node, a home tenant's token"
code=$(curl -sS -o "$OG_TMP/body" -w '%{http_code}' -X PUT -H "Authorization: Bearer $tok_eu" \
  --data-binary @"$OG_TMP/sow.md" "$url_us/api/v1/projects/dc/artifacts/x.md")
body=$(cat "$OG_TMP/body")
check_421 eu "us node, a streamed upload with acme's token"
api POST /api/v1/tenants "$admin" '{"name":"newco"}'
check_421 home "us node: tenants are created at home"
on "$url_home"
api GET /api/v1/tenants/umbrella/certs "$admin"
check_421 us "home node, umbrella's path"
api GET /api/v1/projects "$tok_us"
check_421 us "home node, umbrella's token"
api GET /api/v1/projects "$tok_home"
expect_status 200 "home node serves its own tenant"
# creating a regional tenant over HTTP: platform admins on a home node, as the CLI does
api POST /api/v1/tenants "$tok_home" '{"name":"webco","region":"eu"}'
expect_status 403 "a tenant-admin cannot create a regional tenant"
api POST /api/v1/tenants "$admin" '{"name":"webco","region":"mars"}'
expect_status 400 "POST tenants: a region without a database"
expect_jq '.error.message | test("unknown region .mars.")' true "POST tenants: the region is named"
api POST /api/v1/tenants "$admin" '{"name":"webco","region":"EU"}'
expect_status 400 "POST tenants: a bad region name"
api POST /api/v1/tenants "$admin" '{"name":"webco","region":7}'
expect_status 400 "POST tenants: a region that is no string"
api GET /api/v1/tenants/webco "$admin"
expect_status 404 "the refused creates made nothing"
api POST /api/v1/tenants "$admin" '{"name":"webco","region":"eu"}'
expect_status 201 "POST tenants with region eu"
expect_jq .region eu "POST tenants: the reply names the region"
expect_header Location "/api/v1/tenants/webco" "POST tenants: Location"
api POST /api/v1/tenants "$admin" '{"name":"webco","region":"us"}'
expect_status 409 "POST tenants: the name is taken in every region"
api POST /api/v1/tenants "$admin" '{"name":"homeco","region":"home"}'
expect_status 201 "POST tenants with region home"
expect_jq .region home "POST tenants: a home tenant"
webco=$(og --json tenant show webco | jq -r .region)
[ "$webco" = eu ] && ok || bad "the directory puts webco in eu: $webco"
api GET /api/v1/tenants/webco/certs "$admin"
check_421 eu "home node, the new regional tenant's path"
on "$url_eu"
api GET /api/v1/tenants/webco/certs "$admin"
expect_status 200 "eu node serves the tenant made over HTTP"
on "$url_home"
api GET /api/v1/tenants "$admin"
expect_jq .node_region home "home node: the fleet view says home"
expect_jq '[.tenants[] | .name + ":" + .region] | sort | join(",")' \
  "acme:eu,homeco:home,localco:home,umbrella:us,webco:eu" "home node: the directory's regions"
on "$url_eu"
api GET /api/v1/projects/zz "$tok_eu"
expect_status 404 "the refused write made nothing"
api GET /api/v1/tenants/umbrella/projects "$tok_eu"
[ "$code" = 404 ] || [ "$code" = 421 ] && [ "$code" != 200 ] && ok ||
  bad "a tenant user naming another region's tenant: $code"
api GET /api/v1/projects "$OG_TMP-not-a-token"
expect_status 401 "a malformed token is 401, not 421"
# the console: a platform admin's session at home is sent to us's nodes for umbrella's pages; a
# regional tenant's user signs in on its region's node
signin() { # URL TOKEN: prints the session cookie
  curl -s -o /dev/null -D "$OG_TMP/h" --data-urlencode "token=$2" "$1/console/sign-in"
  tr -d '\r' <"$OG_TMP/h" | grep -i '^set-cookie:' | head -n 1 | cut -d' ' -f2- | cut -d';' -f1
}
c=$(signin "$url_home" "$admin")
code=$(curl -s -o "$OG_TMP/page" -w '%{http_code}' -H "Cookie: $c" "$url_home/console/tenants/umbrella/settings")
[ "$code" = 421 ] && grep -q "served by the nodes of region .*us" "$OG_TMP/page" && ok ||
  bad "home console, umbrella's page: $code $(grep -i region "$OG_TMP/page" | head -c 300)"
[ -z "$(signin "$url_eu" "$admin")" ] && ok || bad "a home token signs in to a region node's console"
c=$(signin "$url_eu" "$tok_eu")
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $c" "$url_eu/console/tenants/acme/settings")
[ "$code" = 200 ] && ok || bad "eu console, acme's user on acme's settings: $code"
stop_all

# 6. the data lives only in its region's database
n() { psql_of "$1" "$2"; }
[ "$(n "$home" "SELECT COUNT(*) FROM audit_record WHERE chain IN ('$acme','$umb')")" = 0 ] &&
  ok || bad "home holds regional tenants' audit records"
[ "$(n "$home" "SELECT COUNT(*) FROM users WHERE tenant_id IN ('$acme','$umb')")" = 0 ] && ok ||
  bad "home holds regional tenants' users"
[ "$(n "$home" "SELECT COUNT(*) FROM tokens WHERE tenant_id IN ('$acme','$umb')")" = 0 ] && ok ||
  bad "home holds regional tenants' tokens"
[ "$(n "$eu" "SELECT COUNT(*) FROM audit_record WHERE chain = '$acme'")" -gt 3 ] && ok ||
  bad "eu holds acme's audit chain"
[ "$(n "$us" "SELECT COUNT(*) FROM audit_record WHERE chain = '$acme'")" = 0 ] && ok ||
  bad "us holds acme's audit records"
[ "$(n "$us" "SELECT COUNT(*) FROM tenants WHERE id = '$acme'")" = 0 ] && ok ||
  bad "us knows acme"
dump() { pg_dump --data-only "${1#libpq:}" 2>/dev/null; }
if command -v pg_dump >/dev/null; then
  dump "$home" >"$OG_TMP/home.sql"
  dump "$eu" >"$OG_TMP/eu.sql"
  # the home: the directory row, the platform record and token ids, nothing of the tenant's data
  grep -c "$acme" "$OG_TMP/home.sql" >"$OG_TMP/hits"
  grep -v "^COPY\|token_regions\|^--" "$OG_TMP/home.sql" | grep "$acme" |
    grep -vc "tenant.create\|	acme	active\|^[0-9a-f-]*	$acme$" >"$OG_TMP/other" || true
  [ "$(cat "$OG_TMP/other")" = 0 ] && ok || bad "home dump: other rows name acme: $(grep "$acme" "$OG_TMP/home.sql" | head -20)"
  grep -q "eu.acme.test\|Data centre\|Firewall" "$OG_TMP/home.sql" && bad "home dump holds acme's data" || ok
  grep -q "Data centre" "$OG_TMP/eu.sql" && ok || bad "eu dump holds acme's project"
  # keys: acme's wrapped data key is in eu, not at home
  [ "$(n "$eu" "SELECT COUNT(*) FROM crypto_data_key WHERE scope = '$acme'" 2>/dev/null || echo x)" != 0 ] && ok ||
    bad "eu holds acme's data key"
  [ "$(n "$home" "SELECT COUNT(*) FROM crypto_data_key WHERE scope = '$acme'" 2>/dev/null || echo x)" = 0 ] && ok ||
    bad "home holds acme's data key"
else
  echo "SKIP (part): pg_dump is not installed" >&2
fi
# no artifact content in the clear anywhere (sealed), and none of it at home
[ "$(n "$home" "SELECT COUNT(*) FROM art_versions WHERE tenant_id = '$acme'")" = 0 ] && ok ||
  bad "home holds acme's artifact versions"
[ "$(n "$eu" "SELECT COUNT(*) FROM art_versions WHERE tenant_id = '$acme'")" = 1 ] && ok ||
  bad "eu holds acme's artifact version"

# 7. audit verify on each chain; the platform chain names the region
og audit verify --tenant acme >"$OG_TMP/v" 2>&1 && ok || bad "verify acme (eu): $(cat "$OG_TMP/v")"
og audit verify --tenant umbrella >"$OG_TMP/v" 2>&1 && ok || bad "verify umbrella (us): $(cat "$OG_TMP/v")"
og audit verify >"$OG_TMP/v" 2>&1 && ok || bad "verify the platform chain: $(cat "$OG_TMP/v")"
og --json audit list >"$OG_TMP/plat" 2>&1
[ "$(jq -r --arg id "$acme" '.records[] | select(.action == "tenant.create" and .target.id == $id)
  | .analysis.region' "$OG_TMP/plat")" = eu ] && ok ||
  bad "the platform chain's tenant.create names region eu: $(head -c 600 "$OG_TMP/plat")"
# the region's own platform chain records it too, and opens acme's chain there
[ "$(n "$eu" "SELECT COUNT(*) FROM audit_record WHERE chain = 'platform' AND action = 'tenant.create' AND target_id = '$acme'")" = 1 ] &&
  ok || bad "eu's platform chain records acme's creation"
[ "$(n "$eu" "SELECT action FROM audit_record WHERE chain = '$acme' AND seq = 1")" = audit.chain.open ] &&
  ok || bad "acme's chain opens in eu"

# 8. deleting a regional tenant removes it from its region and the directory
og tenant create gone --region us >/dev/null && og tenant delete gone --yes >/dev/null 2>&1 && ok ||
  bad "delete a regional tenant"
og tenant show gone >/dev/null 2>&1 && bad "the directory still lists a deleted tenant" || ok
[ "$(n "$us" "SELECT COUNT(*) FROM tenants WHERE name = 'gone'")" = 0 ] && ok ||
  bad "the region still holds a deleted tenant"

# 9. audit verify of a region: every chain of its database and the placements both ways
og audit verify --region eu >"$OG_TMP/v" 2>&1 && ok || bad "verify --region eu: $(cat "$OG_TMP/v")"
grep -q "audit trail intact" "$OG_TMP/v" && ok || bad "verify --region eu says intact: $(cat "$OG_TMP/v")"
# eu: its platform chain, acme's and webco's
[ "$(og --json audit verify --region eu | jq .chains)" = 3 ] && ok || bad "verify --region eu: 3 chains"
og audit verify --region us >"$OG_TMP/v" 2>&1 && ok || bad "verify --region us: $(cat "$OG_TMP/v")"
expect_exit 1 "unknown region 'mars'" "verify --region without its database" og audit verify --region mars
expect_exit 2 "without --tenant" "verify --region with --tenant" og audit verify --region eu --tenant acme
expect_exit 2 "bad region name" "verify --region EU" og audit verify --region EU

# 10. a create killed between its two commits: the region committed, the directory did not.
# A session holds the home's tenants table (SHARE: reads pass, the directory insert waits) while
# the create runs; once the region has the tenant, the CLI is killed (-9) and the lock let go.
lock_home() {
  PGAPPNAME=og_it_lock psql -qtAX "${home#libpq:}" \
    -c "BEGIN" -c "LOCK TABLE tenants IN SHARE MODE" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
  lock_pid=$!
  for _ in $(seq 100); do
    [ "$(n "$home" "SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE a.application_name = 'og_it_lock' AND l.mode = 'ShareLock' AND l.granted")" = 1 ] && return 0
    sleep 0.1
  done
  bad "the lock on the home's tenants was not taken"
}
unlock_home() {
  n "$home" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE application_name = 'og_it_lock'" >/dev/null
  wait "$lock_pid" 2>/dev/null
}
lock_home
"$OPSGATE" --data "$home" --keys "$K" --data-region "eu=$eu" --data-region "us=$us" \
  tenant create crashco --region eu >/dev/null 2>&1 &   # not through og(): $! is opsgate's pid
create_pid=$!
for _ in $(seq 150); do
  [ "$(n "$eu" "SELECT COUNT(*) FROM tenants WHERE name = 'crashco'")" = 1 ] && break
  sleep 0.1
done
kill -KILL "$create_pid" 2>/dev/null
wait "$create_pid" 2>/dev/null
crashed_at=$(date +%s)
unlock_home
[ "$(n "$eu" "SELECT COUNT(*) FROM tenants WHERE name = 'crashco'")" = 1 ] && ok ||
  bad "the killed create left crashco in eu"
crash_id=$(n "$eu" "SELECT id FROM tenants WHERE name = 'crashco'")
[ "$(n "$home" "SELECT COUNT(*) FROM tenants WHERE name = 'crashco'")" = 0 ] && ok ||
  bad "the killed create reached the directory"
og tenant show crashco >/dev/null 2>&1 && bad "the directory knows crashco" || ok
# verify names what is wrong
expect_exit 1 "tenant 'crashco'.*does not place it there" "verify --region eu after the crash" \
  og audit verify --region eu
# within the grace a create may still be between its commits: nothing is touched
og tenant create other --region eu >/dev/null 2>&1 && ok || bad "a create within the grace"
[ "$(n "$eu" "SELECT COUNT(*) FROM tenants WHERE name = 'crashco'")" = 1 ] && ok ||
  bad "the repair did not wait for the grace"
# the next start of eu's node repairs it: never served, so removed in the region
sleep $((crashed_at + 11 - $(date +%s)))
node eu --region eu
grep -q "removed 1 tenant(s) left by a create interrupted" "$OG_SERVER_LOG" && ok ||
  bad "the eu node's start says what it repaired: $(cat "$OG_SERVER_LOG")"
[ "$(n "$eu" "SELECT COUNT(*) FROM tenants WHERE name = 'crashco'")" = 0 ] && ok ||
  bad "the eu node's start removed crashco"
[ "$(n "$eu" "SELECT COUNT(*) FROM audit_record WHERE chain = 'platform' AND action = 'tenant.delete'
  AND target_id = '$crash_id'")" = 1 ] && ok || bad "the removal is in eu's platform chain"
on "$url_eu"
api GET /api/v1/audit/verify "$admin"
expect_status 200 "eu node: verify"
expect_jq .region eu "eu node: verify names the region"
expect_jq .intact true "eu node: the region verifies after the repair"
expect_jq '.chains >= 4' true "eu node: platform, acme, webco, other (and crashco's closed chain)"
stop_all
og audit verify --region eu >"$OG_TMP/v" 2>&1 && ok || bad "verify --region eu after the repair: $(cat "$OG_TMP/v")"
og tenant create crashco --region eu >/dev/null 2>&1 && ok || bad "crashco can be made again"
# a tenant unknown to the directory that was used is not removed: the node refuses, naming it
og tenant create usedco --region us >/dev/null && og user add uma --tenant usedco --role auditor >/dev/null &&
  ok || bad "usedco"
n "$home" "DELETE FROM tenants WHERE name = 'usedco'" >/dev/null || bad "dropping usedco's directory row"
n "$us" "UPDATE tenants SET created_at = '2020-01-01T00:00:00.000000Z' WHERE name = 'usedco'" \
  >/dev/null || bad "ageing usedco"
expect_exit 1 "tenant 'usedco'.*was used.*Nothing was changed" "a region node with a used orphan" \
  "$OPSGATE" --data "$home" --keys "$K" --data-region "eu=$eu" --data-region "us=$us" serve \
  --region us --listen 127.0.0.1:0
[ "$(n "$us" "SELECT COUNT(*) FROM tenants WHERE name = 'usedco'")" = 1 ] && ok ||
  bad "the used orphan is kept"
og_done
