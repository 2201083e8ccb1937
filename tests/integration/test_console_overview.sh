#!/usr/bin/env bash
# test_console_overview.sh - the console's overview (docs/console.md): per process area the gate
# counters /metrics exports, by hour (og_gate_stats), the health list, certificates by time left
# and the expiry timeline. Made with the CLI: in acme a certs.deploy reviewed at L1, an artifact
# publish waiting for approval at L2, platform notes executed at L0 and L1 (one overridden), two
# certificates; in globex a note waiting at L2. Over plain HTTP (no JavaScript): the tables are
# there and their numbers are /metrics' for the same data, for the tenant and across tenants (a
# platform-admin, and the tenant switcher); GET /api/v1/gate-stats agrees; a client-viewer is
# sent on to Artifacts with no gate figures; bad input is 400, another tenant 404. Then in a real
# browser (tests/console/overview_test.mjs): the uPlot charts drawn, the tables without
# JavaScript, axe and 390 px through inspect().
OG_TEST_TIMEOUT=${OG_TEST_TIMEOUT:-240}
. "$(dirname "$0")/lib.sh"

SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
for t in jq openssl python3; do
  command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed" >&2; exit 77; }
done
D="$OG_TMP/data"
admin=$(og_init "$D") || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
q() { og "$@" >/dev/null 2>"$OG_TMP/err" || { bad "setup: $*: $(cat "$OG_TMP/err")"; og_done; }; }
q tenant create acme
q tenant create globex
for u in ada:tenant-admin pam:project-manager eve:engineer ed:engineer cv:client-viewer; do
  q user add --tenant acme "${u%%:*}" --role "${u#*:}"
done
q user add --tenant globex gus --role tenant-admin
tok() { og token create --tenant "$1" --user "$2" 2>/dev/null; }
tok_ada=$(tok acme ada); tok_cv=$(tok acme cv); tok_gus=$(tok globex gus)

# --- certs: two certificates (5 and 60 days), a and b; b's deploy reviewed at L1 (open)
O="$OG_TMP/out"; mkdir -p "$O"
for n in a:60 b:5; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "${n#*:}" \
    -subj "/CN=${n%%:*}.acme.example" -keyout "$OG_TMP/${n%%:*}.key" -out "$OG_TMP/${n%%:*}.crt" \
    >/dev/null 2>&1 || { bad "openssl"; og_done; }
  cat "$OG_TMP/${n%%:*}.crt" "$OG_TMP/${n%%:*}.key" >"$OG_TMP/${n%%:*}.pem"
  q cert import --tenant acme "$OG_TMP/${n%%:*}.pem"
done
FB=$(openssl x509 -in "$OG_TMP/b.crt" -outform der | sha256sum | cut -c1-64)
q gate policy assign --tenant acme certs ed
q target add --tenant acme web --type file --cert-path "$O/cert.pem" --key-path "$O/key.pem"
q cert deploy --tenant acme "$FB" --target web

# --- artifacts: pam's publish of eve's SOW waits for approval (L2)
A=(--tenant acme --project fw)
q --as pam project create --tenant acme fw "Firewall migration"
printf '# SOW\n' >"$OG_TMP/sow.md"
q --as eve artifact put "${A[@]}" --name "SOW" --kind sow "$OG_TMP/sow.md"
q --as pam artifact set-state "${A[@]}" --name "SOW" in-review
q --as pam artifact set-state "${A[@]}" --name "SOW" approved
q --as ada gate policy set --tenant acme artifacts.publish.sow L2
og --as pam artifact set-state "${A[@]}" --name "SOW" published >/dev/null 2>&1

# --- platform notes: one at L0, two at L1 (one overridden); globex: one waiting at L2
note() { og --as "$1" gate request --tenant "$2" platform.note --params '{"text":"n"}' --json | jq -r .gate_id; }
q --as ada gate policy set --tenant acme platform.note L0
note eve acme >/dev/null
q --as ada gate policy set --tenant acme platform.note L1
note eve acme >/dev/null
g_ovr=$(note eve acme)
q --as ada gate override "$g_ovr" --note "wrong"
q --as gus gate policy set --tenant globex platform.note L2
note gus globex >/dev/null

