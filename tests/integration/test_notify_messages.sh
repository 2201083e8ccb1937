#!/usr/bin/env bash
# test_notify_messages.sh - notifications a person reads, end to end through the real SMTP and
# webhook receivers: a certificate expiry alert and a gate approval arrive with a subject naming
# the client and the object and a body saying what to do (proper MIME, RFC 2047 subject, no raw
# JSON); a channel with an event filter gets only what it matches; an MSP-wide platform channel
# gets the events of two tenants while neither tenant's admin can see it; the same over HTTP.
. "$(dirname "$0")/lib.sh"
: "${OG_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
for t in cc openssl python3; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed" >&2; exit 77; }
done
og_recv_build

D="$OG_TMP/data"
og() { "$OPSGATE" --data "$D" "$@"; }
has() { case "$1" in *"$2"*) ok ;; *) bad "$3: '$2' not in: $1" ;; esac; }
hasnt() { case "$1" in *"$2"*) bad "$3: '$2' in: $1" ;; *) ok ;; esac; }
eq() { [ "$1" = "$2" ] && ok || bad "$3: got '$1', want '$2'"; }
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; og_cleanup' EXIT
wait_file() { local i; for i in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

# mail FILE subject|body|header NAME: what a mail program shows (MIME decoded by Python's email).
mail() {
  python3 - "$@" <<'PY'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
what = sys.argv[2]
if what == "subject":
    print(m["subject"])
elif what == "body":
    print(m.get_content(), end="")
else:
    print(m[sys.argv[3]] or "")
PY
}
# The mails to one recipient, oldest first.
mails_to() { grep -l "^To: <$1>" "$OG_TMP"/mail/msg.*.eml 2>/dev/null | sort -t. -k2 -n; }

PT=$(og_init "$D") || exit 1   # the platform-admin token
for t in acme globex; do run 0 "tenant $t" -- og tenant create "$t"; done
run 0 "ada" -- og user add --tenant acme ada --role tenant-admin
run 0 "pam" -- og user add --tenant acme pam --role project-manager
run 0 "gus" -- og user add --tenant globex gus --role tenant-admin
ACME_ID=$(og tenant list --json | jq -r '.tenants[] | select(.name=="acme") | .id')

printf 'a-webhook-secret-of-some-length\n' >"$OG_TMP/secret"
for h in all certs; do
  "$RECV" webhook --port-file "$OG_TMP/$h.port" --secret-file "$OG_TMP/secret" \
    --log "$OG_TMP/$h.log" --capture "$OG_TMP/$h.req" & pids+=($!)
done
mkdir -p "$OG_TMP/mail"
"$RECV" smtp --port-file "$OG_TMP/smtp.port" --out "$OG_TMP/mail" & pids+=($!)
for f in all certs smtp; do wait_file "$OG_TMP/$f.port" || { bad "receiver $f did not start"; og_done; }; done
SMTP="smtp://127.0.0.1:$(cat "$OG_TMP/smtp.port")"
run 0 "allow loopback egress" -- og notify egress allow 127.0.0.0/8

# ---- channels: acme's (all events, and certs.* only) and the MSP's (certs.* of every tenant)
run 0 "acme email, every event" -- og --as ada notify add --tenant acme email ops@acme.example --smtp "$SMTP" --from opsgate@msp.example
run 0 "acme webhook, every event" -- og --as ada notify add --tenant acme webhook "http://127.0.0.1:$(cat "$OG_TMP/all.port")/hook" --secret-file "$OG_TMP/secret"
run 1 "a pattern matching no event is refused" -- og --as ada notify add --tenant acme webhook "http://127.0.0.1:$(cat "$OG_TMP/certs.port")/hook" --secret-file "$OG_TMP/secret" --events 'cert.*'
has "$err" "'cert.*' matches no event" "the refusal names the pattern"
run 1 "a bad pattern is refused" -- og --as ada notify add --tenant acme webhook "http://127.0.0.1:$(cat "$OG_TMP/certs.port")/hook" --secret-file "$OG_TMP/secret" --events 'certs.*;rm'
has "$err" "bad event pattern" "the refusal says what is wrong"
run 0 "acme webhook, certs.* only" -- og --as ada notify add --tenant acme webhook "http://127.0.0.1:$(cat "$OG_TMP/certs.port")/hook" --secret-file "$OG_TMP/secret" --events 'certs.*'
CERTS_ID=$out
run 1 "a tenant-admin cannot add a platform channel" -- og --as ada notify add --platform --tenant acme email noc@msp.example --smtp "$SMTP"
has "$err" "platform-admin" "the refusal names the role"
run 0 "platform channel, certs.* of every tenant" -- og notify add --platform email noc@msp.example --smtp "$SMTP" --from opsgate@msp.example --events 'certs.*'
MSP_ID=$out
run 2 "--platform with --tenant and no --as" -- og notify list --platform --tenant acme
run 0 "list acme" -- og --as ada notify list --tenant acme
has "$out" "EVENTS" "the list has an events column"
has "$out" "certs.*" "the filter is shown"
run 0 "show the filtered channel" -- og --as ada notify show --tenant acme "$CERTS_ID" --json
eq "$(jq -c .events <<<"$out")" '["certs.*"]' "show gives the filter"

# ---- neither tenant's admin can see the platform channel
run 1 "acme's admin cannot list platform channels" -- og --as ada notify list --platform --tenant acme
has "$err" "platform-admin" "refused for the role"
run 1 "globex's admin cannot list platform channels" -- og --as gus notify list --platform --tenant globex
run 0 "acme's own list" -- og --as ada notify list --tenant acme --json
hasnt "$out" "$MSP_ID" "the platform channel is not in acme's list"
hasnt "$out" "noc@msp.example" "nor its address"
run 1 "acme's admin cannot show it" -- og --as ada notify show --tenant acme "$MSP_ID"
run 0 "the platform lists it" -- og notify list --platform --json
eq "$(jq -r --arg id "$MSP_ID" '.channels[] | select(.id==$id) | .scope' <<<"$out")" platform "scope platform"
run 0 "platform audit" -- og audit list --json
eq "$(jq '[.records // . | .[] | select(.action=="notify.channel.add")] | length' <<<"$out")" 1 "the platform channel is audited on the platform chain"

# ---- a certificate of each tenant that expires in 7 days
mkcert() {   # mkcert NAME CN SANS
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$OG_TMP/$1.key" \
    -out "$OG_TMP/$1.crt" -days 7 -subj "/CN=$2" -addext "subjectAltName=$3" 2>/dev/null
}
mkcert acme shop.acme.example "DNS:shop.acme.example,DNS:www.shop.acme.example" || bad "openssl"
mkcert globex www.globex.example "DNS:www.globex.example" || bad "openssl"
# fixed-day thresholds: the messages are about a 7-day certificate inside the 30, 14 and 7-day
# thresholds (by default they are scaled to its lifetime and it would be inside none yet)
for t in acme globex; do
  run 0 "$t policy" -- og cert policy --tenant "$t" --thresholds 30,14,7,1 --lifetime-share off
done
run 0 "import acme's" -- og cert import --tenant acme "$OG_TMP/acme.crt"
run 0 "import globex's" -- og cert import --tenant globex "$OG_TMP/globex.crt"
for t in acme globex; do
  run 0 "$t expiry alerts" -- og cert check-expiry --tenant "$t"
done
run 0 "deliver" -- og events run

m=$(mails_to ops@acme.example | head -n 1)
[ -n "$m" ] || { bad "no expiry mail to acme: $(ls "$OG_TMP/mail" 2>&1)"; og_done; }
eq "$(mail "$m" subject)" "[opsgate] acme: shop.acme.example expires in 7 days — renewal needed" "expiry subject"
body=$(mail "$m" body)
has "$body" "The certificate for shop.acme.example expires in 7 days" "the body says what happened"
has "$body" "Client:      acme (tenant $ACME_ID)" "the body names the client by name and id"
has "$body" "www.shop.acme.example" "the body lists the certificate's names"
has "$body" "What to do:" "the body says what to do"
has "$body" "opsgate cert import --tenant acme" "with the command"
hasnt "$body" '{"' "no raw JSON in the body"
has "$(mail "$m" header Content-Type)" "text/plain; charset=\"utf-8\"" "plain text in UTF-8"
grep -q '^Subject: =?UTF-8?B?' "$m" && ok || bad "the non-ASCII subject is RFC 2047-encoded: $(grep '^Subject' "$m")"
has "$(mail "$m" header Message-ID)" "@msp.example>" "a Message-ID in the sender's domain"
has "$(mail "$m" header From)" "opsgate@msp.example" "From"
has "$(mail "$m" header Date)" "+0000" "Date"
eq "$(mail "$m" header X-Opsgate-Tenant)" acme "X-Opsgate-Tenant"

# ---- a gate approval
run 0 "L2 for notes" -- og gate policy set --tenant acme platform.note L2
run 0 "pam requests a note" -- og --as pam gate request --tenant acme platform.note --params '{"text":"rotate the VPN keys"}' --json
G=$(jq -r .gate_id <<<"$out")
run 0 "deliver" -- og events run
m=$(mails_to ops@acme.example | tail -n 1)
subj=$(mail "$m" subject)
eq "$subj" "[opsgate] acme: approval needed — record a note: \"rotate the VPN keys\" (requested by $(mail "$m" body | sed -n 's/^Requested:   by //p'))" "approval subject"
has "$subj" "user:pam" "the subject names the requester"
body=$(mail "$m" body)
has "$body" "Gate item:   $G (platform.note, L2)" "the body names the gate item"
has "$body" "opsgate gate approve $G --as USER" "the body says how to approve"
has "$body" "POST /api/v1/gates/$G/approve" "and how over HTTP"
has "$body" "Deadline:" "and until when"
hasnt "$body" '{"' "no raw JSON in the body"

# The webhook body keeps the machine fields and adds subject and text.
req=$(sed -n '/^\r*$/,$p' "$OG_TMP/all.req" | tail -n +2)
eq "$(jq -r .tenant_name <<<"$req")" acme "webhook tenant_name"
has "$(jq -r .subject <<<"$req")" "[opsgate] acme: shop.acme.example expires in 7 days" "webhook subject"
has "$(jq -r .text <<<"$req")" "Client:      acme" "webhook text (Slack-compatible)"
eq "$(jq -r .data.subject <<<"$req")" "CN=shop.acme.example" "webhook data keeps the machine fields"

# ---- the filtered channel got only certs.*; the unfiltered one got both
eq "$(awk '{print $3}' "$OG_TMP/certs.log" | sort -u | tr '\n' ' ')" "certs.expiring " "the filtered channel got only what it matches"
all_types=$(awk '{print $3}' "$OG_TMP/all.log" | sort -u | tr '\n' ' ')
has "$all_types" "certs.expiring" "the unfiltered channel got the alert"
has "$all_types" "gate.approval" "and the approval"

# ---- the platform channel got the alerts of both tenants, and nothing else
subjects=$(for f in $(mails_to noc@msp.example); do mail "$f" subject; done)
eq "$(printf '%s\n' "$subjects" | grep -c .)" 2 "the platform channel got two mails: $subjects"
has "$subjects" "[opsgate] acme: shop.acme.example expires in 7 days" "acme's alert"
has "$subjects" "[opsgate] globex: www.globex.example expires in 7 days" "globex's alert"
hasnt "$subjects" "approval" "not the approval (filtered out)"
run 0 "gate show" -- og gate show "$G" --json
hasnt "$out" "$MSP_ID" "the platform channel is not among acme's notifications"

# ---- set-events, audited
run 1 "set-events with a typo" -- og --as ada notify set-events --tenant acme "$CERTS_ID" 'gates.*'
run 0 "set-events" -- og --as ada notify set-events --tenant acme "$CERTS_ID" 'gate.*,certs.expir*'
run 0 "show" -- og --as ada notify show --tenant acme "$CERTS_ID" --json
eq "$(jq -c .events <<<"$out")" '["gate.*","certs.expir*"]' "the new filter"
run 0 "audit" -- og audit list --tenant acme --action notify.channel.events --json
has "$out" "certs.*" "the audit record has the previous filter"

# ---- over HTTP: the field `events`, the platform's channels, and tenants kept out
og_serve "$D" || { bad "server"; og_done; }
api POST /api/v1/tenants/acme/users/ada/tokens "$PT" '{"ttl":"1h"}'
expect_status 201 "a token for ada"
AT=$(jq -r .token <<<"$body")
HOOK="http://127.0.0.1:$(cat "$OG_TMP/certs.port")/hook"
api POST /api/v1/tenants/acme/notify-channels "$AT" "{\"type\":\"webhook\",\"url\":\"$HOOK\",\"secret\":\"a-webhook-secret-of-some-length\",\"events\":[\"gate.review\",\"certs.*\"]}"
expect_status 201 "add with events over HTTP"
expect_jq '.events | join(",")' "gate.review,certs.*" "the filter is in the reply"
HID=$(jq -r .id <<<"$body")
api PUT "/api/v1/tenants/acme/notify-channels/$HID/events" "$AT" '{"events":"gate.*"}'
expect_status 200 "set events over HTTP"
expect_jq '.events | join(",")' "gate.*" "the new filter"
api PUT "/api/v1/tenants/acme/notify-channels/$HID/events" "$AT" '{"events":["cert.*"]}'
expect_error 400 invalid "a pattern matching nothing is 400"
api POST /api/v1/notify-channels "$AT" "{\"type\":\"webhook\",\"url\":\"$HOOK\",\"secret\":\"a-webhook-secret-of-some-length\"}"
expect_status 403 "a tenant-admin cannot add a platform channel"
api GET /api/v1/notify-channels "$AT"
expect_status 403 "nor list them"
api GET /api/v1/notify-channels "$PT"
expect_status 200 "the platform lists them"
expect_jq "[.channels[] | select(.id==\"$MSP_ID\")] | length" 1 "the platform channel is listed"
api POST /api/v1/notify-channels "$PT" "{\"type\":\"webhook\",\"url\":\"$HOOK\",\"secret\":\"a-webhook-secret-of-some-length\",\"events\":\"gate.approval\"}"
expect_status 201 "the platform adds a channel over HTTP"
expect_header Location "/api/v1/notify-channels/" "its location"
expect_jq .scope platform "scope platform"
api GET /api/v1/tenants/acme/notify-channels "$AT"
expect_jq "[.channels[] | select(.scope==\"platform\")] | length" 0 "acme's list has no platform channel"
og_stop
og_done
