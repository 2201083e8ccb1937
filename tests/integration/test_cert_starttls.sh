#!/usr/bin/env bash
# test_cert_starttls.sh - `cert scan --starttls` (src/certs/starttls.c in the epoll scanner)
# against real servers started on loopback high ports: dovecot (IMAP, POP3), slapd (LDAP),
# PostgreSQL 15 (ssl = on), and tests/certs/starttls_server.py for SMTP, FTP and XMPP (postfix and
# exim need root to start their master; the script speaks the same exchanges: EHLO/STARTTLS,
# AUTH TLS, stream features/<starttls/>/<proceed/>). Each serves its own certificate, recorded as
# for direct TLS; bad servers (no STARTTLS offered, a refusal, garbage, a server that never
# answers, a direct-TLS port) give their own not-tls/timeout result in the same scan without
# holding up the others. Skips (77) when slapd, dovecot or PostgreSQL are not installed.
. "$(dirname "$0")/lib.sh"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
for t in /usr/sbin/slapd /usr/sbin/dovecot "$PGBIN/initdb" python3 openssl; do
  [ -x "$t" ] || command -v "$t" >/dev/null 2>&1 ||
    { echo "SKIP: $t is not installed (scripts/deps.sh test)" >&2; exit 77; }
done
OG_TEST_TIMEOUT=180
SRC=${OG_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$OG_TMP
chmod 755 "$T"
pids=()
stop_all() {
  [ -f "$T/dv/dovecot.conf" ] && /usr/sbin/dovecot -c "$T/dv/dovecot.conf" stop 2>/dev/null
  [ -f "$T/pg/postmaster.pid" ] && runuser -u opsgate-pg -- "$PGBIN/pg_ctl" -D "$T/pg" -m immediate stop >/dev/null 2>&1
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  og_cleanup
}
trap stop_all EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# cert NAME CN: a self-signed certificate and key for CN, readable by the servers' users
cert() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/$1.key" -out "$T/$1.pem" -days 60 \
    -subj "/CN=$2" -addext "subjectAltName=DNS:$2" 2>/dev/null || bad "certificate $1"
  chmod 644 "$T/$1.key" "$T/$1.pem"
}
fp() { openssl x509 -in "$T/$1.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }
# wait_port PORT: until something listens there (10 s)
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
for c in mail ldap pg smtp; do cert "$c" "$c.test.example"; done

# --- dovecot: IMAP and POP3 with STARTTLS (its login processes run as its own users)
imap_port=$(free_port); pop3_port=$(free_port)
mkdir -p "$T/dv/run" "$T/dv/state"
cat >"$T/dv/dovecot.conf" <<EOF
base_dir = $T/dv/run
state_dir = $T/dv/state
instance_name = og-test-$$
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <$T/mail.pem
ssl_key = <$T/mail.key
log_path = $T/dv/log
passdb {
  driver = static
  args = password=x
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$T/dv/home
}
service imap-login {
  inet_listener imap {
    port = $imap_port
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $pop3_port
  }
  inet_listener pop3s {
    port = 0
  }
}
EOF
/usr/sbin/dovecot -c "$T/dv/dovecot.conf" 2>"$T/dv.err" || { echo "SKIP: dovecot does not start here: $(cat "$T/dv.err")" >&2; exit 77; }

# --- slapd: LDAP StartTLS, no database needed
ldap_port=$(free_port)
cat >"$T/slapd.conf" <<EOF
pidfile $T/slapd.pid
TLSCertificateFile $T/ldap.pem
TLSCertificateKeyFile $T/ldap.key
EOF
/usr/sbin/slapd -d 0 -f "$T/slapd.conf" -h "ldap://127.0.0.1:$ldap_port/" >"$T/slapd.log" 2>&1 &
pids+=($!)

# --- PostgreSQL 15 with ssl = on (initdb refuses root: the suite's opsgate-pg user)
pg_port=$(free_port)
if [ "$(id -u)" = 0 ]; then as_pg() { runuser -u opsgate-pg -- "$@"; }; else as_pg() { "$@"; }; fi
mkdir -p "$T/pg" && [ "$(id -u)" = 0 ] && chown opsgate-pg "$T/pg" "$T/pg.pem" "$T/pg.key"
chmod 600 "$T/pg.key"
as_pg "$PGBIN/initdb" -D "$T/pg" -A trust -U postgres >"$T/pg.log" 2>&1 || bad "initdb: $(tail -3 "$T/pg.log")"
cat >>"$T/pg/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$T/pg'
ssl = on
ssl_cert_file = '$T/pg.pem'
ssl_key_file = '$T/pg.key'
EOF
as_pg "$PGBIN/pg_ctl" -D "$T/pg" -l "$T/pg/log" -w start >/dev/null 2>&1 || bad "PostgreSQL: $(tail -3 "$T/pg/log")"

# --- the protocol script: SMTP, FTP, XMPP and the bad servers
python3 "$SRC/tests/certs/starttls_server.py" "$T/smtp.pem" "$T/smtp.key" "$T/ports" \
  smtp ftp xmpp smtp-nostarttls smtp-refuse ftp-noauth xmpp-nostarttls garbage slow \
  >"$T/script.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$T/ports" ] && break; sleep 0.1; done