og_serve "$D" || exit 1
H="$OG_TMP/h"
req() { code=$(curl -s -o "$OG_TMP/b" -D "$H" -w '%{http_code}' "$@"); }
hdr() { tr -d '\r' <"$H" | grep -i "^$1:" | head -n 1 | cut -d' ' -f2-; }
want() { if [ "$2" = "$1" ]; then ok; else bad "$3: got '$2', want '$1'"; fi; }
has() { if grep -q -- "$1" "$OG_TMP/b"; then ok; else bad "$2: the page lacks '$1'"; fi; }
hasnt() { if grep -q -- "$1" "$OG_TMP/b"; then bad "$2: the page has '$1'"; else ok; fi; }
signin() {
  curl -s -o /dev/null -D "$H" -H "Origin: $OG_URL" --data-urlencode "token=$1" \
    "$OG_URL/console/sign-in"
  hdr set-cookie | cut -d';' -f1
}
c_ada=$(signin "$tok_ada"); c_cv=$(signin "$tok_cv"); c_gus=$(signin "$tok_gus"); c_pa=$(signin "$admin")
curl -s -H "Authorization: Bearer $admin" "$OG_URL/metrics" >"$OG_TMP/metrics"

# compare PAGE TENANT: every area's "All time" and open figures on the page (a file) against
# /metrics summed over kinds (and tenants when TENANT is ""); prints one line per mismatch.
compare() {
  python3 - "$1" "$OG_TMP/metrics" "$2" <<'EOF'
import re, sys
page, metrics, tenant = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
def metric(name, area, state=None):
    total = 0
    for m in re.finditer(r'^%s\{([^}]*)\} (\S+)$' % re.escape(name), metrics, re.M):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if labels.get("area") != area or (tenant and labels.get("tenant") != tenant):
            continue
        if state and labels.get("state") != state:
            continue
        total += int(float(m.group(2)))
    return total
areas = re.findall(r'<section aria-labelledby="area-([a-z0-9-]+)-heading"(.*?)</section>', page, re.S)
if not areas:
    print("no area sections on the page")
for area, body in areas:
    for key, win, tot in re.findall(r'<tr data-key="(\w+)"><th scope="row">[^<]*</th><td class="num">(\d+)</td><td class="num">(\d+)</td>', body):
        want = metric("opsgate_gate_%s_total" % key, area)
        if int(tot) != want:
            print("%s %s: the page says %s, /metrics %d" % (area, key, tot, want))
        if int(win) != want:  # every item is from this hour: the window holds them all
            print("%s %s in the window: the page says %s, /metrics %d" % (area, key, win, want))
    for state, word in (("pending", "approval"), ("review", "review")):
        m = re.search(r'>(\d+) %ss? (?:waiting|open)<' % word, body)
        want = metric("opsgate_gate_open", area, state)
        if not m or int(m.group(1)) != want:
            print("%s %s open: the page says %s, /metrics %d" % (area, state, m and m.group(1), want))
print("compared %d areas" % len(areas), file=sys.stderr)
EOF
}
same() { local diff; diff=$(compare "$OG_TMP/b" "$1" 2>/dev/null); [ -z "$diff" ] && ok || bad "$2: $diff"; }

# --- a tenant-admin: acme's figures, without JavaScript
req -b "$c_ada" "$OG_URL/console"; want 200 "$code" "ada's overview"
for id in area-certs-figures area-artifacts-figures area-platform-figures area-certs-hours timeline; do
  has "id=\"$id\"" "ada's overview has table $id"
done
has 'data-source="area-certs-hours"' "the hourly chart reads its table"
has '<a href="/console/inbox">1 approval waiting</a>' "the artifacts area links its waiting approval to the inbox"
has '<li class="health-warn"><a href="/console/inbox">1 approval waiting</a></li>' "health: 1 approval waiting"
has '<li class="health-warn"><a href="/console/inbox">2 reviews open</a></li>' "health: 2 reviews open (the deploy, a note)"
has 'certificate expires within 7 days</a>' "health: b expires within 7 days"
same acme "ada's overview equals /metrics"
grep -o '<tr data-t="[0-9]*"><th scope="row"><a href="[^"]*">[^<]*</a></th><td class="num">[0-9]*</td>' "$OG_TMP/b" |
  sed 's/.*>\([0-9]*\)<\/td>$/\1/' | awk '{s += $1} END {print s + 0}' >"$OG_TMP/tl"
