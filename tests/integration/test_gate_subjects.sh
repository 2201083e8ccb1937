#!/usr/bin/env bash
# test_gate_subjects.sh - gate items say what they are about (issue 13): `gate list` shows the
# tenant, the subject and the requester of an artifact publish held at L2, a certificate deploy
# and (with Pebble) a certificate renewal; `gate show` names everything and the command that
# decides; short ids work; the API carries the same fields; and text tables (gate list, gate
# kinds, gate policy show, target list, events list, cert plans) keep their columns aligned
# whatever the width of their values.
. "$(dirname "$0")/lib.sh"
export LC_ALL=C.UTF-8 # column positions are counted in characters (the subjects hold "→")

D="$OG_TMP/data"
og() { "$OPSGATE" --data "$D" "$@"; }
run() { # run WANT WHAT -- cmd...: stdout in $out, stderr in $err
  local want=$1 what=$2
  shift 3
  out=$("$@" 2>"$OG_TMP/err")
  local got=$?
  err=$(cat "$OG_TMP/err")
  if [ "$got" -eq "$want" ]; then ok; else bad "$what: exit $got, want $want; stderr: $err"; fi
}
has() { case "$1" in *"$2"*) ok ;; *) bad "$3: '$2' not in: $1" ;; esac; }
jqis() {
  local got
  got=$(printf '%s' "$1" | jq -r "$2" 2>/dev/null)
  [ "$got" = "$3" ] && ok || bad "$4: $2 is '$got', want '$3'"
}
# aligned TEXT WHAT COLUMN...: on every line after the header, each named column starts where
# its header does, after at least two spaces (name only left-aligned columns that are never
# empty).
aligned() {
  local text=$1 what=$2 head col pre pos line bad_line=""
  shift 2
  head=$(printf '%s\n' "$text" | head -n 1)
  for col in "$@"; do
    pre=${head%%"$col"*}
    if [ "$pre" = "$head" ]; then
      bad "$what: no column $col in the header: $head"
      return
    fi
    pos=${#pre}
    while IFS= read -r line; do
      if [ "$pos" -gt 0 ] && { [ "${line:pos-2:2}" != "  " ] || [ -z "${line:pos:1}" ] ||
        [ "${line:pos:1}" = " " ]; }; then
        bad_line="column $col (at $pos) in: $line"
        break
      fi
    done < <(printf '%s\n' "$text" | tail -n +2)
    [ -z "$bad_line" ] || break
  done
  if [ -n "$bad_line" ]; then bad "$what: not aligned: $bad_line"; else ok; fi
}

TOKEN=$(og_init "$D") || exit 1
run 0 "tenant" -- og tenant create acme-north
for u in ada:tenant-admin pam:project-manager eve:engineer; do
  run 0 "user ${u%%:*}" -- og user add --tenant acme-north "${u%%:*}" --role "${u#*:}"
done
run 0 "project" -- og project create --tenant acme-north nwind-42 "Northwind"

# --- an artifact publish held at L2, with a very long name
LONG=dc-migration-runbook-for-the-northwind-datacenter-move-in-three-waves-with-rollback-plans
printf 'steps\n' >"$OG_TMP/rb.md"
run 0 "put" -- og --as eve artifact put --tenant acme-north --project nwind-42 --name "$LONG" \
  --kind runbook "$OG_TMP/rb.md"
run 0 "put short" -- og --as eve artifact put --tenant acme-north --project nwind-42 --name s \
  --kind runbook "$OG_TMP/rb.md"
run 0 "in-review" -- og --as eve artifact set-state --tenant acme-north --project nwind-42 \
  --name "$LONG" in-review
run 0 "approved" -- og --as pam artifact set-state --tenant acme-north --project nwind-42 \
  --name "$LONG" approved
run 0 "short in-review" -- og --as eve artifact set-state --tenant acme-north --project nwind-42 \
  --name s in-review
run 0 "publish at L2" -- og gate policy set --tenant acme-north artifacts.publish.runbook L2
run 0 "publish waits" -- og --as eve artifact set-state --tenant acme-north --project nwind-42 \
  --name "$LONG" published --json
GID=$(printf '%s' "$out" | jq -r '.gate_id // empty')
[ -n "$GID" ] && ok || bad "the publish names its gate item: $out"
SUBJECT="runbook \"$LONG\" v1 in project nwind-42: approved → published"

run 0 "gate list" -- og gate list --tenant acme-north
LIST=$out
has "$LIST" "$SUBJECT" "gate list shows the subject"
row=$(printf '%s\n' "$LIST" | grep -F "$SUBJECT")
has "$row" "acme-north" "the publish row names the tenant"
has "$row" "user:eve" "the publish row names the requester"
has "$row" "pending" "the publish row is pending"
has "$row" "${GID:0:8}" "the publish row has the short id"
has "$row" "left" "the publish row says the time left"
has "$(printf '%s\n' "$LIST" | head -n 1)" "REQUESTED BY" "gate list header"
aligned "$LIST" "gate list" STATE LEVEL TENANT KIND SUBJECT "REQUESTED BY" "AGE/DEADLINE"
[ "$(printf '%s\n' "$LIST" | wc -l)" -ge 5 ] && ok || bad "gate list has every item: $LIST"

run 0 "gate list --json" -- og gate list --tenant acme-north --json
jqis "$out" ".gates[] | select(.id==\"$GID\") | .subject" "$SUBJECT" "JSON subject"
jqis "$out" ".gates[] | select(.id==\"$GID\") | .tenant_name" acme-north "JSON tenant name"
jqis "$out" ".gates[] | select(.id==\"$GID\") | .project" nwind-42 "JSON project"
jqis "$out" ".gates[] | select(.id==\"$GID\") | .object_name" "$LONG" "JSON object name"

# --- gate show by its short id: everything named, and the command that decides
run 0 "gate show short id" -- og gate show "${GID:0:8}"
has "$out" "$SUBJECT" "show names the subject"
has "$out" "acme-north (" "show names the tenant with its id"
has "$out" "nwind-42" "show names the project"
has "$out" "user:eve" "show names the requester"
has "$out" "opsgate --as USER gate approve $GID" "show says how to approve"
has "$out" "other than the requester" "show says who may approve"
run 2 "too short an id" -- og gate show "${GID:0:5}"
has "$err" "${GID:0:5}" "the short id is named"
run 1 "unknown short id" -- og gate show 00000000
run 0 "approve by short id" -- og --as pam gate approve "${GID:0:8}"
has "$out" "$GID" "the approval names the whole id"
run 0 "show after" -- og gate show "$GID"
has "$out" "nothing left to decide: approved" "decided"
has "$out" "approved  local:" "the decision is in the history"

# --- a certificate deploy to a target with a long name, held at L2
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj /CN=shop.acme.example -addext subjectAltName=DNS:shop.acme.example \
  -keyout "$OG_TMP/shop.key" -out "$OG_TMP/shop.crt" 2>/dev/null
cat "$OG_TMP/shop.crt" "$OG_TMP/shop.key" >"$OG_TMP/shop.pem"
run 0 "import" -- og cert import --tenant acme-north "$OG_TMP/shop.pem"
FP=$(openssl x509 -in "$OG_TMP/shop.crt" -outform der | sha256sum | cut -c1-64)
TLONG=nginx-edge-1-in-the-frankfurt-datacenter-behind-the-second-lb
mkdir -p "$OG_TMP/out"
run 0 "target" -- og target add --tenant acme-north "$TLONG" --type file \
  --cert-path "$OG_TMP/out/cert.pem" --key-path "$OG_TMP/out/key.pem"
run 0 "target short" -- og target add --tenant acme-north t1 --type file \
  --cert-path "$OG_TMP/out/t1.pem" --key-path "$OG_TMP/out/t1.key"
run 0 "deploy at L2" -- og gate policy set --tenant acme-north certs.deploy L2
run 0 "deploy waits" -- og cert deploy --tenant acme-north "$FP" --target "$TLONG"
run 0 "gate list" -- og gate list --tenant acme-north --state pending
has "$out" "deploy of certificate shop.acme.example to target $TLONG (file)" "deploy subject"
aligned "$out" "gate list (deploy)" STATE LEVEL TENANT KIND SUBJECT "REQUESTED BY" "AGE/DEADLINE"
run 0 "target list" -- og target list --tenant acme-north
has "$out" "$TLONG" "target list has the long name"
aligned "$out" "target list" TYPE LAST CERTIFICATE ENDPOINTS

# --- other tables
run 0 "gate kinds" -- og gate kinds
aligned "$out" "gate kinds" AREA DEFAULT DESCRIPTION
run 0 "policy show" -- og gate policy show --tenant acme-north
out=$(printf '%s\n' "$out" | sed -n '/^KIND/,$p')
aligned "$out" "gate policy show" AREA LEVEL DEFAULT SOURCE
run 0 "events list" -- og events list --tenant acme-north
aligned "$out" "events list" TYPE HANDLER STATE CREATED

# --- the API carries the same fields
og_serve "$D" || og_done
api GET "/api/v1/gates/$GID" "$TOKEN"
expect_status 200 "API show"
expect_jq .subject "$SUBJECT" "API subject"
expect_jq .tenant_name acme-north "API tenant name"
expect_jq .object_name "$LONG" "API object name"
expect_jq '.next | length' 0 "nothing left to decide over the API"
api GET "/api/v1/tenants/acme-north/gates?state=pending" "$TOKEN"
expect_jq '.gates[0].subject' "deploy of certificate shop.acme.example to target $TLONG (file)" \
  "API list subject"
expect_jq '.gates[0].target_name' "$TLONG" "API list target"
expect_jq '.gates[0].next' null "next is in show only"
og_stop

# --- a certificate renewal (needs Pebble for the first issuance; the renewal waits at L2)
if command -v pebble >/dev/null 2>&1 && command -v pebble-challtestsrv >/dev/null 2>&1; then
  . "$(dirname "$0")/acme/lib.sh"
  unset PEBBLE_VA_ALWAYS_VALID
  export PEBBLE_WFE_NONCEREJECT=0
  acme_start
  trap 'acme_cleanup; og_cleanup' EXIT
  A() { "$OPSGATE" "$@"; } # OPSGATE_DATA is acme_start's folder
  run 0 "acme tenant" -- A tenant create acme-south
  run 0 "account" -- A acme account create --tenant acme-south --directory "$PEBBLE_DIR" \
    --ca-file "$PEBBLE_CA"
  run 0 "issue" -- A cert issue --tenant acme-south --name shop.acme.example \
    --name www.shop.acme.example --name static.shop.acme.example --challenge http-01 \
    --http-listen "127.0.0.1:$HTTP_PORT" --json
  PLAN=$(printf '%s' "$out" | jq -r .id) SERIAL=$(printf '%s' "$out" | jq -r .serial)
  run 0 "issue a second" -- A cert issue --tenant acme-south --name api.example.test \
    --challenge http-01 --http-listen "127.0.0.1:$HTTP_PORT"
  run 0 "cert plans" -- A cert plans --tenant acme-south
  aligned "$out" "cert plans" NAMES CHALLENGE SERIAL EXPIRES RENEW TARGETS
  run 0 "renew at L2" -- A gate policy set --tenant acme-south certs.renew L2
  run 0 "renew waits" -- A cert renew --tenant acme-south "$PLAN"
  run 0 "gate list" -- A gate list --tenant acme-south
  row=$(printf '%s\n' "$out" | grep certs.renew)
  has "$row" "certificate shop.acme.example, www.shop.acme.example, static.shop.acme.example (serial $SERIAL) renewal via ACME plan $PLAN" "renewal subject"
  has "$row" "acme-south" "the renewal row names the tenant"
  has "$row" "pending" "the renewal waits"
  aligned "$out" "gate list (renewal)" STATE LEVEL TENANT KIND SUBJECT "REQUESTED BY"
else
  echo "note: pebble is not installed; the renewal part was skipped" >&2
fi

og_done