port() { awk -v m="$1" '$1 == m { print $2 }' "$T/ports"; }
for p in "$imap_port" "$pop3_port" "$ldap_port" "$pg_port" "$(port smtp)"; do
  wait_port "$p" && ok || bad "nothing listens on $p"
done

D=$T/data
og_init "$D" >/dev/null || exit 1
og() { "$OPSGATE" --data "$D" "$@"; }
og tenant create acme >/dev/null || exit 1

# scan PROTO TARGET...: a scan with --starttls PROTO; its JSON in $scan
scan() {
  local proto=$1; shift
  scan=$(og cert scan --tenant acme --starttls "$proto" --timeout 3000 --json "$@" 2>"$T/err") ||
    bad "scan --starttls $proto $*: $(cat "$T/err")"
}
res() { echo "$scan" | jq -r --arg t "$1" ".results[] | select(.target == \$t) | .$2"; }
expect_ok() {   # TARGET CERT PROTO
  local st; st=$(res "$1" status)
  [ "$st" = ok ] && ok || bad "$3 $1: status $st: $(res "$1" error)"
  [ "$(res "$1" fingerprint)" = "$(fp "$2")" ] && ok || bad "$3 $1: not the $2 certificate"
  [ "$(res "$1" starttls)" = "$3" ] && ok || bad "$3 $1: starttls '$(res "$1" starttls)'"
}
expect_bad() {   # TARGET STATUS TEXT
  [ "$(res "$1" status)" = "$2" ] && ok || bad "$1: want $2, got $(res "$1" status) ($(res "$1" error))"
  res "$1" error | grep -qF -- "$3" && ok || bad "$1: error '$(res "$1" error)' lacks '$3'"
}

scan smtp "127.0.0.1:$(port smtp)"; expect_ok "127.0.0.1:$(port smtp)" smtp smtp
scan imap "127.0.0.1:$imap_port"; expect_ok "127.0.0.1:$imap_port" mail imap
scan pop3 "127.0.0.1:$pop3_port"; expect_ok "127.0.0.1:$pop3_port" mail pop3
scan ldap "127.0.0.1:$ldap_port"; expect_ok "127.0.0.1:$ldap_port" ldap ldap
scan ftp "127.0.0.1:$(port ftp)"; expect_ok "127.0.0.1:$(port ftp)" smtp ftp
scan xmpp "localhost:$(port xmpp)"; expect_ok "localhost:$(port xmpp)" smtp xmpp
scan postgres "127.0.0.1:$pg_port"; expect_ok "127.0.0.1:$pg_port" pg postgres

# recorded as for direct TLS: in the inventory, seen at the endpoint
og cert show --tenant acme "$(fp ldap)" --json >"$T/show.json" 2>"$T/err" && ok || bad "cert show ldap: $(cat "$T/err")"
jq -e --arg t "127.0.0.1:$ldap_port" '[.. | strings | select(. == $t)] | length > 0' "$T/show.json" >/dev/null &&
  ok || bad "the LDAP certificate's sighting names 127.0.0.1:$ldap_port"

# bad servers, in one scan with a good one: each its own result, the slow one cut at the timeout
slow_start=$(date +%s%N)
scan smtp "127.0.0.1:$(port smtp-nostarttls)" "127.0.0.1:$(port smtp-refuse)" \
  "127.0.0.1:$(port garbage)" "127.0.0.1:$(port slow)" "127.0.0.1:$(port smtp)"