want 2 "$(cat "$OG_TMP/tl")" "the expiry timeline holds both certificates"
hasnt "globex" "ada's overview names no other tenant"
req -b "$c_ada" "$OG_URL/console?timeline=day&window=7d"; want 200 "$code" "by day, over 7 days"
want 90 "$(grep -c '<tr data-t="[0-9]*"><th scope="row"><a href="/console/certificates' "$OG_TMP/b")" "90 days in the timeline"
want 168 "$(grep -c '<tr data-t="[0-9]*"><th scope="row">[0-9]' "$OG_TMP/b" | awk '{print $1/3}')" "168 hours per area over 7 days"

# --- the API: the same call
curl -s -H "Authorization: Bearer $tok_ada" "$OG_URL/api/v1/gate-stats" >"$OG_TMP/api"
want acme "$(jq -r .tenant "$OG_TMP/api")" "gate-stats: the token's tenant"
want 24 "$(jq -r '.hours | length' "$OG_TMP/api")" "gate-stats: 24 hours"
want 1 "$(jq -r '.areas[] | select(.area == "platform") | .totals.overrides' "$OG_TMP/api")" "gate-stats: the override"
want 1 "$(jq -r '.areas[] | select(.area == "artifacts") | .open.pending' "$OG_TMP/api")" "gate-stats: the approval waiting"
want 3 "$(jq -r '[.areas[] | select(.area == "platform") | .series.executed[]] | add' "$OG_TMP/api")" "gate-stats: 3 notes executed this hour"
req -H "Authorization: Bearer $tok_cv" "$OG_URL/api/v1/gate-stats"; want 403 "$code" "gate-stats: a client-viewer"
req -H "Authorization: Bearer $tok_ada" "$OG_URL/api/v1/gate-stats?tenant=globex"; want 404 "$code" "gate-stats: another tenant"
req -H "Authorization: Bearer $tok_ada" "$OG_URL/api/v1/gate-stats?window=40d"; want 400 "$code" "gate-stats: a window past 31 days"
req -H "Authorization: Bearer $admin" "$OG_URL/api/v1/gate-stats?window=7d"; want 200 "$code" "gate-stats: every tenant"
want 2 "$(jq -r '[.areas[].open.pending] | add' "$OG_TMP/b")" "gate-stats: globex's note waits too"

# --- a platform-admin: every tenant, then globex in the switcher
req -b "$c_pa" "$OG_URL/console"; want 200 "$code" "the platform-admin's overview"
has 'Figures for every tenant' "every tenant"
has '<li class="health-warn"><a href="/console/inbox">2 approvals waiting</a></li>' "health: acme's and globex's approvals"
same "" "the platform-admin's overview equals /metrics across tenants"
req -b "$c_pa" "$OG_URL/console?tenant=globex"; want 200 "$code" "the switcher: globex"
has 'Figures for globex' "globex's figures"
has '<a href="/console/inbox?tenant=globex">1 approval waiting</a>' "the inbox link keeps the tenant chosen"
same globex "globex's overview equals /metrics for globex"

# --- who sees what; bad input
req -b "$c_cv" "$OG_URL/console"; want 200 "$code" "the client-viewer's overview"
has 'href="/console/projects">Artifacts</a>' "the client-viewer is sent on to Artifacts"
hasnt 'area-' "the client-viewer sees no gate figures"
hasnt 'approvals waiting' "... and no pending counts"
req -b "$c_ada" "$OG_URL/console?tenant=globex"; want 404 "$code" "another tenant's overview"
req -b "$c_ada" "$OG_URL/console?tenant=nosuch"; want 404 "$code" "a missing tenant's overview"
req -b "$c_ada" "$OG_URL/console?window=forever"; want 400 "$code" "a bad window"
has "window" "the 400 page names the window"
req -b "$c_ada" "$OG_URL/console?timeline=month"; want 400 "$code" "a bad timeline step"
req -b "$c_gus" "$OG_URL/console"; want 200 "$code" "globex's admin"
hasnt "acme" "globex's admin sees nothing of acme"

# --- in a real browser
if ! "$SRC/scripts/console-test.sh" --install >"$OG_TMP/install.log" 2>&1 || ! command -v chromium >/dev/null; then
  echo "note: no browser ($(tail -n 1 "$OG_TMP/install.log")): the browser part is skipped" >&2
  og_done
fi
og_console_run overview_test.mjs 170 "the overview browser test" TOKEN_ADA="$tok_ada" \
  TOKEN_PA="$admin" TOKEN_CV="$tok_cv"
og_done
