#!/usr/bin/env bash
# deps.sh - install the Debian packages opsgate needs to build and test; a no-op when all are present.
#
# Usage: scripts/deps.sh [build|test|all]   (default: all)
# Idempotent: it asks dpkg which packages are missing and installs only those.
set -euo pipefail

# librsvg2-dev draws SVG logos (opsgate brand); the fonts are what PDFs are set in: DejaVu, with
# Noto CJK as the fallback for Chinese, Japanese and Korean text. gzip compresses the web console's
# assets (htmx, uPlot: web/package-lock.json) that the build embeds; liblinear-dev fits the
# inference step's logistic regression models (src/infer/); npm fetches them (web_assets
# below installs Debian's nodejs and npm when no npm is on the PATH). libzip-dev packs DOCX
# documents (and opens uploaded ones); libxml2-dev reads uploaded HTML and DOCX text and
# libpoppler-glib-dev uploaded PDFs' text for the document classifier (src/infer/doc_text.c).
# python3 and python3-yaml merge the OpenAPI document (api/, tools/openapi-merge.py)
# that the build compiles in. libarchive-dev writes and reads backups (tar + zstd, src/backup/).
BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config clang-format clang libclang-rt-14-dev
  libssl-dev libcurl4-openssl-dev libjansson-dev libsqlite3-dev
  libmicrohttpd-dev libcmark-dev libcairo2-dev libpango1.0-dev libzstd-dev zlib1g-dev
  uuid-dev libcmocka-dev libgnutls28-dev libutf8proc-dev librsvg2-dev
  fonts-dejavu-core fonts-noto-cjk gzip libp11-kit-dev libzip-dev liblinear-dev
  libxml2-dev libpoppler-glib-dev libarchive-dev
  python3 python3-yaml
)
# What the test suite runs against (real servers, not mocks) and the benchmarks' peers:
#   curl jq        HTTP integration tests          sqlite3     tamper tests on the database file
#   nginx-light    certs scans, deploy targets     haproxy     deploy targets (runtime API)
#   pebble knot    ACME server and RFC 2136 DNS    poppler-utils  pdftotext reads generated PDFs
#   nmap prometheus-blackbox-exporter  certs bench peers;  pandoc  docgen bench peer;  git  artifacts bench peer
#   lego certbot   ACME issuance bench peers (bench/acme_bench.sh)
#   wrk            mixed load bench (bench/load_bench.sh)   sslscan  TLS listener scan (test_serve_tls_scan.sh)
#   nodejs npm     ajv-cli validates the OSCAL export; @redocly/cli lints the OpenAPI document
#                  and ajv validates the API's responses against it (tools/node)
#   python3        the authorization matrix (tests/authz, tools/authz-doc.py)
#   chromium       the console's browser tests (Playwright drives it headless)
#   softhsm2       a PKCS#11 token for the customer-managed key tests (libp11-kit-dev: its headers)
#   zsh man-db groff-base bash-completion   the completion scripts and man pages (test_shell.sh)
#   libreoffice-writer-nogui   converts generated DOCX to PDF and text (test_generate_docx.sh)
#   slapd dovecot-imapd dovecot-pop3d   STARTTLS peers of the certs scanner (test_cert_starttls.sh)
#   golang-go golang-golang-x-mod-dev   an independent checkpoint verifier and tlog-witness (tests/audit/go)
#   python3-icalendar   parses the certificate calendar (test_cert_alerts.sh, test_http_cert_calendar.sh)
TEST_PKGS=(
  curl openssl sqlite3 jq ca-certificates procps git python3
  nginx-light haproxy pebble knot poppler-utils
  nmap prometheus-blackbox-exporter pandoc lego certbot wrk sslscan chromium softhsm2
  zsh man-db groff-base bash-completion libreoffice-writer-nogui slapd dovecot-imapd dovecot-pop3d
  golang-go golang-golang-x-mod-dev python3-icalendar
)

what=${1:-all}
case "$what" in
  build) want=("${BUILD_PKGS[@]}") ;;
  test|all) want=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}") ;;
  *) echo "deps.sh: unknown set '$what' (build, test or all)" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The web console's build-time assets (web/package.json, pinned by web/package-lock.json): npm ci
# into web/node_modules when they are missing or older than the lock file. Nothing of it runs at
# run time: web/embed.cmake compiles the files into the binary.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
web_assets() {
  local web
  web="$(cd "$(dirname "$0")/.." && pwd)/web"
  if [ -f "$web/node_modules/.package-lock.json" ] &&
     ! [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "deps.sh: installing nodejs and npm" >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  echo "deps.sh: installing the console's assets (npm ci in web/)" >&2
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

# The tests' npm tools (tools/node/package.json, pinned by its package-lock.json: ajv, Redocly
# CLI, Prism): npm ci when they are missing or older than the lock file. Only for the test set.
node_tools() {
  [ "$what" = build ] && return 0
  local tools
  tools="$(cd "$(dirname "$0")/.." && pwd)/tools/node"
  if [ -f "$tools/node_modules/.package-lock.json" ] &&
     ! [ "$tools/package-lock.json" -nt "$tools/node_modules/.package-lock.json" ]; then
    return 0
  fi
  echo "deps.sh: installing the tests' npm tools (npm ci in tools/node)" >&2
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

if [ ${#missing[@]} -eq 0 ]; then
  web_assets
  node_tools
  exit 0
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they are missing or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
  $SUDO apt-get update -qq
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
web_assets
node_tools
