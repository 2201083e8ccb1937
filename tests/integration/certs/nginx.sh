#!/usr/bin/env bash
# nginx.sh - start nginx as the current user on loopback with its own prefix, config and pid.
#   nginx.sh start DIR CONF_BODY_FILE   (CONF_BODY_FILE: server blocks; DIR gets logs and pid)
#   nginx.sh stop DIR
# Exit 77 when nginx is not installed (the caller passes it on: test skipped).
set -euo pipefail
cmd=$1 dir=$2
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
case "$cmd" in
start)
  body=$3
  [ -x "$NGINX" ] || { echo "nginx not installed (run scripts/test-deps.sh)" >&2; exit 77; }
  mkdir -p "$dir/logs" "$dir/tmp"
  user_line=""
  [ "$(id -u)" -eq 0 ] && user_line="user root;"
  cat > "$dir/nginx.conf" <<CONF
$user_line
worker_processes 2;
worker_rlimit_nofile 65536;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 16384; multi_accept on; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache off;
  ssl_session_tickets off;
  include $body;
}
CONF
  # Debian's openssl.cnf would refuse the RSA-1024 and SHA-1 test certificates at load time.
  OPENSSL_CONF=${OPENSSL_CONF:-} "$NGINX" -e "$dir/logs/error.log" -p "$dir" -c "$dir/nginx.conf" \
    >"$dir/logs/start.log" 2>&1 || { cat "$dir/logs/start.log" "$dir/logs/error.log" >&2; exit 1; }
  for _ in $(seq 50); do [ -s "$dir/nginx.pid" ] && break; sleep 0.1; done
  ;;
stop)
  if [ -s "$dir/nginx.pid" ]; then
    pid=$(cat "$dir/nginx.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  ;;
esac