elapsed_ms=$(( ($(date +%s%N) - slow_start) / 1000000 ))
expect_bad "127.0.0.1:$(port smtp-nostarttls)" not-tls "SMTP STARTTLS: the server does not offer STARTTLS"
expect_bad "127.0.0.1:$(port smtp-refuse)" not-tls "SMTP STARTTLS: the server refused STARTTLS ('454 4.7.0 TLS not available"
expect_bad "127.0.0.1:$(port garbage)" not-tls "SMTP STARTTLS: not an answer of the protocol"
expect_bad "127.0.0.1:$(port slow)" timeout "the STARTTLS exchange did not finish in time"
[ "$(res "127.0.0.1:$(port smtp)" status)" = ok ] && ok || bad "the good SMTP server beside the bad ones"
[ "$elapsed_ms" -lt 8000 ] && ok || bad "the scan took ${elapsed_ms} ms: a bad server held it up"
scan ftp "127.0.0.1:$(port ftp-noauth)"
expect_bad "127.0.0.1:$(port ftp-noauth)" not-tls "FTP STARTTLS: the server does not offer AUTH TLS"
scan xmpp "127.0.0.1:$(port xmpp-nostarttls)"
expect_bad "127.0.0.1:$(port xmpp-nostarttls)" not-tls "XMPP STARTTLS: the server does not offer STARTTLS"
# the wrong protocol: IMAP spoken to the SMTP server, SMTP to LDAP, LDAP to PostgreSQL
scan imap "127.0.0.1:$(port smtp)"
expect_bad "127.0.0.1:$(port smtp)" not-tls "IMAP STARTTLS: the server's greeting is not * OK"
scan postgres "127.0.0.1:$(port smtp)"
expect_bad "127.0.0.1:$(port smtp)" not-tls "PostgreSQL STARTTLS: not a PostgreSQL server"
scan ldap "127.0.0.1:$pg_port"
expect_bad "127.0.0.1:$pg_port" not-tls "closed"

# usage: an unknown protocol is refused before anything is scanned
og cert scan --tenant acme --starttls smtps "127.0.0.1:$ldap_port" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && grep -q "unknown STARTTLS protocol 'smtps'" "$T/err" && ok ||
  bad "--starttls smtps: want exit 2 naming it, got $rc: $(cat "$T/err")"
# none and auto on a high port: direct TLS (auto chooses by port: unit test test_starttls)
scan auto "127.0.0.1:$(port smtp)"
expect_bad "127.0.0.1:$(port smtp)" not-tls "does not speak TLS"

# scheduled scans keep their STARTTLS mode (certs schema step 9) and speak it at every run:
# the SMTP server with --starttls smtp, the same endpoint without it (direct TLS: not-tls), LDAP
# by auto on a named high port (direct TLS there), all run by one --run-due
smtp_t="127.0.0.1:$(port smtp)"
sid_stls=$(og cert schedule --tenant acme --every 1h --starttls smtp --timeout 3000 "$smtp_t" 2>"$T/err") ||
  bad "schedule --starttls smtp: $(cat "$T/err")"
sid_plain=$(og cert schedule --tenant acme --every 1h --timeout 3000 "$smtp_t" 2>"$T/err") ||
  bad "schedule without --starttls: $(cat "$T/err")"
og cert schedule --tenant acme --every 1h --starttls smtps "$smtp_t" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 2 ] && grep -q "unknown STARTTLS protocol 'smtps'" "$T/err" && ok ||
  bad "schedule --starttls smtps: want exit 2 naming it, got $rc: $(cat "$T/err")"
out=$(og cert schedule --run-due 2>"$T/err") || bad "schedule --run-due: $(cat "$T/err")"
[ "$out" = "ran 2 scheduled scans" ] && ok || bad "run-due: $out"
sched=$(og cert schedule --tenant acme --list --json)
sfield() { jq -r --arg id "$1" ".schedules[] | select(.id == \$id) | $2" <<<"$sched"; }
[ "$(sfield "$sid_stls" .starttls)" = smtp ] && [ "$(sfield "$sid_plain" .starttls)" = none ] && ok ||
  bad "schedule list starttls: $(sfield "$sid_stls" .starttls) / $(sfield "$sid_plain" .starttls)"
[ "$(sfield "$sid_stls" .last_result.status)" = done ] && [ "$(sfield "$sid_stls" .last_result.ok)" = 1 ] && ok ||
  bad "the STARTTLS schedule's run: $(sfield "$sid_stls" .last_result)"
[ "$(sfield "$sid_plain" .last_result.ok)" = 0 ] && ok ||
  bad "the direct-TLS schedule of the SMTP port found a certificate: $(sfield "$sid_plain" .last_result)"
table=$(og cert schedule --tenant acme --list)
grep -q "STARTTLS" <<<"$table" && grep -q " smtp " <<<"$table" && ok || bad "schedule table: $table"
# the audit record of the schedule names its mode
og audit export --tenant acme --format jsonl 2>/dev/null >"$T/audit.jsonl" || true
grep -q '"starttls":"smtp"' "$T/audit.jsonl" && ok || bad "certs.schedule.add lacks starttls"

og_done
